# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Windows show only what their user may see.

A window (transient model) or one of its lines points at records: leads,
partners, proposals. Whoever may create the window may choose those records
over XML-RPC, and the window's related and superuser-computed fields would
then show them to him. So the records a window points at are checked on
``create`` and ``write``: the user must be allowed to read them, or to write
them where the window writes them. Related fields of the windows are declared
with ``related_sudo=False`` besides, so that they read with the user's rights,
and they read only through a record the user may read.
"""

from odoo import api, models
from odoo.fields import Command


class CrmSyncWizardAccessMixin(models.AbstractModel):
    """Check the records a window points at against the user's rights.

    ``_crm_sync_access_fields``: ``{field name: operation}``, the relational
    fields of the window and the operation (``"read"`` or ``"write"``) the user
    must be allowed on the records they hold.
    """

    _name = "crm.sync.wizard.access.mixin"
    _description = "Window Access to Its Records"

    _crm_sync_access_fields = {}

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_sync_check_access(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_sync_check_access([vals])
        return super().write(vals)

    def _compute_field_value(self, field):
        # A related field computed with the user's rights reads the record it
        # goes through only if the user may: that record's values may be in
        # the cache already, put there by code running as superuser.
        if field.related and not self.env.su:
            self.mapped(field.related.split(".")[0]).check_access("read")
        return super()._compute_field_value(field)

    @api.model
    def _crm_sync_check_access(self, vals_list):
        """Raise AccessError unless the user may access the records that
        ``vals_list`` points at (as set by ``_crm_sync_access_fields``)."""
        if self.env.su:
            return
        for fname, operation in self._crm_sync_access_fields.items():
            field = self._fields[fname]
            ids = set()
            for vals in vals_list:
                if vals.get(fname):
                    ids.update(
                        id_
                        for id_ in self._crm_sync_pointed_ids(field, vals[fname])
                        # anything else is left to the ORM's own validation
                        if isinstance(id_, int) and not isinstance(id_, bool)
                    )
            if ids:
                comodel = self.env[field.comodel_name].with_context(active_test=False)
                comodel.browse(sorted(ids)).check_access(operation)

    @api.model
    def _crm_sync_pointed_ids(self, field, value):
        """The ids of existing records ``value`` (a field value as given to
        ``create``/``write``) points at; new records are created as the user."""
        if field.type == "many2one":
            return [value.id if isinstance(value, models.BaseModel) else value]
        if isinstance(value, models.BaseModel):
            return value.ids
        ids = []
        for command in value if isinstance(value, list | tuple) else ():
            if isinstance(command, int):
                ids.append(command)
            elif not isinstance(command, list | tuple) or len(command) < 2:
                continue
            elif command[0] in (Command.LINK, Command.UPDATE):
                ids.append(command[1])
            elif command[0] == Command.SET and len(command) > 2:
                ids.extend(command[2] or ())
        return ids
