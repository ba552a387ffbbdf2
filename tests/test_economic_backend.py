# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic backend: test connection, reference data, webhook URL, tokens
for Settings administrators only (ORM and XML-RPC), neutralisation."""

from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import Form, tagged

from .common import CrmSyncCommon, CrmSyncHttpCommon
from .economic_backend_common import EconomicBackendMixin
from .fake_economic.data import AGREEMENT_NUMBER


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicBackend(CrmSyncCommon, EconomicBackendMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=False)

    def test_connection_ok(self):
        backend = self.backend.with_user(self.user_sales_manager)
        result = backend.crm_sync_economic_test()
        self.assertEqual(result["agreementNumber"], AGREEMENT_NUMBER)
        self.assertEqual(result["companyName"], "Demo Regnskab ApS")
        self.assertEqual(self.backend.agreement_number, AGREEMENT_NUMBER)
        action = backend.action_crm_sync_economic_test()
        self.assertEqual(action["tag"], "display_notification")

    def test_wrong_tokens_clear_error_nothing_changed(self):
        self.backend.agreement_grant_token = "wrong"
        self.fake.reset_counters()
        with self.assertRaises(UserError) as caught:
            self.backend.with_user(self.user_sales_manager).crm_sync_economic_test()
        message = str(caught.exception)
        self.assertIn("Agreement Grant Token", message)
        self.assertIn(self.backend.name, message)
        self.assertFalse(self.backend.agreement_number)
        self.assertEqual(self.fake.count("GET", "/self"), 1, "no retry on 401")

    def test_missing_tokens_clear_error(self):
        self.backend.app_secret_token = False
        with self.assertRaisesRegex(UserError, "App Secret Token"):
            self.backend.crm_sync_economic_test()

    def test_salesman_cannot_test_or_configure(self):
        backend = self.backend.with_user(self.user_salesman)
        with self.assertRaises(AccessError):
            backend.crm_sync_economic_test()
        with self.assertRaises(AccessError):
            backend.action_crm_sync_economic_regenerate_secret()
        with self.assertRaises(AccessError):
            backend.write({"enabled": True})
        # The status needs the backend's name: readable.
        self.assertEqual(backend.name, "Fake agreement")

    def test_reference_options_fetched_and_shown_by_name(self):
        options = self.backend.option_ids
        self.assertEqual(
            set(options.mapped("kind")), {"customer_group", "payment_terms", "vat_zone"}
        )
        self.assertEqual(self.backend.vat_zone_id.number, 1)
        self.assertEqual(self.backend.vat_zone_id.display_name, "Domestic (1)")
        self.assertEqual(self.backend.customer_group_number, 1)
        self.assertEqual(self.backend.payment_terms_id.name, "Netto 8 dage")
        # Fetching again neither duplicates nor changes the chosen defaults.
        self.backend.payment_terms_id = options.filtered(
            lambda o: o.kind == "payment_terms" and o.number == 2
        )
        self.backend.action_crm_sync_economic_fetch_options()
        self.assertEqual(self.backend.option_ids, options)
        self.assertEqual(self.backend.payment_terms_number, 2)

    def test_webhook_url_and_regenerate(self):
        backend = self.backend.with_user(self.user_sales_manager)
        url = backend.webhook_url
        base = self.backend.get_base_url()
        self.assertTrue(url.startswith(f"{base}/crm_sync/economic/webhook/"))
        self.assertTrue(url.endswith("?old=[OLDNUMBER]&new=[NEWNUMBER]"))
        self.assertGreaterEqual(len(backend.webhook_secret), 40)
        backend.action_crm_sync_economic_regenerate_secret()
        self.assertNotEqual(backend.webhook_url, url)
        self.assertIn(backend.webhook_secret, backend.webhook_url)

    def test_tokens_for_settings_administrators_only(self):
        for user in (self.user_salesman, self.user_sales_manager):
            backend = self.backend.with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    backend.read(["app_secret_token"])
                with self.assertRaises(AccessError):
                    backend.read(["agreement_grant_token"])
                self.assertNotIn("app_secret_token", backend.read()[0])
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user_sales_manager).write(
                {"app_secret_token": "stolen"}
            )
        admin = self.backend.with_user(self.user_admin_settings)
        admin.write({"app_secret_token": "new-secret"})
        self.assertEqual(admin.app_secret_token, "new-secret")

    def test_neutralize_wipes_tokens_and_disables(self):
        self.backend.enabled = True
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        self.assertFalse(self.backend.app_secret_token)
        self.assertFalse(self.backend.agreement_grant_token)
        self.assertFalse(self.backend.enabled)

    def test_neutralize_method(self):
        self.backend.enabled = True
        self.env["crm.sync.economic.backend"]._neutralize()
        self.assertFalse(self.backend.app_secret_token)
        self.assertFalse(self.backend.enabled)

    def test_new_customer_defaults_name_missing_field(self):
        self.backend.vat_zone_id = False
        partner = self.env["res.partner"].create({"name": "No zone A/S"})
        with self.assertRaisesRegex(UserError, "VAT Zone"):
            self.backend._crm_sync_economic_new_customer_body(partner)

    def test_country_by_name_and_code(self):
        dk = self.env.ref("base.dk").id
        for text in ("Denmark", "Danmark", "DK"):
            self.assertEqual(self.backend._crm_sync_economic_country_id(text), dk)
        self.assertFalse(self.backend._crm_sync_economic_country_id("Narnia"))

    def test_form_opens_for_managers_and_administrators(self):
        for user in (self.user_sales_manager, self.user_admin_settings):
            with self.subTest(user=user.login):
                form = Form(self.backend.with_user(user))
                self.assertEqual(form.name, "Fake agreement")
                self.assertEqual(
                    "app_secret_token" in form._view["fields"],
                    user == self.user_admin_settings,
                )

    def test_mapping_visible(self):
        html = str(self.backend.mapping_html)
        for remote in ("telephoneAndFaxNumber", "corporateIdentificationNumber"):
            self.assertIn(remote, html)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicBackendRpc(CrmSyncHttpCommon, EconomicBackendMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=False)

    def test_salesman_never_reads_tokens_over_rpc(self):
        model = "crm.sync.economic.backend"
        ids = [self.backend.id]
        for fname in ("app_secret_token", "agreement_grant_token"):
            self.assertRpcFault(
                self.user_salesman, model, "read", ids, [fname], kinds=("AccessError",)
            )
        rows = self.rpc(self.user_salesman, model, "search_read", [], [])
        self.assertTrue(rows)
        self.assertNotIn("app_secret_token", rows[0])
        self.assertNotIn("webhook_secret", rows[0])
        self.assertRpcFault(
            self.user_salesman,
            model,
            "write",
            ids,
            {"app_secret_token": "x"},
            kinds=("AccessError",),
        )

    def test_connection_over_rpc(self):
        model = "crm.sync.economic.backend"
        ids = [self.backend.id]
        result = self.rpc(self.user_sales_manager, model, "crm_sync_economic_test", ids)
        self.assertEqual(
            result,
            {"agreementNumber": AGREEMENT_NUMBER, "companyName": "Demo Regnskab ApS"},
        )
        self.assertRpcFault(
            self.user_salesman,
            model,
            "crm_sync_economic_test",
            ids,
            kinds=("AccessError",),
        )
        self.backend.app_secret_token = "wrong"
        self.assertRpcFault(
            self.user_sales_manager,
            model,
            "crm_sync_economic_test",
            ids,
            kinds=("UserError",),
            match="App Secret Token",
        )


WAIT_JS = """
const wait = async (selector) => {
    for (let i = 0; i < 200; i++) {
        const found = document.querySelector(selector);
        if (found) { return found; }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("not found: " + selector);
};
"""


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicBackendUi(CrmSyncHttpCommon, EconomicBackendMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=False)
        partner = cls.env["res.partner"].create(
            {"name": "Vist A/S", "is_company": True}
        )
        cls.link = partner._crm_sync_economic_link(cls.backend)

    def test_backend_and_link_forms_render(self):
        for path, checks in (
            (
                f"/odoo/action-crm_sync.crm_sync_economic_backend_action/{self.backend.id}",
                (
                    "div[name=webhook_url]",
                    "div[name=app_secret_token] input[type=password]",
                    "div[name=vat_zone_id]",
                ),
            ),
            (
                f"/odoo/action-crm_sync.crm_sync_economic_customer_action/{self.link.id}",
                ("div[name=record_id]", "div[name=state]"),
            ),
        ):
            with self.subTest(path=path):
                waits = "".join(f"await wait({sel!r});" for sel in checks)
                code = (
                    f"(async () => {{ {WAIT_JS} {waits} "
                    "console.log('test successful'); })()"
                    ".catch((error) => console.error(error.message));"
                )
                self.browser_js(path, code, login=self.user_admin_settings.login)
