# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Links to e-conomic: partner ↔ customer, child person ↔ customer contact.

Both are ``crm.sync.binding`` links (agreed values, three-way rule, resolve
hook, push queue; docs/ARCHITECTURE.md). A link is created *before* its remote
record when the push policy sends a new customer: it then has no number yet
(state *Not yet in e-conomic*, ``remote_id`` ``new-<partner id>``) and its first
push creates the customer with an ``Idempotency-Key`` derived from the
database, the backend and the partner, so that a retried create never makes
two customers.

Pushes run in the push cron (``crm.sync.push``), after the user's transaction
commits; ``_crm_sync_economic_send()`` is also what the synchronous XML-RPC
``res.partner.crm_sync_economic_push`` calls. An update is a read-modify-write
(``client.update_customer``): only the fields the CRM changed since the last
agreement are sent, plus those a user chose to keep (Keep in Check data,
"crm" in Compare); a field changed on both sides is not sent, the incoming sync
turns it into a proposal.
"""

import hashlib
import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..utils import economic_mapping, three_way
from ..utils.economic_client import EconomicError

LINK_STATES = [
    ("to_create", "Not yet in e-conomic"),
    ("pending", "Waiting to Be Sent"),
    ("in_sync", "In Sync"),
    ("differs", "Differs"),
    ("error", "Error"),
]
#: Fields sent together because e-conomic holds them in one property.
JOINED_FIELDS = {"street": ("street", "street2"), "street2": ("street", "street2")}


def without_empty(body):
    """A create sends no empty property (e-conomic rejects null; "" is noise)."""
    return {key: value for key, value in body.items() if value not in ("", None)}


class CrmSyncEconomicLinkMixin(models.AbstractModel):
    """What customer and contact links share."""

    _name = "crm.sync.economic.link.mixin"
    _inherit = "crm.sync.binding"
    _description = "e-conomic Link (shared)"

    backend_id = fields.Many2one(
        "crm.sync.economic.backend",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    record_id = fields.Many2one(
        "res.partner",
        string="Partner",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    state = fields.Selection(
        LINK_STATES, default="to_create", required=True, readonly=True, index=True
    )
    difference_count = fields.Integer(
        readonly=True, help="Fields whose values differ between the CRM and e-conomic."
    )
    force_push_fields = fields.Json(
        readonly=True,
        copy=False,
        help="Fields whose CRM value a user chose (Keep, Compare): sent even when "
        "e-conomic changed them too.",
    )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _crm_sync_economic_idempotency_key(self, kind, body):
        """Stable per database, backend, partner and body: a retried create
        (after a crash, a timeout or a lost commit) replays instead of creating
        again. The body's digest is part of it because e-conomic replays a
        *refused* create too (for an hour): once the data is fixed, the next
        create must be a new request."""
        self.ensure_one()
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        digest = hashlib.sha256(
            json.dumps(body, sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        link = f"{self.backend_id.id}-{kind}-{self.record_id.id}"
        return f"crm-sync-{dbuuid}-{link}-{digest}"

    def _crm_sync_economic_changed_fields(self, local, forced=None):
        """Fields to send: changed in the CRM since the last agreement, plus the
        forced ones; every field when nothing was agreed yet."""
        self.ensure_one()
        fnames = self._crm_sync_field_names()
        if not self.agreed_values:
            return fnames
        equal = self._crm_sync_equal_for(self.record_id)
        agreed = self.agreed_values
        changed = {
            fname
            for fname in fnames
            if fname not in agreed or not equal(fname, agreed[fname], local[fname])
        }
        changed |= set(forced or ()) & set(fnames)
        for fname in list(changed):
            changed.update(JOINED_FIELDS.get(fname, ()))
        return [fname for fname in fnames if fname in changed]

    def _crm_sync_economic_agreed_after(self, local, sent_remote, fnames):
        """Agreed values after a push: the CRM value where e-conomic stored it
        as sent (after normalisation), else what e-conomic stored."""
        self.ensure_one()
        equal = self._crm_sync_equal_for(self.record_id)
        return {
            fname: local[fname]
            if fname not in sent_remote
            or equal(fname, local[fname], sent_remote[fname])
            else sent_remote[fname]
            for fname in fnames
        }

    def _crm_sync_economic_done(self, local, remote, fnames, version, skipped=0):
        self._crm_sync_mark_pushed(
            self._crm_sync_economic_agreed_after(local, remote, fnames), version
        )
        self.write(
            {
                "state": "differs" if skipped else "in_sync",
                "difference_count": skipped,
                "force_push_fields": False,
            }
        )
        self.backend_id._crm_sync_economic_note({"last_sync": fields.Datetime.now()})

    def _crm_sync_economic_odoo_differences(self, remote_values, local_values=None):
        """``{odoo field: (crm value, e-conomic value)}`` of the synced fields
        that differ (values in JSON form, e-conomic's mapped to Odoo's)."""
        self.ensure_one()
        local = local_values or self._crm_sync_local_values()
        equal = self._crm_sync_equal_for(self.record_id)
        return {
            fname: (local[fname], remote_values[fname])
            for fname in self._crm_sync_field_names()
            if fname in remote_values
            and not equal(fname, local[fname], remote_values[fname])
        }

    def _crm_sync_economic_set_state(self, differences=None, error=None):
        """The link's state after a comparison (``differences`` as above) or
        an ``error`` message (status, Check now, incoming sync)."""
        if error:
            return self.write({"state": "error", "last_error": error})
        return self.write(
            {
                "state": "differs" if differences else "in_sync",
                "difference_count": len(differences or ()),
                "last_error": False,
            }
        )

    # ------------------------------------------------------------------
    # Push queue (crm.sync.binding contract)
    # ------------------------------------------------------------------

    def _crm_sync_queue_push(self):
        """Queue the push; while the integration is off, the links only
        remember that they wait (sent when it is enabled again)."""
        # sudo: bookkeeping of the links; what is pushed was decided by the caller
        links = self.sudo()
        waiting = links.filtered(lambda link: not link.backend_id.enabled)
        waiting.write(
            {
                "needs_push": True,
                "last_error": self.env._(
                    "Not sent: the e-conomic integration is disabled. It is sent "
                    "when the integration is enabled again."
                ),
            }
        )
        links.filtered(lambda link: link.state != "to_create").write(
            {"state": "pending"}
        )
        return super(CrmSyncEconomicLinkMixin, links - waiting)._crm_sync_queue_push()

    def _crm_sync_push(self):
        """Called by the push cron, after commit."""
        for link in self.exists():
            if not link.backend_id.enabled:
                link._crm_sync_queue_push()  # only records that it waits
            elif link._crm_sync_economic_dropped():
                continue
            else:
                link._crm_sync_economic_send()

    def _crm_sync_economic_dropped(self):
        """A link waiting for its first push whose partner may no longer be
        sent (archived, or became a user's or a company's): removed."""
        if self.remote_id.startswith("new-") and not (
            self.record_id._crm_sync_economic_may_create()
        ):
            self.unlink()
            return True
        return False

    def _crm_sync_push_failed(self, message):
        """The push queue's failure report: on the link and the backend."""
        self.write({"last_error": message, "state": "error"})
        for link in self:
            link.backend_id._crm_sync_economic_note(
                {"last_error": f"{link.record_id.display_name}: {message}"}
            )

    def _crm_sync_on_proposals_resolved(self, proposals):
        """Kept or replaced values are the CRM's choice: forced in the push."""
        # sudo: the resolving user may write the partners; this records the choice
        for link in self.sudo().exists():
            chosen = proposals.filtered(
                lambda p, link=link: p.source_res_id == link.id
                and p.state in ("kept", "replaced")
            )
            if chosen:
                link.force_push_fields = sorted(
                    set(link.force_push_fields or []) | set(chosen.mapped("field_name"))
                )
        return super()._crm_sync_on_proposals_resolved(proposals)

    def _crm_sync_economic_send(self, fnames=None, client=None):
        """Send this link's CRM values (concrete models); ``fnames`` are sent
        whatever changed; ``client`` defaults to the backend's."""
        raise NotImplementedError()

    def _crm_sync_economic_fail(self, exc):
        """A client error as a clear UserError (the push queue keeps its text)."""
        raise self.backend_id._crm_sync_economic_user_error(exc) from exc


