# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models


class CrmLeadConvertContact(models.TransientModel):
    """Convert to Contact: pick the account, confirm, get the contacts.

    The decision is the user's: the account is pre-filled with a suggestion
    (``crm.lead._crm_sync_suggest_account``) and its reason, and may be changed
    or created on the spot. "Yes" calls the public
    ``crm.lead.crm_convert_to_contact``, so the window and XML-RPC share
    every check.
    """

    _name = "crm.lead.convert.contact"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Convert Leads to Contacts"
    _crm_sync_access_fields = {"lead_ids": "write", "account_id": "read"}

    lead_ids = fields.Many2many(
        "crm.lead",
        string="Leads",
        required=True,
        domain=[("type", "=", "lead"), ("crm_sync_converted", "=", False)],
    )
    lead_count = fields.Integer(compute="_compute_lead_count")
    account_id = fields.Many2one(
        "res.partner",
        string="Account",
        domain=[("is_company", "=", True)],
        compute="_compute_account_id",
        store=True,
        readonly=False,
        compute_sudo=False,
        help="The company the new contacts belong to.",
    )
    account_reason = fields.Text(
        string="Suggestion",
        compute="_compute_account_id",
        store=True,
        compute_sudo=False,
        help="Why this account is suggested (or why none is).",
    )

    @api.model
    def default_get(self, fields_list):
        result = super().default_get(fields_list)
        context = self.env.context
        if (
            "lead_ids" in fields_list
            and not result.get("lead_ids")
            and context.get("active_model") == "crm.lead"
        ):
            lead_ids = context.get("active_ids") or (
                [context["active_id"]] if context.get("active_id") else []
            )
            leads = self.env["crm.lead"].browse(lead_ids)
            # Fail when the window opens rather than after the user chose.
            leads._crm_sync_contact_check_leads()
            result["lead_ids"] = [fields.Command.set(leads.ids)]
        return result

    @api.depends("lead_ids")
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(wizard.lead_ids)

    @api.depends("lead_ids")
    def _compute_account_id(self):
        for wizard in self:
            suggestions = wizard.lead_ids._crm_sync_suggest_account()
            accounts = {account for account, _reason in suggestions.values()}
            if len(wizard.lead_ids) == 1:
                account, reason = suggestions[wizard.lead_ids.id]
            elif len(accounts) == 1 and next(iter(accounts)):
                account = next(iter(accounts))
                reason = self.env._(
                    "The %(count)s leads point to this account.",
                    count=len(wizard.lead_ids),
                )
            else:
                account = self.env["res.partner"]
                reason = "\n".join(
                    f"{lead.display_name}: {suggestions[lead.id][1]}"
                    for lead in wizard.lead_ids
                )
            wizard.account_id = account
            wizard.account_reason = reason

    def action_convert(self):
        """Convert the leads, then open the contact (one) or the contacts (several)."""
        self.ensure_one()
        contact_ids = self.lead_ids.crm_convert_to_contact(self.account_id.id)
        if len(contact_ids) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "res_id": contact_ids[0],
                "views": [(False, "form")],
                "target": "current",
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Contacts"),
            "res_model": "res.partner",
            "domain": [("id", "in", contact_ids)],
            "views": [(False, "list"), (False, "form")],
            "target": "current",
        }
