# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Bindings: links between an Odoo record and a remote record (source contract).

A connector defines one concrete model per kind of link, e.g.::

    class CrmSyncEconomicBinding(models.Model):
        _name = "crm.sync.economic.binding"
        _inherit = "crm.sync.binding"
        _description = "e-conomic Customer Link"
        _crm_sync_fields = ("name", "street", "zip", "city", "phone", "vat")

        backend_id = fields.Many2one(
            "crm.sync.economic.backend", required=True, ondelete="cascade"
        )
        record_id = fields.Many2one("res.partner", required=True, ondelete="cascade")

        def _crm_sync_push(self):  # called by the crm.sync.push cron, after commit
            ...  # read-modify-write the remote record: self._crm_sync_local_values()
            self._crm_sync_mark_pushed(values, remote_version)

and gets the unique constraints (one link per remote id and per record in a
backend), the agreed values, the three-way decisions, the resolve hook of
proposals and the push queue. Values (agreed, local, remote) are keyed by Odoo
field name and held in JSON form: many2one as ids, dates as ISO strings.
"""

from odoo import api, fields, models

from ..utils import desync, three_way


class CrmSyncBinding(models.AbstractModel):
    _name = "crm.sync.binding"
    _description = "Sync Link (abstract)"

    #: Odoo fields of ``record_id`` this link keeps in sync (concrete models set it).
    _crm_sync_fields = ()

    remote_id = fields.Char(
        string="Remote ID", required=True, index=True, readonly=True, copy=False
    )
    remote_version = fields.Char(
        readonly=True,
        copy=False,
        help="The remote record's version when last synced (ETag, lastUpdated...).",
    )
    agreed_values = fields.Json(
        readonly=True,
        copy=False,
        help="Values both sides held after the last sync, by Odoo field name: the "
        "base of the three-way rule.",
    )
    needs_push = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The Odoo side holds values the remote side has not received yet.",
    )
    last_sync = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    # Concrete models define backend_id and record_id (many2one), which these use.
    _sql_constraints = [
        (
            "crm_sync_backend_remote_uniq",
            "UNIQUE(backend_id, remote_id)",
            "This remote record is already linked in this backend.",
        ),
        (
            "crm_sync_backend_record_uniq",
            "UNIQUE(backend_id, record_id)",
            "This record is already linked in this backend.",
        ),
    ]

    # ------------------------------------------------------------------
    # Values and the three-way rule
    # ------------------------------------------------------------------

    def _crm_sync_record(self):
        """The linked Odoo record."""
        self.ensure_one()
        return self.record_id

    def _crm_sync_field_names(self, fnames=None):
        return [
            fname
            for fname in (fnames or self._crm_sync_fields)
            if fname in self._crm_sync_record()._fields
        ]

    def _crm_sync_local_values(self, fnames=None):
        """``{field: value}`` of the linked record, in JSON form."""
        self.ensure_one()
        return self._crm_sync_values_of(
            self._crm_sync_record(), self._crm_sync_field_names(fnames)
        )

    def _crm_sync_decide(self, remote_values, local_values=None):
        """Per-field decisions of the three-way rule for this link.

        :param dict remote_values: the remote record mapped to Odoo field names,
            in JSON form.
        :return: ``{field: take_local | take_remote | equal | conflict}``
        """
        self.ensure_one()
        return self._crm_sync_three_way(
            self._crm_sync_record(),
            self.agreed_values or {},
            remote_values,
            self._crm_sync_field_names(),
            local_values=local_values,
        )

    # Model-level helpers (no link needed): what the methods above use.

    @api.model
    def _crm_sync_json_value(self, field, value):
        """A field value in the JSON form of agreed values."""
        if field.type == "many2one":
            return value.id or False
        if field.type in ("one2many", "many2many"):
            return sorted(value.ids)
        if field.type in ("date", "datetime"):
            return field.to_string(value) if value else False
        return value

    @api.model
    def _crm_sync_values_of(self, record, fnames):
        """``{field: value}`` of ``record`` in JSON form."""
        # sudo: values are compared and pushed on the record's behalf, whoever
        # triggered the sync; nothing is returned to the user from here
        record = record.sudo()
        return {
            fname: self._crm_sync_json_value(record._fields[fname], record[fname])
            for fname in fnames
        }

    @api.model
    def _crm_sync_equal_for(self, record):
        """``equal(field, left, right)`` for values of ``record``: e-mails and
        phones normalised, phones in the one region of the partner
        (``res.partner._crm_sync_desync_region``)."""
        region = (
            # sudo: the partner's country only, to read phone numbers
            record.sudo()._crm_sync_desync_region()
            if record._name == "res.partner"
            else record.env["res.partner"]._crm_sync_main_region()
        )

        def equal(fname, left, right):
            kind = desync.value_kind(fname, record._fields[fname].type)
            return desync.values_equal(kind, left, right, region)

        return equal

    @api.model
    def _crm_sync_three_way(self, record, base, remote, fnames, local_values=None):
        """The three-way decisions for ``record`` (see ``utils/three_way.py``)."""
        if local_values is None:
            local_values = self._crm_sync_values_of(record, fnames)
        return three_way.decide(
            base,
            local_values,
            remote,
            fields=fnames,
            equal=self._crm_sync_equal_for(record),
        )

    def _crm_sync_record_agreed(self, values, remote_version=None):
        """Record ``values`` (JSON form) as agreed by both sides."""
        for binding in self:
            vals = {
                "agreed_values": {**(binding.agreed_values or {}), **values},
                "last_sync": fields.Datetime.now(),
            }
            if remote_version is not None:
                vals["remote_version"] = remote_version
            binding.write(vals)

    # ------------------------------------------------------------------
    # Resolve hook and push queue
    # ------------------------------------------------------------------

    def _crm_sync_on_proposals_resolved(self, proposals):
        """Resolve hook (see ``crm.sync.proposal._resolve_notify_sources``).

        Accepted values are now on both sides: agreed. Kept or replaced values
        are the CRM's: queued for a push, recorded as agreed once pushed.
        """
        # sudo: the user who resolved may write the partners; the links only
        # record the outcome of that decision and queue its push
        bindings = self.sudo().exists()
        by_binding = proposals.grouped("source_res_id")
        to_push = self.browse()
        for binding in bindings:
            mine = by_binding.get(binding.id, proposals.browse())
            accepted = mine.filtered(lambda p: p.state == "accepted")
            if accepted:
                binding._crm_sync_record_agreed(
                    binding._crm_sync_local_values(accepted.mapped("field_name"))
                )
            if mine - accepted:
                to_push |= binding
        to_push._crm_sync_queue_push()

    def _crm_sync_queue_push(self):
        """Push these links' Odoo values after the transaction commits."""
        if not self:
            return
        # sudo: bookkeeping of the links; what is pushed was decided by the caller
        self.sudo().write({"needs_push": True})
        self.env["crm.sync.push"]._crm_sync_enqueue(self)

    def _crm_sync_push(self):
        """Send the Odoo values to the remote record (concrete models), then call
        :meth:`_crm_sync_mark_pushed`. Runs in the push cron, never in a request."""
        raise NotImplementedError(
            f"{self._name} must implement _crm_sync_push() to send its values."
        )

    def _crm_sync_mark_pushed(self, values=None, remote_version=None):
        """After a successful push of ``values`` (by default every synced field)."""
        for binding in self:
            binding._crm_sync_record_agreed(
                binding._crm_sync_local_values() if values is None else values,
                remote_version=remote_version,
            )
        self.write({"needs_push": False, "last_error": False})

    def _crm_sync_push_failed(self, message):
        """Called by the push queue after a failed attempt: visible on the link."""
        self.write({"last_error": message})
