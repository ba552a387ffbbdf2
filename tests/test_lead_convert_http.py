# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion over XML-RPC as a plain salesman, and the Convert window tour."""

from xmlrpc.client import Fault

from odoo.tests import tagged

from .common import CrmSyncHttpCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadConvertHttp(CrmSyncHttpCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup_team()
        cls.account = cls.env["res.partner"].create(
            {"name": "Tour Zylker", "is_company": True}
        )

    def _lead(self, **values):
        vals = {
            "name": "Tour lead",
            "type": "lead",
            "team_id": self.team.id,
            "user_id": self.user_salesman.id,
            "partner_name": "tour zylker",
            "contact_name": "Tour Person",
            "email_from": "tour.person@zylker.example",
        }
        vals.update(values)
        return self.env["crm.lead"].create(vals)

    def test_rpc_find_convert_and_revert_refused(self):
        lead = self._lead()
        dups = self.rpc(
            self.user_salesman, "crm.lead", "crm_sync_find_duplicates", [lead.id]
        )
        self.assertEqual(dups[str(lead.id)]["accounts"][0]["id"], self.account.id)
        self.assertEqual(dups[str(lead.id)]["accounts"][0]["rule"], "account_name")
        res = self.rpc(
            self.user_salesman,
            "crm.lead",
            "crm_sync_convert",
            [lead.id],
            {"create_deal": True, "deal_values": {"expected_revenue": 99.0}},
        )[str(lead.id)]
        self.assertEqual(res["account_id"], self.account.id)
        self.assertEqual(res["account_action"], "merged")
        self.assertEqual(res["contact_action"], "created")
        self.assertEqual(res["deal_id"], lead.id)
        self.assertEqual(lead.type, "opportunity")
        # no way back, whatever the path
        for vals in ({"type": "lead"}, {"crm_sync_converted": False}):
            with self.assertRaises(Fault):
                self.rpc(self.user_salesman, "crm.lead", "write", [lead.id], vals)
        with self.assertRaises(Fault):
            self.rpc(self.user_salesman, "crm.lead", "crm_sync_convert", [lead.id], {})
        lead.invalidate_recordset()
        self.assertEqual(lead.type, "opportunity")
        self.assertTrue(lead.crm_sync_converted)

    def test_rpc_ambiguous_and_permission(self):
        self.env["res.partner"].create(
            [
                {"name": "Tour Twin 1", "email": "twin@zylker.example"},
                {"name": "Tour Twin 2", "email": "twin@zylker.example"},
            ]
        )
        lead = self._lead(email_from="twin@zylker.example")
        with self.assertRaisesRegex(Fault, "several contacts match"):
            self.rpc(self.user_salesman, "crm.lead", "crm_sync_convert", [lead.id], {})
        self.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", True)
        with self.assertRaisesRegex(Fault, "Convert leads"):
            self.rpc(
                self.user_salesman,
                "crm.lead",
                "crm_sync_convert",
                [lead.id],
                {"contact": "new"},
            )
        res = self.rpc(
            self.user_sales_manager,
            "crm.lead",
            "crm_sync_convert",
            [lead.id],
            {"contact": "new"},
        )
        self.assertEqual(res[str(lead.id)]["contact_action"], "created")

    def test_rpc_mass_convert(self):
        leads = self._lead() | self._lead(
            partner_name="Other Tour Co", email_from="o@t.example"
        )
        job_id = self.rpc(
            self.user_salesman,
            "crm.lead",
            "crm_sync_mass_convert",
            [("id", "in", leads.ids)],
            {"create_deal": False},
        )
        job = self.rpc(
            self.user_salesman,
            "crm.sync.conversion.job",
            "read",
            [job_id],
            ["state", "lead_count", "converted_count", "merged_count", "line_ids"],
        )[0]
        self.assertEqual(
            (
                job["state"],
                job["lead_count"],
                job["converted_count"],
                job["merged_count"],
            ),
            ("done", 2, 1, 1),
        )
        lines = self.rpc(
            self.user_salesman,
            "crm.sync.conversion.job.line",
            "read",
            job["line_ids"],
            ["lead_id", "result", "contact_id"],
        )
        self.assertEqual(
            sorted(line["result"] for line in lines), ["converted", "merged"]
        )
        # the job is read-only for its user: the cron runs it with his rights
        admin = self.env.ref("base.user_admin")
        other = self._lead(user_id=self.user_sales_manager.id, email_from="x@t.example")
        for vals in ({"user_id": admin.id}, {"lead_ids": [(4, other.id)]}):
            with self.assertRaisesRegex(Fault, "AccessError|not allowed"):
                self.rpc(
                    self.user_salesman,
                    "crm.sync.conversion.job",
                    "write",
                    [job_id],
                    vals,
                )
        self.assertEqual(
            self.env["crm.sync.conversion.job"].browse(job_id).user_id,
            self.user_salesman,
        )

    def test_convert_window_tour(self):
        lead = self._lead()
        self.start_tour(
            f"/odoo/action-crm.crm_lead_all_leads/{lead.id}",
            "crm_sync_lead_convert_tour",
            login=self.user_salesman.login,
        )
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id.parent_id, self.account)
        self.assertEqual(lead.name, "tour zylker")
