# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from odoo.addons.portal.controllers.portal import CustomerPortal

from .common import CrmSyncHttpCommon, DesyncMixin


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestDesyncHttp(CrmSyncHttpCommon, DesyncMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._desync_setup_account("Desync Tour Co")
        cls.user_portal.partner_id.write(
            {
                "phone": "+45 70 10 20 30",
                "street": "Strandvejen 1",
                "city": "Aarhus",
                "zip": "8000",
                "country_id": cls.denmark.id,
            }
        )

    def test_portal_updates_become_proposals(self):
        partner = self.user_portal.partner_id
        response = self._portal_post(city="Odense", phone="+45 70 10 20 31")
        self.assertEqual(response.status_code, 200)
        # Odoo's own flow: back to the portal home, which says what awaits review.
        self.assertTrue(response.url.endswith("/my/home"), response.url)
        self.assertIn("your changes await review", response.text)
        self.assertIn("Odense", response.text)
        partner.invalidate_recordset()
        # Nothing written: the CRM keeps its data, the form shows it.
        self.assertEqual(partner.city, "Aarhus")
        self.assertEqual(partner.phone, "+45 70 10 20 30")
        details = self.url_open("/my/account")
        self.assertIn('value="Aarhus"', details.text)
        self.assertIn("your changes await review", details.text)
        proposals = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", partner.id)]
        )
        self.assertEqual(set(proposals.mapped("field_name")), {"city", "phone"})
        self.assertEqual(set(proposals.mapped("source_model")), {"res.users"})
        self.assertEqual(set(proposals.mapped("source_res_id")), {self.user_portal.id})
        self.assertIn("Customer portal", proposals[0].source_label)
        self.assertTrue(partner.crm_sync_desync)
        # A new submission replaces the pending proposals of the same customer.
        self._portal_post(city="Vejle")
        proposals = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", partner.id), ("state", "=", "pending")]
        )
        self.assertEqual(proposals.mapped("value_char"), ["Vejle"])
        # A salesman accepts it over XML-RPC.
        self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_resolve",
            [partner.id],
            "accept_all",
        )
        partner.invalidate_recordset()
        self.assertEqual(partner.city, "Vejle")
        self.assertFalse(partner.crm_sync_desync)

    def test_portal_other_fields_keep_the_standard_path(self):
        """Fields other modules add to /my/account (account's invoice sending
        preferences...) are written as usual; only reviewable fields wait."""
        original = CustomerPortal._get_optional_fields
        self.patch(
            CustomerPortal,
            "_get_optional_fields",
            lambda portal: [*original(portal), "function"],
        )
        partner = self.user_portal.partner_id
        self.assertNotIn("function", partner._crm_sync_portal_fields())
        response = self._portal_post(
            city="Odense", country_id=str(self.env.ref("base.se").id), function="CFO"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("your changes await review", response.text)
        partner.invalidate_recordset()
        self.assertEqual(partner.function, "CFO", "written by the standard path")
        self.assertEqual((partner.city, partner.country_id), ("Aarhus", self.denmark))
        proposals = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", partner.id)]
        )
        self.assertEqual(set(proposals.mapped("field_name")), {"city", "country_id"})
        # Only a non-reviewable change (the customer takes the CRM's city and
        # country back): written at once, nothing awaits review any more.
        response = self._portal_post(function="CEO")
        self.assertTrue(response.url.endswith("/my/home"), response.url)
        partner.invalidate_recordset()
        self.assertEqual(partner.function, "CEO")
        self.assertEqual(partner.city, "Aarhus")
        self.assertFalse(partner.crm_sync_desync)

    def test_xmlrpc_portal_user_cannot_create_proposals_directly(self):
        own = self.user_portal.partner_id
        self.assertRpcFault(
            self.user_portal,
            "crm.sync.proposal",
            "create",
            {
                "partner_id": own.id,
                "field_id": self.env["ir.model.fields"]
                ._get("res.partner", "parent_id")
                .id,
                "source_label": "Accounting",
                "value_ref_model": "res.partner",
                "value_ref_id": self.partner.id,
                "state": "pending",
            },
            kinds=("AccessError",),
            match="not allowed to create",
        )
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", own.id)])
        )

    def test_portal_updates_written_when_review_off(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_sync.review_portal_updates", "False"
        )
        partner = self.user_portal.partner_id
        response = self._portal_post(city="Odense")
        self.assertNotIn("your changes await review", response.text)
        partner.invalidate_recordset()
        self.assertEqual(partner.city, "Odense")
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", partner.id)])
        )

    def test_xmlrpc_propose_and_resolve_as_salesman(self):
        pid = self.partner.id
        ids = self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_propose",
            [pid],
            {"city": "Odense", "phone": "33 12 34 56", "street": "Harbour 2"},
            "e-conomic",
        )
        self.assertEqual(len(ids), 2, "the phone is the same once normalised")
        self.assertTrue(self.partner.crm_sync_desync)
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_resolve",
            [pid],
            {"city": "accept", "street": {"value": 42}},
            kinds=("ValidationError",),
            match="not a valid value",
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_propose",
            [pid],
            {"x_no": 1},
            "e",
            kinds=("ValidationError",),
            match="Unknown contact field",
        )
        resolved = self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_resolve",
            [pid],
            {"city": "accept", "street": {"value": "Harbour 2B"}},
        )
        self.assertEqual(sorted(resolved), sorted(ids))
        self.partner.invalidate_recordset()
        self.assertEqual(
            (self.partner.city, self.partner.street), ("Odense", "Harbour 2B")
        )
        self.assertFalse(self.partner.crm_sync_desync)
        rows = self.rpc(
            self.user_salesman,
            "crm.sync.proposal",
            "search_read",
            [("id", "in", ids)],
            fields=["state", "resolved_by_id"],
        )
        self.assertEqual({row["state"] for row in rows}, {"accepted", "replaced"})
        self.assertEqual(
            {row["resolved_by_id"][0] for row in rows}, {self.user_salesman.id}
        )

    def test_xmlrpc_portal_user_cannot_propose_on_other_partner(self):
        self.assertRpcFault(
            self.user_portal,
            "res.partner",
            "crm_sync_propose",
            [self.partner.id],
            {"city": "Lyon"},
            "portal",
            kinds=("AccessError",),
            match="from their account page",
        )
        self.assertRpcFault(
            self.user_portal,
            "crm.sync.proposal",
            "create",
            self._desync_forged_proposal_values(),
            kinds=("AccessError",),
        )
        self.assertRpcFault(
            self.user_portal,
            "res.partner",
            "crm_sync_resolve",
            [self.partner.id],
            "accept_all",
            kinds=("AccessError",),
        )
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )
        # Not even on their own partner: customers propose from /my/account only,
        # with its validation.
        self.assertRpcFault(
            self.user_portal,
            "res.partner",
            "crm_sync_propose",
            [self.user_portal.partner_id.id],
            {"city": "Lyon"},
            "portal app",
            kinds=("AccessError",),
            match="from their account page",
        )
        self.assertFalse(
            self.env["crm.sync.proposal"].search(
                [("partner_id", "=", self.user_portal.partner_id.id)]
            )
        )

    def test_desync_filter_icon_and_check_data_tour(self):
        second = self.env["res.partner"].create(
            {"name": "Second Desync Co", "is_company": True}
        )
        self.env["res.partner"].create({"name": "In Sync Tour Co", "is_company": True})
        self.partner.street = "Harbour 1"
        self.partner._crm_sync_propose(
            {"city": "Odense", "street": "Harbour 2"}, "Tour Accounting"
        )
        second._crm_sync_propose({"city": "Vejle"}, "Tour Accounting")
        self.start_tour(
            "/odoo/action-crm_sync.res_partner_desync_action",
            "crm_sync_desync_tour",
            login=self.user_salesman.login,
        )
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(self.partner.street, "Harbour 2, formerly Harbour 1")
        self.assertFalse(self.partner.crm_sync_desync)
        proposals = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", self.partner.id)]
        )
        self.assertEqual(
            {p.field_name: p.state for p in proposals},
            {"city": "accepted", "street": "replaced"},
        )
        self.assertEqual(set(proposals.resolved_by_id.ids), {self.user_salesman.id})
        self.assertTrue(second.crm_sync_desync)
