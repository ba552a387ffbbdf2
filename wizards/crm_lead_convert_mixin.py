# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the Convert window and the mass conversion window share: the options of
``crm.lead.crm_sync_convert`` that apply to every lead of the window."""

from odoo import api, fields, models


class CrmLeadConvertMixin(models.AbstractModel):
    _name = "crm.lead.convert.mixin"
    _description = "Lead Conversion Options"

    create_deal = fields.Boolean(string="Create a deal for each lead")
    date_deadline = fields.Date(string="Closing Date")
    stage_id = fields.Many2one("crm.stage", string="Stage")
    campaign_id = fields.Many2one("utm.campaign", string="Campaign")
    attachments_target = fields.Selection(
        [("contact", "Contact"), ("account", "Account"), ("deal", "Deal")],
        string="Move Attachments To",
        compute="_compute_attachments_target",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    move_tags = fields.Boolean(
        default=True,
        help="The lead's tags are added to the account and the contact (to the "
        "contact when there is no account).",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "lead_ids" in fields_list and not res.get("lead_ids"):
            ctx = self.env.context
            if ctx.get("active_model") == "crm.lead" and ctx.get("active_ids"):
                res["lead_ids"] = [fields.Command.set(ctx["active_ids"])]
        return res

    @api.depends("create_deal")
    def _compute_attachments_target(self):
        for wizard in self:
            if wizard.create_deal:
                wizard.attachments_target = "deal"
            elif wizard.attachments_target in (False, "deal"):
                wizard.attachments_target = "contact"

    def _crm_sync_window_options(self, owner_id):
        """The conversion options set in the window, for every lead."""
        self.ensure_one()
        return {
            "create_deal": self.create_deal,
            "attachments_target": self.attachments_target,
            "move_tags": self.move_tags,
            "owner_id": owner_id,
        }

    def _crm_sync_window_deal_values(self):
        """The deal values set in the window, for every lead (set ones only)."""
        self.ensure_one()
        deal_values = {
            "date_deadline": fields.Date.to_string(self.date_deadline),
            "stage_id": self.stage_id.id,
            "campaign_id": self.campaign_id.id,
        }
        return {key: value for key, value in deal_values.items() if value}
