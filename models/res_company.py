# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Companies created by Sync Company."""

from odoo import api, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.constrains("partner_id")
    def _check_crm_sync_one_company_per_partner(self):
        """Sync Company reuses the account as the company's partner: never twice."""
        if not self:
            return
        twins = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [("partner_id", "in", self.partner_id.ids)],
            )
        )
        for company in self:
            others = twins.filtered(
                lambda c, company=company: c.partner_id == company.partner_id
                and c != company
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is already the partner of the company %(company)s;"
                        " a partner represents one company only.",
                        partner=company.partner_id.display_name,
                        company=others[0].display_name,
                    )
                )

    def install_l10n_modules(self):
        # Sync Company must never install localisation modules (registry reload,
        # long transaction) just because the account has a country.
        if self.env.context.get("crm_sync_no_l10n_install"):
            return False
        return super().install_l10n_modules()
