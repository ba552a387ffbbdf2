# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Mass conversion window: a selection of leads, or criteria with a preview count."""

import ast

from odoo import api, fields, models
from odoo.exceptions import UserError

DEFAULT_DOMAIN = "[('type', '=', 'lead'), ('crm_sync_converted', '=', False)]"


class CrmLeadMassConvert(models.TransientModel):
    _name = "crm.lead.mass.convert"
    _inherit = ["crm.lead.convert.mixin", "crm.sync.wizard.access.mixin"]
    _description = "Mass Convert Leads"
    # The job converts (and checks write access) lead by lead, later.
    _crm_sync_access_fields = {"lead_ids": "read"}

    mode = fields.Selection(
        [("selection", "Selected leads"), ("criteria", "Leads matching criteria")],
        string="Convert",
        required=True,
        default=lambda self: "selection"
        if self.env.context.get("active_ids")
        else "criteria",
    )
    lead_ids = fields.Many2many("crm.lead", string="Leads")
    domain = fields.Char(string="Criteria", default=DEFAULT_DOMAIN)
    lead_count = fields.Integer(
        string="Leads to Convert", compute="_compute_lead_count"
    )
    domain_error = fields.Char(compute="_compute_lead_count")
    stage_id = fields.Many2one(
        help="Used for the leads of the teams whose pipeline has it; the others "
        "get their pipeline's first stage.",
    )
    owner_mode = fields.Selection(
        [("lead", "Each lead's salesperson"), ("one", "One salesperson")],
        string="Owner",
        default="lead",
        required=True,
    )
    owner_id = fields.Many2one(
        "res.users", string="Salesperson", domain="[('share', '=', False)]"
    )
    deal_name = fields.Char(
        help="Empty: each deal is named after its lead's company (else the lead's "
        'title). Otherwise a name in which "%(company)s" and "%(lead)s" are '
        "replaced by the lead's company name and title, e.g. "
        '"%(company)s - Renewal".',
    )
    expected_revenue = fields.Monetary(
        currency_field="company_currency",
        help="Expected revenue of every deal. Zero: each lead's own.",
    )
    company_currency = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        help="Sales team of every deal. Empty: each lead's team.",
    )

    def _crm_sync_domain(self):
        """The leads to convert as a domain (raises on invalid criteria)."""
        self.ensure_one()
        if self.mode == "selection":
            return [("id", "in", self.lead_ids._origin.ids)]
        try:
            domain = ast.literal_eval(self.domain or "[]")
        except (ValueError, SyntaxError) as error:
            raise UserError(
                self.env._(
                    "The criteria are not a valid domain: %(error)s", error=error
                )
            ) from error
        if not isinstance(domain, list):
            raise UserError(self.env._("The criteria must be a list of conditions."))
        return domain

    @api.depends("mode", "lead_ids", "domain")
    def _compute_lead_count(self):
        Lead = self.env["crm.lead"]
        for wizard in self:
            wizard.domain_error = False
            try:
                domain = wizard._crm_sync_domain()
                wizard.lead_count = Lead.search_count(
                    domain + [("type", "=", "lead"), ("crm_sync_converted", "=", False)]
                )
            except (UserError, ValueError) as error:
                wizard.lead_count = 0
                wizard.domain_error = str(error.args[0] if error.args else error)

    def action_convert(self):
        self.ensure_one()
        options = self._crm_sync_window_options(
            self.owner_id.id if self.owner_mode == "one" else False
        )
        if self.create_deal:
            deal_values = {
                "name": (self.deal_name or "").strip(),
                "expected_revenue": self.expected_revenue,
                "team_id": self.team_id.id,
            }
            options["deal_values"] = {
                **{key: value for key, value in deal_values.items() if value},
                **self._crm_sync_window_deal_values(),
            }
        job_id = self.env["crm.lead"].crm_sync_mass_convert(
            self._crm_sync_domain(), options
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lead Conversion"),
            "res_model": "crm.sync.conversion.job",
            "res_id": job_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
