# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sync User: a person contact becomes (or is linked to) a res.users."""

import xmlrpc.client
from contextlib import closing

from odoo import Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT
from odoo.addons.crm_sync.utils import user_sync

from .common import CrmSyncCommon, CrmSyncHttpCommon


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "sync_user")
class TestUserSyncUtils(BaseCase):
    def test_match_reasons(self):
        user = {"login": "Jo@Example.com", "email_normalized": False, "partner_id": 7}
        self.assertEqual(user_sync.match_reasons("jo@example.com", 1, user), ("login",))
        user = {"login": "jo", "email_normalized": "jo@example.com", "partner_id": 7}
        self.assertEqual(user_sync.match_reasons("jo@example.com", 1, user), ("email",))
        self.assertEqual(
            user_sync.match_reasons("jo@example.com", 7, user), ("email", "contact")
        )
        user = {"login": "other", "email_normalized": "x@example.com", "partner_id": 7}
        self.assertEqual(user_sync.match_reasons("jo@example.com", 1, user), ())
        # a contact without email matches only its own users
        self.assertEqual(user_sync.match_reasons(False, 7, user), ("contact",))
        self.assertEqual(user_sync.match_reasons(False, 1, user), ())

    def test_duplicate_logins(self):
        self.assertEqual(
            user_sync.duplicate_logins(["a@x.com", False, "b@x.com", "A@x.com", None]),
            ["a@x.com"],
        )
        self.assertEqual(user_sync.duplicate_logins(["a@x.com", "b@x.com"]), [])


class SyncUserMixin:
    @classmethod
    def _setup_contacts(cls):
        Partner = cls.env["res.partner"]
        cls.account = Partner.create({"name": "Jensen Tools A/S", "is_company": True})
        cls.contact = Partner.create(
            {
                "name": "Jens Jensen",
                "email": '"Jens Jensen" <Jens.Jensen@Example.com>',
                "parent_id": cls.account.id,
            }
        )

    def _db_state(self, partner=None):
        """What a refused sync must leave untouched."""
        partner = partner or self.contact
        self.env.invalidate_all()
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        return {
            "users": Users.search_count([]),
            "partners": self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_count([]),
            "mails": self.env["mail.mail"].sudo().search_count([]),
            "messages": self.env["mail.message"]
            .sudo()
            .search_count([("model", "=", "res.partner"), ("res_id", "=", partner.id)]),
            "synced_user": partner.sudo().crm_sync_user_id.id,
            "email": partner.sudo().email,
        }


