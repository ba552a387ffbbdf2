# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Webhook events of e-conomic ("Customer updated") and the safety-net poll.

The webhook route (``controllers/economic_webhook.py``) only stores an event row
and triggers the cron ``crm_sync_economic_event_cron`` (seen by the cron runner
once the request commits). The cron takes the pending events of enabled
backends in arrival order, locked ``FOR UPDATE SKIP LOCKED`` (an event is never
processed by two workers), fetches each distinct customer once (duplicates and
replays coalesce), follows renumberings, removes the links of deleted customers
and hands the customers to ``_crm_sync_economic_receive``. Each event ends
*done* or, after ``MAX_ATTEMPTS`` failed tries (1, 4, 16, 64 min apart),
*failed* with its error. Events of a disabled backend wait.

Webhooks are not guaranteed: ``crm_sync_economic_poll`` (cron every few
minutes, and XML-RPC) also fetches the customers changed since the last poll
minus a margin.
"""

import logging
import threading
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..utils.economic_client import (
    EconomicAuthError,
    EconomicError,
    EconomicNotFound,
    filter_clause,
)

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: events taken per cron transaction
BATCH_SIZE = 200
#: the poll asks for customers changed since the last poll minus this
POLL_MARGIN = timedelta(minutes=10)
#: a first poll looks this far back
POLL_FIRST = timedelta(hours=1)
#: errors that mean "another transaction works on the same customer": retried
CONCURRENCY_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.UniqueViolation,
    psycopg2.errors.LockNotAvailable,
)


def retry_delay(attempts):
    """Delay before the next try after ``attempts`` failed ones: 1, 4, 16, 64 min."""
    return timedelta(minutes=4 ** (attempts - 1))


class CrmSyncEconomicEvent(models.Model):
    _name = "crm.sync.economic.event"
    _description = "e-conomic Webhook Event"
    _order = "id desc"
    _rec_name = "new_number"

    backend_id = fields.Many2one(
        "crm.sync.economic.backend",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    old_number = fields.Integer(readonly=True)
    new_number = fields.Integer(required=True, readonly=True)
    received_at = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_try = fields.Datetime(
        readonly=True, default=fields.Datetime.now, help="Not processed before."
    )
    done_on = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)

    # ------------------------------------------------------------------
    # Storing (webhook request)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_store(self, backend, old_number, new_number):
        """Store one event (superuser: the webhook route checked the secret)
        and wake the cron up once the request commits."""
        event = self.sudo().create(
            {
                "backend_id": backend.id,
                "old_number": old_number or new_number,
                "new_number": new_number,
            }
        )
        self.env.ref("crm_sync.crm_sync_economic_event_cron").sudo()._trigger()
        return event

    def action_crm_sync_retry(self):
        """Process these events again (CRM Sync managers)."""
        if not self.env.user.has_group("crm_sync.crm_sync_group_manager"):
            raise AccessError(
                self.env._("Only CRM Sync managers may retry e-conomic events.")
            )
        # sudo: events are read-only to users; a manager may only reschedule them
        self.filtered(lambda e: e.state != "done").sudo().write(
            {"state": "pending", "attempts": 0, "next_try": fields.Datetime.now()}
        )
        self.env.ref("crm_sync.crm_sync_economic_event_cron").sudo()._trigger()
        return True

    # ------------------------------------------------------------------
    # Processing (cron)
    # ------------------------------------------------------------------

    @api.model
    def _cron_process(self):
        """Process the due events, a batch per transaction (committed, except
        in tests); Odoo calls the cron again at once while events are due."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        events = self._crm_sync_take_due()
        for backend, mine in events.grouped("backend_id").items():
            backend._crm_sync_economic_process_events(mine)
        if auto_commit:
            # Cron only: the batch's work and its events' states together.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        done = len(events)
        remaining = self.search_count(self._crm_sync_due_domain())
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.model
    def _crm_sync_due_domain(self):
        return [
            ("state", "=", "pending"),
            ("next_try", "<=", fields.Datetime.now()),
            ("backend_id.enabled", "=", True),
        ]

    @api.model
    def _crm_sync_take_due(self):
        """The due events of enabled backends no other worker holds, oldest
        first, locked until the end of the transaction."""
        self.flush_model()
        self.env["crm.sync.economic.backend"].flush_model(["enabled"])
        rows = self.env.execute_query(
            SQL(
                """SELECT e.id FROM %(events)s e
                     JOIN %(backends)s b ON b.id = e.backend_id
                    WHERE e.state = 'pending' AND e.next_try <= %(now)s
                      AND b.enabled AND b.active
                    ORDER BY e.id LIMIT %(limit)s
                      FOR UPDATE OF e SKIP LOCKED""",
                events=SQL.identifier(self._table),
                backends=SQL.identifier(self.env["crm.sync.economic.backend"]._table),
                now=fields.Datetime.now(),
                limit=BATCH_SIZE,
            )
        )
        return self.browse(row[0] for row in rows)

    def _crm_sync_done(self):
        self.write({"state": "done", "done_on": fields.Datetime.now(), "error": False})

    def _crm_sync_failed(self, message):
        """A failed try: retried later, up to MAX_ATTEMPTS, then failed."""
        for event in self:
            attempts = event.attempts + 1
            vals = {"attempts": attempts, "error": message}
            if attempts >= MAX_ATTEMPTS:
                vals["state"] = "failed"
            else:
                vals["next_try"] = fields.Datetime.now() + retry_delay(attempts)
            event.write(vals)
        if any(event.state == "pending" for event in self):
            self.env.ref("crm_sync.crm_sync_economic_event_cron")._trigger(
                fields.Datetime.now() + retry_delay(min(self.mapped("attempts")))
            )

    def _crm_sync_postpone(self):
        """Another transaction works on the same customer: try again at once
        (in a new transaction, which sees its work)."""
        self.write({"next_try": fields.Datetime.now()})
        self.env.ref("crm_sync.crm_sync_economic_event_cron")._trigger()


