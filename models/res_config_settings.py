# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Settings > CRM > CRM Sync."""

from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Stored as "True"/"False" rather than through config_parameter=..., which
    # deletes the parameter when unticked: a missing parameter means "on".
    crm_sync_review_portal_updates = fields.Boolean(
        string="Review Customers' Own Updates",
        help="Changes customers make to their details on the portal become proposals "
        "to check instead of being written directly.",
    )

    crm_sync_restrict_conversion = fields.Boolean(
        string="Only the Convert leads group may convert leads",
        config_parameter="crm_sync.restrict_conversion",
        help='When on, only members of the group "Convert leads" may convert leads, '
        "by any path: Convert, Convert to Contact, mass conversion and Odoo's own "
        "Convert to Opportunity.",
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        Proposal = self.env["crm.sync.proposal"]
        res["crm_sync_review_portal_updates"] = Proposal._review_portal_updates()
        return res

    def set_values(self):
        res = super().set_values()
        self.env["crm.sync.proposal"]._set_review_portal_updates(
            self.crm_sync_review_portal_updates
        )
        return res
