# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A won opportunity makes its customer active: the ``on_active`` push policy
of e-conomic backends (``res_partner_economic.py``)."""

from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._crm_sync_economic_won()
        return leads

    def write(self, vals):
        res = super().write(vals)
        if "stage_id" in vals or "partner_id" in vals:
            self._crm_sync_economic_won()
        return res

    def _crm_sync_economic_won(self):
        """The customers of won opportunities go to e-conomic (when a backend
        is enabled and they are not linked yet)."""
        if self.env.context.get("crm_sync_no_export"):
            return
        won = self.filtered(lambda lead: lead.partner_id and lead.stage_id.is_won)
        if not won:
            return
        # sudo: links are bookkeeping; the salesman only won the opportunity
        partners = won.partner_id.sudo()
        customers = partners.browse(
            list({partner._crm_sync_economic_customer().id for partner in partners})
        )
        customers._crm_sync_economic_apply_policy(won=True)
