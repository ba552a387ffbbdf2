# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The push queue: remote writes happen after commit, never in a user's request.

``_crm_sync_enqueue(records)`` (any records with a ``_crm_sync_push()`` method,
usually bindings) adds one pending row per record and triggers the cron
``crm_sync_push_cron``: the trigger is only seen by the cron runner once the
transaction commits, so nothing is sent for a transaction that rolls back and
no HTTP call happens inside the request. The cron pushes each record once (rows
for the same record coalesce), commits after each, and retries a failed push
with a growing delay, ``MAX_ATTEMPTS`` times at most; the error is kept on the
row and given to ``record._crm_sync_push_failed(message)`` (a binding shows it
in ``last_error``).
"""

import logging
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH_SIZE = 50
#: done pushes are forgotten after this many days (failed ones stay for a manager)
KEEP_DONE_DAYS = 30


def retry_delay(attempts):
    """Delay before the next try after ``attempts`` failed ones: 1, 4, 16, 64 min."""
    return timedelta(minutes=4 ** (attempts - 1))


class CrmSyncPush(models.Model):
    _name = "crm.sync.push"
    _description = "Queued Push to a Remote System"
    _order = "next_try, id"
    _rec_name = "res_model"

    res_model = fields.Char(string="Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Record", model_field="res_model", required=True, readonly=True
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
        default=fields.Datetime.now, required=True, readonly=True, index=True
    )
    last_error = fields.Text(readonly=True)
    done_on = fields.Datetime(readonly=True)

    # ------------------------------------------------------------------
    # Queueing (in the user's transaction)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_enqueue(self, records):
        """Queue a push of ``records`` and wake the cron up after commit."""
        if not records:
            return self.browse()
        # sudo: the queue is technical; callers decided what may be pushed
        Push = self.sudo()
        pending = Push.search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("state", "=", "pending"),
            ]
        )
        now = fields.Datetime.now()
        pending.write({"next_try": now})  # a new change: try again soon
        queued = set(pending.mapped("res_id"))
        pending |= Push.create(
            [
                {"res_model": records._name, "res_id": res_id, "next_try": now}
                for res_id in records.ids
                if res_id not in queued
            ]
        )
        # sudo: waking the cron up is all a user may cause; it runs as its own user
        self.env.ref("crm_sync.crm_sync_push_cron").sudo()._trigger()
        return pending

    def action_crm_sync_retry(self):
        """Try these failed or waiting pushes again now (CRM Sync managers)."""
        if not self.env.user.has_group("crm_sync.crm_sync_group_manager"):
            raise AccessError(
                self.env._("Only CRM Sync managers may retry pushes to remote systems.")
            )
        todo = self.filtered(lambda push: push.state != "done")
        # sudo: rows are read-only to users; a manager may only reschedule them
        todo.sudo().write(
            {"state": "pending", "attempts": 0, "next_try": fields.Datetime.now()}
        )
        if todo:
            # sudo: waking the cron up; it runs as its own user
            self.env.ref("crm_sync.crm_sync_push_cron").sudo()._trigger()
        return True

    # ------------------------------------------------------------------
    # Processing (cron, after commit)
    # ------------------------------------------------------------------

    @api.model
    def _cron_process(self):
        """Push what is due, committing after each record (not in tests)."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        processed = self._crm_sync_process(commit=auto_commit)
        # Odoo's cron progress: the cron runs again at once while rows are due
        due = self.search_count(
            [("state", "=", "pending"), ("next_try", "<=", fields.Datetime.now())]
        )
        self.env["ir.cron"]._notify_progress(done=processed, remaining=due)
        return processed

    @api.model
    def _crm_sync_take_due(self):
        """Lock the due rows no other worker is processing; one per record."""
        self.flush_model(["state", "next_try"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE state = 'pending' AND next_try <= %s"
                " ORDER BY next_try, id LIMIT %s FOR UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                fields.Datetime.now(),
                BATCH_SIZE,
            )
        )
        return self.browse(row[0] for row in rows).grouped(
            lambda row: (row.res_model, row.res_id)
        )

    @api.model
    def _crm_sync_process(self, commit=False):
        """Push the due records once each. :return: the number of records."""
        groups = self._crm_sync_take_due()
        for (model, res_id), rows in groups.items():
            rows._crm_sync_push_one(model, res_id)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(groups)

    def _crm_sync_push_one(self, model, res_id):
        record = self.env[model].browse(res_id).exists() if model in self.env else None
        if not record:
            self.write(
                {"state": "failed", "last_error": self.env._("The record was deleted.")}
            )
            return
        try:
            with self.env.cr.savepoint():
                record._crm_sync_push()
        except Exception as exc:  # noqa: BLE001 - any failure is retried, then kept
            _logger.info("crm_sync: push of %s failed: %s", record, exc)
            self._crm_sync_failed(record, str(exc) or type(exc).__name__)
        else:
            self.write(
                {"state": "done", "done_on": fields.Datetime.now(), "last_error": False}
            )

    @api.autovacuum
    def _gc_done_pushes(self):
        """Forget pushes done more than ``KEEP_DONE_DAYS`` ago: the queue does
        not grow with every change ever pushed. Failed rows stay for a manager."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DONE_DAYS)
        self.search([("state", "=", "done"), ("done_on", "<", limit)]).unlink()

    def _crm_sync_failed(self, record, message):
        attempts = max(self.mapped("attempts")) + 1
        if attempts >= MAX_ATTEMPTS:
            vals = {"state": "failed"}
        else:
            vals = {"next_try": fields.Datetime.now() + retry_delay(attempts)}
            self.env.ref("crm_sync.crm_sync_push_cron")._trigger(vals["next_try"])
        self.write({**vals, "attempts": attempts, "last_error": message})
        if hasattr(record, "_crm_sync_push_failed"):
            record._crm_sync_push_failed(message)
