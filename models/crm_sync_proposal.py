# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Field-level changes proposed to partners by outside sources (desync reconciliation).

One record = one value proposed for one field of one partner by one source
(a connector link, a portal submission, an import, or an XML-RPC caller that
only gives a label). The proposed value and the CRM value at proposal time are
stored typed, one column per type family (``base_changeset`` style); the live
CRM value is computed, so the reviewer never decides on a stale value.
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date, format_datetime, str2bool
from odoo.tools.sql import index_exists

from ..utils import desync

REVIEW_PORTAL_PARAM = "crm_sync.review_portal_updates"
VALUE_FAMILIES = ("char", "text", "integer", "float", "boolean", "date", "datetime")

# Fields no source may propose: technical, computed bookkeeping, access related.
FORBIDDEN_FIELDS = frozenset(
    {
        "id",
        "active",
        "company_id",
        "user_ids",
        "parent_id",
        "commercial_partner_id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        "crm_sync_desync",
        "crm_sync_desync_count",
    }
)


class CrmSyncProposal(models.Model):
    _name = "crm.sync.proposal"
    _description = "Proposed Partner Change"
    _order = "partner_id, field_id, id desc"
    _rec_name = "field_id"

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True, readonly=True
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Field",
        required=True,
        ondelete="cascade",
        readonly=True,
        domain=[("model", "=", "res.partner")],
    )
    field_name = fields.Char(
        related="field_id.name", store=True, index=True, string="Field Name"
    )
    field_type = fields.Selection(related="field_id.ttype", string="Field Type")
    # Related fields read as superuser: users need no access to ir.model.fields.
    field_label = fields.Char(
        related="field_id.field_description", string="Field Label"
    )

    # Source: any record (model + id) with a readable label; label only for RPC callers.
    source_model = fields.Char(readonly=True, index=True)
    source_res_id = fields.Many2oneReference(
        string="Source Record", model_field="source_model", readonly=True
    )
    source_label = fields.Char(string="Source", required=True, readonly=True)
    proposed_by_id = fields.Many2one(
        "res.users",
        string="Proposed By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    proposed_on = fields.Datetime(
        default=fields.Datetime.now, readonly=True, index=True
    )

    # Proposed value, typed.
    value_char = fields.Char(readonly=True)
    value_text = fields.Text(readonly=True)
    value_integer = fields.Integer(readonly=True)
    value_float = fields.Float(readonly=True)
    value_boolean = fields.Boolean(readonly=True)
    value_date = fields.Date(readonly=True)
    value_datetime = fields.Datetime(readonly=True)
    value_ref_model = fields.Char(readonly=True)
    value_ref_id = fields.Many2oneReference(
        model_field="value_ref_model", readonly=True
    )
    # CRM value when the proposal was made, typed.
    old_value_char = fields.Char(readonly=True)
    old_value_text = fields.Text(readonly=True)
    old_value_integer = fields.Integer(readonly=True)
    old_value_float = fields.Float(readonly=True)
    old_value_boolean = fields.Boolean(readonly=True)
    old_value_date = fields.Date(readonly=True)
    old_value_datetime = fields.Datetime(readonly=True)
    old_value_ref_model = fields.Char(readonly=True)
    old_value_ref_id = fields.Many2oneReference(
        model_field="old_value_ref_model", readonly=True
    )

    value_display = fields.Char(
        string="Proposed Value", compute="_compute_value_display"
    )
    old_value_display = fields.Char(
        string="CRM Value Then", compute="_compute_value_display"
    )
    current_value_display = fields.Char(
        string="Current Value",
        compute="_compute_current_value",
        help="The partner's value now, which may differ from its value when the "
        "change was proposed.",
    )
    is_stale = fields.Boolean(
        string="CRM Changed Since",
        compute="_compute_current_value",
        help="The CRM value changed after this change was proposed.",
    )

    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("accepted", "Accepted"),
            ("kept", "Kept CRM Value"),
            ("replaced", "Replaced by a New Value"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    resolved_by_id = fields.Many2one("res.users", string="Resolved By", readonly=True)
    resolved_on = fields.Datetime(readonly=True)
    resolved_value_display = fields.Char(string="New Value Written", readonly=True)

    def init(self):
        # One pending proposal per partner, field and source: record sources are
        # identified by (model, id), label-only sources by their label.
        for name, columns, where in (
            (
                "crm_sync_proposal_pending_record_source_uniq",
                "partner_id, field_id, source_model, source_res_id",
                "state = 'pending' AND source_model IS NOT NULL",
            ),
            (
                "crm_sync_proposal_pending_label_source_uniq",
                "partner_id, field_id, source_label",
                "state = 'pending' AND source_model IS NULL",
            ),
        ):
            if not index_exists(self.env.cr, name):
                self.env.cr.execute(
                    SQL(
                        "CREATE UNIQUE INDEX %s ON %s (%s) WHERE %s",
                        SQL.identifier(name),
                        SQL.identifier(self._table),
                        SQL(columns),
                        SQL(where),
                    )
                )

    @api.constrains("field_id")
    def _check_field_id(self):
        if self.filtered(lambda p: p.field_id.sudo().model != "res.partner"):
            raise ValidationError(
                self.env._("Proposed changes apply to contact fields only.")
            )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends(
        *(f"value_{family}" for family in VALUE_FAMILIES),
        *(f"old_value_{family}" for family in VALUE_FAMILIES),
        "value_ref_model",
        "value_ref_id",
        "old_value_ref_model",
        "old_value_ref_id",
        "field_id",
    )
    @api.depends_context("uid")
    def _compute_value_display(self):
        for proposal in self:
            proposal.value_display = proposal._display(
                proposal._get_typed_value("value")
            )
            proposal.old_value_display = proposal._display(
                proposal._get_typed_value("old_value")
            )

    @api.depends_context("uid")
    @api.depends("partner_id", "field_id", "old_value_char", "old_value_text")
    def _compute_current_value(self):
        for proposal in self:
            current = proposal._current_typed_value()
            proposal.current_value_display = proposal._display(current)
            proposal.is_stale = proposal.state == "pending" and not proposal._equal(
                current, proposal._get_typed_value("old_value")
            )

    # ------------------------------------------------------------------
    # TYPED VALUES
    # ------------------------------------------------------------------

    def _field(self):
        self.ensure_one()
        return self.env["res.partner"]._fields[self.field_name]

    def _get_typed_value(self, prefix):
        """Value stored in the columns ``<prefix>_<family>`` (ids for many2one)."""
        self.ensure_one()
        family = desync.FAMILY_BY_TTYPE.get(self.field_type)
        if family == "reference":
            return self[f"{prefix}_ref_id"] or False
        if family is None:
            return False
        return self[f"{prefix}_{family}"]

    @api.model
    def _typed_value_vals(self, field, value, prefix):
        """Column values storing the typed ``value`` of ``field`` under ``prefix``."""
        family = desync.FAMILY_BY_TTYPE[field.type]
        if family == "reference":
            return {
                f"{prefix}_ref_model": field.comodel_name,
                f"{prefix}_ref_id": value or False,
            }
        return {f"{prefix}_{family}": value}

    @api.model
    def _partner_typed_value(self, partner, field):
        """The partner's current value of ``field`` as stored in proposals."""
        value = partner[field.name]
        if field.type == "many2one":
            return value.id or False
        return value

    def _current_typed_value(self):
        self.ensure_one()
        if self.field_name not in self.env["res.partner"]._fields:
            return False
        return self._partner_typed_value(self.partner_id.sudo(), self._field())

    def _region(self):
        self.ensure_one()
        partner = self.partner_id.sudo()
        return (partner.country_id or self.env.company.country_id).code

    def _equal(self, left, right):
        self.ensure_one()
        kind = desync.value_kind(self.field_name, self.field_type)
        return desync.values_equal(kind, left, right, self._region())

    def _display(self, value):
        """Readable text of a typed value of this proposal's field."""
        self.ensure_one()
        return self._display_value(self.field_name and self._field(), value)

    @api.model
    def _display_value(self, field, value):
        if not field:
            return ""
        if field.type == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        if value is False or value is None:
            return ""
        if field.type == "many2one":
            record = self.env[field.comodel_name].browse(value)
            if not record.sudo().exists():
                return self.env._("(deleted record %(id)s)", id=value)
            if not self.env.su and not record.has_access("read"):
                return self.env._("(record %(id)s)", id=value)
            return record.sudo().display_name
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "date":
            return format_date(self.env, value)
        if field.type == "datetime":
            return format_datetime(self.env, value)
        return str(value)

    # ------------------------------------------------------------------
    # PROPOSE
    # ------------------------------------------------------------------

    @api.model
    def _review_portal_updates(self):
        """Setting "Review customers' own updates" (on when never set)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(REVIEW_PORTAL_PARAM, "True")
        )
        return str2bool(value, default=True)

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
    def _check_proposable_field(self, fname):
        """Return the field ``fname`` of res.partner if a source may propose it."""
        Partner = self.env["res.partner"]
        field = Partner._fields.get(fname)
        if field is None:
            raise ValidationError(
                self.env._("Unknown contact field %(field)s.", field=fname)
            )
        label = field._description_string(self.env)
        portal_fields = Partner._crm_sync_portal_fields()
        if self.env.user.share and not self.env.su and fname not in portal_fields:
            raise AccessError(
                self.env._(
                    "You are not allowed to propose a change to %(field)s.", field=label
                )
            )
        if (
            fname in FORBIDDEN_FIELDS
            or fname.startswith("crm_sync_")
            or not field.store
            or field.type not in desync.SUPPORTED_TTYPES
            # computed/related fields are readonly unless editable (readonly=False)
            or field.readonly
        ):
            raise ValidationError(
                self.env._(
                    "The field %(field)s cannot receive proposed changes.", field=label
                )
            )
        if not field.is_accessible(self.env):
            raise AccessError(
                self.env._(
                    "You are not allowed to change the field %(field)s.", field=label
                )
            )
        return field

    @api.model
    def _coerce(self, field, value):
        """Coerce ``value`` to ``field``'s type, refusing what does not fit."""
        selection_keys = None
        if field.type == "selection":
            selection_keys = {
                key for key, _label in field._description_selection(self.env)
            }
        try:
            value = desync.coerce_value(field.type, value, selection_keys)
        except desync.DesyncValueError:
            raise ValidationError(
                self.env._(
                    "%(value)r is not a valid value for the field %(field)s.",
                    value=value,
                    field=field._description_string(self.env),
                )
            ) from None
        if field.type == "many2one" and value:
            record = self.env[field.comodel_name].browse(value)
            if not record.sudo().exists():
                raise ValidationError(
                    self.env._(
                        "The record %(id)s does not exist for the field %(field)s.",
                        id=value,
                        field=field._description_string(self.env),
                    )
                )
            # Nobody proposes (nor learns the name of) a record they cannot read.
            if not self.env.su and not record.has_access("read"):
                raise AccessError(
                    self.env._(
                        "You are not allowed to choose the record %(id)s for the "
                        "field %(field)s.",
                        id=value,
                        field=field._description_string(self.env),
                    )
                )
        if field.type == "char" and value and field.size and len(value) > field.size:
            raise ValidationError(
                self.env._(
                    "The value for %(field)s is longer than %(size)s characters.",
                    field=field._description_string(self.env),
                    size=field.size,
                )
            )
        if (
            field.required
            and field.type not in ("boolean", "integer", "float", "monetary")
            and not value
        ):
            raise ValidationError(
                self.env._(
                    "The field %(field)s is required and cannot be emptied.",
                    field=field._description_string(self.env),
                )
            )
        return value

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
    def _propose(self, values_by_partner, source):
        """Create the proposals for ``{partner: {field: value}}`` from ``source``.

        Values equal to the CRM value after normalisation create nothing; a
        pending proposal of the same source for the same field is replaced.
        Everything is checked before anything is written.

        :return: the created proposals
        """
        source_model, source_res_id, source_label = self._parse_source(source)
        partners = self.env["res.partner"].union(*values_by_partner)
        self._check_may_propose(partners)
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

        vals_list = []
        default_region = self.env.company.country_id.code
        for partner in partners:
            partner_sudo = partner.sudo()
            region = partner_sudo.country_id.code or default_region
            for fname in values_by_partner[partner]:
                field = partner._fields[fname]
                value = coerced[partner, fname]
                current = self._partner_typed_value(partner_sudo, field)
                kind = desync.value_kind(fname, field.type)
                if desync.values_equal(kind, current, value, region):
                    continue
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "field_id": field_ids[fname],
                        "source_model": source_model,
                        "source_res_id": source_res_id,
                        "source_label": source_label,
                        **self._typed_value_vals(field, value, "value"),
                        **self._typed_value_vals(field, current, "old_value"),
                    }
                )
        # A newer proposal of the same source replaces its older pending one, also
        # when the source now agrees with the CRM (then nothing is left to check).
        source_domain = (
            [("source_model", "=", source_model), ("source_res_id", "=", source_res_id)]
            if source_model
            else [("source_model", "=", False), ("source_label", "=", source_label)]
        )
        proposed_keys = {
            (partner.id, field_ids[fname])
            for partner, values in values_by_partner.items()
            for fname in values
        }
        self.sudo().search(
            [
                ("state", "=", "pending"),
                ("partner_id", "in", partners.ids),
                ("field_id", "in", list(field_ids.values())),
                *source_domain,
            ]
        ).filtered(lambda p: (p.partner_id.id, p.field_id.id) in proposed_keys).unlink()
        if not vals_list:
            return self.browse()
        # Nobody but superuser creates proposals (no create access right): every
        # check above is this method's, so the bookkeeping is forced here.
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.update(state="pending", proposed_by_id=self.env.uid, proposed_on=now)
        return self.sudo().create(vals_list).with_env(self.env)

    # ------------------------------------------------------------------
    # RESOLVE
    # ------------------------------------------------------------------

    def _parse_text_input(self, text):
        """Turn free text typed in the "Check data" window into a typed value."""
        self.ensure_one()
        field = self._field()
        if field.type == "many2one":
            text = (text or "").strip()
            if not text:
                return False
            matches = self.env[field.comodel_name].name_search(
                text, operator="ilike", limit=20
            )
            exact = [match for match in matches if match[1].lower() == text.lower()]
            if len(exact) == 1 or len(matches) == 1:
                return (exact or matches)[0][0]
            if not matches:
                raise ValidationError(
                    self.env._(
                        "No record named %(text)r for the field %(field)s.",
                        text=text,
                        field=field._description_string(self.env),
                    )
                )
            raise ValidationError(
                self.env._(
                    "Several records match %(text)r for the field %(field)s: "
                    "type the exact name.",
                    text=text,
                    field=field._description_string(self.env),
                )
            )
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        try:
            value = desync.parse_text(
                field.type,
                text,
                date_format=lang.date_format if lang else None,
                selection=field._description_selection(self.env)
                if field.type == "selection"
                else None,
            )
        except desync.DesyncValueError:
            raise ValidationError(
                self.env._(
                    "%(value)r is not a valid value for the field %(field)s.",
                    value=text,
                    field=field._description_string(self.env),
                )
            ) from None
        return self._coerce(field, value)

    def _resolve(self, plan):
        """Apply decisions on pending proposals, writing each partner once.

        :param plan: list of ``(proposal, decision, value)`` with decision one of
            ``keep``, ``accept``, ``value`` (``value`` is the typed new value,
            already coerced, for ``value`` only).
        :return: the resolved proposals
        """
        # Decide as the current user, whatever environment the proposals came with.
        plan = [
            (proposal.with_env(self.env), decision, value)
            for proposal, decision, value in plan
        ]
        proposals = self.browse().union(*(p for p, _d, _v in plan))
        if len(proposals) != len(plan):
            raise UserError(
                self.env._("Each proposed change can only be decided once.")
            )
        if proposals.filtered(lambda p: p.state != "pending"):
            raise UserError(
                self.env._(
                    "Some of these changes were already decided. "
                    "Reload and check again."
                )
            )
        partners = proposals.partner_id
        partners.check_access("write")
        # Gather the writes and refuse conflicts before writing anything.
        writes = defaultdict(dict)  # partner -> {fname: value}
        origin = {}  # (partner, fname) -> decision
        checked_fields = {}  # fname -> field
        for proposal, decision, value in plan:
            if decision not in ("keep", "accept", "value"):
                raise UserError(
                    self.env._("Unknown decision %(decision)r.", decision=decision)
                )
            if decision == "keep":
                continue
            # Checked again at decision time: the field must still be one a source
            # may propose and the user may write, and the value must fit it.
            fname = proposal.field_name
            if fname not in checked_fields:
                checked_fields[fname] = self._check_proposable_field(fname)
            field = checked_fields[fname]
            if decision == "accept":
                value = self._coerce(field, proposal._get_typed_value("value"))
            key = (proposal.partner_id, field.name)
            if key in origin and not proposal._equal(
                writes[proposal.partner_id][field.name], value
            ):
                raise UserError(
                    self.env._(
                        "Several different values were chosen for %(field)s of "
                        "%(partner)s: "
                        "choose only one.",
                        field=field._description_string(self.env),
                        partner=proposal.partner_id.display_name,
                    )
                )
            origin[key] = decision
            writes[proposal.partner_id][field.name] = value

        notes = self._resolve_notes(plan)  # before writing: the values replaced
        with self.env.cr.savepoint():
            for partner, vals in writes.items():
                partner_vals = {
                    fname: value
                    for fname, value in vals.items()
                    if self._partner_typed_value(partner, partner._fields[fname])
                    != value
                }
                if partner_vals:
                    partner.with_context(crm_sync_desync_apply=True).write(partner_vals)
            self._resolve_mark(plan)
            self._resolve_log(notes)
        return proposals

    def _resolve_mark(self, plan):
        now = fields.Datetime.now()
        common = {"resolved_by_id": self.env.uid, "resolved_on": now}
        by_state = defaultdict(list)
        for proposal, decision, value in plan:
            if decision == "value":
                proposal.sudo().write(
                    {
                        **common,
                        "state": "replaced",
                        "resolved_value_display": proposal._display(value),
                    }
                )
            else:
                by_state["accepted" if decision == "accept" else "kept"].append(
                    proposal.id
                )
        for state, ids in by_state.items():
            self.sudo().browse(ids).write({**common, "state": state})

    def _resolve_notes(self, plan):
        """``{partner_id: [line]}`` describing each decision, for the chatter."""
        lines = defaultdict(list)
        for proposal, decision, value in plan:
            field_label = proposal.field_label
            if decision == "keep":
                line = self.env._(
                    "%(field)s: kept %(current)s "
                    "(proposed by %(origin)s: %(proposed)s)",
                    field=field_label,
                    current=proposal.current_value_display or self.env._("(empty)"),
                    origin=proposal.source_label,
                    proposed=proposal.value_display or self.env._("(empty)"),
                )
            elif decision == "accept":
                line = self.env._(
                    "%(field)s: %(old)s → %(new)s (accepted from %(origin)s)",
                    field=field_label,
                    old=proposal.current_value_display or self.env._("(empty)"),
                    new=proposal.value_display or self.env._("(empty)"),
                    origin=proposal.source_label,
                )
            else:
                line = self.env._(
                    "%(field)s: %(old)s → %(new)s "
                    "(new value instead of %(proposed)s from %(origin)s)",
                    field=field_label,
                    old=proposal.current_value_display or self.env._("(empty)"),
                    new=proposal._display(value) or self.env._("(empty)"),
                    proposed=proposal.value_display or self.env._("(empty)"),
                    origin=proposal.source_label,
                )
            lines[proposal.partner_id.id].append(line)
        return lines

    def _resolve_log(self, lines):
        """One chatter note per partner: what changed, from which source, by whom."""
        header = self.env._("Data checked by %(user)s:", user=self.env.user.name)
        bodies = {
            partner_id: Markup("<p>%s</p><ul>%s</ul>")
            % (
                header,
                Markup().join(Markup("<li>%s</li>") % line for line in partner_lines),
            )
            for partner_id, partner_lines in lines.items()
        }
        self.env["res.partner"].browse(list(bodies))._message_log_batch(
            bodies, author_id=self.env.user.partner_id.id
        )

    # ------------------------------------------------------------------
    # FLAGS
    # ------------------------------------------------------------------

    @api.model
    def _pending_counts(self, partner_ids):
        """``{partner_id: number of distinct fields pending}`` in one query."""
        if not partner_ids:
            return {}
        self.flush_model(["partner_id", "field_id", "state"])
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, COUNT(DISTINCT field_id) FROM %s"
                " WHERE state = 'pending' AND partner_id = ANY(%s) GROUP BY partner_id",
                SQL.identifier(self._table),
                list(partner_ids),
            )
        )
        return dict(rows)
