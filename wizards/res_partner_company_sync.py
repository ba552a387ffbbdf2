# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Confirmation window of Sync Company (account -> company)."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class ResPartnerCompanySync(models.TransientModel):
    _name = "res.partner.company.sync"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Sync Company Confirmation"
    _crm_sync_access_fields = {"partner_id": "write"}

    partner_id = fields.Many2one(
        "res.partner",
        string="Account",
        required=True,
        readonly=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    clash_company_id = fields.Many2one(
        "res.company",
        string="Company With The Same Name",
        compute="_compute_clash",
        compute_sudo=True,
    )
    clash_company_account_id = fields.Many2one(
        "res.partner",
        string="Account Of That Company",
        compute="_compute_clash",
        compute_sudo=True,
    )
    can_link = fields.Boolean(compute="_compute_clash", compute_sudo=True)
    resolution = fields.Selection(
        [
            ("link", "Link the account to this company"),
            ("create", "Create a new company"),
        ],
        compute="_compute_resolution",
        store=True,
        readonly=False,
    )
    company_name = fields.Char(
        string="New Company Name",
        help="A company and its partner share one name: the account is renamed too.",
    )

    @api.depends("partner_id")
    def _compute_clash(self):
        Partner = self.env["res.partner"]
        for wizard in self:
            # Computed as superuser (companies the user may not read), but only
            # for an account the user may still read.
            name = wizard.partner_id.sudo(False)._filtered_access("read").name
            clash = Partner._crm_sync_company_find_clash(name)
            account = Partner._crm_sync_company_account(clash) if clash else Partner
            wizard.clash_company_id = clash
            wizard.clash_company_account_id = account
            wizard.can_link = bool(clash) and not account

    @api.depends("can_link", "clash_company_id")
    def _compute_resolution(self):
        for wizard in self:
            if not wizard.clash_company_id:
                wizard.resolution = False
            elif wizard.can_link:
                wizard.resolution = wizard.resolution or "link"
            else:
                wizard.resolution = "create"

    def action_confirm(self):
        """Yes: call the public method with the explicit choice."""
        self.ensure_one()
        partner = self.partner_id
        if self.clash_company_id and not self.resolution:
            raise UserError(
                self.env._(
                    "Choose whether to link the account or to create a new company."
                )
            )
        if self.clash_company_id and self.resolution == "link":
            if not self.can_link:
                raise UserError(
                    self.env._(
                        "The company %(company)s is already synced with another "
                        "account.",
                        company=self.clash_company_id.display_name,
                    )
                )
            partner.crm_sync_company(existing_company_id=self.clash_company_id.id)
        elif self.clash_company_id:
            if not (self.company_name or "").strip():
                raise UserError(
                    self.env._("Enter a distinct name for the new company.")
                )
            partner.crm_sync_company(company_name=self.company_name)
        else:
            partner.crm_sync_company()
        return {"type": "ir.actions.act_window_close"}
