# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The "Check data" window: Keep / Accept / New value per proposed change.

Its lines become the same plan as ``res.partner.crm_sync_resolve``'s decisions
and go through the same ``crm.sync.proposal._resolve`` (one set of checks and
errors); Accept all leaves stale proposals pending and says how many.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class ResPartnerCheckData(models.TransientModel):
    _name = "res.partner.check.data"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Check Contact Data"
    _crm_sync_access_fields = {"partner_ids": "read"}

    partner_ids = fields.Many2many("res.partner", string="Contacts", readonly=True)
    is_multi_partner = fields.Boolean(compute="_compute_is_multi_partner")
    line_ids = fields.One2many(
        "res.partner.check.data.line", "wizard_id", string="Changes"
    )

    @api.depends("partner_ids")
    def _compute_is_multi_partner(self):
        for wizard in self:
            wizard.is_multi_partner = len(wizard.partner_ids) > 1

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        partner_ids = (
            context.get("active_ids")
            if context.get("active_model") == "res.partner"
            else []
        )
        partner_ids = (
            partner_ids or res.get("partner_ids") and res["partner_ids"][0][2] or []
        )
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if "partner_ids" in fields_list:
            res["partner_ids"] = [Command.set(partners.ids)]
        if "line_ids" in fields_list:
            proposals = self.env["crm.sync.proposal"].search(
                [("partner_id", "in", partners.ids), ("state", "=", "pending")]
            )
            res["line_ids"] = [Command.create({"proposal_id": p.id}) for p in proposals]
        return res

    def _plan(self, lines):
        plan = []
        for line in lines:
            if line.decision == "value":
                plan.append(
                    (
                        line.proposal_id,
                        "value",
                        line.proposal_id._parse_text_input(line.new_value),
                    )
                )
            else:
                plan.append((line.proposal_id, line.decision, None))
        return plan

    def _apply(self, lines, skip_stale=False):
        if not lines:
            raise UserError(
                self.env._("Choose Keep, Accept or New value for at least one change.")
            )
        resolved = self.env["crm.sync.proposal"]._resolve(
            self._plan(lines), skip_stale=skip_stale
        )
        close = {"type": "ir.actions.act_window_close"}
        stale = len(lines.proposal_id - resolved)
        if not stale:
            return close
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "message": self.env._(
                    "%(count)s changes were not accepted: their CRM value changed "
                    "since they were proposed. They stay to check: choose Keep or "
                    "New value.",
                    count=stale,
                ),
                "next": close,
            },
        }

    def action_apply(self):
        """Apply the decided lines; undecided lines stay pending."""
        self.ensure_one()
        return self._apply(self.line_ids.filtered("decision"))

    def action_accept_all(self):
        """Accept every change whose CRM value did not change since."""
        self.ensure_one()
        self.line_ids.decision = "accept"
        return self._apply(self.line_ids, skip_stale=True)

    def action_keep_all(self):
        self.ensure_one()
        self.line_ids.decision = "keep"
        return self._apply(self.line_ids)


class ResPartnerCheckDataLine(models.TransientModel):
    _name = "res.partner.check.data.line"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Check Contact Data Line"
    _crm_sync_access_fields = {"proposal_id": "read"}
    _order = "partner_id, field_id, id"

    wizard_id = fields.Many2one(
        "res.partner.check.data", required=True, ondelete="cascade"
    )
    proposal_id = fields.Many2one(
        "crm.sync.proposal", required=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(
        related="proposal_id.partner_id",
        store=True,
        string="Contact",
        related_sudo=False,
    )
    field_id = fields.Many2one(
        related="proposal_id.field_id",
        store=True,
        string="Field Definition",
        related_sudo=False,
    )
    field_label = fields.Char(
        related="proposal_id.field_label", string="Field", related_sudo=False
    )
    field_name = fields.Char(related="proposal_id.field_name", related_sudo=False)
    field_type = fields.Selection(related="proposal_id.field_type", related_sudo=False)
    current_value_display = fields.Char(
        related="proposal_id.current_value_display",
        string="Current Value",
        related_sudo=False,
    )
    value_display = fields.Char(
        related="proposal_id.value_display", string="Proposed Value", related_sudo=False
    )
    is_stale = fields.Boolean(related="proposal_id.is_stale", related_sudo=False)
    source_display = fields.Char(
        related="proposal_id.source_display", string="Source", related_sudo=False
    )
    proposed_on = fields.Datetime(related="proposal_id.proposed_on", related_sudo=False)
    decision = fields.Selection(
        [("keep", "Keep"), ("accept", "Accept"), ("value", "New Value")],
        help="Keep the CRM value, accept the proposed value, or type a new value. "
        "Changes left undecided stay to check.",
    )
    new_value = fields.Char(
        help="A value of the field's type: dates as YYYY-MM-DD or in your "
        "language's format, "
        "numbers, yes/no, a choice's label, or the exact name of a record.",
    )

    @api.onchange("decision")
    def _onchange_decision(self):
        for line in self:
            if line.decision == "value" and not line.new_value:
                line.new_value = line.current_value_display