class CrmSyncEconomicCustomer(models.Model):
    _name = "crm.sync.economic.customer"
    _inherit = "crm.sync.economic.link.mixin"
    _description = "e-conomic Customer Link"
    _order = "backend_id, customer_number, id"
    _crm_sync_fields = economic_mapping.CUSTOMER_FIELDS

    customer_number = fields.Integer(readonly=True, index=True, copy=False)
    contact_link_ids = fields.One2many(
        "crm.sync.economic.contact", "customer_link_id", string="Contact Links"
    )

    @api.depends("record_id", "customer_number")
    def _compute_display_name(self):
        for link in self:
            number = link.customer_number or self.env._("new")
            link.display_name = f"{link.record_id.display_name} ({number})"

    # ------------------------------------------------------------------
    # Mapping (utils/economic_mapping.py)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_economic_to_remote(self, values, remote=None):
        """``{e-conomic field: value}`` from Odoo values in JSON form; with
        ``remote`` (the customer as read), its other e-mails are kept."""
        values = dict(values)
        if "country_id" in values:
            country = self.env["res.country"].browse(values["country_id"] or [])
            values["country_id"] = country.with_context(lang="en_US").name or False
        return economic_mapping.odoo_to_customer(values, remote=remote)

    def _crm_sync_economic_from_remote(self, customer):
        """``{odoo field: value}`` (JSON form) of an e-conomic customer; a
        country e-conomic spells in a way we do not know stays text."""
        values = economic_mapping.customer_to_odoo(customer)
        text = values.get("country_id")
        if text:
            values["country_id"] = (
                self.backend_id._crm_sync_economic_country_id(text) or text
            )
        return values

    @api.model
    def _crm_sync_economic_mapping_html(self):
        """The field mapping, as a table (backend form, docs/ECONOMIC.md)."""
        Partner = self.env["res.partner"]
        rows = [
            Markup("<tr><td>%s</td><td><code>%s</code></td></tr>")
            % (Partner._fields[fname].get_description(self.env)["string"], remote)
            for fname, remote in economic_mapping.ECONOMIC_FIELD_OF.items()
            if fname in Partner._fields
        ]
        head = Markup("<tr><th>%s</th><th>%s</th></tr>") % (
            self.env._("CRM"),
            self.env._("e-conomic"),
        )
        return Markup("<table class='table table-sm'>%s%s</table>") % (
            head,
            Markup().join(rows),
        )

    # ------------------------------------------------------------------
    # Push
    # ------------------------------------------------------------------

    def _crm_sync_economic_send(self, fnames=None, client=None):
        """Create the customer, or send the CRM's changes (read-modify-write);
        then its contacts. ``fnames``: send these fields whatever changed."""
        self.ensure_one()
        if client is None:
            with self.backend_id._crm_sync_economic_client() as client:
                return self._crm_sync_economic_send(fnames, client)
        self._crm_sync_lock_rows()
        local = self._crm_sync_local_values()
        try:
            if not self.customer_number:
                self._crm_sync_economic_create(local, client)
            else:
                self._crm_sync_economic_update(local, client, fnames)
        except EconomicError as exc:
            self._crm_sync_economic_fail(exc)
        self._crm_sync_economic_push_contacts(client)
        return self.customer_number

    def _crm_sync_economic_create(self, local, client):
        backend = self.backend_id
        body = {
            **without_empty(self._crm_sync_economic_to_remote(local)),
            **backend._crm_sync_economic_new_customer_body(self.record_id),
        }
        customer = client.create_customer(
            body,
            idempotency_key=self._crm_sync_economic_idempotency_key("customer", body),
        )
        number = customer["customerNumber"]
        self.write({"customer_number": number, "remote_id": str(number)})
        remote = self._crm_sync_economic_from_remote(customer)
        self._crm_sync_economic_done(
            local, remote, list(local), customer.get("lastUpdated")
        )

    def _crm_sync_economic_update(self, local, client, fnames=None):
        """Three-way against the current customer: the CRM's changes (and the
        forced fields) are sent; a field e-conomic changed alone is left for
        the incoming sync; a field changed on both sides is not sent."""
        raw = client.get_customer(self.customer_number)
        current = self._crm_sync_economic_from_remote(raw)
        forced = set(fnames or ()) | set(self.force_push_fields or ())
        decisions = self._crm_sync_decide(current, local_values=local)
        send = [
            fname
            for fname in self._crm_sync_economic_changed_fields(local, forced)
            if fname in forced or decisions.get(fname) == three_way.TAKE_LOCAL
        ]
        for fname in list(send):
            send.extend(f for f in JOINED_FIELDS.get(fname, ()) if f not in send)
        skipped = [
            fname
            for fname, decision in decisions.items()
            if decision != three_way.EQUAL and fname not in send
        ]
        customer = None
        if send:
            changes = self._crm_sync_economic_to_remote(
                {f: local[f] for f in send}, remote=raw
            )
            customer = client.update_customer(self.customer_number, changes)
            current.update(self._crm_sync_economic_from_remote(customer))
        version = (customer or {}).get("lastUpdated") or self.remote_version
        self._crm_sync_economic_done(local, current, send, version, len(skipped))

    def _crm_sync_economic_push_contacts(self, client):
        """Link the customer's persons and send the contacts that wait; one
        contact's failure stays on its own link."""
        self.ensure_one()
        links = self.env["crm.sync.economic.contact"]._crm_sync_economic_ensure(self)
        for link in links.filtered(lambda c: c.needs_push or not c.contact_number):
            try:
                with self.env.cr.savepoint():
                    link._crm_sync_economic_send(client=client)
            except UserError as exc:
                link._crm_sync_push_failed(str(exc.args[0]))


