# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sync Company: an account (company partner) becomes the ``res.company``
whose partner it is, or is linked to an existing one (docs/ARCHITECTURE.md)."""

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..utils.normalize import normalize_name


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_sync_company_id = fields.Many2one(
        "res.company",
        string="Synced Company",
        copy=False,
        readonly=True,
        ondelete="set null",
        help="The company this account is synchronised with (Sync Company).",
    )
    crm_sync_can_sync_company = fields.Boolean(
        compute="_compute_crm_sync_can_sync_company",
        help="Technical: the Sync Company button applies to this partner.",
    )

    def init(self):
        res = super().init()
        # One company has at most one account. The partial unique index doubles
        # as the lookup index of the column (hence no ``index=True`` on it).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (crm_sync_company_id) "
                "WHERE crm_sync_company_id IS NOT NULL",
                SQL.identifier("res_partner_crm_sync_company_id_uniq"),
                SQL.identifier(self._table),
            )
        )
        return res

    # ------------------------------------------------------------------
    # SYNC COMPANY
    # ------------------------------------------------------------------

    @api.depends("is_company", "crm_sync_company_id")
    def _compute_crm_sync_can_sync_company(self):
        for partner in self:
            partner.crm_sync_can_sync_company = bool(
                partner.is_company and not partner.crm_sync_company_id
            )

    @api.constrains("crm_sync_company_id")
    def _check_crm_sync_company_id(self):
        """One account per company, and an account is linked to one company only."""
        partners = self.filtered("crm_sync_company_id")
        if not partners:
            return
        persons = partners.filtered(lambda p: not p.is_company)
        if persons:
            raise ValidationError(
                self.env._(
                    "Only a company can be synced with a company: %(partner)s is "
                    "a person.",
                    partner=persons[0].display_name,
                )
            )
        taken = self._crm_sync_company_taken(partners)
        seen = {}
        for partner in partners:
            company = partner.crm_sync_company_id
            twin = self.browse(taken.get(company.id)) or seen.get(company.id)
            if twin:
                raise ValidationError(
                    self.env._(
                        "The company %(company)s is already synced with another "
                        "account (%(account)s). A company has one account only.",
                        # sudo: names for the message; the user may not read the company
                        company=company.sudo().display_name,
                        account=twin.sudo().display_name,
                    )
                )
            seen[company.id] = partner
        partners._crm_sync_check_company_partner()

    def _crm_sync_company_taken(self, partners):
        """Companies of ``partners`` (some of ``self``, the records being
        checked) already synced with another partner, in the database or in
        this transaction's pending values:
        ``{company id: id of the lowest such partner}``."""
        # Raw SQL on purpose: an ORM search would flush the new values first and
        # hit the unique index with a database error instead of this message.
        # The other partners' pending values are read from the cache, not
        # flushed: a flush writes every pending value of the field, these ones
        # included.
        field = self._fields["crm_sync_company_id"]
        pending = self.env.cache.get_dirty_records(self, field) - self
        company_ids = partners.crm_sync_company_id.ids
        self.env.cr.execute(
            SQL(
                "SELECT crm_sync_company_id, MIN(id) FROM %s "
                "WHERE crm_sync_company_id IN %s AND id NOT IN %s "
                "GROUP BY crm_sync_company_id",
                SQL.identifier(self._table),
                tuple(company_ids),
                tuple(partners.ids + pending.ids),
            )
        )
        taken = dict(self.env.cr.fetchall())
        for other in pending:
            company_id = other.crm_sync_company_id.id
            if company_id in company_ids:
                taken[company_id] = min(taken.get(company_id, other.id), other.id)
        return taken

    def _crm_sync_check_company_partner(self):
        """The partner of a company is synced with that company only."""
        # sudo: the companies of these partners, whether the user sees them or not
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        for company in companies:
            if company.partner_id.crm_sync_company_id != company:
                raise ValidationError(
                    self.env._(
                        "%(account)s is the partner of the company %(company)s; it "
                        "cannot be synced with another company.",
                        account=company.partner_id.display_name,
                        company=company.display_name,
                    )
                )

    @api.constrains("company_id", "crm_sync_company_id")
    def _check_crm_sync_company_shared(self):
        """A synced account stays shared: its company's users must all see it."""
        restricted = self.filtered(lambda p: p.crm_sync_company_id and p.company_id)
        if restricted:
            raise ValidationError(
                self.env._(
                    "%(account)s is synced with the company %(company)s and must "
                    "stay shared between companies: leave its Company field empty.",
                    account=restricted[0].display_name,
                    # sudo: the company name for the message only
                    company=restricted[0].crm_sync_company_id.sudo().display_name,
                )
            )

    # ------------------------------------------------------------------
    # Sync Company: public API (UI and XML-RPC)
    # ------------------------------------------------------------------

    def crm_sync_company(self, existing_company_id=False, company_name=None):
        """Create (or link) the company of each account in ``self``.

        :param existing_company_id: id of an existing ``res.company`` to link the
            (single) account to, instead of creating one. That company must not be
            synced with another account yet.
        :param company_name: name of the new company when the account's own name
            is already used by a company (the account is renamed accordingly,
            since a company and its partner share one name).
        :return: list of ``res.company`` ids, in the order of ``self``
        :raise AccessError: the caller may not create companies
        :raise UserError: bad input; nothing is written
        """
        self._crm_sync_company_check_access()
        existing_company_id, company_name = self._crm_sync_company_check_params(
            existing_company_id, company_name
        )
        if not self:
            return []
        # sudo: the caller may sync these accounts (checked above); writes as Settings
        partners = self.sudo()
        partners._crm_sync_lock()
        partners._crm_sync_company_check_partners(existing_company_id)
        if existing_company_id:
            # sudo: checked free to link in _crm_sync_company_check_partners
            company = self.env["res.company"].sudo().browse(existing_company_id)
            partners._crm_sync_company_link(company)
            return company.ids
        names = [company_name.strip()] if company_name else partners.mapped("name")
        partners._crm_sync_company_check_names(names, explicit=bool(company_name))
        companies = partners._crm_sync_company_create(names)
        return companies.ids

    def action_crm_sync_company(self):
        """Header button: open the confirmation window."""
        self.ensure_one()
        self._crm_sync_company_check_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync Company"),
            "res_model": "res.partner.company.sync",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_crm_sync_company_open(self):
        """Smart button: open the synced company."""
        self.ensure_one()
        company = self.crm_sync_company_id
        if not company:
            raise UserError(
                self.env._(
                    "%(account)s is not synced with a company.",
                    account=self.display_name,
                )
            )
        if not company.has_access("read"):
            raise AccessError(
                self.env._(
                    "You are not allowed to open the company %(company)s.",
                    # sudo: names for the message; the user may not read the company
                    company=company.sudo().display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Company"),
            "res_model": "res.company",
            "res_id": company.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Sync Company: helpers (all checks before any write)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_company_check_access(self):
        """CRM Sync users with the right to create companies (Settings)."""
        if self.env.su:
            return
        if not self.env.user.has_group("crm_sync.crm_sync_group_user"):
            raise AccessError(
                self.env._("Only CRM Sync users may sync accounts with companies.")
            )
        if not self.env["res.company"].has_access("create"):
            raise AccessError(
                self.env._(
                    "Sync Company creates a company: you need the right to create "
                    "companies (Settings / Access Rights)."
                )
            )
        if self:
            self.check_access("write")

    def _crm_sync_company_check_params(self, existing_company_id, company_name):
        """The parameters of :meth:`crm_sync_company`, checked: ``(company id or
        False, name or None)``."""
        existing_company_id = self._crm_sync_check_id_param(
            existing_company_id, "existing_company_id"
        )
        if company_name is not None and not isinstance(company_name, str | bool):
            raise UserError(self.env._("The company name must be a text."))
        company_name = company_name or None
        if existing_company_id and company_name:
            raise UserError(
                self.env._(
                    "Choose either an existing company to link or a new company "
                    "name, not both."
                )
            )
        if (existing_company_id or company_name) and len(self) > 1:
            raise UserError(
                self.env._(
                    "Linking to an existing company or choosing a company name "
                    "works for one account at a time."
                )
            )
        return existing_company_id, company_name

    def _crm_sync_lock(self):
        """Lock the partners' rows (Sync Company, Sync User) so that a
        concurrent sync fails cleanly instead of waiting."""
        if not self._crm_sync_lock_rows(nowait=True):
            raise UserError(
                self.env._(
                    "%(accounts)s is being synced by someone else right now. "
                    "Reload the page and try again.",
                    accounts=", ".join(self.mapped("display_name")),
                )
            )

    def _crm_sync_company_check_partners(self, existing_company_id=False):
        persons = self.filtered(lambda p: not p.is_company)
        if persons:
            raise UserError(
                self.env._(
                    "Sync Company works on companies only; %(partners)s is a person. "
                    "Use Sync User for people.",
                    partners=", ".join(persons.mapped("display_name")),
                )
            )
        synced = self.filtered("crm_sync_company_id")
        if synced:
            raise UserError(
                self.env._(
                    "%(account)s is already synced with the company %(company)s.",
                    account=synced[0].display_name,
                    company=synced[0].crm_sync_company_id.display_name,
                )
            )
        # sudo: every company counts, archived or unreadable, to refuse a clash
        Company = self.env["res.company"].sudo().with_context(active_test=False)
        existing = Company.browse()
        if existing_company_id:
            existing = Company.browse(existing_company_id).exists()
            if not existing:
                raise UserError(self.env._("The company to link no longer exists."))
            account = self._crm_sync_company_account(existing)
            if account:
                raise UserError(
                    self.env._(
                        "The company %(company)s is already synced with the account "
                        "%(account)s; it cannot be linked to another account.",
                        company=existing.display_name,
                        account=account.display_name,
                    )
                )
        own = Company.search([("partner_id", "in", self.ids)]) - existing
        if own:
            raise UserError(
                self.env._(
                    "%(account)s is already the partner of the company %(company)s: "
                    "link the account to that company instead.",
                    account=own[0].partner_id.display_name,
                    company=own[0].display_name,
                )
            )

    @api.model
    def _crm_sync_company_account(self, company):
        """The account synced with ``company`` (empty recordset if none)."""
        return (
            # sudo: a company is taken whoever may read its account
            self.sudo()
            .with_context(active_test=False)
            .search([("crm_sync_company_id", "=", company.id)], limit=1)
        )

    @api.model
    def _crm_sync_company_names(self):
        """``{normalised name: company}`` of every company, archived included."""
        companies = (
            # sudo: a name clash counts whether the user sees the company or not
            self.env["res.company"].sudo().with_context(active_test=False).search([])
        )
        names = {}
        for company in companies:
            names.setdefault(normalize_name(company.name), company)
        return names

    @api.model
    def _crm_sync_company_find_clash(self, name, names=None):
        """The company whose normalised name equals ``name``'s, archived included.

        :param dict names: :meth:`_crm_sync_company_names`, when checking many
        """
        key = normalize_name(name)
        if names is None:
            names = self._crm_sync_company_names()
        return (key and names.get(key)) or self.env["res.company"]

    def _crm_sync_company_check_names(self, names, explicit=False):
        seen = {}
        companies = self._crm_sync_company_names()
        for partner, name in zip(self, names, strict=True):
            key = normalize_name(name)
            if not key:
                raise UserError(self.env._("The company name cannot be empty."))
            clash = self._crm_sync_company_find_clash(name, companies)
            if clash and explicit:
                raise UserError(
                    self.env._(
                        "The name %(name)s is also used by the company %(company)s. "
                        "Choose a distinct name.",
                        name=name,
                        company=clash.display_name,
                    )
                )
            if clash:
                raise UserError(
                    self.env._(
                        "A company named %(company)s already exists. Sync Company "
                        "never links silently: link %(account)s to that company "
                        "explicitly, or create a company under a distinct name.",
                        company=clash.display_name,
                        account=partner.display_name,
                    )
                )
            if key in seen:
                raise UserError(
                    self.env._(
                        "%(first)s and %(second)s would get the same company name.",
                        first=seen[key].display_name,
                        second=partner.display_name,
                    )
                )
            seen[key] = partner

    def _crm_sync_company_link(self, company):
        self._crm_sync_company_set_link(
            company,
            self.env._(
                "Linked to the existing company %(company)s by Sync Company.",
                company=company.display_name,
            ),
        )

    def _crm_sync_company_set_link(self, company, note):
        """Link the account ``self`` to ``company`` and say so in its chatter."""
        self.ensure_one()
        values = {"crm_sync_company_id": company.id}
        if self.company_id:
            # The account stays a shared partner, visible from every company.
            values["company_id"] = False
        self._crm_sync_link_context().write(values)
        self._crm_sync_company_post_note(note)

    def _crm_sync_company_prepare_values(self, name):
        """Values of the new ``res.company`` for the account ``self``.

        The country is deliberately left out: the company reads it from its
        partner, and passing it would not change that. The currency follows the
        account's country, as Odoo's company form does.
        """
        self.ensure_one()
        # sudo: mapping lines are configuration, only read here
        Mapping = self.env["crm.sync.field.mapping"].sudo()
        values = Mapping._crm_sync_mapped_values("company", self)
        values.update({"partner_id": self.id, "name": name})
        currency = self.country_id.currency_id
        if currency and "currency_id" not in values:
            values["currency_id"] = currency.id
        return values

    def _crm_sync_company_create(self, names):
        vals_list = [
            partner._crm_sync_company_prepare_values(name)
            for partner, name in zip(self, names, strict=True)
        ]
        # Never install localisation modules from a CRM button (see res_company.py).
        # sudo: the caller may create companies (_crm_sync_company_check_access)
        Company = (
            self.env["res.company"].sudo().with_context(crm_sync_no_l10n_install=True)
        )
        try:
            with self.env.cr.savepoint():
                companies = Company.create(vals_list)
        except psycopg2.errors.UniqueViolation as exc:
            raise UserError(
                self.env._(
                    "A company with this name was created meanwhile. Reload and "
                    "try again."
                )
            ) from exc
        for partner, company in zip(self, companies, strict=True):
            partner._crm_sync_company_set_link(
                company,
                self.env._(
                    "Company %(company)s created by Sync Company.",
                    company=company.display_name,
                ),
            )
        return companies

    def _crm_sync_company_post_note(self, body):
        # A log, not a posted message: it needs no author e-mail address (a
        # manager without one could not sync otherwise) and notifies nobody.
        self.ensure_one()
        self._message_log(body=body)
