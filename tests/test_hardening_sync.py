# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 9, sections 4 and 7: Sync User needs user-administration rights for
internal users and foreign users, and the Sync Company / Sync User links cannot
be written directly (squatted or cleared), over XML-RPC as the low-privilege
users."""

from odoo.tests import new_test_user, tagged

from .common import CrmSyncHttpCommon


@tagged("post_install", "-at_install", "crm_sync", "sync_user", "hardening")
class TestHardeningSyncHttp(CrmSyncHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A salesman who may edit contacts (Contact Creation): the squatter.
        cls._crm_sync_add_groups(cls.user_salesman, "base.group_partner_manager")
        cls._crm_sync_add_groups(cls.user_sales_manager, "base.group_partner_manager")
        Partner = cls.env["res.partner"]
        cls.account = Partner.create({"name": "Squat Holding A/S", "is_company": True})
        cls.contact = Partner.create(
            {
                "name": "Karen Kunde",
                "email": "karen.kunde@example.com",
                "parent_id": cls.account.id,
            }
        )

    # -- section 4: internal users need user-administration rights -----------

    def test_sales_manager_cannot_create_internal_user(self):
        Users = self.env["res.users"].with_context(active_test=False)
        users_before = Users.search_count([])
        self.assertRpcFault(
            self.user_sales_manager,
            "res.partner",
            "crm_sync_user",
            [self.contact.id],
            internal=True,
            send_invitation=True,
            kinds=("AccessError",),
            match="Access Rights",
        )
        self.assertEqual(Users.search_count([]), users_before)
        self.assertFalse(self.contact.crm_sync_user_id)
        self.assertFalse(
            self.env["mail.mail"].search([("email_to", "ilike", "karen.kunde")])
        )

    def test_sales_manager_still_creates_portal_user(self):
        ids = self.rpc(
            self.user_sales_manager, "res.partner", "crm_sync_user", [self.contact.id]
        )
        user = self.env["res.users"].browse(ids)
        self.assertTrue(user._is_portal())
        self.assertEqual(self.contact.crm_sync_user_id, user)

    def test_user_administrator_creates_internal_user(self):
        admin = new_test_user(
            self.env,
            login="crm_sync_access_rights",
            name="Rita Rights",
            email="rita.rights@example.com",
            groups="base.group_erp_manager,sales_team.group_sale_manager",
        )
        ids = self.rpc(
            admin, "res.partner", "crm_sync_user", [self.contact.id], internal=True
        )
        self.assertTrue(self.env["res.users"].browse(ids)._is_internal())

    def test_link_foreign_user_needs_user_administration(self):
        """A user whose partner is another contact (here: an employee with the
        contact's e-mail) is linked only by a user administrator."""
        employee = new_test_user(
            self.env,
            login="karen.kunde@example.com",
            name="Karen Employee",
            email="karen.kunde@example.com",
            groups="base.group_user",
        )
        self.assertRpcFault(
            self.user_sales_manager,
            "res.partner",
            "crm_sync_user",
            [self.contact.id],
            existing_user_id=employee.id,
            kinds=("AccessError",),
        )
        self.assertFalse(self.contact.crm_sync_user_id)
        self.rpc(
            self.user_admin_settings,
            "res.partner",
            "crm_sync_user",
            [self.contact.id],
            existing_user_id=employee.id,
        )
        self.assertEqual(self.contact.crm_sync_user_id, employee)

    def test_link_own_user_as_sales_manager(self):
        """The contact's own user (its partner is the contact) stays linkable."""
        own = self.env["res.users"].create(
            {
                "login": "karen.own@example.com",
                "partner_id": self.contact.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.rpc(
            self.user_sales_manager,
            "res.partner",
            "crm_sync_user",
            [self.contact.id],
            existing_user_id=own.id,
        )
        self.assertEqual(self.contact.crm_sync_user_id, own)

    # -- section 7: links cannot be squatted ----------------------------------

    def test_company_link_cannot_be_written(self):
        company = self.env["res.company"].create({"name": "Squat Target Company"})
        other = self.env["res.partner"].create(
            {"name": "Real Account", "is_company": True}
        )
        for user in (self.user_salesman, self.user_sales_manager):
            with self.subTest(user=user.login):
                self.assertRpcFault(
                    user,
                    "res.partner",
                    "write",
                    [self.account.id],
                    {"crm_sync_company_id": company.id},
                    kinds=("AccessError",),
                )
                self.assertRpcFault(
                    user,
                    "res.partner",
                    "create",
                    {
                        "name": "Squatter",
                        "is_company": True,
                        "crm_sync_company_id": company.id,
                    },
                    kinds=("AccessError",),
                )
        self.assertFalse(self.account.crm_sync_company_id)
        # the real Sync Company still links the company
        self.rpc(
            self.user_admin_settings,
            "res.partner",
            "crm_sync_company",
            [other.id],
            existing_company_id=company.id,
        )
        self.assertEqual(other.crm_sync_company_id, company)
        # and nobody but an administrator clears the link
        for user in (self.user_salesman, self.user_sales_manager):
            with self.subTest(user=user.login, clear=True):
                self.assertRpcFault(
                    user,
                    "res.partner",
                    "write",
                    [other.id],
                    {"crm_sync_company_id": False},
                    kinds=("AccessError",),
                )
        self.assertEqual(other.crm_sync_company_id, company)
        self.rpc(
            self.user_admin_settings,
            "res.partner",
            "write",
            [other.id],
            {"crm_sync_company_id": False},
        )
        self.assertFalse(other.crm_sync_company_id)

    def test_user_link_cannot_be_written(self):
        portal = new_test_user(
            self.env,
            login="karen.portal@example.com",
            name="Karen Portal",
            groups="base.group_portal",
        )
        for user in (self.user_salesman, self.user_sales_manager):
            with self.subTest(user=user.login):
                self.assertRpcFault(
                    user,
                    "res.partner",
                    "write",
                    [self.contact.id],
                    {"crm_sync_user_id": portal.id},
                    kinds=("AccessError",),
                )
        self.assertFalse(self.contact.crm_sync_user_id)
        # Sync User links, then nobody but an administrator clears the link
        ids = self.rpc(
            self.user_sales_manager, "res.partner", "crm_sync_user", [self.contact.id]
        )
        for user in (self.user_salesman, self.user_sales_manager):
            with self.subTest(user=user.login, clear=True):
                self.assertRpcFault(
                    user,
                    "res.partner",
                    "write",
                    [self.contact.id],
                    {"crm_sync_user_id": False},
                    kinds=("AccessError",),
                )
        self.assertEqual(self.contact.crm_sync_user_id.id, ids[0])
        self.rpc(
            self.user_admin_settings,
            "res.partner",
            "write",
            [self.contact.id],
            {"crm_sync_user_id": False},
        )
        self.assertFalse(self.contact.crm_sync_user_id)

    def test_other_partner_writes_unaffected(self):
        """Writing other fields (or the same link value) is not refused."""
        self.rpc(
            self.user_salesman,
            "res.partner",
            "write",
            [self.contact.id],
            {"phone": "+45 11 22 33 44", "crm_sync_user_id": False},
        )
        self.assertEqual(self.contact.phone, "+45 11 22 33 44")
