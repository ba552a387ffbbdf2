# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Partners → e-conomic: which partners are customers, the push policy, the
synchronous push (docs/ECONOMIC.md).

- Customers are company partners and partners without a parent; their person
  children (type *contact*) are the customer's contacts.
- A linked partner: every change to a synced field queues a push of its link,
  sent after the transaction commits (``crm.sync.push``).
- An unlinked customer gets a link (and a push) per the backend's policy:
  ``on_create`` when it is created, ``on_active`` once it is an active customer
  (a won opportunity, ``customer_rank`` > 0 where a module defines it, or
  "Create in e-conomic").
- ``crm_sync_economic_push(ids)`` creates or updates now, synchronously.
- The context key ``crm_sync_no_export`` (writes coming *from* e-conomic)
  queues nothing.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..utils.economic_mapping import CONTACT_FIELDS, CUSTOMER_FIELDS

#: Changes that can make a partner a customer or a contact of one.
STRUCTURE_FIELDS = ("parent_id", "is_company", "type")
NO_EXPORT = "crm_sync_no_export"


class ResPartner(models.Model):
    _inherit = "res.partner"

    economic_link_ids = fields.One2many(
        "crm.sync.economic.customer",
        "record_id",
        string="e-conomic Customer Links",
        groups="crm_sync.crm_sync_group_user",
    )
    economic_contact_link_ids = fields.One2many(
        "crm.sync.economic.contact",
        "record_id",
        string="e-conomic Contact Links",
        groups="crm_sync.crm_sync_group_user",
    )

    # ------------------------------------------------------------------
    # ORM hooks: queue, never send
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.context.get(NO_EXPORT):
            partners._crm_sync_economic_changed(created=True)
        return partners

    def write(self, vals):
        res = super().write(vals)
        watched = set(CUSTOMER_FIELDS) | set(CONTACT_FIELDS) | set(STRUCTURE_FIELDS)
        if not self.env.context.get(NO_EXPORT) and watched & set(vals):
            self._crm_sync_economic_changed(fnames=set(vals))
        return res

    def _crm_sync_economic_changed(self, created=False, fnames=()):
        """Queue the pushes a creation or a change calls for."""
        # sudo: links are bookkeeping any writer of the partner causes
        Backend = self.env["crm.sync.economic.backend"].sudo()
        if not Backend.search_count([], limit=1):
            return
        partners = self.sudo()
        links = partners.economic_link_ids
        if created or set(fnames) & set(CUSTOMER_FIELDS):
            links._crm_sync_queue_push()
        contact_links = partners.economic_contact_link_ids
        if created or set(fnames) & set(CONTACT_FIELDS):
            contact_links._crm_sync_queue_push()
        if created or set(fnames) & set(STRUCTURE_FIELDS):
            partners._crm_sync_economic_link_persons()
        if created:
            partners._crm_sync_economic_apply_policy(created=True)

    def modified(self, fnames, create=False, before=False):
        res = super().modified(  # pylint: disable=assignment-from-none
            fnames, create=create, before=before
        )
        if (
            "customer_rank" in fnames
            and not (create or before)
            and self.ids
            and not self.env.context.get(NO_EXPORT)
        ):
            self._crm_sync_economic_rank_changed()
        return res

    def _crm_sync_economic_rank_changed(self):
        """``customer_rank`` rose (account's ``_increase_rank`` writes it in
        SQL, then calls ``modified``): the push policy is applied before the
        transaction commits, once for every partner it touched."""
        data = self.env.cr.precommit.data
        pending = data.setdefault("crm_sync.economic_rank", set())
        if not pending:
            env = self.env

            def apply_policy():
                ids = data.pop("crm_sync.economic_rank", set())
                partners = env["res.partner"].browse(sorted(ids)).exists()
                partners._crm_sync_economic_apply_policy()

            self.env.cr.precommit.add(apply_policy)
        pending.update(self.ids)

    def _crm_sync_economic_link_persons(self):
        """Persons under a linked customer get a contact link, queued."""
        persons = self.filtered(lambda p: p._crm_sync_economic_is_contact())
        customers = persons.parent_id.economic_link_ids
        Contact = self.env["crm.sync.economic.contact"].sudo()
        for customer_link in customers:
            new = Contact._crm_sync_economic_ensure(customer_link).filtered(
                lambda c: not c.contact_number and c.record_id in persons
            )
            new._crm_sync_queue_push()

    def _crm_sync_economic_apply_policy(self, created=False, won=False):
        """Unlinked customers that the backends' policies send get a link."""
        Backend = self.env["crm.sync.economic.backend"]
        # sudo: whether a backend is on is not secret; links are bookkeeping
        if not Backend.sudo().search_count([("enabled", "=", True)], limit=1):
            return
        customers = self.sudo().filtered(lambda p: p._crm_sync_economic_is_customer())
        for partner in customers:
            for backend in Backend._crm_sync_economic_backends_for(partner):
                if backend in partner.economic_link_ids.backend_id:
                    continue
                if (
                    won
                    or (backend.push_policy == "on_create" and created)
                    or partner._crm_sync_economic_is_active_customer(leads=not created)
                ):
                    partner._crm_sync_economic_link(backend)._crm_sync_queue_push()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _crm_sync_economic_is_customer(self):
        """Company partners and partners without a parent are customers."""
        self.ensure_one()
        return bool(self.is_company or not self.parent_id)

    def _crm_sync_economic_is_contact(self):
        """A person under a customer is one of its contacts."""
        self.ensure_one()
        return bool(
            self.parent_id
            and not self.is_company
            and self.type == "contact"
            and self.parent_id._crm_sync_economic_is_customer()
        )

    def _crm_sync_economic_customer(self):
        """The customer this partner belongs to (itself when it is one)."""
        self.ensure_one()
        partner = self
        while not partner._crm_sync_economic_is_customer():
            partner = partner.parent_id
        return partner

    def _crm_sync_economic_is_active_customer(self, leads=True):
        """A won opportunity, or a customer rank above 0 (sales installed).
        ``leads=False``: a partner being created has no opportunity yet."""
        self.ensure_one()
        if self._fields.get("customer_rank") and self.customer_rank > 0:
            return True
        if not leads:
            return False
        # sudo: whether any won opportunity exists, whoever owns it
        return bool(
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search_count(
                [("partner_id", "child_of", self.id), ("stage_id.is_won", "=", True)],
                limit=1,
            )
        )

    def _crm_sync_economic_may_create(self):
        """Never our own companies' or internal users' partners."""
        self.ensure_one()
        partner = self.sudo()
        if not partner.active or partner.user_ids.filtered(lambda u: not u.share):
            return False
        return (
            not self.env["res.company"]
            .sudo()
            .search_count([("partner_id", "=", partner.id)], limit=1)
        )

    def _crm_sync_economic_link(self, backend):
        """This customer's link in ``backend``, created (without a number yet)
        when missing."""
        self.ensure_one()
        # sudo: links are written by the server only
        Link = self.env["crm.sync.economic.customer"].sudo()
        link = Link.search(
            [("backend_id", "=", backend.id), ("record_id", "=", self.id)], limit=1
        )
        return link or Link.create(
            {
                "backend_id": backend.id,
                "record_id": self.id,
                "remote_id": f"new-{self.id}",
                "needs_push": True,
            }
        )

    # ------------------------------------------------------------------
    # Public API (XML-RPC) and buttons
    # ------------------------------------------------------------------

    def crm_sync_economic_push(self):
        """Create or update these partners' customers in e-conomic now.

        A person pushes its customer (and the customer's contacts).
        :return: ``{str(partner_id): customer_number}``
        """
        self.check_access("write")
        result = {}
        for partner in self:
            customer = partner._crm_sync_economic_customer()
            backend = self.env[
                "crm.sync.economic.backend"
            ]._crm_sync_economic_backends_for(customer)[:1]
            if not backend:
                raise UserError(
                    self.env._(
                        "%(partner)s cannot be sent: no e-conomic backend is enabled "
                        "for the company %(company)s.",
                        partner=partner.display_name,
                        company=(customer.company_id or self.env.company).name,
                    )
                )
            if not customer._crm_sync_economic_may_create():
                raise UserError(
                    self.env._(
                        "%(partner)s is a company or user of this database, not a "
                        "customer: it is not sent to e-conomic.",
                        partner=customer.display_name,
                    )
                )
            link = customer._crm_sync_economic_link(backend)
            with backend._crm_sync_economic_interactive_client() as client:
                result[str(partner.id)] = link._crm_sync_economic_send(
                    fnames=link._crm_sync_field_names(), client=client
                )
        return result

    def action_crm_sync_economic_push(self):
        """Create in e-conomic / Update e-conomic (partner form)."""
        result = self.crm_sync_economic_push()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Sent to e-conomic: customer number %(numbers)s.",
                    numbers=", ".join(str(n) for n in result.values()),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
