# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Proposing: the entry of the source contract (docs/ARCHITECTURE.md).

``_propose({partner: {field: value}}, source)`` checks everything, then for each
value that differs from the CRM's (after normalisation, in the partner's phone
region) creates a pending proposal, replacing the source's older pending one:

- Keep sticks: a value the reviewer kept (or replaced) is not proposed again
  by the same source while that source still sends the same value;
- concurrent proposals of one source for one field merge (newest wins): the
  insert falls back to ``INSERT ... ON CONFLICT`` on the partial unique index.
"""

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..utils import desync
from .crm_sync_proposal import PENDING_INDEXES


class CrmSyncProposal(models.Model):
    _inherit = "crm.sync.proposal"

    @api.model
    def _parse_source(self, source):
        """Return ``(model, res_id, label)`` for a source.

        :param source: a record, a ``(record, label)`` pair or a label string.
        """
        label = False
        if isinstance(source, tuple) and len(source) == 2:
            source, label = source
        if isinstance(source, models.BaseModel):
            source.ensure_one()
            label = label or source.sudo().display_name or source._description
            return source._name, source.id, label
        if isinstance(source, str) and source.strip():
            return False, False, source.strip()
        raise UserError(
            self.env._("A proposal needs a source: a record or a non-empty label.")
        )

    @api.model
    def _source_domain(self, source_model, source_res_id, source_label):
        """The proposals of one source: a record, or a label with its sender."""
        if source_model:
            return [
                ("source_model", "=", source_model),
                ("source_res_id", "=", source_res_id),
            ]
        return [
            ("source_model", "=", False),
            ("source_label", "=", source_label),
            ("proposed_by_id", "=", self.env.uid),
        ]

    @api.model
    def _check_may_propose(self, partners):
        user = self.env.user
        if self.env.su:
            return
        if user.share:
            if partners - user.partner_id:
                raise AccessError(
                    self.env._(
                        "You may only propose changes to your own contact details."
                    )
                )
            return
        partners.check_access("read")

    @api.model
    def _propose_check_values(self, values_by_partner):
        """Check and coerce every value: ``({fname: field id}, {(partner, fname):
        value})``. Raises before anything is written."""
        IrModelFields = self.env["ir.model.fields"]
        field_ids = {}
        coerced = {}
        for partner, values in values_by_partner.items():
            if not isinstance(values, dict) or not values:
                raise UserError(
                    self.env._(
                        "Proposed values must be a non-empty mapping of fields "
                        "to values."
                    )
                )
            for fname, value in values.items():
                if fname not in field_ids:
                    self._check_proposable_field(fname)
                    field_ids[fname] = IrModelFields._get("res.partner", fname).id
                coerced[partner, fname] = self._coerce(partner._fields[fname], value)
        return field_ids, coerced

    @api.model
    def _last_of_source(self, source_domain, partners, field_ids):
        """``{(partner_id, field_id): proposal}``: the source's latest proposal
        (pending or decided) per field, one query."""
        # sudo: bookkeeping of the source's own proposals, never shown to the
        # caller; one row per (partner, field), not the source's whole history
        Proposal = self.sudo()
        rows = Proposal._read_group(
            [
                *source_domain,
                ("partner_id", "in", partners.ids),
                ("field_id", "in", list(field_ids.values())),
            ],
            ["partner_id", "field_id"],
            ["id:max"],
        )
        # one recordset, so that reading their states is one query
        last = Proposal.browse([last_id for _partner, _field, last_id in rows])
        return {
            (partner.id, field.id): proposal
            for (partner, field, _last_id), proposal in zip(rows, last, strict=True)
        }

    @api.model
    def _is_kept(self, last, value):
        """Whether ``value`` is the one the reviewer already declined (Keep sticks)."""
        return (
            last is not None
            and last.state in ("kept", "replaced")
            and last._equal(last._get_typed_value("value"), value)
        )

    @api.model
    def _propose(self, values_by_partner, source):
        """Create the proposals for ``{partner: {field: value}}`` from ``source``.

        Values equal to the CRM value after normalisation create nothing, nor do
        values this source sent before and the reviewer kept; a pending proposal
        of the same source for the same field is replaced. Everything is
        checked before anything is written.

        :return: the created proposals
        """
        source_model, source_res_id, source_label = self._parse_source(source)
        partners = self.env["res.partner"].union(*values_by_partner)
        self._check_may_propose(partners)
        field_ids, coerced = self._propose_check_values(values_by_partner)
        source_domain = self._source_domain(source_model, source_res_id, source_label)
        last = self._last_of_source(source_domain, partners, field_ids)
        source_vals = {
            "source_model": source_model,
            "source_res_id": source_res_id,
            "source_label": source_label,
        }
        vals_list = self._propose_vals_list(
            values_by_partner, field_ids, coerced, last, source_vals
        )
        self._propose_drop_replaced(values_by_partner, field_ids, last)
        if not vals_list:
            return self.browse()
        # Nobody but superuser creates proposals (no create access right): every
        # check above is this method's, so the bookkeeping is forced here.
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.update(state="pending", proposed_by_id=self.env.uid, proposed_on=now)
        return self._create_pending(vals_list).with_env(self.env)

    @api.model
    def _propose_vals_list(self, values_by_partner, field_ids, coerced, last, source):
        """Values of the proposals to create: what differs from the CRM value
        after normalisation and was not kept before from this source."""
        vals_list = []
        for partner, values in values_by_partner.items():
            # sudo: compare with the CRM value, which is stored, not returned
            partner_sudo = partner.sudo()
            region = partner_sudo._crm_sync_desync_region()
            for fname in values:
                field = partner._fields[fname]
                value = coerced[partner, fname]
                current = self._partner_typed_value(partner_sudo, field)
                kind = desync.value_kind(fname, field.type)
                if desync.values_equal(kind, current, value, region) or self._is_kept(
                    last.get((partner.id, field_ids[fname])), value
                ):
                    continue
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "field_id": field_ids[fname],
                        **source,
                        **self._typed_value_vals(field, value, "value"),
                        **self._typed_value_vals(field, current, "old_value"),
                    }
                )
        return vals_list

    @api.model
    def _propose_drop_replaced(self, values_by_partner, field_ids, last):
        """A newer proposal of the same source replaces its older pending one,
        also when the source now agrees with the CRM (nothing left to check)."""
        proposed_keys = {
            (partner.id, field_ids[fname])
            for partner, values in values_by_partner.items()
            for fname in values
        }
        # sudo: the source's own older pending proposals (nobody has unlink rights)
        self.sudo().browse(
            proposal.id
            for key, proposal in last.items()
            if proposal.state == "pending" and key in proposed_keys
        ).unlink()

    # ------------------------------------------------------------------
    # Concurrent proposals of one source
    # ------------------------------------------------------------------

    @api.model
    def _create_pending(self, vals_list):
        """Create pending proposals as superuser; when a concurrent transaction
        committed a pending proposal of the same source for the same field in
        the meantime, merge into it (newest value wins) instead of failing."""
        try:
            with self.env.cr.savepoint():
                # sudo: no create right on proposals; _propose checked everything
                return self.sudo().create(vals_list)
        except psycopg2.errors.UniqueViolation as exc:
            if exc.diag.constraint_name not in PENDING_INDEXES:
                raise
        return self._upsert_pending(vals_list)

    @api.model
    def _upsert_pending(self, vals_list):
        """``INSERT ... ON CONFLICT DO UPDATE`` on the pending-source indexes.

        Under READ COMMITTED this merges into the other transaction's row.
        Odoo's cursors run REPEATABLE READ, where PostgreSQL refuses to update a
        row the transaction cannot see with a serialization failure: Odoo's
        request and cron layers replay the transaction on that error, and the
        replay replaces the other proposal like any older one. Either way the
        newest value wins and no unique-violation error reaches anyone.
        """
        # sudo: field names only (users have no access to ir.model.fields)
        field_names = dict(
            self.env["ir.model.fields"]
            .sudo()
            .browse({vals["field_id"] for vals in vals_list})
            .mapped(lambda f: (f.id, f.name))
        )
        now = fields.Datetime.now()
        ids = []
        for vals in vals_list:
            row = {
                **vals,
                "field_name": field_names[vals["field_id"]],
                "create_uid": self.env.uid,
                "write_uid": self.env.uid,
                "create_date": now,
                "write_date": now,
            }
            ids.append(self.env.execute_query(self._upsert_sql(row))[0][0])
        proposals = self.sudo().browse(ids)  # sudo: as created by _create_pending
        proposals.invalidate_recordset()
        proposals.modified(["state", "field_id", "partner_id"])
        return proposals

    @api.model
    def _upsert_sql(self, row):
        index = (
            "crm_sync_proposal_pending_record_source_uniq"
            if row.get("source_model")
            else "crm_sync_proposal_pending_caller_label_uniq"
        )
        columns, where = PENDING_INDEXES[index]
        names = [name for name in row if name in self._fields]
        updated = [
            name
            for name in names
            if name.startswith(("value_", "old_value_"))
            or name in ("proposed_on", "write_uid", "write_date")
        ]
        return SQL(
            "INSERT INTO %s (%s) VALUES %s ON CONFLICT (%s) WHERE %s "
            "DO UPDATE SET %s RETURNING id",
            SQL.identifier(self._table),
            SQL(", ").join(SQL.identifier(name) for name in names),
            tuple(
                self._fields[name].convert_to_column_insert(row[name], self)
                for name in names
            ),
            SQL(columns),
            SQL(where),
            SQL(", ").join(
                SQL("%s = EXCLUDED.%s", SQL.identifier(name), SQL.identifier(name))
                for name in updated
            ),
        )
