# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Field-level changes proposed to partners by outside sources (desync reconciliation).

One record = one value proposed for one field of one partner by one source.
The source is a record set by server code (a portal user's submission, a
connector binding...) or, for callers that only give a label (XML-RPC), the
label *and the user who sent it*: one caller never replaces another source's
proposal. The proposed value and the CRM value at proposal time are stored
typed, one column per type family (``base_changeset`` style); the live CRM
value is computed, so the reviewer never decides on a stale value.

This file holds the fields and the validation shared by both steps; proposing
is in ``crm_sync_proposal_propose.py``, resolving (and the resolve hook of
sources) in ``crm_sync_proposal_resolve.py``. See docs/ARCHITECTURE.md.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
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


#: Partial unique indexes: one pending proposal per partner, field and source.
PENDING_INDEXES = {
    "crm_sync_proposal_pending_record_source_uniq": (
        "partner_id, field_id, source_model, source_res_id",
        "state = 'pending' AND source_model IS NOT NULL",
    ),
    "crm_sync_proposal_pending_caller_label_uniq": (
        "partner_id, field_id, proposed_by_id, source_label",
        "state = 'pending' AND source_model IS NULL",
    ),
}


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

    # Source: a record (model + id) set by server code, with a readable label; or,
    # for label-only callers (XML-RPC), the label together with proposed_by_id.
    source_model = fields.Char(readonly=True, index=True)
    source_res_id = fields.Many2oneReference(
        string="Source Record", model_field="source_model", readonly=True
    )
    source_label = fields.Char(required=True, readonly=True)
    proposed_by_id = fields.Many2one(
        "res.users",
        string="Proposed By",
        default=lambda self: self.env.user,
        readonly=True,
        index=True,
    )
    source_display = fields.Char(
        string="Source",
        compute="_compute_source_display",
        help="Where the value comes from; a label given by a caller is shown with "
        "the user who sent it.",
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
        # identified by (model, id), label-only sources by their label and the
        # user who sent it (the label alone identified them before).
        self.env.cr.execute(
            SQL(
                "DROP INDEX IF EXISTS %s",
                SQL.identifier("crm_sync_proposal_pending_label_source_uniq"),
            )
        )
        for name, (columns, where) in PENDING_INDEXES.items():
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
            proposal.is_stale = proposal.state == "pending" and proposal._is_stale_now()

    @api.depends("source_label", "source_model", "proposed_by_id")
    def _compute_source_display(self):
        for proposal in self:
            if proposal.source_model or not proposal.proposed_by_id:
                proposal.source_display = proposal.source_label
                continue
            proposal.source_display = self.env._(
                "%(label)s, via %(user)s",
                label=proposal.source_label,
                # sudo: only the sender's name, which the reviewer must see to
                # judge the label (a portal sender is not readable by employees)
                user=proposal.proposed_by_id.sudo().name,
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

    def _is_stale_now(self):
        """Whether the CRM value changed since the proposal was made (and is not
        the proposed value already): such a proposal cannot be accepted."""
        self.ensure_one()
        current = self._current_typed_value()
        return not self._equal(
            current, self._get_typed_value("old_value")
        ) and not self._equal(current, self._get_typed_value("value"))

    def _region(self):
        self.ensure_one()
        return self.partner_id.sudo()._crm_sync_desync_region()

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
    # VALIDATION (shared by propose and resolve)
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
    def _set_review_portal_updates(self, review):
        """Store the setting as "True"/"False": a missing parameter means on."""
        # sudo: system parameters are admin-only; callers (the settings form) are.
        self.env["ir.config_parameter"].sudo().set_param(
            REVIEW_PORTAL_PARAM, str(bool(review))
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
            # a value per company: a proposal could not say for which one
            or field.company_dependent
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
            self._check_choosable_record(field, value)
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
    def _check_choosable_record(self, field, record_id):
        """The record ``record_id`` of ``field``'s comodel exists and the user
        may read it: nobody proposes (nor learns the name of) another one."""
        record = self.env[field.comodel_name].browse(record_id)
        # sudo: existence only; whether the user may read it is checked next
        if not record.sudo().exists():
            raise ValidationError(
                self.env._(
                    "The record %(id)s does not exist for the field %(field)s.",
                    id=record_id,
                    field=field._description_string(self.env),
                )
            )
        if not self.env.su and not record.has_access("read"):
            raise AccessError(
                self.env._(
                    "You are not allowed to choose the record %(id)s for the "
                    "field %(field)s.",
                    id=record_id,
                    field=field._description_string(self.env),
                )
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
