# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Convert window: one line per lead, every decision pre-filled and explained."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..utils import dedup


class CrmLeadConvert(models.TransientModel):
    _name = "crm.lead.convert"
    _inherit = ["crm.lead.convert.mixin", "crm.sync.wizard.access.mixin"]
    _description = "Convert Leads into Account, Contact and Deal"
    _crm_sync_access_fields = {"lead_ids": "write"}

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    line_ids = fields.One2many(
        "crm.lead.convert.line",
        "wizard_id",
        string="Decisions",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        # As the user: his convert rights checked, his record rules in the
        # duplicate search, the lines created with his rights.
        compute_sudo=False,
    )
    create_deal = fields.Boolean(
        string="Create a new deal for this account/contact",
        help="The lead becomes the deal (an opportunity), keeping its history. "
        "Otherwise the lead is closed as converted.",
    )
    team_ids = fields.Many2many("crm.team", compute="_compute_team_ids")
    stage_id = fields.Many2one(
        domain="['|', ('team_id', '=', False), ('team_id', 'in', team_ids)]",
        help="A stage of the team's pipeline; another stage is replaced by the "
        "pipeline's first stage.",
    )
    owner_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain="[('share', '=', False)]",
        help="Salesperson of the new account, contact and deal. Empty: each "
        "lead's own salesperson.",
    )
    has_new_record = fields.Boolean(
        compute="_compute_has_new_record",
        help="Technical: the salesperson is only offered when a record is created.",
    )

    @api.depends("lead_ids")
    def _compute_team_ids(self):
        for wizard in self:
            wizard.team_ids = wizard.lead_ids.team_id

    @api.depends("create_deal", "line_ids.account_action", "line_ids.contact_action")
    def _compute_has_new_record(self):
        for wizard in self:
            wizard.has_new_record = wizard.create_deal or any(
                line.account_action == "new" or line.contact_action == "new"
                for line in wizard.line_ids
            )

    @api.depends("lead_ids")
    def _compute_line_ids(self):
        for wizard in self:
            leads = wizard.lead_ids._origin
            commands = [fields.Command.clear()]
            if leads:
                leads._crm_sync_check_convert_access()
                found = leads._crm_sync_dedup()
                for lead in leads:
                    commands.append(
                        fields.Command.create(
                            self.env["crm.lead.convert.line"]._prepare_line(
                                lead, found[lead.id][1]
                            )
                        )
                    )
            wizard.line_ids = commands

    def action_convert(self):
        """Convert every lead as decided, in one batch; all or nothing."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("There is no lead to convert."))
        options = self._crm_sync_window_options(self.owner_id.id)
        if self.create_deal:
            options["deal_values"] = self._crm_sync_window_deal_values()
        decisions = {
            line.lead_id.id: line._crm_sync_decision() for line in self.line_ids
        }
        results = self.line_ids.lead_id._crm_sync_convert_each(options, decisions)
        if len(results) == 1:
            result = next(iter(results.values()))
            if result["deal_id"]:
                return {
                    "type": "ir.actions.act_window",
                    "res_model": "crm.lead",
                    "res_id": result["deal_id"],
                    "view_mode": "form",
                    "views": [(False, "form")],
                }
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "res_id": result["contact_id"],
                "view_mode": "form",
                "views": [(False, "form")],
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Converted Contacts"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", [r["contact_id"] for r in results.values()])],
        }


class CrmLeadConvertLine(models.TransientModel):
    _name = "crm.lead.convert.line"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Convert Leads: decisions for one lead"
    _crm_sync_access_fields = {
        "lead_id": "write",
        "account_id": "read",
        "account_candidate_ids": "read",
        "contact_id": "read",
        "contact_candidate_ids": "read",
    }

    wizard_id = fields.Many2one("crm.lead.convert", required=True, ondelete="cascade")
    lead_id = fields.Many2one("crm.lead", string="Lead", required=True)
    partner_name = fields.Char(
        related="lead_id.partner_name", string="Company", related_sudo=False
    )
    contact_name = fields.Char(related="lead_id.contact_name", related_sudo=False)
    email_from = fields.Char(
        related="lead_id.email_from", string="Email", related_sudo=False
    )
    account_action = fields.Selection(
        [
            ("existing", "Add to an existing account"),
            ("new", "Create a new account"),
            ("none", "No account"),
        ],
        string="Account",
        required=True,
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Existing Account",
        domain="[('is_company', '=', True)]",
        context={"active_test": False},
    )
    account_candidate_ids = fields.Many2many(
        "res.partner",
        "crm_lead_convert_line_account_rel",
        string="Matching Accounts",
        context={"active_test": False},
    )
    account_reason = fields.Char(string="Why (Account)")
    contact_action = fields.Selection(
        [
            ("existing", "Add to an existing contact"),
            ("new", "Create a new contact"),
        ],
        string="Contact",
        required=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Existing Contact",
        domain="[('is_company', '=', False)]",
        context={"active_test": False},
    )
    contact_candidate_ids = fields.Many2many(
        "res.partner",
        "crm_lead_convert_line_contact_rel",
        string="Matching Contacts",
        context={"active_test": False},
    )
    contact_reason = fields.Char(string="Why (Contact)")
    deal_name = fields.Char()
    expected_revenue = fields.Monetary(currency_field="company_currency")
    company_currency = fields.Many2one(
        related="lead_id.company_currency", related_sudo=False
    )

    @api.model
    def _prepare_line(self, lead, suggestion):
        """Line values pre-filled from ``suggestion`` (``utils.dedup.Suggestion``)."""
        vals = {
            "lead_id": lead.id,
            "account_action": suggestion.account,
            "account_id": suggestion.account_id or False,
            "contact_action": suggestion.contact,
            "contact_id": suggestion.contact_id or False,
            "deal_name": (lead.partner_name or "").strip() or lead.name,
            "expected_revenue": lead.expected_revenue,
        }
        for role, match in (
            ("account", suggestion.account_match),
            ("contact", suggestion.contact_match),
        ):
            if match:
                partners = self.env["res.partner"].with_context(active_test=False)
                partners = partners.browse(match.ids)
                vals[f"{role}_candidate_ids"] = [fields.Command.set(match.ids)]
                reason = self.env["res.partner"]._crm_sync_rule_label(match)
                if match.ambiguous:
                    reason = self.env._(
                        "%(reason)s: %(count)s matches, choose one",
                        reason=reason,
                        count=len(match.ids),
                    )
                elif not partners.active:
                    reason = self.env._(
                        "%(reason)s (archived: it stays archived)",
                        reason=reason,
                    )
                vals[f"{role}_reason"] = reason
            elif role == "account":
                vals["account_reason"] = (
                    self.env._("No matching account: a new one is created")
                    if suggestion.account == dedup.NEW
                    else self.env._("The lead has no company name")
                )
            else:
                vals["contact_reason"] = self.env._(
                    "No matching contact: a new one is created"
                )
        return vals

    def _crm_sync_decision(self):
        """This line's decisions (``crm.lead._crm_sync_convert_each``): account,
        contact and, when a deal is created, its name and expected revenue."""
        self.ensure_one()
        lead_label = self.lead_id.display_name
        if self.account_action == "existing":
            if not self.account_id:
                raise UserError(
                    self.env._(
                        "Lead %(lead)s: choose the existing account.", lead=lead_label
                    )
                )
            account = self.account_id.id
        else:
            account = "new" if self.account_action == "new" else False
        if self.contact_action == "existing":
            if not self.contact_id:
                raise UserError(
                    self.env._(
                        "Lead %(lead)s: choose the existing contact.", lead=lead_label
                    )
                )
            contact = self.contact_id.id
        else:
            contact = "new"
        decision = {"account": account, "contact": contact}
        if self.wizard_id.create_deal:
            deal_values = {
                "name": self.deal_name,
                "expected_revenue": self.expected_revenue,
            }
            decision["deal_values"] = {k: v for k, v in deal_values.items() if v}
        return decision
