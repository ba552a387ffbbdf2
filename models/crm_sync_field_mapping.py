# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Configurable, type-checked field mappings (the "advanced synchronisation")."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import plaintext2html

from ..utils.field_compat import UNSUPPORTED_TYPES, incompatibility, is_empty

#: usage -> (source model, target model)
USAGE_MODELS = {
    "company": ("res.partner", "res.company"),
    "lead_account": ("crm.lead", "res.partner"),
    "lead_contact": ("crm.lead", "res.partner"),
    "lead_deal": ("crm.lead", "crm.lead"),
}

#: Fields a mapping never writes: identity, ORM bookkeeping, hierarchy.
PROTECTED_TARGET_FIELDS = frozenset(
    {
        "id",
        "display_name",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        "parent_path",
        "partner_id",
        "crm_sync_company_id",
    }
)


class CrmSyncFieldMapping(models.Model):
    _name = "crm.sync.field.mapping"
    _description = "CRM Sync Field Mapping"
    _order = "usage, sequence, id"
    _rec_name = "target_field_id"

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    usage = fields.Selection(
        [
            ("company", "Account to Company"),
            ("lead_account", "Lead to Account"),
            ("lead_contact", "Lead to Contact"),
            ("lead_deal", "Lead to Deal"),
        ],
        required=True,
        default="company",
        index=True,
        help="Which synchronisation applies this line.",
    )
    source_model = fields.Char(compute="_compute_models")
    target_model = fields.Char(compute="_compute_models")
    source_field_id = fields.Many2one(
        "ir.model.fields",
        string="Source Field",
        required=True,
        ondelete="cascade",
        domain="[('model', '=', source_model), ('ttype', 'not in', "
        "('one2many', 'properties', 'properties_definition'))]",
    )
    target_field_id = fields.Many2one(
        "ir.model.fields",
        string="Target Field",
        required=True,
        ondelete="cascade",
        domain="[('id', 'in', allowed_target_field_ids)]",
    )
    allowed_target_field_ids = fields.Many2many(
        "ir.model.fields",
        compute="_compute_allowed_target_field_ids",
        help="Technical: the target fields the source field can be mapped to "
        "(compatible and writable), offered in the Target Field picker.",
    )
    source_ttype = fields.Selection(
        related="source_field_id.ttype", string="Source Type"
    )
    target_ttype = fields.Selection(
        related="target_field_id.ttype", string="Target Type"
    )
    mode = fields.Selection(
        [("always", "Always"), ("if_empty", "Only if empty")],
        required=True,
        default="always",
        help="Always: the source value replaces the target's. Only if empty: the "
        "target keeps a value it already has.",
    )
    note = fields.Char(help="Why this field is mapped.")

    @api.depends("usage")
    def _compute_models(self):
        for mapping in self:
            mapping.source_model, mapping.target_model = USAGE_MODELS.get(
                mapping.usage, (False, False)
            )

    @api.depends("usage", "source_field_id")
    def _compute_allowed_target_field_ids(self):
        """The writable target fields compatible with the source field (all
        writable ones of the target model while no source field is chosen)."""
        IrField = self.env["ir.model.fields"]
        candidates = {}
        for mapping in self:
            target_model = USAGE_MODELS.get(mapping.usage, (False, False))[1]
            if not target_model:
                mapping.allowed_target_field_ids = IrField
                continue
            if target_model not in candidates:
                # one search and one description per target model and batch
                candidates[target_model] = [
                    (field, self._crm_sync_field_spec(field))
                    for field in IrField.search([("model", "=", target_model)])
                    if field.name in self.env[target_model]._fields
                ]
            source = mapping.source_field_id
            source_spec = (
                self._crm_sync_field_spec(source)
                if source and source.name in self.env[source.model]._fields
                else None
            )
            allowed = [
                field.id
                for field, spec in candidates[target_model]
                if (
                    incompatibility(source_spec, spec) is None
                    if source_spec
                    else spec["writable"] and spec["ttype"] not in UNSUPPORTED_TYPES
                )
            ]
            mapping.allowed_target_field_ids = IrField.browse(allowed)

    @api.onchange("usage")
    def _onchange_usage(self):
        if self.source_field_id.model != self.source_model:
            self.source_field_id = False
        if self.target_field_id.model != self.target_model:
            self.target_field_id = False

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_field_spec(self, field_record):
        """Plain description of an ``ir.model.fields`` record (``field_compat``)."""
        field = self.env[field_record.model]._fields[field_record.name]
        selection = labels = None
        if field.type == "selection":
            options = field._description_selection(self.env)
            selection = [key for key, _label in options]
            labels = [label for _key, label in options]
        writable = (
            not field.readonly
            and (field.store or bool(field.inverse) or bool(field.related))
            and field.name not in PROTECTED_TARGET_FIELDS
        )
        return {
            "name": field.name,
            "ttype": field.type,
            "relation": getattr(field, "comodel_name", None),
            "size": getattr(field, "size", None) or None,
            "selection": selection,
            "selection_labels": labels,
            "writable": writable,
        }

    @api.constrains("usage", "source_field_id", "target_field_id", "active")
    def _check_fields(self):
        for mapping in self.sudo():
            source_model, target_model = USAGE_MODELS[mapping.usage]
            if mapping.source_field_id.model != source_model:
                raise ValidationError(
                    self.env._(
                        "The source field %(field)s must belong to %(model)s.",
                        field=mapping.source_field_id.display_name,
                        model=source_model,
                    )
                )
            if mapping.target_field_id.model != target_model:
                raise ValidationError(
                    self.env._(
                        "The target field %(field)s must belong to %(model)s.",
                        field=mapping.target_field_id.display_name,
                        model=target_model,
                    )
                )
            problem = incompatibility(
                self._crm_sync_field_spec(mapping.source_field_id),
                self._crm_sync_field_spec(mapping.target_field_id),
            )
            if problem:
                raise ValidationError(
                    mapping._crm_sync_incompatibility_message(problem)
                )
            if mapping.active:
                twin = self.search_count(
                    [
                        ("id", "!=", mapping.id),
                        ("usage", "=", mapping.usage),
                        ("target_field_id", "=", mapping.target_field_id.id),
                    ]
                )
                if twin:
                    raise ValidationError(
                        self.env._(
                            "The target field %(field)s is already mapped for this "
                            "usage.",
                            field=mapping.target_field_id.field_description,
                        )
                    )

    def _crm_sync_incompatibility_message(self, problem):
        """Translated explanation of a ``field_compat.Incompatibility``."""
        self.ensure_one()
        src = self.source_field_id.sudo()
        dst = self.target_field_id.sudo()
        # (labels built outside self.env._(): babel cannot extract f-strings)
        src_label = f"{src.field_description} [{src.name}]"
        dst_label = f"{dst.field_description} [{dst.name}]"
        header = self.env._(
            "%(src_field)s (%(src_type)s) cannot be mapped to %(dst_field)s "
            "(%(dst_type)s): ",
            src_field=src_label,
            src_type=src.ttype,
            dst_field=dst_label,
            dst_type=dst.ttype,
        )
        params = problem.params
        code = problem.code
        if code == "readonly_target":
            reason = self.env._("the target field is read-only or not stored.")
        elif code == "unsupported_type":
            reason = self.env._(
                "fields of type %(ttype)s cannot be mapped.", ttype=params["ttype"]
            )
        elif code == "type_mismatch":
            reason = self.env._(
                "the types differ and %(src_type)s does not widen safely to "
                "%(dst_type)s.",
                src_type=params["source"],
                dst_type=params["target"],
            )
        elif code == "relation_mismatch":
            reason = self.env._(
                "they point to different models (%(src_model)s, %(dst_model)s).",
                src_model=params["source"],
                dst_model=params["target"],
            )
        elif code == "selection_values":
            reason = self.env._(
                "the target does not accept the values %(values)s.",
                values=", ".join(params["values"]),
            )
        elif code == "size":
            source_size = params["source"] or self.env._("unlimited")
            reason = self.env._(
                "the target holds at most %(dst_size)s characters, the source "
                "%(src_size)s.",
                dst_size=params["target"],
                src_size=source_size,
            )
        else:
            reason = code
        return header + reason

    # ------------------------------------------------------------------
    # Use
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_mapped_values(self, usage, source_record, target_record=None):
        """Target values of the active ``usage`` mappings for ``source_record``.

        :param target_record: the record about to be written, if it exists; the
            "Only if empty" lines skip the fields it already fills.
        :return: dict ready for ``create``/``write`` on the target model
        """
        source_record.ensure_one()
        mappings = self.sudo().search([("usage", "=", usage)])
        values = self._crm_sync_raw_mapped_values(
            mappings, source_record, target_record
        )
        return self._crm_sync_extend_mapped_values(
            usage, source_record, target_record, values
        )

    @api.model
    def _crm_sync_raw_mapped_values(self, mappings, source_record, target_record=None):
        """Target values of the lines ``mappings`` for ``source_record``, before
        the extension hook: :meth:`_crm_sync_mapped_values` for callers that
        read the lines once for a whole batch (the lead conversion)."""
        values = {}
        for mapping in mappings:
            source_name = mapping.source_field_id.name
            target_name = mapping.target_field_id.name
            if source_name not in source_record._fields:
                continue  # field of a module being uninstalled
            source_field = source_record._fields[source_name]
            value = source_record[source_name]
            if is_empty(source_field.type, value):
                continue
            if (
                mapping.mode == "if_empty"
                and target_record
                and target_name in target_record._fields
                and not is_empty(
                    target_record._fields[target_name].type,
                    target_record[target_name],
                    target=True,
                )
            ):
                continue
            values[target_name] = mapping._crm_sync_convert_value(source_record, value)
        return values

    def _crm_sync_convert_value(self, source_record, value):
        """``value`` of the source field in the write format of the target field."""
        self.ensure_one()
        source_field = source_record._fields[self.source_field_id.name]
        target_type = self.target_field_id.ttype
        if source_field.type == "selection" and target_type == "char":
            labels = dict(source_field._description_selection(source_record.env))
            return labels.get(value, value)
        if source_field.type in ("char", "text") and target_type == "html":
            return plaintext2html(value)
        if source_field.type == "integer" and target_type == "float":
            return float(value)
        return source_field.convert_to_write(value, source_record)

    @api.model
    def _crm_sync_extend_mapped_values(
        self, usage, source_record, target_record, values
    ):
        """Hook: override to add or change mapped values in code.

        Called last by :meth:`_crm_sync_mapped_values` and by the lead
        conversion (``crm.lead._crm_sync_mapped``); return the dict to use.
        """
        return values