@tagged("post_install", "-at_install", "crm_sync", "sync_user")
class TestSyncUser(CrmSyncCommon, SyncUserMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_contacts()

    def _assert_refused(self, exception, message, partner=None, user=None, **kwargs):
        """Sync User on ``partner`` as ``user`` fails and changes nothing."""
        partner = partner or self.contact
        user = user or self.user_sales_manager
        before = self._db_state(partner)
        with self.assertRaises(exception) as caught:
            partner.with_user(user).crm_sync_user(**kwargs)
        self.assertIn(message, str(caught.exception))
        self.assertEqual(self._db_state(partner), before)
        return caught.exception

    # Permissions -------------------------------------------------------

    def test_salesman_refused(self):
        self._assert_refused(
            AccessError, "Only CRM Sync managers", user=self.user_salesman
        )
        with self.assertRaises(AccessError):
            self.contact.with_user(self.user_salesman).action_crm_sync_user()
        # nor can a salesman write the link directly (RPC, import)
        with self.assertRaises(AccessError):
            self.contact.with_user(self.user_salesman).write(
                {"crm_sync_user_id": self.user_portal.id}
            )

    def test_manager_creates_portal_user(self):
        partners_before = self.env["res.partner"].with_context(active_test=False)
        partners_before = partners_before.search_count([])
        user_ids = self.contact.with_user(self.user_sales_manager).crm_sync_user()
        self.assertEqual(len(user_ids), 1)
        user = self.env["res.users"].browse(user_ids)
        self.assertEqual(
            user.partner_id, self.contact, "the contact is the user's partner"
        )
        self.assertEqual(self.contact.crm_sync_user_id, user)
        self.assertEqual(user.login, "jens.jensen@example.com", "normalised email")
        self.assertTrue(user._is_portal())
        self.assertFalse(user._is_internal())
        self.assertTrue(user.active)
        self.assertEqual(
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            partners_before,
            "no new partner",
        )
        self.assertEqual(
            self.contact.email,
            '"Jens Jensen" <Jens.Jensen@Example.com>',
            "the contact's email is left as it was",
        )
        self.assertEqual(self.contact.parent_id, self.account)
        note = self.contact.message_ids[:1]
        self.assertIn("created by Sync User", note.body)
        self.assertIn("jens.jensen@example.com", note.body)
        self.assertFalse(
            self.env["mail.mail"].search([("email_to", "ilike", "jens.jensen")]),
            "no invitation unless asked",
        )

    def test_salesman_internal_refused(self):
        self._assert_refused(
            AccessError,
            "Only CRM Sync managers",
            internal=True,
            user=self.user_salesman,
        )

    def _assert_plain_internal_user(self, user):
        """Internal, with the "Internal User" level only: no admin or app rights."""
        self.assertTrue(user._is_internal())
        group_user = self.env.ref("base.group_user")
        self.assertEqual(user.groups_id, group_user | group_user.trans_implied_ids)
        for xmlid in (
            "base.group_erp_manager",
            "base.group_system",
            "base.group_no_one",
            "base.group_partner_manager",
            "sales_team.group_sale_manager",
            "sales_team.group_sale_salesman",
            "crm_sync.crm_sync_group_manager",
            "crm_sync.crm_sync_group_user",
        ):
            self.assertFalse(user.has_group(xmlid), xmlid)
        # No settings rights: neither users nor companies nor configuration.
        self.assertFalse(self.env["res.users"].with_user(user).has_access("create"))
        self.assertFalse(self.env["res.company"].with_user(user).has_access("create"))
        self.assertFalse(
            self.env["res.config.settings"].with_user(user).has_access("create")
        )

    def test_manager_internal_refused(self):
        """Issue 9, section 4: an internal user needs user-administration rights."""
        self._assert_refused(AccessError, "Access Rights", internal=True)

    def test_user_admin_creates_internal_user(self):
        # The default user template carries application manager rights (sales
        # administrator...); Sync User does not hand them out.
        template = self.env.ref("base.default_user")
        template.groups_id = [
            Command.link(self.env.ref("sales_team.group_sale_manager").id)
        ]
        user_ids = self.contact.with_user(self.user_admin_settings).crm_sync_user(
            internal=True
        )
        user = self.env["res.users"].browse(user_ids)
        self._assert_plain_internal_user(user)
        self.assertEqual(user.partner_id, self.contact)
        self.assertEqual(self.contact.crm_sync_user_id, user)
        self.assertIn("internal user", self.contact.message_ids[:1].body)

    # Bad input ---------------------------------------------------------

    def test_company_refused(self):
        self._assert_refused(
            UserError, "Sync User works on people only", partner=self.account
        )

    def test_no_email_refused(self):
        self.contact.email = False
        self._assert_refused(UserError, "has no email")
        self.contact.email = "   "
        self._assert_refused(UserError, "has no email")

    def test_invalid_email_refused(self):
        self.contact.email = "jens at example dot com"
        self._assert_refused(UserError, "is not a valid email address")

    def test_duplicate_login_active_user_refused(self):
        other = new_test_user(
            self.env,
            login="jens.jensen@example.com",
            name="Jens Other",
            groups="base.group_user",
        )
        exc = self._assert_refused(UserError, "cannot get a new user")
        self.assertIn(other.name, str(exc))
        self.assertIn("same login", str(exc))

    def test_duplicate_login_archived_user_refused(self):
        other = new_test_user(
            self.env,
            login="JENS.JENSEN@example.com",
            name="Jens Archived",
            groups="base.group_portal",
        )
        other.active = False
        exc = self._assert_refused(UserError, "cannot get a new user")
        self.assertIn("Jens Archived", str(exc))
        self.assertIn("archived", str(exc))

    def test_same_email_other_login_refused(self):
        new_test_user(
            self.env,
            login="jjensen",
            name="Jens Same Mailbox",
            email="jens.jensen@example.com",
            groups="base.group_portal",
        )
        exc = self._assert_refused(UserError, "Jens Same Mailbox")
        self.assertIn("same email", str(exc))

    def test_already_synced_refused(self):
        self.contact.with_user(self.user_sales_manager).crm_sync_user()
        exc = self._assert_refused(UserError, "is already synced with the user")
        self.assertIn("Jens Jensen", str(exc))

    def test_user_on_contact_refused_then_linked(self):
        """The contact already has a user (e.g. from the portal wizard)."""
        own = new_test_user(
            self.env,
            login="jens-portal",
            partner_id=self.contact.id,
            groups="base.group_portal",
        )
        exc = self._assert_refused(UserError, "cannot get a new user")
        self.assertIn("already this contact's user", str(exc))
        ids = self.contact.with_user(self.user_sales_manager).crm_sync_user(
            existing_user_id=own.id
        )
        self.assertEqual(ids, own.ids)
        self.assertEqual(self.contact.crm_sync_user_id, own)

    def test_batch(self):
        other = self.env["res.partner"].create(
            {"name": "Karen Jensen", "email": "karen@example.com"}
        )
        partners = self.contact | other
        ids = partners.with_user(self.user_sales_manager).crm_sync_user()
        self.assertEqual(ids, partners.crm_sync_user_id.ids)
        self.assertEqual(partners.crm_sync_user_id.partner_id, partners)

    def test_batch_same_email_refused(self):
        twin = self.env["res.partner"].create(
            {"name": "Jens J.", "email": "jens.jensen@EXAMPLE.com"}
        )
        before = self._db_state(twin)
        with self.assertRaisesRegex(UserError, "Several of the selected contacts"):
            (self.contact | twin).with_user(self.user_sales_manager).crm_sync_user()
        self.assertEqual(self._db_state(twin), before)
        self.assertFalse(self.contact.crm_sync_user_id)

    # Link to an existing user ------------------------------------------

    def test_link_existing_user(self):
        other = new_test_user(
            self.env,
            login="jens.jensen@example.com",
            name="Jens Other",
            groups="base.group_portal",
        )
        users_before = self.env["res.users"].with_context(active_test=False)
        users_before = users_before.search_count([])
        ids = self.contact.with_user(self.user_admin_settings).crm_sync_user(
            existing_user_id=other.id
        )
        self.assertEqual(ids, other.ids)
        self.assertEqual(self.contact.crm_sync_user_id, other)
        self.assertNotEqual(other.partner_id, self.contact, "linking moves nothing")
        self.assertEqual(
            self.env["res.users"].with_context(active_test=False).search_count([]),
            users_before,
        )
        self.assertIn("existing user", self.contact.message_ids[:1].body)
        # the same user cannot be synced with a second contact
        twin = self.env["res.partner"].create(
            {"name": "Jens Twin", "email": "jens.jensen@example.com"}
        )
        with self.assertRaisesRegex(UserError, "already synced with .*Jens Jensen"):
            twin.with_user(self.user_admin_settings).crm_sync_user(
                existing_user_id=other.id
            )

    def test_link_archived_user(self):
        other = new_test_user(
            self.env,
            login="jens.jensen@example.com",
            name="Jens Archived",
            groups="base.group_portal",
        )
        other.active = False
        self.contact.with_user(self.user_admin_settings).crm_sync_user(
            existing_user_id=other.id
        )
        self.assertEqual(self.contact.crm_sync_user_id, other)
        self.assertFalse(other.active, "linking grants nothing")
        self.assertIn("archived", self.contact.message_ids[:1].body)

    def test_link_non_matching_user_refused(self):
        self._assert_refused(
            UserError, "does not match", existing_user_id=self.user_portal.id
        )

    def test_link_options_refused(self):
        other = new_test_user(
            self.env, login="jens.jensen@example.com", groups="base.group_portal"
        )
        self._assert_refused(
            UserError,
            "apply to a new user only",
            existing_user_id=other.id,
            send_invitation=True,
        )

    # Invariants --------------------------------------------------------

    def test_one_user_per_synced_contact(self):
        self.contact.with_user(self.user_sales_manager).crm_sync_user()
        with self.assertRaisesRegex(ValidationError, "cannot have another user"):
            new_test_user(
                self.env,
                login="jens-second",
                partner_id=self.contact.id,
                groups="base.group_portal",
            )
        archived = new_test_user(
            self.env, login="jens-elsewhere", groups="base.group_portal"
        )
        archived.active = False
        with self.assertRaisesRegex(ValidationError, "cannot have another user"):
            archived.partner_id = self.contact

    def test_company_cannot_be_synced(self):
        self.contact.with_user(self.user_sales_manager).crm_sync_user()
        with self.assertRaisesRegex(ValidationError, "only a person"):
            self.contact.is_company = True

    # Invitation --------------------------------------------------------

    def test_invitation_portal_user(self):
        user_ids = self.contact.with_user(self.user_sales_manager).crm_sync_user(
            send_invitation=True
        )
        user = self.env["res.users"].browse(user_ids)
        mail = self.env["mail.mail"].search([("email_to", "ilike", user.login)])
        self.assertEqual(len(mail), 1, "one invitation queued")
        self.assertEqual(mail.state, "outgoing", "queued, sent by the mail cron")
        self.assertIn(user.company_id.name, mail.subject)
        self.assertIn("/web/signup", mail.body_html)
        self.assertEqual(self.contact.signup_type, "signup")
        self.assertIn("Invitation email queued", self.contact.message_ids[:1].body)

    def test_invitation_internal_user(self):
        user_ids = self.contact.with_user(self.user_admin_settings).crm_sync_user(
            internal=True, send_invitation=True
        )
        user = self.env["res.users"].browse(user_ids)
        mail = self.env["mail.mail"].search([("email_to", "ilike", user.login)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn("invites you", mail.subject)

    # Wizard (the confirmation window) ----------------------------------

    def _wizard_form(self, partner, user):
        action = partner.with_user(user).action_crm_sync_user()
        self.assertEqual(action["res_model"], "res.partner.user.sync")
        return Form(
            self.env["res.partner.user.sync"]
            .with_user(user)
            .with_context(**action["context"])
        )

    def test_wizard_create(self):
        form = self._wizard_form(self.contact, self.user_sales_manager)
        self.assertEqual(form.login, "jens.jensen@example.com")
        self.assertEqual(form.email_state, "ok")
        self.assertTrue(form.can_create)
        self.assertEqual(form.resolution, "create")
        self.assertEqual(form.user_type, "portal", "a portal user by default")
        form.send_invitation = False
        wizard = form.save()
        wizard.action_confirm()
        self.assertTrue(self.contact.crm_sync_user_id._is_portal())

    def test_wizard_internal_as_user_admin(self):
        form = self._wizard_form(self.contact, self.user_admin_settings)
        form.user_type = "internal"
        form.send_invitation = False
        form.save().action_confirm()
        self._assert_plain_internal_user(self.contact.crm_sync_user_id)

    def test_wizard_as_salesman_refused(self):
        """The server checks, whatever the window shows."""
        with self.assertRaises(AccessError):
            self.env["res.partner.user.sync"].with_user(self.user_salesman).create(
                {"partner_id": self.contact.id, "user_type": "internal"}
            )
        with self.assertRaisesRegex(AccessError, "Only CRM Sync managers"):
            self.contact.with_user(self.user_salesman).crm_sync_user(internal=True)
        self.assertFalse(self.contact.crm_sync_user_id)

    def test_wizard_link(self):
        other = new_test_user(
            self.env,
            login="jens.jensen@example.com",
            name="Jens Other",
            groups="base.group_portal",
        )
        form = self._wizard_form(self.contact, self.user_admin_settings)
        self.assertEqual(form.email_state, "exist")
        self.assertFalse(form.can_create)
        self.assertEqual(form.resolution, "link")
        self.assertEqual(form.existing_user_id, other)
        self.assertIn("Jens Other", form.match_summary)
        self.assertIn("same login", form.match_summary)
        form.save().action_confirm()
        self.assertEqual(self.contact.crm_sync_user_id, other)

    def test_wizard_create_while_login_clashes_refused(self):
        new_test_user(
            self.env, login="jens.jensen@example.com", groups="base.group_portal"
        )
        wizard = (
            self.env["res.partner.user.sync"]
            .with_user(self.user_sales_manager)
            .create({"partner_id": self.contact.id, "resolution": "create"})
        )
        with self.assertRaisesRegex(UserError, "cannot get a new user"):
            wizard.action_confirm()
        self.assertFalse(self.contact.crm_sync_user_id)

    def test_wizard_salesman_refused(self):
        with self.assertRaises(AccessError):
            self.env["res.partner.user.sync"].with_user(self.user_salesman).create(
                {"partner_id": self.contact.id}
            )

    def test_buttons(self):
        """Sync User only for managers, on unsynced people; the smart button after."""
        Partner = self.env["res.partner"]
        arch = Partner.with_user(self.user_salesman).get_view(view_type="form")["arch"]
        self.assertNotIn('name="action_crm_sync_user"', arch)
        arch = Partner.with_user(self.user_sales_manager).get_view(view_type="form")[
            "arch"
        ]
        self.assertIn('name="action_crm_sync_user"', arch)
        self.assertIn('name="action_crm_sync_user_open"', arch)
        self.contact.with_user(self.user_sales_manager).crm_sync_user()
        action = self.contact.with_user(
            self.user_sales_manager
        ).action_crm_sync_user_open()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("res.users", self.contact.crm_sync_user_id.id),
        )


@tagged("post_install", "-at_install", "crm_sync", "sync_user")
class TestSyncUserConcurrency(CrmSyncCommon):
    """Two transactions syncing the same contact end with exactly one user."""

    def _cursor(self):
        cr = db_connect(self.env.cr.dbname).cursor()
        # never hang the suite on a lock held by the test transaction
        cr.execute("SET lock_timeout = '20s'")
        return cr

    def _env(self, cr, uid):
        return api.Environment(cr, uid, dict(DISABLED_MAIL_CONTEXT))

    def test_concurrent_sync_one_user(self):
        login = "connie.current.crm-sync@example.com"
        manager_id = self.env.ref("base.user_admin").id  # a committed CRM Sync manager
        with closing(self._cursor()) as cr:
            partner_id = (
                self._env(cr, manager_id)["res.partner"]
                .create({"name": "Connie Current", "email": login})
                .id
            )
            # Both transactions below must see the contact: it has to be committed
            # (and is deleted again in the finally clause).
            cr.commit()  # pylint: disable=invalid-commit
        try:
            cr1, cr2 = self._cursor(), self._cursor()
            try:
                env1, env2 = self._env(cr1, manager_id), self._env(cr2, manager_id)
                # both transactions have started before either syncs
                env2["res.partner"].browse(partner_id).read(["email"])
                user_ids = env1["res.partner"].browse(partner_id).crm_sync_user()
                with self.assertRaisesRegex(UserError, "being synced by someone else"):
                    env2["res.partner"].browse(partner_id).crm_sync_user()
                # the first sync wins; the second transaction is abandoned
                cr1.commit()  # pylint: disable=invalid-commit
                cr2.rollback()
            finally:
                cr1.close()
                cr2.close()
            # a later attempt sees the committed link
            with closing(self._cursor()) as cr3:
                env3 = self._env(cr3, manager_id)
                with self.assertRaisesRegex(UserError, "already synced"):
                    env3["res.partner"].browse(partner_id).crm_sync_user()
                users = (
                    env3["res.users"]
                    .with_context(active_test=False)
                    .search(
                        ["|", ("partner_id", "=", partner_id), ("login", "=", login)]
                    )
                )
                self.assertEqual(users.ids, user_ids, "exactly one user")
                self.assertEqual(
                    env3["res.partner"].browse(partner_id).crm_sync_user_id.ids,
                    user_ids,
                )
                cr3.rollback()
        finally:
            with closing(self._cursor()) as cr:
                env = self._env(cr, 1)
                env["res.users"].with_context(active_test=False).search(
                    [("login", "=", login)]
                ).unlink()
                env["res.partner"].with_context(active_test=False).browse(
                    partner_id
                ).unlink()
                # Remove what this test committed outside the test transaction.
                cr.commit()  # pylint: disable=invalid-commit


@tagged("post_install", "-at_install", "crm_sync", "sync_user")
class TestSyncUserHttp(CrmSyncHttpCommon, SyncUserMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_contacts()

    def test_rpc_manager_creates_portal_user(self):
        user_ids = self.rpc(
            self.user_sales_manager, "res.partner", "crm_sync_user", [self.contact.id]
        )
        self.assertIsInstance(user_ids, list)
        user = self.env["res.users"].browse(user_ids)
        self.assertEqual(user.partner_id, self.contact)
        self.assertEqual(self.contact.crm_sync_user_id, user)
        self.assertTrue(user._is_portal())

    def test_rpc_refusals_change_nothing(self):
        before = self._db_state()
        cases = [
            (self.user_salesman, {}, "Only CRM Sync managers"),
            (self.user_salesman, {"internal": True}, "Only CRM Sync managers"),
            (
                self.user_sales_manager,
                {"existing_user_id": self.user_portal.id},
                "does not match",
            ),
        ]
        for user, kwargs, message in cases:
            with (
                self.subTest(user=user.login, **kwargs),
                mute_logger("odoo.http"),
                self.assertRaises(xmlrpc.client.Fault) as caught,
            ):
                self.rpc(
                    user, "res.partner", "crm_sync_user", [self.contact.id], **kwargs
                )
            self.assertIn(message, caught.exception.faultString)
            self.assertEqual(self._db_state(), before)

    def test_rpc_internal_and_invitation(self):
        user_ids = self.rpc(
            self.user_admin_settings,
            "res.partner",
            "crm_sync_user",
            [self.contact.id],
            internal=True,
            send_invitation=True,
        )
        user = self.env["res.users"].browse(user_ids)
        self.assertTrue(user._is_internal())
        self.assertTrue(
            self.env["mail.mail"].search([("email_to", "ilike", user.login)])
        )

    def test_rpc_link_existing_user(self):
        other = new_test_user(
            self.env,
            login="jens.jensen@example.com",
            name="Jens Other",
            groups="base.group_portal",
        )
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault) as caught:
            self.rpc(
                self.user_sales_manager,
                "res.partner",
                "crm_sync_user",
                [self.contact.id],
            )
        self.assertIn("Jens Other", caught.exception.faultString)
        # the user's partner is not the contact: user administrators only
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault) as caught:
            self.rpc(
                self.user_sales_manager,
                "res.partner",
                "crm_sync_user",
                [self.contact.id],
                existing_user_id=other.id,
            )
        self.assertIn("Access Rights", caught.exception.faultString)
        user_ids = self.rpc(
            self.user_admin_settings,
            "res.partner",
            "crm_sync_user",
            [self.contact.id],
            existing_user_id=other.id,
        )
        self.assertEqual(user_ids, other.ids)
        self.assertEqual(self.contact.crm_sync_user_id, other)

    def test_tour_sync_user(self):
        contact = self.env["res.partner"].create(
            {"name": "Tina Tour", "email": "tina.tour@example.com"}
        )
        self.start_tour(
            f"/odoo/contacts/{contact.id}",
            "crm_sync_user_tour",
            login=self.user_sales_manager.login,
        )
        user = contact.crm_sync_user_id
        self.assertTrue(user)
        self.assertEqual(user.partner_id, contact)
        self.assertEqual(user.login, "tina.tour@example.com")
        self.assertTrue(user._is_portal())
        # the window's default: the invitation is queued
        self.assertTrue(
            self.env["mail.mail"].search([("email_to", "ilike", user.login)])
        )
