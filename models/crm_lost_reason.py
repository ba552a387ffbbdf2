# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A "Closed" lost reason: close leads without converting them."""

from odoo import fields, models


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    crm_sync_is_closed = fields.Boolean(
        string="Closes Without Converting",
        help="Leads lost for this reason were closed rather than lost; the "
        '"Closed" filter of the Leads list shows them.',
    )
