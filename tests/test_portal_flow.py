# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""/my/account keeps Odoo's flow when customers' updates are reviewed.

After saving their details the customer lands where Odoo sends them (the
portal home, or the page asked for with ``redirect``), and is told there which
changes await review; the details page says so too.
"""

from odoo.tests import tagged

from odoo.addons.base.tests.common import HttpCaseWithUserPortal

from .common import CrmSyncHttpCommon

NOTICE = "your changes await review"


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestPortalFlow(CrmSyncHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.denmark = cls.env.ref("base.dk")
        cls.user_portal.partner_id.write(
            {
                "phone": "+45 70 10 20 30",
                "street": "Strandvejen 1",
                "city": "Aarhus",
                "zip": "8000",
                "country_id": cls.denmark.id,
            }
        )

    def test_save_lands_on_the_portal_home_with_the_notice(self):
        partner = self.user_portal.partner_id
        response = self._portal_post(city="Odense")
        self.assertEqual(response.status_code, 200)
        # Odoo's redirect, not crm_sync's.
        self.assertTrue(response.url.endswith("/my/home"), response.url)
        self.assertIn(NOTICE, response.text)
        self.assertIn("Odense", response.text)
        partner.invalidate_recordset()
        self.assertEqual(partner.city, "Aarhus", "nothing written before review")
        # The details page shows the details on file, and says why.
        details = self.url_open("/my/account")
        self.assertIn(NOTICE, details.text)
        self.assertIn('value="Aarhus"', details.text)
        # Once reviewed, the notice goes.
        partner.crm_sync_resolve("keep_all")
        self.assertNotIn(NOTICE, self.url_open("/my/home").text)

    def test_save_follows_the_redirect_asked_for(self):
        response = self._portal_post(
            path="/my/account?redirect=/my/security", city="Odense"
        )
        self.assertTrue(response.url.endswith("/my/security"), response.url)

    def test_no_notice_when_nothing_awaits_review(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_sync.review_portal_updates", "False"
        )
        response = self._portal_post(city="Odense")
        self.assertTrue(response.url.endswith("/my/home"), response.url)
        self.assertNotIn(NOTICE, response.text)
        self.user_portal.partner_id.invalidate_recordset()
        self.assertEqual(self.user_portal.partner_id.city, "Odense")


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestPortalOdooTour(HttpCaseWithUserPortal):
    """Odoo's own portal tour (portal/tests/test_tours.py) with reviews on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_portal.write(
            {
                "city": "Bayonne",
                "company_name": "YourCompany",
                "country_id": cls.env.ref("base.us").id,
                "phone": "(683)-556-5104",
                "street": "858 Lynn Street",
                "zip": "07002",
            }
        )

    def test_odoo_portal_tour_with_review(self):
        self.assertTrue(self.env["crm.sync.proposal"]._review_portal_updates())
        # Saves a new phone and expects to be back on the portal home.
        self.start_tour("/", "portal_load_homepage", login="portal")
        self.partner_portal.invalidate_recordset()
        self.assertEqual(self.partner_portal.phone, "(683)-556-5104")
        proposal = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", self.partner_portal.id), ("state", "=", "pending")]
        )
        self.assertEqual(proposal.field_name, "phone")