class CrmSyncEconomicContact(models.Model):
    _name = "crm.sync.economic.contact"
    _inherit = "crm.sync.economic.link.mixin"
    _description = "e-conomic Contact Link"
    _order = "customer_link_id, contact_number, id"
    _crm_sync_fields = economic_mapping.CONTACT_FIELDS

    customer_link_id = fields.Many2one(
        "crm.sync.economic.customer",
        string="Customer Link",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    contact_number = fields.Integer(
        readonly=True, index=True, copy=False, help="customerContactNumber"
    )

    @api.depends("record_id", "contact_number")
    def _compute_display_name(self):
        for link in self:
            number = link.contact_number or self.env._("new")
            link.display_name = f"{link.record_id.display_name} ({number})"

    @api.model
    def _crm_sync_economic_ensure(self, customer_link):
        """The contact links of the customer's persons, created when missing."""
        # sudo: links are bookkeeping; the persons are the linked customer's
        partner = customer_link.record_id.sudo()
        persons = partner.child_ids.filtered(
            lambda child: not child.is_company and child.type == "contact"
        )
        links = self.sudo().search([("customer_link_id", "=", customer_link.id)])
        missing = persons - links.record_id
        links |= self.sudo().create(
            [
                {
                    "backend_id": customer_link.backend_id.id,
                    "customer_link_id": customer_link.id,
                    "record_id": person.id,
                    "remote_id": f"new-{person.id}",
                    "needs_push": True,
                }
                for person in missing
            ]
        )
        return links

    def _crm_sync_push(self):
        """A contact goes with its customer: the customer first if it is new."""
        for link in self.exists():
            customer = link.customer_link_id
            if not link.backend_id.enabled:
                link._crm_sync_queue_push()
            elif not customer.customer_number:
                customer._crm_sync_economic_send()
            else:
                link._crm_sync_economic_send()

    def _crm_sync_economic_send(self, fnames=None, client=None):
        """Create the contact, or send the CRM's changes (read-modify-write)."""
        self.ensure_one()
        if client is None:
            with self.backend_id._crm_sync_economic_client() as client:
                return self._crm_sync_economic_send(fnames, client)
        self._crm_sync_lock_rows()
        local = self._crm_sync_local_values()
        number = self.customer_link_id.customer_number
        try:
            if not self.contact_number:
                body = without_empty(self._crm_sync_economic_to_remote(local))
                contact = client.create_contact(
                    number,
                    body,
                    idempotency_key=self._crm_sync_economic_idempotency_key(
                        "contact", body
                    ),
                )
                self.write(
                    {
                        "contact_number": contact["customerContactNumber"],
                        "remote_id": str(contact["customerContactNumber"]),
                    }
                )
                send = list(local)
            else:
                forced = set(fnames or ()) | set(self.force_push_fields or ())
                send = self._crm_sync_economic_changed_fields(local, forced)
                contact = {}
                if send:
                    contact = client.update_contact(
                        number,
                        self.contact_number,
                        self._crm_sync_economic_to_remote({f: local[f] for f in send}),
                    )
        except EconomicError as exc:
            self._crm_sync_economic_fail(exc)
        self._crm_sync_economic_done(
            local, self._crm_sync_economic_from_remote(contact), send, None
        )
        return self.contact_number

    @api.model
    def _crm_sync_economic_to_remote(self, values):
        return economic_mapping.odoo_to_contact(values)

    @api.model
    def _crm_sync_economic_from_remote(self, contact):
        return economic_mapping.contact_to_odoo(contact) if contact else {}
