# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Compare window: the CRM and e-conomic values side by side, a choice per field.

Opening it reads the customer from e-conomic (an explicit user action, short
timeout). Apply sends the decided lines to ``res.partner.crm_sync_economic_apply``'s
logic, refusing when e-conomic changed since the window was opened; undecided
lines change nothing.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..utils import economic_compare


class ResPartnerEconomicCompare(models.TransientModel):
    _name = "res.partner.economic.compare"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Compare with e-conomic"
    _crm_sync_access_fields = {"partner_id": "read"}

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    customer_number = fields.Integer(string="e-conomic Customer", readonly=True)
    difference_count = fields.Integer(compute="_compute_difference_count")
    line_ids = fields.One2many(
        "res.partner.economic.compare.line", "wizard_id", string="Fields"
    )

    @api.depends("line_ids.differs")
    def _compute_difference_count(self):
        for wizard in self:
            wizard.difference_count = len(wizard.line_ids.filtered("differs"))

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if res.get("partner_id") and "line_ids" in fields_list:
            res.update(self._crm_sync_economic_compared(res["partner_id"]))
        return res

    @api.model_create_multi
    def create(self, vals_list):
        # Created with a partner but no lines (XML-RPC): compare now.
        for vals in vals_list:
            if vals.get("partner_id") and not vals.get("line_ids"):
                vals.update(self._crm_sync_economic_compared(vals["partner_id"]))
        return super().create(vals_list)

    @api.model
    def _crm_sync_economic_compared(self, partner_id):
        """``customer_number`` and ``line_ids`` of the window: the partner's
        values and its customer's, read from e-conomic now."""
        partner = self.env["res.partner"].browse(partner_id).exists()
        if not partner:
            return {}
        partner.check_access("read")
        link = partner._crm_sync_economic_status_link()
        if not link.customer_number:
            raise UserError(
                self.env._(
                    "%(partner)s is not in e-conomic: create it there first.",
                    partner=partner.display_name,
                )
            )
        customer = partner._crm_sync_status_call(
            link, "get_customer", link.customer_number
        )
        link._crm_sync_economic_remember(customer)
        compared = economic_compare.compare(
            link._crm_sync_status_crm_values(),
            link._crm_sync_status_customer_values(customer),
            partner.sudo()._crm_sync_desync_region(),
        )
        lines = [
            Command.create(
                {
                    "sequence": sequence,
                    "economic_field": field,
                    "crm_value": self._display(line["crm"]),
                    "economic_value": self._display(line["economic"]),
                    "economic_raw": line["economic"] or False,
                    "differs": line["differs"],
                }
            )
            for sequence, (field, line) in enumerate(compared.items())
        ]
        return {"customer_number": link.customer_number, "line_ids": lines}

    @api.model
    def _display(self, value):
        if not value:
            return False
        return ", ".join(
            part.strip() for part in str(value).splitlines() if part.strip()
        )

    def write(self, vals):
        self._crm_sync_check_own_window()
        return super().write(vals)

    def _crm_sync_check_own_window(self):
        if self.env.su:
            return
        # sudo: who created the windows, nothing else
        if self.sudo().filtered(lambda wizard: wizard.create_uid != self.env.user):
            raise AccessError(
                self.env._("This Compare window is another user's: open your own.")
            )

    def action_apply_all_crm(self):
        """The CRM is right on every differing field."""
        return self._apply_all("crm")

    def action_apply_all_economic(self):
        """e-conomic is right on every differing field."""
        return self._apply_all("economic")

    def _apply_all(self, choice):
        self.ensure_one()
        self.line_ids.filtered("differs").choice = choice
        return self.action_apply()

    def action_apply(self):
        """Apply the chosen lines; lines without a choice change nothing."""
        self.ensure_one()
        lines = self.line_ids.filtered("choice")
        if not lines:
            raise UserError(
                self.env._(
                    "Choose the CRM or the e-conomic value for at least one field."
                )
            )
        partner = self.partner_id
        choices = {line.economic_field: line.choice for line in lines}
        choices = partner._crm_sync_economic_check_choices(choices)
        partner.check_access("write")
        link = partner._crm_sync_economic_status_link()
        if not link or link.customer_number != self.customer_number:
            raise UserError(
                self.env._(
                    "The e-conomic link of this customer changed: compare again."
                )
            )
        if not link.backend_id.enabled:
            raise UserError(self.env._("The e-conomic integration is disabled."))
        expected = {line.economic_field: line.economic_raw for line in lines}
        partner._crm_sync_economic_apply_one(link, choices, expected=expected)
        return {"type": "ir.actions.act_window_close"}


class ResPartnerEconomicCompareLine(models.TransientModel):
    _name = "res.partner.economic.compare.line"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Compare with e-conomic: Field"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "res.partner.economic.compare", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    economic_field = fields.Char(string="e-conomic Field", required=True, readonly=True)
    field_label = fields.Char(string="Field", compute="_compute_field_label")
    crm_value = fields.Char(string="CRM", readonly=True)
    economic_value = fields.Char(string="e-conomic", readonly=True)
    economic_raw = fields.Char(readonly=True)
    differs = fields.Boolean(readonly=True)
    choice = fields.Selection(
        [("crm", "CRM"), ("economic", "e-conomic")],
        help="Which value is right: it is written to the other side on Apply. "
        "Fields left without a choice are not changed.",
    )

    # Choices are the window owner's: nobody adds or changes a line of another
    # user's window (transient records are not private to their creator).

    @api.model_create_multi
    def create(self, vals_list):
        wizard_ids = {vals["wizard_id"] for vals in vals_list if vals.get("wizard_id")}
        self.env["res.partner.economic.compare"].browse(
            wizard_ids
        )._crm_sync_check_own_window()
        return super().create(vals_list)

    def write(self, vals):
        self.wizard_id._crm_sync_check_own_window()
        return super().write(vals)

    @api.depends("economic_field")
    def _compute_field_label(self):
        Partner = self.env["res.partner"]
        for line in self:
            fnames = economic_compare.ODOO_FIELDS_OF.get(line.economic_field, ())
            labels = [Partner._fields[f]._description_string(self.env) for f in fnames]
            line.field_label = (
                self.env._("Address (%(fields)s)", fields=", ".join(labels))
                if len(labels) > 1
                else labels[0]
                if labels
                else line.economic_field
            )
