# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The "unique" fields of contacts and accounts checked first by lead conversion."""

import logging
import threading

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.sql_db import connection_info_for
from odoo.tools import SQL
from odoo.tools.sql import make_index_name

from ..utils.dedup import PARTNER_MATCH_KEYS

_logger = logging.getLogger(__name__)

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


#: advisory lock key: one index builder per database at a time
BUILD_LOCK_KEY = 7263001


def _build_concurrently(dbname, statements):
    """Run ``CREATE INDEX CONCURRENTLY`` statements on a private autocommit
    connection (they cannot run in a transaction).

    Private, not one of Odoo's pooled connections: a cron worker serving
    several databases closes the pool of a database after its jobs
    (``close_db``), which would abort a build in progress. One builder at a
    time (an advisory lock), and one failing statement does not stop the
    others.
    """
    _dbname, params = connection_info_for(dbname)
    cnx = psycopg2.connect(**params)
    cnx.autocommit = True
    try:
        with cnx.cursor() as cr:
            cr.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK_KEY,))
            if not cr.fetchone()[0]:
                return  # another builder runs: the next cron run checks again
            for statement in statements:
                try:
                    cr.execute(statement.code, statement.params)
                except psycopg2.Error:
                    _logger.exception("crm_sync: a unique field index was not built")
    finally:
        cnx.close()


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
        # On install/update: index the custom fields configured already, in
        # this transaction (a module update holds its locks anyway).
        # sudo: every unique field is indexed, whoever updates the module
        records = self.sudo().with_context(active_test=False).search([])
        for record, invalid in records._crm_sync_missing_indexes():
            for statement in record._crm_sync_index_sql(invalid, concurrently=False):
                self.env.cr.execute(statement)
            _logger.info(
                "crm_sync: created the index %s", record._crm_sync_index_name()
            )

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

    def _crm_sync_index_name(self):
        self.ensure_one()
        column = f"crm_sync_{self.field_id.name}_key"
        if column in self.env["res.partner"]._fields:
            # the name Odoo gives the index of that field: never take it
            column += "_uf"
        return make_index_name("res_partner", column)

    def _crm_sync_missing_indexes(self):
        """The custom text fields among these whose match key index is missing,
        or invalid (a concurrent build that was interrupted), in one query. An
        index being built right now is neither: it is left to its builder.

        :return: list of ``(record, invalid)``
        """
        records = self.filtered(lambda r: r._crm_sync_text_key_field())
        if not records:
            return []
        names = {record: record._crm_sync_index_name() for record in records}
        rows = self.env.execute_query(
            SQL(
                "SELECT c.relname, i.indisvalid, EXISTS ("
                "  SELECT 1 FROM pg_stat_progress_create_index p"
                "  WHERE p.index_relid = c.oid)"
                " FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
                " WHERE c.relname IN %s",
                tuple(names.values()),
            )
        )
        state = {name: (valid, building) for name, valid, building in rows}
        result = []
        for record, name in names.items():
            if name not in state:
                result.append((record, False))
            elif not state[name][0] and not state[name][1]:
                result.append((record, True))
        return result

    def _crm_sync_index_sql(self, invalid, concurrently):
        """The statements (re)building the expression index on the match key of
        this custom text field (``invalid``: drop the broken one first).

        A hash index: equality only, which is all the matching needs, and no
        size limit on long values (a btree entry must fit in a third of a page).
        Dropping the column drops its index.
        """
        self.ensure_one()
        name = SQL.identifier(self._crm_sync_index_name())
        mode = SQL("CONCURRENTLY") if concurrently else SQL()
        statements = [SQL("DROP INDEX %s IF EXISTS %s", mode, name)] if invalid else []
        statements.append(
            SQL(
                "CREATE INDEX %s IF NOT EXISTS %s ON res_partner USING hash (%s)",
                mode,
                name,
                text_key_sql(SQL.identifier(self.field_id.name)),
            )
        )
        return statements

    def _crm_sync_index(self):
        """Have the match key index of new custom text fields built by the cron.

        Not here: a plain ``CREATE INDEX`` locks ``res_partner`` against writes
        for the length of the build, and ``CREATE INDEX CONCURRENTLY`` cannot
        run in a transaction. Matching works meanwhile, without the index.
        """
        if self._crm_sync_missing_indexes():
            cron = self.env.ref(
                "crm_sync.crm_sync_unique_field_index_cron", raise_if_not_found=False
            )
            if cron:
                # sudo: triggering the index cron is what adding the field asks
                cron.sudo()._trigger()

    @api.model
    def _cron_crm_sync_build_indexes(self):
        """Build the missing match key indexes without blocking partner writes.

        ``CREATE INDEX CONCURRENTLY`` runs on its own autocommit connection,
        once this job's transaction is committed: it waits for every older
        transaction to end, this cron's own ones included, so it starts from
        a thread after the commit. An interrupted build leaves an invalid
        index, rebuilt by the next run. Tests (one transaction, never
        committed) build it in place.
        """
        # sudo: the cron indexes every unique field
        records = self.sudo().with_context(active_test=False).search([])
        missing = records._crm_sync_missing_indexes()
        testing = getattr(threading.current_thread(), "testing", False)
        statements = [
            statement
            for record, invalid in missing
            for statement in record._crm_sync_index_sql(invalid, not testing)
        ]
        if testing:
            for statement in statements:
                self.env.cr.execute(statement)
            return
        if not statements:
            return
        dbname = self.env.cr.dbname

        def start():
            threading.Thread(
                target=_build_concurrently,
                args=(dbname, statements),
                name="crm_sync.unique_field_index",
                daemon=True,
            ).start()

        self.env.cr.postcommit.add(start)

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
            if record.field_id.company_dependent:
                raise ValidationError(
                    self.env._(
                        "%(field)s cannot be a unique field: its value depends on "
                        "the company, and duplicates are searched across companies.",
                        field=record.field_id.display_name,
                    )
                )
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