class CrmSyncEconomicBackend(models.Model):
    _inherit = "crm.sync.economic.backend"

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------

    def _crm_sync_economic_process_events(self, events):
        """Process ``events`` of this backend (locked by the caller): one GET
        per distinct customer, in arrival order."""
        self.ensure_one()
        by_number = {}
        for event in events.sorted("id"):
            by_number.setdefault(event.new_number, events.browse())
            by_number[event.new_number] |= event
        try:
            client = self._crm_sync_economic_client()
        except (EconomicError, UserError) as error:
            events._crm_sync_failed(self._crm_sync_economic_error_text(error))
            return
        fetched, gone = {}, []
        with client:
            for number, mine in by_number.items():
                try:
                    fetched[number] = client.get_customer(number)
                except EconomicNotFound:
                    gone.append(number)
                except EconomicError as error:
                    mine._crm_sync_failed(self._crm_sync_economic_error_text(error))
        for number in gone:
            olds = set(by_number[number].mapped("old_number")) | {number}
            self._crm_sync_economic_safely(
                by_number[number],
                lambda olds=olds: self._crm_sync_economic_deleted(olds),
            )
        self._crm_sync_economic_receive_fetched(fetched, by_number)

    def _crm_sync_economic_receive_fetched(self, fetched, by_number):
        """Renumber, then receive the fetched customers: the whole batch in one
        savepoint, customer by customer when it fails."""
        if not fetched:
            return

        def receive(numbers):
            for number in numbers:
                for old in set(by_number[number].mapped("old_number")) - {number, 0}:
                    self._crm_sync_economic_renumber(old, number)
            self._crm_sync_economic_receive([fetched[n] for n in numbers])

        events = self.env["crm.sync.economic.event"].union(
            *(by_number[number] for number in fetched)
        )
        try:
            with self.env.cr.savepoint():
                receive(list(fetched))
            events._crm_sync_done()
            return
        except Exception:  # noqa: BLE001 - redone customer by customer below
            self.env.invalidate_all()
        for number in fetched:
            self._crm_sync_economic_safely(
                by_number[number], lambda number=number: receive([number])
            )

    def _crm_sync_economic_safely(self, events, work):
        """Run ``work()`` in a savepoint; ``events`` end done, postponed (a
        concurrent transaction works on the same customer) or failed."""
        try:
            with self.env.cr.savepoint():
                work()
        except CONCURRENCY_ERRORS as error:
            self.env.invalidate_all()
            _logger.info("e-conomic events %s postponed: %s", events.ids, error)
            events._crm_sync_postpone()
        except Exception as error:  # noqa: BLE001 - kept on the event, retried
            self.env.invalidate_all()
            _logger.info("e-conomic events %s failed", events.ids, exc_info=True)
            events._crm_sync_failed(self._crm_sync_economic_error_text(error))
        else:
            events._crm_sync_done()

    def _crm_sync_economic_error_text(self, error):
        if isinstance(error, EconomicError):
            return self._crm_sync_economic_error_message(error)
        return str(error.args[0]) if error.args else repr(error)

    def _crm_sync_economic_renumber(self, old, new):
        """e-conomic renumbered customer ``old`` to ``new``: the link follows
        (no second partner). Nothing to do when ``new`` is linked already."""
        Link = self._crm_sync_economic_link_model()
        links = Link.search(
            [("backend_id", "=", self.id), ("customer_number", "in", [old, new])]
        )
        links._crm_sync_lock_rows()
        if links.filtered(lambda link: link.customer_number == new):
            return
        links.write({"customer_number": new, "remote_id": str(new)})

    def _crm_sync_economic_deleted(self, numbers):
        """The customers ``numbers`` are gone from e-conomic (404): their links
        are removed, the partners kept with a chatter note."""
        Link = self._crm_sync_economic_link_model()
        links = Link.search(
            [("backend_id", "=", self.id), ("customer_number", "in", list(numbers))]
        )
        if not links:
            return
        links._crm_sync_lock_rows()
        bodies = {
            link.record_id.id: Markup("%s")
            % self.env._(
                "This customer (number %(number)s) was deleted in e-conomic "
                "(%(backend)s): the link was removed, the contact is kept.",
                number=link.customer_number,
                backend=self.name,
            )
            for link in links
        }
        self.env["res.partner"].browse(list(bodies))._message_log_batch(bodies=bodies)
        links.unlink()

    # ------------------------------------------------------------------
    # Safety-net poll
    # ------------------------------------------------------------------

    def crm_sync_economic_poll(self):
        """XML-RPC and cron: fetch the customers changed in e-conomic since the
        last poll (minus a margin) and receive them now.

        :return: the number of customers fetched
        """
        self._crm_sync_economic_check_manager()
        total = 0
        for backend in self.sudo():  # sudo: tokens; checked above
            if not backend.enabled:
                raise UserError(
                    self.env._(
                        "The e-conomic integration %(name)s is disabled.",
                        name=backend.name,
                    )
                )
            total += backend._crm_sync_economic_poll()
        return total

    def write(self, vals):
        res = super().write(vals)
        if vals.get("enabled"):
            # events stored while the integration was off: processed now
            self.env.ref("crm_sync.crm_sync_economic_event_cron").sudo()._trigger()
        return res

    def _crm_sync_economic_pending_event_counts(self):
        counts = super()._crm_sync_economic_pending_event_counts()
        # sudo: a count shown on the backend form
        for backend, count in (
            self.env["crm.sync.economic.event"]
            .sudo()
            ._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "pending")],
                ["backend_id"],
                ["__count"],
            )
        ):
            counts[backend.id] = counts.get(backend.id, 0) + count
        return counts

    def action_crm_sync_economic_poll(self):
        """The button: poll now and say how many customers came."""
        fetched = self.crm_sync_economic_poll()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s customers fetched from e-conomic.", count=fetched
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _crm_sync_economic_poll(self):
        self.ensure_one()
        started = fields.Datetime.now()
        since = (self.last_poll or started - POLL_FIRST + POLL_MARGIN) - POLL_MARGIN
        since_filter = filter_clause(
            "lastUpdated", "gt", since.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        fetched = 0
        try:
            with self._crm_sync_economic_client() as client:
                polled = set()
                for _page, customers, _has_next in client.iter_customers(
                    filter=since_filter
                ):
                    contacts = {
                        customer["customerNumber"]: client.get_contacts(
                            customer["customerNumber"]
                        )
                        for customer in customers
                    }
                    self._crm_sync_economic_receive(customers, contacts)
                    polled |= set(contacts)
                    fetched += len(customers)
                self._crm_sync_economic_poll_contacts(client, since_filter, polled)
        except EconomicError as error:
            raise UserError(self._crm_sync_economic_error_message(error)) from error
        self.write({"last_poll": started})
        return fetched

    def _crm_sync_economic_poll_contacts(self, client, since_filter, polled):
        """Contacts changed since the last poll whose customer did not change
        (a contact change may not touch the customer): the full contact list
        of those linked customers, synced. Skipped when the OpenAPI Contacts
        service refuses (contacts then come with their customer's changes)."""
        changed = set()
        try:
            for page in client.iter_all_contacts(filter=since_filter):
                changed |= {
                    (contact.get("customer") or {}).get("customerNumber")
                    for contact in page
                }
        except (EconomicAuthError, EconomicNotFound) as error:
            _logger.info("e-conomic contacts cursor refused (%s)", error)
            return
        links = self._crm_sync_economic_lock_links(list(changed - polled - {None}))
        if links:
            self._crm_sync_economic_receive_contacts(
                links,
                {n: client.get_contacts(n) for n in links.mapped("customer_number")},
            )

    @api.model
    def _cron_crm_sync_economic_poll(self):
        """Cron: poll every enabled backend; one failing does not stop the others."""
        for backend in self.search([("enabled", "=", True)]):
            try:
                with self.env.cr.savepoint():
                    backend._crm_sync_economic_poll()
            except (UserError, *CONCURRENCY_ERRORS) as error:
                _logger.info("e-conomic poll of %s failed: %s", backend.name, error)
                backend.write({"last_error": str(error)})
