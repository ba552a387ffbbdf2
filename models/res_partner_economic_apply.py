# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Apply a comparison with e-conomic: one choice per field, both sides updated.

``crm_sync_economic_apply(choices)`` with ``{economic field: "crm"|"economic"}``,
for each partner: reads the customer from e-conomic, writes the e-conomic
values chosen into the CRM (deciding this link's pending proposals of those
fields through the proposal mechanism, so that the Check data window and the
chatter tell the same story), sends the CRM values chosen to e-conomic by
read-modify-write (fields the CRM does not manage are kept), and records the
chosen values as agreed. Synchronous: an explicit user action. Any failure
raises a clear error and the CRM is left unchanged.
"""

from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError

from ..utils import economic_compare
from ..utils.economic_client import EconomicError
from .res_partner_economic_status import CHECK_TIMEOUT


class ResPartner(models.Model):
    _inherit = "res.partner"

    def crm_sync_economic_apply(self, choices):
        """XML-RPC: apply ``choices`` ({economic field: "crm"|"economic"}) to
        these partners and their e-conomic customers; returns the status dict
        after applying (see ``crm_sync_economic_status``)."""
        choices = self._crm_sync_economic_check_choices(choices)
        self.check_access("write")
        links = {partner: partner._crm_sync_economic_status_link() for partner in self}
        for partner, link in links.items():
            if not link:
                raise UserError(
                    self.env._(
                        "%(partner)s is not in e-conomic: create it there first.",
                        partner=partner.display_name,
                    )
                )
            if not link.backend_id.enabled:
                raise UserError(self.env._("The e-conomic integration is disabled."))
        for partner, link in links.items():
            partner._crm_sync_economic_apply_one(link, choices)
        return self.crm_sync_economic_status()

    def _crm_sync_economic_check_choices(self, choices):
        try:
            return economic_compare.check_choices(choices)
        except economic_compare.ChoiceError as exc:
            if exc.kind == "unknown_field":
                message = self.env._(
                    "%(field)r is not an e-conomic field the CRM synchronises "
                    "(use one of %(fields)s).",
                    field=exc.field,
                    fields=", ".join(economic_compare.ECONOMIC_FIELDS),
                )
            elif exc.kind == "bad_choice":
                message = self.env._(
                    'Choose "crm" or "economic" for %(field)s, not %(value)r.',
                    field=exc.field,
                    value=exc.value,
                )
            else:
                message = self.env._(
                    'Choices must be a non-empty mapping of e-conomic fields to "crm" '
                    'or "economic".'
                )
            raise UserError(message) from None

    def _crm_sync_status_call(self, link, method, *args):
        """``client.method(*args)`` for the customer ``link``, at once (short
        timeout, no retry); any e-conomic failure as a clear UserError."""
        with link._crm_sync_status_client(CHECK_TIMEOUT) as client:
            try:
                return getattr(client, method)(*args)
            except EconomicError as exc:
                raise UserError(
                    link.backend_id._crm_sync_economic_error_message(exc)
                ) from None

    def _crm_sync_economic_apply_one(self, link, choices, expected=None):
        """Apply ``choices`` to this partner and its customer ``link`` (sudo).

        :param expected: ``{economic field: value}`` the user saw on the
            e-conomic side (Compare window): refused if e-conomic changed since.
        """
        self.ensure_one()
        # One writer of the customer at a time: a push of the same link waits
        link._crm_sync_lock_rows()
        backend = link.backend_id
        customer = self._crm_sync_status_call(
            link, "get_customer", link.customer_number
        )
        remote = link._crm_sync_status_customer_values(customer)
        self._crm_sync_economic_check_expected(remote, expected)
        from_economic = [f for f, choice in choices.items() if choice == "economic"]
        odoo_values = self._crm_sync_economic_odoo_values(
            backend, customer, from_economic
        )
        crm_before = link._crm_sync_status_crm_values()
        me = self.with_context(crm_sync_economic_apply=True, crm_sync_no_export=True)
        me._crm_sync_economic_resolve_proposals(link, choices, odoo_values)
        me._crm_sync_economic_write(odoo_values)
        to_economic = [f for f, choice in choices.items() if choice == "crm"]
        changes = {
            field: value
            for field, value in link._crm_sync_status_crm_values(customer).items()
            if field in to_economic
        }
        if changes:
            customer = self._crm_sync_status_call(
                link, "update_customer", link.customer_number, changes
            )
        fnames = [
            fname
            for field in choices
            for fname in economic_compare.ODOO_FIELDS_OF[field]
        ]
        link._crm_sync_record_agreed(
            link._crm_sync_local_values(fnames),
            remote_version=customer.get("lastUpdated") or None,
        )
        link._crm_sync_economic_remember(customer)
        self._crm_sync_economic_log(choices, crm_before, remote)

    def _crm_sync_economic_check_expected(self, remote, expected):
        if not expected:
            return
        changed = [
            field
            for field, value in expected.items()
            if economic_compare.normalize(field, value)
            != economic_compare.normalize(field, remote.get(field))
        ]
        if changed:
            raise UserError(
                self.env._(
                    "e-conomic changed since you compared (%(fields)s): compare again.",
                    fields=", ".join(changed),
                )
            )

    def _crm_sync_economic_odoo_values(self, backend, customer, economic_fields):
        """``{odoo field: value}`` (write form) of the e-conomic ``customer``'s
        ``economic_fields``; an unknown country is refused (never dropped)."""
        remote = economic_compare.mapping.customer_to_odoo(customer)
        values = {}
        for field in economic_fields:
            for fname in economic_compare.ODOO_FIELDS_OF[field]:
                values[fname] = remote.get(fname) or False
        if values.get("country_id"):
            text = values["country_id"]
            values["country_id"] = backend._crm_sync_economic_country_id(text)
            if not values["country_id"]:
                raise UserError(
                    self.env._(
                        "e-conomic's country %(country)r is not a country the CRM "
                        "knows: choose the CRM value, or correct it in e-conomic.",
                        country=text,
                    )
                )
        return values

    def _crm_sync_economic_resolve_proposals(self, link, choices, odoo_values):
        """Decide this link's pending proposals of the chosen fields: Keep for
        "crm", the e-conomic value for "economic" (through ``_resolve``, which
        writes those fields and logs them)."""
        Proposal = self.env["crm.sync.proposal"]
        fnames = [
            fname
            for field in choices
            for fname in economic_compare.ODOO_FIELDS_OF[field]
        ]
        # sudo: the user may write this partner, hence decide on its proposals
        pending = (
            Proposal.sudo()
            .search(
                [
                    ("partner_id", "=", self.id),
                    ("state", "=", "pending"),
                    ("source_model", "=", link._name),
                    ("source_res_id", "=", link.id),
                    ("field_name", "in", fnames),
                ]
            )
            .with_env(self.env)
        )
        plan = []
        for proposal in pending:
            fname = proposal.field_name
            if fname not in odoo_values:
                plan.append((proposal, "keep", None))
                continue
            value = Proposal._coerce(proposal._field(), odoo_values[fname])
            same = proposal._equal(proposal._get_typed_value("value"), value)
            if same and not proposal._is_stale_now():
                plan.append((proposal, "accept", None))
            else:
                plan.append((proposal, "value", value))
        if plan:
            Proposal._resolve(plan)

    def _crm_sync_economic_write(self, odoo_values):
        """Write the values that still differ from the partner's."""
        self.ensure_one()
        Proposal = self.env["crm.sync.proposal"]
        vals = {
            fname: value
            for fname, value in odoo_values.items()
            if Proposal._partner_typed_value(self, self._fields[fname]) != value
        }
        if vals:
            self.write(vals)

    def _crm_sync_economic_log(self, choices, crm_before, remote):
        """One chatter note: each field's choice and the value now on both sides."""
        lines = []
        for field, choice in choices.items():
            value = remote.get(field) if choice == "economic" else crm_before.get(field)
            lines.append(
                self.env._(
                    "%(field)s: %(value)s (%(side)s value kept on both sides)",
                    field=field,
                    value=value or self.env._("(empty)"),
                    side=self.env._("e-conomic") if choice == "economic" else "CRM",
                )
            )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("Compared with e-conomic by %(user)s:", user=self.env.user.name),
            Markup().join(Markup("<li>%s</li>") % line for line in lines),
        )
        self._message_log(body=body)
