# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Partner matching: normalised, indexed match keys and the candidate search.

Odoo stores ``email_normalized`` on partners but does not index it, and has no
normalised name, phone or VAT column (``phone_sanitized`` only comes with
``sms``). Outside records (leads today, imported customers next) are matched
against partners on these keys by equality, a batch at a time, so each key is
a stored column with a btree index: lookups stay flat when the partner table
grows (keys are capped, see ``utils.normalize.MAX_KEY_LENGTH``; e-mails, which
are Odoo's values, have a hash index). The callers build the keys of their
records (``utils.normalize``) and call the model methods below; the matching
rules are ``utils.dedup``.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index, drop_index

from ..utils import dedup
from ..utils.account_suggestion import email_domain, website_domain
from ..utils.normalize import normalize, normalize_name, normalize_phone, normalize_vat


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ``email_normalized`` is inherited from mail.thread.blacklist without an
    # index: init() adds a hash index (see there).
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
    # Account suggestion by the domain of a lead's e-mail (Convert to Contact)
    crm_sync_website_key = fields.Char(
        string="Website Domain Key",
        compute="_compute_crm_sync_domain_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Technical: the website's host, lower-cased, without www.",
    )
    crm_sync_email_domain_key = fields.Char(
        string="E-mail Domain Key",
        compute="_compute_crm_sync_domain_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Technical: the domain of the normalised e-mail.",
    )

    def init(self):
        res = super().init()
        # E-mail lookups are equality only: a hash index, which has no size
        # limit (a btree entry must fit in a third of a page, and an e-mail is
        # Odoo's value, not a key we can cap). Partial: partners without an
        # e-mail stay out. Replaces the btree index of earlier versions.
        drop_index(self.env.cr, "res_partner__email_normalized_index", self._table)
        create_index(
            self.env.cr,
            "res_partner_crm_sync_email_normalized_hash",
            self._table,
            ["email_normalized"],
            method="hash",
            where="email_normalized IS NOT NULL",
        )
        return res

    # ------------------------------------------------------------------
    # DUPLICATE KEYS
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_main_region(self):
        """Country code of the main company: the last resort region of phone
        numbers written without a country, the same whoever saves the record."""
        main = self.env.ref("base.main_company", raise_if_not_found=False)
        # sudo: the main company's country, whoever computes the keys
        return main.sudo().country_id.code if main else None

    @api.depends(
        "name", "phone", "mobile", "vat", "country_id", "company_id.country_id"
    )
    def _compute_crm_sync_match_keys(self):
        # The partner's country, else its company's, else the main company's:
        # never the current user's company, so that stored keys are stable.
        main_region = self._crm_sync_main_region()
        for partner in self:
            # sudo: the country of the partner's company, whoever computes the keys
            region = (
                partner.country_id.code
                or partner.company_id.sudo().country_id.code
                or main_region
            )
            partner.crm_sync_name_key = normalize_name(partner.name)
            partner.crm_sync_phone_key = normalize_phone(partner.phone, region)
            partner.crm_sync_mobile_key = normalize_phone(partner.mobile, region)
            partner.crm_sync_vat_key = normalize_vat(partner.vat)

    @api.depends("website", "email_normalized")
    def _compute_crm_sync_domain_keys(self):
        for partner in self:
            partner.crm_sync_website_key = website_domain(partner.website) or False
            partner.crm_sync_email_domain_key = (
                email_domain(partner.email_normalized) or False
            )

    # ------------------------------------------------------------------
    # CANDIDATE SEARCH (any model: leads today, imports next)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_unique_keys(self, values, specs, region=None):
        """Normalise the raw values of the "unique" fields of one outside record.

        :param dict values: ``{usage: {partner field: raw value}}`` for the
            usages "contact" and "account" of ``specs``
        :param dict specs: ``crm.sync.unique.field._crm_sync_matching_specs()``
        :param str region: country code of phone numbers without one
        :return: ``{usage: {partner field: key}}``
        """
        return {
            usage: {
                spec["field"]: normalize(
                    spec["kind"], values[usage].get(spec["field"]), region=region
                )
                for spec in specs[usage]
            }
            for usage in ("contact", "account")
        }

    @api.model
    def _crm_sync_match(self, keys_by_item, specs):
        """Run the duplicate cascade (``utils.dedup``) for a batch of outside
        records, with one query for the candidates of the whole batch.

        :param dict keys_by_item: ``{item: utils.dedup.LeadKeys}``, keys built
            by the caller (``utils.normalize``, :meth:`_crm_sync_unique_keys`)
        :param dict specs: ``crm.sync.unique.field._crm_sync_matching_specs()``
        :return: ``({item: utils.dedup.Suggestion}, utils.dedup.PartnerIndex)``
        """
        index = dedup.PartnerIndex(self._crm_sync_match_candidates(keys_by_item, specs))
        contact_fields = [spec["field"] for spec in specs["contact"]]
        account_fields = [spec["field"] for spec in specs["account"]]
        suggestions = {
            item: dedup.suggest(keys, index, contact_fields, account_fields)
            for item, keys in keys_by_item.items()
        }
        return suggestions, index

    @api.model
    def _crm_sync_match_candidates(self, keys_by_item, specs):
        """One query: the partners any item of the batch may match, as
        ``utils.dedup.Partner`` rows (archived partners included, never our
        own: see :meth:`_crm_sync_own_partner_ids`).

        :param dict keys_by_item: ``{item: utils.dedup.LeadKeys}``
        """
        searched = self._crm_sync_searched_keys(keys_by_item.values(), specs)
        if not searched:
            return []
        unique_fields = {
            spec["field"]: spec for usage in specs for spec in specs[usage]
        }
        partners = self._crm_sync_fetch_candidates(searched, unique_fields)
        partners = partners._crm_sync_without_own_partners()
        region = self._crm_sync_main_region()
        return [
            partner._crm_sync_candidate_row(unique_fields, region)
            for partner in partners
        ]

    @api.model
    def _crm_sync_searched_keys(self, keys_list, specs):
        """The key values searched, per partner column: ``{column: set}``
        (unique fields first, then e-mails, then names)."""
        keys_list = list(keys_list)
        searched = defaultdict(set)
        for keys in keys_list:
            for usage, unique in (
                ("contact", keys.contact_unique),
                ("account", keys.account_unique),
            ):
                for spec in specs[usage]:
                    if key := unique.get(spec["field"]):
                        searched[spec["column"]].add(key)
        emails = {keys.email for keys in keys_list} - {None}
        names = {key for keys in keys_list for key in (keys.company, keys.contact_name)}
        names.discard(None)
        if emails:
            searched["email_normalized"] |= emails
        if names:
            searched["crm_sync_name_key"] |= names
        return dict(searched)

    @api.model
    def _crm_sync_fetch_candidates(self, searched, unique_fields):
        """The partners whose key columns hold a searched value, in one query.

        Each condition is backed by an index: the key columns' own, or for
        custom text fields the expression index on their text key
        (``crm.sync.unique.field._crm_sync_index``), compared in the same form
        as the outside record's key.
        """
        Partner = self.with_context(active_test=False)
        text_keys = {
            spec["column"] for spec in unique_fields.values() if spec.get("text_key")
        }
        UniqueField = self.env["crm.sync.unique.field"]
        query = Partner._search([])
        alias = Partner._table
        conditions = [
            SQL(
                "%s IN %s",
                UniqueField._crm_sync_text_key_sql(SQL.identifier(alias, column)),
                tuple(sorted(values)),
            )
            if column in text_keys
            else Partner._condition_to_sql(alias, column, "in", sorted(values), query)
            for column, values in searched.items()
        ]
        query.add_where(SQL("(%s)", SQL(" OR ").join(conditions)))
        fnames = {
            "is_company",
            "parent_id",
            "active",
            "email_normalized",
            "crm_sync_name_key",
        } | {spec["column"] for spec in unique_fields.values()}
        return Partner._fetch_query(
            query, Partner._determine_fields_to_fetch(list(fnames))
        )

    def _crm_sync_candidate_row(self, unique_fields, region):
        """This partner as a ``utils.dedup.Partner`` row."""
        self.ensure_one()
        unique = {}
        for fname, spec in unique_fields.items():
            value = self[spec["column"]]
            if isinstance(value, models.BaseModel):
                value = value.id
            if spec["column"] == spec["field"]:
                value = normalize(spec["kind"], value, region=region)
            unique[fname] = value or None
        return dedup.Partner(
            id=self.id,
            is_company=self.is_company,
            parent_id=self.parent_id.id or None,
            active=self.active,
            email=self.email_normalized or None,
            name=self.crm_sync_name_key or None,
            unique=unique,
        )

    def _crm_sync_without_own_partners(self):
        """These partners, without those automatic matching must never pick
        (:meth:`_crm_sync_own_partner_ids`)."""
        own_ids = self._crm_sync_own_partner_ids(self.ids)
        return self.filtered(lambda partner: partner.id not in own_ids)

    @api.model
    def _crm_sync_own_partner_ids(self, partner_ids):
        """Of ``partner_ids``, the partners automatic matching must never pick:
        our companies' partners and everything under their commercial entity,
        and the partners of internal users, archived users included.

        Automatic matching (lead conversion, outside sources) merges data into
        the partner it picks: our own company and our employees are never
        customers to update. One query whatever the number of partners.

        :return: set of ids
        """
        if not partner_ids:
            return set()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["res.company"].flush_model(["partner_id"])
        self.env["res.users"].flush_model(["partner_id", "share"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id FROM res_partner p
                 WHERE p.id IN %(ids)s
                   AND (p.commercial_partner_id IN (
                            SELECT cp.commercial_partner_id FROM res_company c
                              JOIN res_partner cp ON cp.id = c.partner_id)
                        OR EXISTS (SELECT 1 FROM res_users u
                                    WHERE u.partner_id = p.id
                                      AND u.share IS NOT TRUE))
                """,
                ids=tuple(partner_ids),
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _crm_sync_accounts_by_name(self, name_keys):
        """Readable company partners by normalised name (never our own).

        Exact match on the indexed ``crm_sync_name_key`` (trimmed, case- and
        accent-insensitive), never a substring search.

        :param name_keys: names normalised by ``utils.normalize.normalize_name``
        :return: {normalised name: res.partner}
        """
        keys = set(name_keys) - {None, ""}
        if not keys:
            return {}
        partners = self.search(
            [("is_company", "=", True), ("crm_sync_name_key", "in", list(keys))]
        )._crm_sync_without_own_partners()
        result = {}
        for partner in partners:
            key = partner.crm_sync_name_key
            result[key] = result.get(key, partner.browse()) | partner
        return result

    @api.model
    def _crm_sync_accounts_by_domain(self, domains):
        """Readable company partners whose website or email domain is one given
        (never our own).

        Exact match on the indexed ``crm_sync_website_key`` and
        ``crm_sync_email_domain_key``, never a substring search.

        :return: {domain: res.partner}
        """
        domains = sorted({d.lower() for d in domains if d})
        if not domains:
            return {}
        partners = self.search(
            [
                ("is_company", "=", True),
                "|",
                ("crm_sync_website_key", "in", domains),
                ("crm_sync_email_domain_key", "in", domains),
            ]
        )._crm_sync_without_own_partners()
        result = {}
        for partner in partners:
            for key in {
                partner.crm_sync_website_key,
                partner.crm_sync_email_domain_key,
            } & set(domains):
                result[key] = result.get(key, partner.browse()) | partner
        return result

    @api.model
    def _crm_sync_rule_label(self, match):
        """Human reason for a match of the cascade (``utils.dedup.Match``)."""
        field_label = match.field or ""
        if match.field and match.field in self._fields:
            field_label = self._fields[match.field].get_description(self.env)["string"]
        labels = {
            dedup.RULE_CONTACT_UNIQUE: self.env._(
                "Same %(field)s as this contact (unique field)", field=field_label
            ),
            dedup.RULE_ACCOUNT_UNIQUE: self.env._(
                "Same %(field)s as this account (unique field)", field=field_label
            ),
            dedup.RULE_CONTACT_EMAIL: self.env._("Same e-mail address as this contact"),
            dedup.RULE_ACCOUNT_NAME: self.env._("Same company name as this account"),
            dedup.RULE_CONTACT_NAME: self.env._(
                "Same name as this contact (the lead has no e-mail and no company)"
            ),
            dedup.RULE_CONTACT_ACCOUNT: self.env._("Account of the matching contact"),
            dedup.RULE_ACCOUNT_CONTACT_EMAIL: self.env._(
                "Contact of the matching account with the same e-mail address"
            ),
            dedup.RULE_ACCOUNT_CONTACT_NAME: self.env._(
                "Contact of the matching account with the same name"
            ),
        }
        return labels[match.rule]
