# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.exceptions import ValidationError


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.constrains("partner_id")
    def _check_crm_sync_single_user_per_partner(self):
        """A contact synced with a user (Sync User) has no other user, archived
        ones included.

        ``res.partner.crm_sync_user_id`` names the one user of a synced contact; a
        second user on the same partner (created from Settings, the portal wizard,
        an import...) would make "which user is this contact?" ambiguous.
        """
        partners = self.sudo().partner_id.filtered("crm_sync_user_id")
        for partner, others in partners._crm_sync_user_others().items():
            raise ValidationError(
                self.env._(
                    "Contact %(contact)s is synced with user %(user)s and cannot "
                    "have another user (%(others)s).",
                    contact=partner.display_name,
                    user=partner.crm_sync_user_id.display_name,
                    others=", ".join(others.mapped("display_name")),
                )
            )
