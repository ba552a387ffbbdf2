# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 9, section 9: bad input over XML-RPC is a clear error (UserError,
ValidationError, AccessError), never a crash with a traceback."""

import xmlrpc.client

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.sql import index_exists, make_index_name

from .common import CrmSyncHttpCommon, DesyncMixin, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "hardening")
class TestBadInputHttp(CrmSyncHttpCommon, LeadConvertMixin, DesyncMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup_team()
        cls.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", False)
        cls._desync_setup_account("Bad Input A/S")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Bo Badinput", "email": "bo.badinput@example.com"}
        )

    def _lead(self, **values):
        return self._create_lead(
            name="Bad input lead",
            partner_name="Bad Input Customer",
            contact_name="Bea Input",
            email_from="bea@badinput.example",
            **values,
        )

    # -- crm_sync_convert -------------------------------------------------------

    def test_convert_options_not_a_dict(self):
        lead = self._lead()
        for options in ("new", [1, 2], 42):
            with self.subTest(options=options):
                self.assertRpcFault(
                    self.user_salesman,
                    "crm.lead",
                    "crm_sync_convert",
                    [lead.id],
                    options,
                )
        self.assertFalse(lead.crm_sync_converted)

    def test_convert_owner_not_an_id(self):
        lead = self._lead()
        for owner in ("abc", [1], {"id": 1}, 1.5):
            with self.subTest(owner=owner):
                self.assertRpcFault(
                    self.user_salesman,
                    "crm.lead",
                    "crm_sync_convert",
                    [lead.id],
                    {"owner_id": owner},
                )

    def test_convert_deal_name_not_a_string(self):
        lead = self._lead()
        for deal_values in ({"name": 42}, {"name": ["a"]}, "not a dict"):
            with self.subTest(deal_values=deal_values):
                self.assertRpcFault(
                    self.user_salesman,
                    "crm.lead",
                    "crm_sync_convert",
                    [lead.id],
                    {"create_deal": True, "deal_values": deal_values},
                )
        self.assertFalse(lead.crm_sync_converted)

    # -- Sync User, Sync Company -----------------------------------------------

    def test_sync_user_existing_user_not_an_id(self):
        for value in ("abc", [1], 1.5):
            with self.subTest(existing_user_id=value):
                self.assertRpcFault(
                    self.user_sales_manager,
                    "res.partner",
                    "crm_sync_user",
                    [self.contact.id],
                    existing_user_id=value,
                )
        self.assertFalse(self.contact.crm_sync_user_id)

    def test_sync_company_name_not_a_string(self):
        for kwargs in (
            {"company_name": 42},
            {"company_name": ["x"]},
            {"existing_company_id": "abc"},
        ):
            with self.subTest(**kwargs):
                self.assertRpcFault(
                    self.user_admin_settings,
                    "res.partner",
                    "crm_sync_company",
                    [self.partner.id],
                    **kwargs,
                )
        self.assertFalse(self.partner.crm_sync_company_id)

    def test_sync_user_manager_without_email(self):
        """Sync User's chatter note does not need the author's e-mail address."""
        self.user_sales_manager.partner_id.email = False
        ids = self.rpc(
            self.user_sales_manager, "res.partner", "crm_sync_user", [self.contact.id]
        )
        self.assertEqual(self.contact.crm_sync_user_id.id, ids[0])
        self.assertIn("created by Sync User", self.contact.message_ids[:1].body)

    def test_sync_company_admin_without_email(self):
        self.user_admin_settings.partner_id.email = False
        self.rpc(
            self.user_admin_settings,
            "res.partner",
            "crm_sync_company",
            [self.partner.id],
        )
        self.assertTrue(self.partner.crm_sync_company_id)

    # -- Desync (owned elsewhere: the tests say whether it holds) ---------------

    def test_resolve_with_a_list(self):
        self.rpc(
            self.user_sales_manager,
            "res.partner",
            "crm_sync_propose",
            [self.partner.id],
            {"city": "Odense"},
            "e-conomic",
        )
        for decisions in (["accept_all"], [["city", "accept"]], {"city": ["x"]}):
            with self.subTest(decisions=decisions):
                self.assertRpcFault(
                    self.user_sales_manager,
                    "res.partner",
                    "crm_sync_resolve",
                    [self.partner.id],
                    decisions,
                )

    def test_propose_integer_overflow(self):
        """XML-RPC carries 64-bit integers as <i8>; the proposal's column is int4."""
        body = xmlrpc.client.dumps(
            (
                self.env.cr.dbname,
                self.user_sales_manager.id,
                self.user_sales_manager.login,
                "res.partner",
                "crm_sync_propose",
                [[self.partner.id], {"color": 1234567}, "e-conomic"],
                {},
            ),
            "execute_kw",
        ).replace("<int>1234567</int>", f"<i8>{2**40}</i8>")
        with mute_logger("odoo.http", "odoo.sql_db"):
            response = self.url_open(
                "/xmlrpc/2/object",
                data=body.encode(),
                headers={"Content-Type": "text/xml"},
            )
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            xmlrpc.client.loads(response.content)
        self.assertRpcFaultKind(caught.exception, match="not a valid value")
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )

    # -- mass conversion parameter ----------------------------------------------

    def test_mass_convert_bad_size_parameter_refused(self):
        """A bad value of the mass conversion size parameter is refused when an
        administrator stores it (it would break every mass conversion)."""
        for value in ("abc", "-5", "1e9", ""):
            with self.subTest(value=value):
                self.assertRpcFault(
                    self.user_admin_settings,
                    "ir.config_parameter",
                    "set_param",
                    "crm_sync.mass_convert_sync_limit",
                    value,
                )
        self.rpc(
            self.user_admin_settings,
            "ir.config_parameter",
            "set_param",
            "crm_sync.mass_convert_sync_limit",
            " 50 ",
        )
        lead = self._lead()
        job_id = self.rpc(
            self.user_salesman,
            "crm.lead",
            "crm_sync_mass_convert",
            [("id", "=", lead.id)],
        )
        self.assertTrue(job_id)

    # -- long values on any partner write -----------------------------------------

    def test_long_phone_and_website(self):
        self._crm_sync_add_groups(self.user_salesman, "base.group_partner_manager")
        long_values = {
            "phone": "1" * 5000,
            "mobile": "+45 " + "2" * 5000,
            "website": "https://" + "w" * 3000 + ".example",
            "vat": "X" * 4000,
        }
        self.rpc(
            self.user_salesman, "res.partner", "write", [self.contact.id], long_values
        )
        self.rpc(
            self.user_salesman,
            "res.partner",
            "create",
            {
                "name": "Long Values",
                "email": "a" * 3000 + "@example.com",
                **long_values,
            },
        )
        self.env.invalidate_all()
        self.assertEqual(self.contact.phone, "1" * 5000)
        self.assertLessEqual(len(self.contact.crm_sync_phone_key), 200)
        self.assertFalse(self.contact.crm_sync_website_key, "not a domain")

    # -- custom unique fields ----------------------------------------------------

    def test_company_dependent_unique_field_refused(self):
        barcode = self.env["ir.model.fields"]._get("res.partner", "barcode")
        self.assertRpcFault(
            self.user_sales_manager,
            "crm.sync.unique.field",
            "create",
            {"usage": "contact", "field_id": barcode.id},
            match="company",
        )
        self.assertFalse(
            self.env["crm.sync.unique.field"].search([("field_id", "=", barcode.id)])
        )

    def test_unique_field_index_not_built_in_the_request(self):
        """The index of a custom unique field is built by a job, concurrently,
        not by the request that adds the field (which would lock res_partner
        for writes for the length of the build)."""
        self.env["ir.model.fields"].create(
            {
                "model_id": self.env.ref("base.model_res_partner").id,
                "name": "x_member_no",
                "field_description": "Member number",
                "ttype": "char",
            }
        )
        field = self.env["ir.model.fields"]._get("res.partner", "x_member_no")
        cron = self.env.ref("crm_sync.crm_sync_unique_field_index_cron")
        triggers_before = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", cron.id)]
        )
        self.rpc(
            self.user_sales_manager,
            "crm.sync.unique.field",
            "create",
            {"usage": "contact", "field_id": field.id},
        )
        index_name = make_index_name("res_partner", "crm_sync_x_member_no_key")
        self.assertFalse(
            index_exists(self.env.cr, index_name), "no index build in the request"
        )
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers_before,
            "the index job is triggered",
        )
        # the job builds it
        self.env["crm.sync.unique.field"]._cron_crm_sync_build_indexes()
        self.assertTrue(index_exists(self.env.cr, index_name))
