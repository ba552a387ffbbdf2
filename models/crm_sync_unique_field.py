# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The "unique" fields of contacts and accounts checked first by lead conversion."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import make_index_name

from ..utils.dedup import PARTNER_MATCH_KEYS

#: unique field usage -> field mapping usage that feeds it from the lead
USAGE_TO_MAPPING = {"contact": "lead_contact", "account": "lead_account"}

MATCHABLE_TYPES = ("char", "text", "integer", "many2one", "selection", "date")

#: custom field types compared on their text key, in SQL (see ``text_key_sql``)
TEXT_KEY_TYPES = ("char", "text", "selection")


def text_key_sql(column):
    """SQL of the match key of a text column, the SQL twin of
    ``utils.normalize.normalize_text``: blanks collapsed, trimmed, lower-cased.

    Index and searches use this one expression, so that PostgreSQL uses the
    index (an expression index is used only for the very same expression).

    :param SQL column: the column, possibly qualified with its table alias
    """
    return SQL("lower(btrim(regexp_replace(%s, '\\s+', ' ', 'g')))", column)


class CrmSyncUniqueField(models.Model):
    _name = "crm.sync.unique.field"
    _description = "CRM Sync Unique Field"
    _order = "usage, sequence, id"
    _rec_name = "field_id"

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    usage = fields.Selection(
        [("contact", "Contacts"), ("account", "Accounts")],
        required=True,
        default="contact",
        help="Contacts are checked first (rule 1), then accounts (rule 2).",
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Field",
        required=True,
        ondelete="cascade",
        domain=[("model", "=", "res.partner"), ("ttype", "in", MATCHABLE_TYPES)],
    )
    source_field_id = fields.Many2one(
        "ir.model.fields",
        string="Mapped From",
        compute="_compute_source_field_id",
        help="The lead field mapped to this field. A unique field is checked only "
        "when it is mapped (Lead Conversion > Field Mappings).",
    )
    match_kind = fields.Selection(
        [
            ("email", "E-mail"),
            ("phone", "Phone (E.164)"),
            ("name", "Name"),
            ("vat", "Tax ID"),
            ("text", "Exact value"),
        ],
        compute="_compute_match_kind",
        help="How values are normalised before they are compared.",
    )

    _sql_constraints = [
        (
            "field_usage_uniq",
            "unique(usage, field_id)",
            "A field is listed once per usage.",
        )
    ]

    def init(self):
        # on install/update: index the custom fields configured already
        self.sudo().with_context(active_test=False).search([])._crm_sync_index()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._crm_sync_index()
        return records

    def write(self, vals):
        res = super().write(vals)
        if "field_id" in vals:
            self._crm_sync_index()
        return res

    @api.model
    def _crm_sync_text_key_sql(self, column):
        """:func:`text_key_sql` for the other models (the candidate search)."""
        return text_key_sql(column)

    def _crm_sync_text_key_field(self):
        """Whether the field is a custom text field matched on ``text_key_sql``
        (system fields have their own stored, indexed key columns)."""
        self.ensure_one()
        field = self.field_id
        return (
            field.name not in PARTNER_MATCH_KEYS
            and field.ttype in TEXT_KEY_TYPES
            and field.store
            and not field.translate
        )

    def _crm_sync_index(self):
        """Create the expression index on the match key of each custom text field.

        A hash index: equality only, which is all the matching needs, and no
        size limit on long values (a btree entry must fit in a third of a page).
        Dropping the column drops its index.
        """
        cr = self.env.cr
        for record in self.filtered(lambda r: r._crm_sync_text_key_field()):
            fname = record.field_id.name
            index_name = make_index_name("res_partner", f"crm_sync_{fname}_key")
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON res_partner USING hash (%s)",
                    SQL.identifier(index_name),
                    text_key_sql(SQL.identifier(fname)),
                )
            )

    @api.depends("usage", "field_id")
    def _compute_source_field_id(self):
        lines = self.env["crm.sync.field.mapping"].search(
            [
                ("usage", "in", list(USAGE_TO_MAPPING.values())),
                ("target_field_id", "in", self.field_id.ids),
            ]
        )
        for record in self:
            line = lines.filtered(
                lambda m, r=record: m.usage == USAGE_TO_MAPPING[r.usage]
                and m.target_field_id == r.field_id
            )[:1]
            record.source_field_id = line.source_field_id

    @api.depends("field_id")
    def _compute_match_kind(self):
        for record in self:
            record.match_kind = PARTNER_MATCH_KEYS.get(
                record.field_id.name, (False, "text")
            )[1]

    @api.constrains("field_id")
    def _check_field_id(self):
        for record in self:
            if (
                record.field_id.model != "res.partner"
                or record.field_id.ttype not in MATCHABLE_TYPES
                or not record.field_id.store
            ):
                raise ValidationError(
                    self.env._(
                        "%(field)s cannot be a unique field: only stored contact "
                        "fields of simple types can be matched.",
                        field=record.field_id.display_name,
                    )
                )

    @api.model
    def _crm_sync_matching_specs(self):
        """The active, mapped unique fields, in order.

        :return: ``{"contact": [spec, ...], "account": [spec, ...]}`` where a spec is
            ``{"field": partner field, "column": field searched in SQL,
            "kind": normaliser kind, "source": lead field, "text_key": whether
            the column is compared with ``text_key_sql``}``
        """
        specs = {"contact": [], "account": []}
        records = self.sudo().search([])
        for record in records:
            source = record.source_field_id.name
            if not source:
                continue
            fname = record.field_id.name
            column, kind = PARTNER_MATCH_KEYS.get(fname, (fname, "text"))
            specs[record.usage].append(
                {
                    "field": fname,
                    "column": column,
                    "kind": kind,
                    "source": source,
                    "text_key": record._crm_sync_text_key_field(),
                }
            )
        return specs
