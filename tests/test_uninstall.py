# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Uninstalling gives back what crm_sync changed in the host apps.

The whole uninstall runs in ``make test-lifecycle``, which also compares the
Leads action with the one of a database where only crm is installed.
"""

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval
from odoo.tools.sql import make_index_name

from odoo.addons.crm_sync import uninstall_hook


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_uninstall")
class TestUninstall(TransactionCase):
    def test_uninstall_hook_restores_the_leads_action(self):
        action = self.env.ref("crm.crm_lead_all_leads")
        context = safe_eval(action.context)
        self.assertEqual(context.get("search_default_crm_sync_not_converted"), 1)
        uninstall_hook(self.env)
        # crm's own value (addons/crm/views/crm_lead_views.xml)
        self.assertEqual(
            safe_eval(action.context),
            {
                "default_type": "lead",
                "search_default_type": "lead",
                "search_default_to_process": 1,
            },
        )

    def _partner_indexes(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'res_partner'"
        )
        return {name for (name,) in self.env.cr.fetchall()}

    def test_uninstall_hook_drops_the_custom_key_indexes(self):
        """The match key index of a custom unique field is on a column that
        stays (here ``ref``): the hook drops it, and only crm_sync's indexes."""
        name = make_index_name("res_partner", "crm_sync_ref_key")
        self.env.cr.execute(
            SQL(
                "CREATE INDEX %s ON res_partner USING hash (lower(ref))",
                SQL.identifier(name),
            )
        )
        before = self._partner_indexes()
        self.assertIn(name, before)
        uninstall_hook(self.env)
        after = self._partner_indexes()
        self.assertNotIn(name, after)
        self.assertIn("res_partner_crm_sync_email_normalized_hash", before)
        self.assertNotIn(
            "res_partner_crm_sync_email_normalized_hash", after, "on mail's column"
        )
        self.assertEqual(
            {i for i in before - after if "crm_sync" not in i}, set(), "others kept"
        )
