# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged
from odoo.tools.sql import index_exists

from .common import CrmSyncCommon, CrmSyncHttpCommon


@tagged("post_install", "-at_install", "crm_sync")
class TestInstall(CrmSyncCommon):
    def test_group_ladder(self):
        """Salesmen are CRM Sync users; sales managers are managers who may convert."""
        self.assertTrue(self.user_salesman.has_group("crm_sync.crm_sync_group_user"))
        self.assertFalse(
            self.user_salesman.has_group("crm_sync.crm_sync_group_manager")
        )
        self.assertFalse(
            self.user_salesman.has_group("crm_sync.crm_sync_group_convert_leads")
        )
        self.assertTrue(
            self.user_sales_manager.has_group("crm_sync.crm_sync_group_manager")
        )
        self.assertTrue(
            self.user_sales_manager.has_group("crm_sync.crm_sync_group_convert_leads")
        )
        self.assertFalse(self.user_portal.has_group("crm_sync.crm_sync_group_user"))

    def test_partner_indexes(self):
        """res.partner's init() and _auto_init() create every crm_sync index."""
        for name in (
            "res_partner_crm_sync_company_id_uniq",
            "res_partner_crm_sync_user_id_uniq",
            "res_partner_crm_sync_desync_index",
            "res_partner_crm_sync_email_normalized_hash",
        ):
            with self.subTest(index=name):
                self.assertTrue(index_exists(self.env.cr, name))
        # the btree index of earlier versions is replaced by the hash index
        self.assertFalse(
            index_exists(self.env.cr, "res_partner__email_normalized_index")
        )


@tagged("post_install", "-at_install", "crm_sync")
class TestRpc(CrmSyncHttpCommon):
    def test_rpc_as_salesman(self):
        """The XML-RPC helper reaches the test server as a plain salesman."""
        res = self.rpc(
            self.user_salesman, "res.users", "read", [self.user_salesman.id], ["login"]
        )
        self.assertEqual(res[0]["login"], "crm_sync_salesman")
