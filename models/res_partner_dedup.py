"""Normalised, indexed match keys on partners, for lead duplicate detection.

Odoo stores ``email_normalized`` on partners but does not index it, and has no
normalised name, phone or VAT column (``phone_sanitized`` only comes with
``sms``). Lead conversion matches leads against partners on these keys by
equality, a batch of leads at a time, so each key is a stored column with a
btree index: lookups stay flat when the partner table grows.
"""

from odoo import api, fields, models

from ..utils.normalize import (
    normalize_name,
    normalize_phone,
    normalize_vat,
)

#: res.partner field -> (key column, normaliser kind) used by duplicate detection
PARTNER_MATCH_KEYS = {
    "email": ("email_normalized", "email"),
    "name": ("crm_sync_name_key", "name"),
    "phone": ("crm_sync_phone_key", "phone"),
    "mobile": ("crm_sync_mobile_key", "phone"),
    "vat": ("crm_sync_vat_key", "vat"),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Inherited from mail.thread.blacklist without an index; crm does the same
    # for crm.lead. Partial index: most partners without an e-mail stay out.
    email_normalized = fields.Char(index="btree_not_null")
    crm_sync_name_key = fields.Char(
        string="Name Match Key",
        compute="_compute_crm_sync_match_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Technical: the name trimmed, case and accent insensitive.",
    )
    crm_sync_phone_key = fields.Char(
        string="Phone Match Key",
        compute="_compute_crm_sync_match_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Technical: the phone in E.164 format.",
    )
    crm_sync_mobile_key = fields.Char(
        string="Mobile Match Key",
        compute="_compute_crm_sync_match_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Technical: the mobile in E.164 format.",
    )
    crm_sync_vat_key = fields.Char(
        string="Tax ID Match Key",
        compute="_compute_crm_sync_match_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Technical: the tax ID without spaces, punctuation or country prefix.",
    )

    @api.depends("name", "phone", "mobile", "vat", "country_id")
    def _compute_crm_sync_match_keys(self):
        default_region = self.env.company.country_id.code
        for partner in self:
            region = partner.country_id.code or default_region
            partner.crm_sync_name_key = normalize_name(partner.name)
            partner.crm_sync_phone_key = normalize_phone(partner.phone, region)
            partner.crm_sync_mobile_key = normalize_phone(partner.mobile, region)
            partner.crm_sync_vat_key = normalize_vat(partner.vat)
