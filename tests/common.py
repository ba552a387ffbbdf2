"""Shared fixtures for the crm_sync tests.

``CrmSyncCommon`` gives every test class the same cast of users:

- ``user_salesman``: a plain salesman (Sales / User: Own Documents Only),
  hence a CRM Sync User;
- ``user_sales_manager``: a sales manager, hence a CRM Sync Manager (and
  "Convert leads");
- ``user_admin_settings``: a Settings administrator (may create companies and
  internal users);
- ``user_portal``: a portal user.

Passwords equal logins, so XML-RPC tests can authenticate as any of them
(see ``CrmSyncRpcMixin.rpc``).
"""

from odoo import Command
from odoo.tests import HttpCase, new_test_user

from odoo.addons.base.tests.common import BaseCommon


class CrmSyncUsersMixin:
    @classmethod
    def _crm_sync_setup_users(cls):
        cls.company = cls.env.company
        cls.user_salesman = new_test_user(
            cls.env,
            login="crm_sync_salesman",
            name="Sally Salesman",
            email="sally.salesman@example.com",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="crm_sync_manager",
            name="Manfred Manager",
            email="manfred.manager@example.com",
            groups="sales_team.group_sale_manager",
        )
        cls.user_admin_settings = new_test_user(
            cls.env,
            login="crm_sync_admin",
            name="Ada Admin",
            email="ada.admin@example.com",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        cls.user_portal = new_test_user(
            cls.env,
            login="crm_sync_portal",
            name="Paula Portal",
            email="paula.portal@example.com",
            groups="base.group_portal",
        )

    @classmethod
    def _crm_sync_add_groups(cls, user, *xmlids):
        user.write({"groups_id": [Command.link(cls.env.ref(x).id) for x in xmlids]})


class CrmSyncCommon(BaseCommon, CrmSyncUsersMixin):
    """TransactionCase base: mail side effects off, the users above."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._crm_sync_setup_users()


class CrmSyncRpcMixin:
    """Call model methods through real XML-RPC against the test server (HttpCase)."""

    def rpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )


class CrmSyncHttpCommon(HttpCase, CrmSyncUsersMixin, CrmSyncRpcMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._crm_sync_setup_users()
