# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What Sync Company and Sync User share: who may write their links
(``crm_sync_company_id``, ``crm_sync_user_id``) and the check of the record ids
their public methods take."""

from odoo import api, models
from odoo.exceptions import AccessError, UserError

#: Proof that a write of the links comes from Sync Company / Sync User
#: (``_crm_sync_link_context``): a context *value* that cannot be forged over
#: RPC (it is not serialisable), unlike a plain boolean key.
_LINK_TOKEN = object()
_LINK_CONTEXT_KEY = "crm_sync_link_token"
#: the links only Sync Company / Sync User (and administrators) write
LINK_FIELDS = ("crm_sync_company_id", "crm_sync_user_id")


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(fname) for vals in vals_list for fname in LINK_FIELDS):
            self._crm_sync_check_link_write()
        return super().create(vals_list)

    def write(self, vals):
        changed = [
            fname
            for fname in LINK_FIELDS
            if fname in vals
            and any(partner[fname].id != (vals[fname] or False) for partner in self)
        ]
        if changed:
            self._crm_sync_check_link_write()
        return super().write(vals)

    def _crm_sync_link_context(self):
        """These partners, allowed to write the links (Sync Company, Sync User)."""
        return self.with_context(**{_LINK_CONTEXT_KEY: _LINK_TOKEN})

    def _crm_sync_check_link_write(self):
        """The links are set and cleared by Sync Company / Sync User only (they
        check who may do it), or by an administrator (Access Rights): never by
        a plain write of a partner writer, which could squat or clear them."""
        if self.env.context.get(_LINK_CONTEXT_KEY) is _LINK_TOKEN:
            return
        if self.env.user.has_group("base.group_erp_manager"):
            return
        raise AccessError(
            self.env._(
                "The synced company and the synced user of a contact are set by "
                "Sync Company and Sync User only; they cannot be written directly."
            )
        )

    @api.model
    def _crm_sync_check_id_param(self, value, name):
        """``value`` as a record id (``False`` if empty); a clear error otherwise."""
        if value is None or value is False or (type(value) is int and value == 0):
            return False
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        raise UserError(
            self.env._(
                "%(param)s must be the id of a record, not %(value)r.",
                param=name,
                value=value,
            )
        )
