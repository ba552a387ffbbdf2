# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sync User: a person contact gets its ``res.users`` (the contact is its
partner), or is linked to an existing matching user (docs/ARCHITECTURE.md)."""

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import email_normalize, escape_psql
from odoo.tools.sql import create_unique_index

from odoo.addons.auth_signup.models.res_partner import SignupError

from ..utils.user_sync import duplicate_logins, match_reasons


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_sync_user_id = fields.Many2one(
        "res.users",
        string="Synced User",
        copy=False,
        readonly=True,
        ondelete="set null",
        help="The user this contact is synced with (Sync User): the user created for "
        "this contact, or an existing user linked to it explicitly.",
    )

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

    # ------------------------------------------------------------------
    # SYNC USER (a person contact -> its res.users)
    # ------------------------------------------------------------------

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
                self.env._(
                    "%(partner)s is a company; only a person can be synced with a "
                    "user.",
                    partner=companies[0].display_name,
                )
            )
        # sudo: a user synced with a contact the caller cannot read still counts
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
                self.env._(
                    "The user %(user)s is already synced with another contact; a user "
                    "is synced with one contact only.",
                    # sudo: the user name for the message only
                    user=user.sudo().display_name,
                )
            )
        for partner, others in partners._crm_sync_user_others().items():
            raise ValidationError(
                self.env._(
                    "%(contact)s already has the user %(other)s; it cannot be "
                    "synced with %(user)s as well (one contact, one user).",
                    contact=partner.display_name,
                    other=others[0].display_name,
                    # sudo: the user name for the message only
                    user=partner.crm_sync_user_id.sudo().display_name,
                )
            )

    def _crm_sync_user_others(self):
        """Users of these contacts other than their synced user, archived ones
        included (a synced contact has no other user).

        :return: ``{partner: res.users}`` for the contacts that have such users,
            in the order of ``self``
        """
        # sudo: every user of these contacts counts, archived or unreadable
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
            "Internal User" rights only; the caller needs user administration,
            see ``_crm_sync_user_check_access``)
        :param existing_user_id: id of an existing ``res.users`` to link the
            (single) contact to instead of creating a user; it must be one of the
            users matching the contact (same login, same email, or already the
            contact's user), archived users included; a user whose partner is
            another contact needs user administration
        :param send_invitation: queue the invitation email for the new users
        :return: list of ``res.users`` ids, in the order of ``self``
        :raise AccessError: the caller may not sync users (of that kind)
        :raise UserError: bad input; nothing is written
        """
        self._crm_sync_user_check_access(internal=internal)
        existing_user_id = self._crm_sync_user_check_params(
            existing_user_id, internal, send_invitation
        )
        if not self:
            return []
        # sudo: the caller may sync these contacts (checked above)
        partners = self.sudo()
        partners._crm_sync_lock()  # forgets their cached values too
        existing_user = partners._crm_sync_user_check(existing_user_id)
        self._crm_sync_user_check_link_rights(existing_user)
        with self.env.cr.savepoint():
            if existing_user:
                users = self._crm_sync_user_link(existing_user)
            else:
                users = self._crm_sync_user_create(internal=internal)
                if send_invitation:
                    self._crm_sync_user_send_invitation(users)
        return users.ids

    def _crm_sync_user_check_params(self, existing_user_id, internal, send_invitation):
        """The parameters of :meth:`crm_sync_user`, checked: the id of the user
        to link (False: create users)."""
        existing_user_id = self._crm_sync_check_id_param(
            existing_user_id, "existing_user_id"
        )
        if existing_user_id and len(self) > 1:
            raise UserError(
                self.env._("Linking an existing user works for one contact at a time.")
            )
        if existing_user_id and (internal or send_invitation):
            raise UserError(
                self.env._(
                    "The user type and the invitation apply to a new user only; "
                    "an existing user is linked as it is."
                )
            )
        return existing_user_id

    def action_crm_sync_user(self):
        """Header button: open the confirmation window."""
        self.ensure_one()
        self._crm_sync_user_check_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync User"),
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
                self.env._(
                    "%(contact)s is not synced with a user.", contact=self.display_name
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("User"),
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
        - An *internal* user (``internal=True``) is an employee login and a
          paid seat: it needs the right to create users, as Odoo reserves it
          to Administration / Access Rights. It gets the plain "Internal User"
          level (``base.group_user`` and what it implies) and nothing more: no
          administration or settings rights, no application rights that the
          default user template would add. A user administrator grants more
          afterwards in Settings > Users, as for any new employee.
        """
        if self.env.su:
            return
        user = self.env.user
        if not user.has_group("crm_sync.crm_sync_group_manager"):
            raise AccessError(
                self.env._(
                    "Only CRM Sync managers may sync contacts with users (Sync User)."
                )
            )
        if internal and not self._crm_sync_user_is_user_admin():
            raise AccessError(
                self.env._(
                    "An internal user is an employee login: creating one needs the "
                    "right to create users (Settings / Access Rights). Create a "
                    "portal user, or ask a user administrator."
                )
            )
        if self:
            self.check_access("write")

    @api.model
    def _crm_sync_user_is_user_admin(self):
        """Whether the caller may administrate users, as Odoo checks it: the
        right to create ``res.users`` (Administration / Access Rights)."""
        return self.env.su or self.env["res.users"].has_access("create")

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
        # sudo: a matching user counts whether the caller may read it or not
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
            "login": self.env._("same login"),
            "email": self.env._("same email"),
            "contact": self.env._("already this contact's user"),
        }
        return self.env._(
            "%(user)s (login %(login)s%(archived)s): %(reasons)s",
            user=user.name,
            login=user.login,
            archived=self.env._(", archived") if not user.active else "",
            reasons=", ".join(why[reason] for reason in reasons),
        )

    def _crm_sync_user_check(self, existing_user_id=False):
        """Refuse bad input before anything is written.

        :return: the existing user to link (empty recordset: create users)
        """
        for partner in self:
            partner._crm_sync_user_check_contact()
        twins = duplicate_logins(partner._crm_sync_user_login() for partner in self)
        if twins:
            raise UserError(
                self.env._(
                    "Several of the selected contacts have the email %(email)s; a "
                    "login belongs to one user only. Sync them one by one.",
                    email=twins[0],
                )
            )
        matches = self._crm_sync_user_matches()
        if existing_user_id:
            return self._crm_sync_user_check_link(existing_user_id, matches[self.id])
        for partner in self:
            if matches[partner.id]:
                raise UserError(
                    self.env._(
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

    def _crm_sync_user_check_contact(self):
        """This contact may get a user: a person with a valid email."""
        self.ensure_one()
        if self.is_company:
            raise UserError(
                self.env._(
                    "Sync User works on people only; %(partner)s is a company. "
                    "Use Sync Company for companies.",
                    partner=self.display_name,
                )
            )
        if self.crm_sync_user_id:
            raise UserError(
                self.env._(
                    "%(contact)s is already synced with the user %(user)s.",
                    contact=self.display_name,
                    user=self.crm_sync_user_id.display_name,
                )
            )
        if not (self.email or "").strip():
            raise UserError(
                self.env._(
                    "%(contact)s has no email; a user needs one as login. Add the "
                    "contact's email first.",
                    contact=self.display_name,
                )
            )
        if not self._crm_sync_user_login():
            raise UserError(
                self.env._(
                    "The email %(email)s of %(contact)s is not a valid email "
                    "address; a user needs one as login. Correct it first.",
                    email=self.email,
                    contact=self.display_name,
                )
            )

    def _crm_sync_user_check_link_rights(self, user):
        """Linking ``user``, whose partner is another contact, needs user
        administration: checked with the caller's rights (not as superuser)."""
        if user and user.partner_id != self and not self._crm_sync_user_is_user_admin():
            raise AccessError(
                self.env._(
                    "The user %(user)s belongs to another contact: linking it to "
                    "%(contact)s needs the right to create users (Settings / "
                    "Access Rights).",
                    # sudo: the user name for the message only
                    user=user.sudo().display_name,
                    contact=self.display_name,
                )
            )

    def _crm_sync_user_check_link(self, user_id, matches):
        """``user_id`` may be linked to the contact ``self``: it matches it, it is
        free, and the contact has no other user."""
        self.ensure_one()
        # sudo: only a user matching the contact may be linked (checked below)
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        user = Users.browse(user_id)
        if not user.exists():
            raise UserError(self.env._("The user to link no longer exists."))
        if user not in [match for match, __ in matches]:
            raise UserError(
                self.env._(
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
                self.env._(
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
                self.env._(
                    "%(contact)s already has the user %(other)s: link that one (a "
                    "contact has one user).",
                    contact=self.display_name,
                    other=own_users[0].display_name,
                )
            )
        return user

    def _crm_sync_user_link(self, user):
        self.ensure_one()
        self._crm_sync_link_context().write({"crm_sync_user_id": user.id})
        if user.active:
            body = self.env._(
                "Synced with the existing user %(user)s (Sync User).",
                user=user._get_html_link(),
            )
        else:
            body = self.env._(
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
        # sudo: user admin rights, for the one kind of user Sync User grants
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
                    self.env._(
                        "The user for %(contact)s could not be created: %(error)s",
                        contact=partner.display_name,
                        error=str(exc),
                    )
                ) from exc
            # As superuser: once the partner has an internal user, Odoo asks for
            # the right to modify users to write it (the caller's rights on the
            # contact were checked first).
            partner.sudo()._crm_sync_link_context().write({"crm_sync_user_id": user.id})
            kind = (
                self.env._("internal user") if internal else self.env._("portal user")
            )
            partner._crm_sync_user_post_note(
                self.env._(
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
        # sudo: templates and the new users are read to queue their invitations
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
                # sudo: the portal wizard record only renders the invitation
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
                self.env._("Invitation email queued for %(email)s.", email=user.email)
            )

    def _crm_sync_user_post_note(self, body):
        # A log, not a posted message: it needs no author e-mail address (a
        # manager without one could not sync otherwise) and notifies nobody.
        self.ensure_one()
        self._message_log(body=body)
