# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm_sync on partners.

- Sync Company: an account (company partner) becomes a ``res.company`` whose
  partner it is;
- Sync User: a person contact gets its ``res.users`` (the contact is its
  partner);
- Duplicate keys: normalised, indexed match keys for lead duplicate detection.
  Odoo stores ``email_normalized`` on partners but does not index it, and has
  no normalised name, phone or VAT column (``phone_sanitized`` only comes with
  ``sms``). Lead conversion matches leads against partners on these keys by
  equality, a batch of leads at a time, so each key is a stored column with a
  btree index: lookups stay flat when the partner table grows;
- Desync: indicators of values proposed by outside sources, and the propose /
  resolve API.
"""

import psycopg2.errors

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, email_normalize, escape_psql
from odoo.tools.sql import create_unique_index, index_exists

from odoo.addons.auth_signup.models.res_partner import SignupError

from ..utils.account_suggestion import email_domain, website_domain
from ..utils.normalize import normalize_name, normalize_phone, normalize_vat
from ..utils.user_sync import duplicate_logins, match_reasons

#: res.partner field -> (key column, normaliser kind) used by duplicate detection
PARTNER_MATCH_KEYS = {
    "email": ("email_normalized", "email"),
    "name": ("crm_sync_name_key", "name"),
    "phone": ("crm_sync_phone_key", "phone"),
    "mobile": ("crm_sync_mobile_key", "phone"),
    "vat": ("crm_sync_vat_key", "vat"),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Sync Company
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

    # Sync User
    crm_sync_user_id = fields.Many2one(
        "res.users",
        string="Synced User",
        copy=False,
        readonly=True,
        ondelete="set null",
        help="The user this contact is synced with (Sync User): the user created for "
        "this contact, or an existing user linked to it explicitly.",
    )

    # Duplicate keys (lead conversion)
    # Inherited from mail.thread.blacklist without an index; crm does the same
    # for crm.lead. Partial index: most partners without an e-mail stay out.
    email_normalized = fields.Char(index="btree_not_null")
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

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    def _auto_init(self):
        res = super()._auto_init()
        # A user is synced with one contact at most. The unique index (NULLs never
        # clash) doubles as the lookup index of the column, hence no ``index=True``;
        # it also stops two concurrent links of the same user.
        create_unique_index(
            self.env.cr,
            "res_partner_crm_sync_user_id_uniq",
            self._table,
            ["crm_sync_user_id"],
        )
        return res

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
        # Partial index for the "Desynchronized" filter: few rows among many, in the
        # default order of res.partner, so that the first page and the count both
        # read the index only (see bench/bench_desync.py).
        name = "res_partner_crm_sync_desync_index"
        if not index_exists(self.env.cr, name):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (complete_name, id DESC)"
                    " WHERE crm_sync_desync",
                    SQL.identifier(name),
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
                _(
                    "Only a company can be synced with a company: %(partner)s is "
                    "a person.",
                    partner=persons[0].display_name,
                )
            )
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
        seen = {}
        for partner in partners:
            company = partner.crm_sync_company_id
            twin = self.browse(taken.get(company.id)) or seen.get(company.id)
            if twin:
                raise ValidationError(
                    _(
                        "The company %(company)s is already synced with another "
                        "account (%(account)s). A company has one account only.",
                        company=company.sudo().display_name,
                        account=twin.sudo().display_name,
                    )
                )
            seen[company.id] = partner
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids)])
        )
        for company in companies:
            if company.partner_id.crm_sync_company_id != company:
                raise ValidationError(
                    _(
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
                _(
                    "%(account)s is synced with the company %(company)s and must "
                    "stay shared between companies: leave its Company field empty.",
                    account=restricted[0].display_name,
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
        if not self:
            return []
        if existing_company_id and company_name:
            raise UserError(
                _(
                    "Choose either an existing company to link or a new company "
                    "name, not both."
                )
            )
        if (existing_company_id or company_name) and len(self) > 1:
            raise UserError(
                _(
                    "Linking to an existing company or choosing a company name "
                    "works for one account at a time."
                )
            )
        partners = self.sudo()
        partners._crm_sync_lock()
        partners._crm_sync_company_check_partners(existing_company_id)
        if existing_company_id:
            company = self.env["res.company"].sudo().browse(int(existing_company_id))
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
            "name": _("Sync Company"),
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
                _(
                    "%(account)s is not synced with a company.",
                    account=self.display_name,
                )
            )
        if not company.has_access("read"):
            raise AccessError(
                _(
                    "You are not allowed to open the company %(company)s.",
                    company=company.sudo().display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Company"),
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
                _("Only CRM Sync users may sync accounts with companies.")
            )
        if not self.env["res.company"].has_access("create"):
            raise AccessError(
                _(
                    "Sync Company creates a company: you need the right to create "
                    "companies (Settings / Access Rights)."
                )
            )
        if self:
            self.check_access("write")

    def _crm_sync_lock(self):
        """Lock the partners' rows so that a concurrent sync fails cleanly."""
        if not self:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id IN %s FOR UPDATE NOWAIT",
                        SQL.identifier(self._table),
                        tuple(self.ids),
                    ),
                    log_exceptions=False,
                )
        except (
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ) as exc:
            raise UserError(
                _(
                    "%(accounts)s is being synced by someone else right now. "
                    "Reload the page and try again.",
                    accounts=", ".join(self.mapped("display_name")),
                )
            ) from exc
        # Read the committed state, not what this transaction had cached.
        self.invalidate_recordset()

    def _crm_sync_company_check_partners(self, existing_company_id=False):
        persons = self.filtered(lambda p: not p.is_company)
        if persons:
            raise UserError(
                _(
                    "Sync Company works on companies only; %(partners)s is a person. "
                    "Use Sync User for people.",
                    partners=", ".join(persons.mapped("display_name")),
                )
            )
        synced = self.filtered("crm_sync_company_id")
        if synced:
            raise UserError(
                _(
                    "%(account)s is already synced with the company %(company)s.",
                    account=synced[0].display_name,
                    company=synced[0].crm_sync_company_id.display_name,
                )
            )
        Company = self.env["res.company"].sudo().with_context(active_test=False)
        existing = Company.browse()
        if existing_company_id:
            existing = Company.browse(int(existing_company_id)).exists()
            if not existing:
                raise UserError(_("The company to link no longer exists."))
            account = self._crm_sync_company_account(existing)
            if account:
                raise UserError(
                    _(
                        "The company %(company)s is already synced with the account "
                        "%(account)s; it cannot be linked to another account.",
                        company=existing.display_name,
                        account=account.display_name,
                    )
                )
        own = Company.search([("partner_id", "in", self.ids)]) - existing
        if own:
            raise UserError(
                _(
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
            self.sudo()
            .with_context(active_test=False)
            .search([("crm_sync_company_id", "=", company.id)], limit=1)
        )

    @api.model
    def _crm_sync_company_find_clash(self, name):
        """The company whose normalised name equals ``name``'s, archived included."""
        key = normalize_name(name)
        if not key:
            return self.env["res.company"]
        companies = (
            self.env["res.company"].sudo().with_context(active_test=False).search([])
        )
        return companies.filtered(lambda c: normalize_name(c.name) == key)[:1]

    def _crm_sync_company_check_names(self, names, explicit=False):
        seen = {}
        for partner, name in zip(self, names, strict=True):
            key = normalize_name(name)
            if not key:
                raise UserError(_("The company name cannot be empty."))
            clash = self._crm_sync_company_find_clash(name)
            if clash and explicit:
                raise UserError(
                    _(
                        "The name %(name)s is also used by the company %(company)s. "
                        "Choose a distinct name.",
                        name=name,
                        company=clash.display_name,
                    )
                )
            if clash:
                raise UserError(
                    _(
                        "A company named %(company)s already exists. Sync Company "
                        "never links silently: link %(account)s to that company "
                        "explicitly, or create a company under a distinct name.",
                        company=clash.display_name,
                        account=partner.display_name,
                    )
                )
            if key in seen:
                raise UserError(
                    _(
                        "%(first)s and %(second)s would get the same company name.",
                        first=seen[key].display_name,
                        second=partner.display_name,
                    )
                )
            seen[key] = partner

    def _crm_sync_company_link(self, company):
        self.ensure_one()
        values = {"crm_sync_company_id": company.id}
        if self.company_id:
            # The account stays a shared partner, visible from every company.
            values["company_id"] = False
        self.write(values)
        self._crm_sync_company_post_note(
            _(
                "Linked to the existing company %(company)s by Sync Company.",
                company=company.display_name,
            )
        )

    def _crm_sync_company_prepare_values(self, name):
        """Values of the new ``res.company`` for the account ``self``.

        The country is deliberately left out: the company reads it from its
        partner, and passing it would not change that. The currency follows the
        account's country, as Odoo's company form does.
        """
        self.ensure_one()
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
        Company = (
            self.env["res.company"].sudo().with_context(crm_sync_no_l10n_install=True)
        )
        try:
            with self.env.cr.savepoint():
                companies = Company.create(vals_list)
        except psycopg2.errors.UniqueViolation as exc:
            raise UserError(
                _(
                    "A company with this name was created meanwhile. Reload and "
                    "try again."
                )
            ) from exc
        for partner, company in zip(self, companies, strict=True):
            values = {"crm_sync_company_id": company.id}
            if partner.company_id:
                # The account stays a shared partner, visible from every company.
                values["company_id"] = False
            partner.write(values)
            partner._crm_sync_company_post_note(
                _(
                    "Company %(company)s created by Sync Company.",
                    company=company.display_name,
                )
            )
        return companies

    def _crm_sync_company_post_note(self, body):
        self.ensure_one()
        self.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_note"
        )

    # ------------------------------------------------------------------
    # SYNC USER (a person contact -> its res.users)
    # ------------------------------------------------------------------

    @api.constrains("crm_sync_user_id")
    def _check_crm_sync_user_id_writer(self):
        """The field is read-only in the UI; this also stops a direct write (RPC,
        import) of a link by someone who may not run Sync User."""
        if (
            self.filtered("crm_sync_user_id")
            and not self.env.su
            and not self.env.user.has_group("crm_sync.crm_sync_group_manager")
        ):
            raise AccessError(_("Only CRM Sync managers may sync contacts with users."))

    @api.constrains("crm_sync_user_id", "is_company")
    def _check_crm_sync_user_id(self):
        """A synced contact is a person, its synced user is its only user (archived
        ones included), and a user is synced with one contact."""
        partners = self.filtered("crm_sync_user_id")
        if not partners:
            return
        companies = partners.filtered("is_company")
        if companies:
            raise ValidationError(
                _(
                    "%(partner)s is a company; only a person can be synced with a "
                    "user.",
                    partner=companies[0].display_name,
                )
            )
        twins = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("crm_sync_user_id", "in", partners.crm_sync_user_id.ids),
                    ("id", "not in", partners.ids),
                ],
                limit=1,
            )
        )
        if twins or len(partners.crm_sync_user_id) < len(partners):
            user = twins.crm_sync_user_id or partners.crm_sync_user_id[0]
            raise ValidationError(
                _(
                    "The user %(user)s is already synced with another contact; a user "
                    "is synced with one contact only.",
                    user=user.sudo().display_name,
                )
            )
        for partner, others in partners._crm_sync_user_others().items():
            raise ValidationError(
                _(
                    "%(contact)s already has the user %(other)s; it cannot be "
                    "synced with %(user)s as well (one contact, one user).",
                    contact=partner.display_name,
                    other=others[0].display_name,
                    user=partner.crm_sync_user_id.sudo().display_name,
                )
            )

    def _crm_sync_user_others(self):
        """Users of these contacts other than their synced user, archived ones
        included (a synced contact has no other user).

        :return: ``{partner: res.users}`` for the contacts that have such users,
            in the order of ``self``
        """
        users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        result = {}
        for partner in self:
            others = (
                users.filtered(lambda u, partner=partner: u.partner_id == partner)
                - partner.crm_sync_user_id
            )
            if others:
                result[partner] = others
        return result

    # ------------------------------------------------------------------
    # Sync User: public API (UI and XML-RPC)
    # ------------------------------------------------------------------

    def crm_sync_user(
        self, internal=False, existing_user_id=False, send_invitation=False
    ):
        """Give each person contact of ``self`` its user, or link an existing one.

        The new user is linked to the contact itself (no second partner); its
        login is the contact's normalised email. It is a portal user unless
        ``internal`` is set.

        :param internal: create internal users instead of portal users (plain
            "Internal User" rights only, see ``_crm_sync_user_check_access``)
        :param existing_user_id: id of an existing ``res.users`` to link the
            (single) contact to instead of creating a user; it must be one of the
            users matching the contact (same login, same email, or already the
            contact's user), archived users included
        :param send_invitation: queue the invitation email for the new users
        :return: list of ``res.users`` ids, in the order of ``self``
        :raise AccessError: the caller may not sync users (of that kind)
        :raise UserError: bad input; nothing is written
        """
        self._crm_sync_user_check_access(internal=internal)
        if not self:
            return []
        if existing_user_id and len(self) > 1:
            raise UserError(
                _("Linking an existing user works for one contact at a time.")
            )
        if existing_user_id and (internal or send_invitation):
            raise UserError(
                _(
                    "The user type and the invitation apply to a new user only; "
                    "an existing user is linked as it is."
                )
            )
        partners = self.sudo()
        partners._crm_sync_lock()
        partners.invalidate_recordset(["crm_sync_user_id", "email", "user_ids"])
        existing_user = partners._crm_sync_user_check(existing_user_id)
        with self.env.cr.savepoint():
            if existing_user:
                users = self._crm_sync_user_link(existing_user)
            else:
                users = self._crm_sync_user_create(internal=internal)
                if send_invitation:
                    self._crm_sync_user_send_invitation(users)
        return users.ids

    def action_crm_sync_user(self):
        """Header button: open the confirmation window."""
        self.ensure_one()
        self._crm_sync_user_check_access()
        return {
            "type": "ir.actions.act_window",
            "name": _("Sync User"),
            "res_model": "res.partner.user.sync",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_crm_sync_user_open(self):
        """Smart button: open the synced user."""
        self.ensure_one()
        user = self.crm_sync_user_id
        if not user:
            raise UserError(
                _("%(contact)s is not synced with a user.", contact=self.display_name)
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("User"),
            "res_model": "res.users",
            "res_id": user.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # Sync User: helpers (all checks before any write)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_user_check_access(self, internal=False):
        """Who may sync contacts with users; checked on the server, buttons only hide.

        - A CRM Sync Manager may give a contact a *portal* user: it opens the
          customer portal (the contact's own documents) to that person, as
          Contacts > Grant portal access does.
        - An *internal* user is created only when the manager asks for it
          (``internal=True``). It gets the plain "Internal User" level
          (``base.group_user`` and what it implies) and nothing more: no
          administration or settings rights, no application rights that the
          default user template would add. A user administrator grants more
          afterwards in Settings > Users, as for any new employee.
        """
        if self.env.su:
            return
        user = self.env.user
        if not user.has_group("crm_sync.crm_sync_group_manager"):
            raise AccessError(
                _("Only CRM Sync managers may sync contacts with users (Sync User).")
            )
        if self:
            self.check_access("write")

    def _crm_sync_user_login(self):
        """The login the contact's user gets: its normalised email (False if none)."""
        self.ensure_one()
        return email_normalize(self.email) if self.email else False

    def _crm_sync_user_matches(self):
        """Existing users that could be the contact's person, archived ones included.

        :return: ``{partner id: [(user, reasons), ...]}`` (reasons from
            ``utils.user_sync.match_reasons``), users ordered by id
        """
        logins = {partner.id: partner._crm_sync_user_login() for partner in self}
        domain = [("partner_id", "in", self.ids)]
        for login in {login for login in logins.values() if login}:
            domain = expression.OR(
                [
                    domain,
                    [("login", "=ilike", escape_psql(login))],
                    [("email_normalized", "=", login)],
                ]
            )
        users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search(domain, order="id")
        )
        user_values = [
            (
                user,
                {
                    "login": user.login,
                    "email_normalized": user.email_normalized,
                    "partner_id": user.partner_id.id,
                },
            )
            for user in users
        ]
        result = {}
        for partner in self:
            result[partner.id] = [
                (user, reasons)
                for user, values in user_values
                if (reasons := match_reasons(logins[partner.id], partner.id, values))
            ]
        return result

    @api.model
    def _crm_sync_user_describe(self, user, reasons):
        """One line for a matching user: name, login, archived, why it matches."""
        why = {
            "login": _("same login"),
            "email": _("same email"),
            "contact": _("already this contact's user"),
        }
        return _(
            "%(user)s (login %(login)s%(archived)s): %(reasons)s",
            user=user.name,
            login=user.login,
            archived=_(", archived") if not user.active else "",
            reasons=", ".join(why[reason] for reason in reasons),
        )

    def _crm_sync_user_check(self, existing_user_id=False):
        """Refuse bad input before anything is written.

        :return: the existing user to link (empty recordset: create users)
        """
        for partner in self:
            if partner.is_company:
                raise UserError(
                    _(
                        "Sync User works on people only; %(partner)s is a company. "
                        "Use Sync Company for companies.",
                        partner=partner.display_name,
                    )
                )
            if partner.crm_sync_user_id:
                raise UserError(
                    _(
                        "%(contact)s is already synced with the user %(user)s.",
                        contact=partner.display_name,
                        user=partner.crm_sync_user_id.display_name,
                    )
                )
            if not (partner.email or "").strip():
                raise UserError(
                    _(
                        "%(contact)s has no email; a user needs one as login. Add the "
                        "contact's email first.",
                        contact=partner.display_name,
                    )
                )
            if not partner._crm_sync_user_login():
                raise UserError(
                    _(
                        "The email %(email)s of %(contact)s is not a valid email "
                        "address; a user needs one as login. Correct it first.",
                        email=partner.email,
                        contact=partner.display_name,
                    )
                )
        twins = duplicate_logins(partner._crm_sync_user_login() for partner in self)
        if twins:
            raise UserError(
                _(
                    "Several of the selected contacts have the email %(email)s; a "
                    "login belongs to one user only. Sync them one by one.",
                    email=twins[0],
                )
            )
        matches = self._crm_sync_user_matches()
        if existing_user_id:
            return self._crm_sync_user_check_link(
                int(existing_user_id), matches[self.id]
            )
        for partner in self:
            if matches[partner.id]:
                raise UserError(
                    _(
                        "%(contact)s cannot get a new user: existing users match it: "
                        "%(users)s. Link the contact to one of them explicitly, or "
                        "change the contact's email.",
                        contact=partner.display_name,
                        users="; ".join(
                            self._crm_sync_user_describe(user, reasons)
                            for user, reasons in matches[partner.id]
                        ),
                    )
                )
        return self.env["res.users"]

    def _crm_sync_user_check_link(self, user_id, matches):
        """``user_id`` may be linked to the contact ``self``: it matches it, it is
        free, and the contact has no other user."""
        self.ensure_one()
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        user = Users.browse(user_id)
        if not user.exists():
            raise UserError(_("The user to link no longer exists."))
        if user not in [match for match, __ in matches]:
            raise UserError(
                _(
                    "The user %(user)s does not match %(contact)s (same login, same "
                    "email or already its user); only a matching user can be linked.",
                    user=user.display_name,
                    contact=self.display_name,
                )
            )
        synced_with = self.with_context(active_test=False).search(
            [("crm_sync_user_id", "=", user.id)], limit=1
        )
        if synced_with:
            raise UserError(
                _(
                    "The user %(user)s is already synced with %(contact)s.",
                    user=user.display_name,
                    contact=synced_with.display_name,
                )
            )
        own_users = [
            match
            for match, reasons in matches
            if "contact" in reasons and match != user
        ]
        if own_users:
            raise UserError(
                _(
                    "%(contact)s already has the user %(other)s: link that one (a "
                    "contact has one user).",
                    contact=self.display_name,
                    other=own_users[0].display_name,
                )
            )
        return user

    def _crm_sync_user_link(self, user):
        self.ensure_one()
        self.write({"crm_sync_user_id": user.id})
        if user.active:
            body = _(
                "Synced with the existing user %(user)s (Sync User).",
                user=user._get_html_link(),
            )
        else:
            body = _(
                "Synced with the existing user %(user)s (Sync User). That user is "
                "archived: unarchive it to let the person log in.",
                user=user._get_html_link(),
            )
        self._crm_sync_user_post_note(body)
        return user

    def _crm_sync_user_prepare_values(self):
        """Values of the contact's new ``res.users``; the contact is its partner."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return {
            "login": self._crm_sync_user_login(),
            "partner_id": self.id,
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
        }

    def _crm_sync_user_create(self, internal=False):
        """Create the users (checks done, caller's rights checked: sudo from here).

        Portal users are copies of the portal template user, exactly as the portal
        wizard makes them (``_create_user_from_template``); internal users get the
        "Internal User" group only (and the groups it implies), not the groups of
        the default user template, which carry application manager rights: Sync
        User never grants more than that. The invitation is ours to send
        (``no_reset_password``).
        """
        Users = self.env["res.users"].sudo().with_context(no_reset_password=True)
        users = Users.browse()
        internal_group = self.env.ref("base.group_user")
        for partner in self:
            values = partner._crm_sync_user_prepare_values()
            company_users = Users.with_company(values["company_id"])
            try:
                if internal:
                    user = company_users.create(
                        {**values, "groups_id": [Command.set(internal_group.ids)]}
                    )
                else:
                    user = company_users._create_user_from_template(values)
            except SignupError as exc:
                raise UserError(
                    _(
                        "The user for %(contact)s could not be created: %(error)s",
                        contact=partner.display_name,
                        error=str(exc),
                    )
                ) from exc
            # As superuser: once the partner has an internal user, Odoo asks for
            # the right to modify users to write it (the caller's rights on the
            # contact were checked first).
            partner.sudo().write({"crm_sync_user_id": user.id})
            kind = _("internal user") if internal else _("portal user")
            partner._crm_sync_user_post_note(
                _(
                    "User %(user)s (%(kind)s, login %(login)s) created by Sync User.",
                    user=user._get_html_link(),
                    kind=kind,
                    login=user.login,
                )
            )
            users |= user
        return users

    def _crm_sync_user_send_invitation(self, users):
        """Queue the invitation email of new users: portal users get portal's
        "Portal: User Invite", internal users auth_signup's "Settings: New User
        Invite". The mails are queued, not sent now: a sync rolled back later in
        the transaction never leaves an invitation for a user that does not exist;
        the outgoing mail cron sends them."""
        portal_template = self.env.ref("portal.mail_template_data_portal_welcome")
        portal_template = portal_template.sudo()
        internal_template = self.env.ref("auth_signup.set_password_email").sudo()
        for user in users.sudo():
            partner = user.partner_id
            partner.signup_prepare(signup_type="signup")
            if user._is_internal():
                internal_template.with_context(lang=user.lang).send_mail(
                    user.id,
                    email_values={
                        "email_to": user.email,
                        "email_cc": False,
                        "recipient_ids": [],
                        "partner_ids": [],
                        "scheduled_date": False,
                        "message_type": "user_notification",
                    },
                )
            else:
                # Portal's template renders a portal.wizard.user, as the portal
                # wizard does when it grants access.
                wizard = (
                    self.env["portal.wizard"]
                    .sudo()
                    .create({"partner_ids": [Command.set(partner.ids)]})
                )
                portal_url = partner.with_context(
                    signup_force_type_in_url="", lang=user.lang
                )._get_signup_url_for_action()[partner.id]
                portal_template.with_context(
                    dbname=self.env.cr.dbname, portal_url=portal_url, lang=user.lang
                ).send_mail(wizard.user_ids.id)
            self.browse(partner.id)._crm_sync_user_post_note(
                _("Invitation email queued for %(email)s.", email=user.email)
            )

    def _crm_sync_user_post_note(self, body):
        self.ensure_one()
        self.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_note"
        )

    # ------------------------------------------------------------------
    # DUPLICATE KEYS
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_main_region(self):
        """Country code of the main company: the last resort region of phone
        numbers written without a country, the same whoever saves the record."""
        main = self.env.ref("base.main_company", raise_if_not_found=False)
        return main.sudo().country_id.code if main else None

    @api.depends(
        "name", "phone", "mobile", "vat", "country_id", "company_id.country_id"
    )
    def _compute_crm_sync_match_keys(self):
        # The partner's country, else its company's, else the main company's:
        # never the current user's company, so that stored keys are stable.
        main_region = self._crm_sync_main_region()
        for partner in self:
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
