# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""'Transfer all customers from e-conomic' against the fake e-conomic over real
HTTP on loopback: pages, matching (company ID / VAT, e-mail, name, to review),
contacts in bulk or per customer, a 429 storm, e-conomic dying mid-import and
the resume, wrong tokens, the to-review Link / Create actions, rights."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..utils.economic_client import EconomicClient
from .common import CrmSyncCommon, CrmSyncHttpCommon
from .economic_backend_common import EconomicBackendMixin
from .fake_economic import FakeEconomic

PAGE = 4


class EconomicImportMixin(EconomicBackendMixin):
    def _fresh_fake(self, **options):
        """A fake e-conomic of this test only (its data is not rolled back)."""
        self.fake = FakeEconomic(**options).start()
        self.addCleanup(self.fake.stop)
        self.backend.sudo().write(
            {"api_url": self.fake.url, "openapi_url": self.fake.openapi_url}
        )
        return self.fake

    @classmethod
    def _import_partners(cls):
        Partner = cls.env["res.partner"]
        cls.alpha = Partner.create(
            {"name": "Alpha Consulting", "is_company": True, "vat": "DK31415926"}
        )
        cls.beta = Partner.create(
            {"name": "Beta ApS", "is_company": True, "email": "info@beta.dk"}
        )
        cls.gamma = Partner.create(
            {"name": "Gamma ApS", "is_company": True, "city": "Aarhus"}
        )
        cls.delta_1 = Partner.create({"name": "Delta A/S", "is_company": True})
        cls.delta_2 = Partner.create({"name": "DELTA a/s", "is_company": True})
        # Alpha's contact matches an existing child person by e-mail
        cls.alpha_person = Partner.create(
            {"name": "Anna Alpha", "parent_id": cls.alpha.id, "email": "anna@alpha.dk"}
        )

    def _import_customers(self, **options):
        fake = self._fresh_fake(**options)
        self.n_alpha = fake.add_customer(
            webhook=False,
            name="Alpha Denmark",
            corporateIdentificationNumber="31 41 59 26",
        )
        self.n_beta = fake.add_customer(
            webhook=False, name="Beta Holding", email="finance@beta.dk info@beta.dk"
        )
        self.n_gamma = fake.add_customer(
            webhook=False, name="gamma aps", city="Odense", address="Havnegade 1"
        )
        self.n_delta = fake.add_customer(webhook=False, name="Delta A/S")
        self.new_numbers = [
            fake.add_customer(
                webhook=False,
                name=f"Nyt Firma {i} ApS",
                city="København",
                country="Danmark",
                email=f"kontakt{i}@nyt{i}.dk",
            )
            for i in range(7)
        ]
        for number in self.new_numbers[:3]:
            fake.add_contact(
                number, webhook=False, name="Jens Jensen", email=f"jj{number}@x.dk"
            )
            fake.add_contact(number, webhook=False, name="Mette Hansen")
        fake.add_contact(
            self.n_alpha, webhook=False, name="Anna A.", email="anna@alpha.dk"
        )
        self.total = 4 + 7

    def _run_import(self, user=None):
        backend = self.backend.with_user(user or self.user_sales_manager)
        self.assertIs(backend.crm_sync_economic_import_all(), True)
        self._small_pages()
        self.env["crm.sync.economic.import"]._cron_process()
        return backend.crm_sync_economic_import_status()

    def _small_pages(self):
        """Pages of PAGE customers instead of 1000 (the job's batch size)."""
        self.backend.import_ids[:1].sudo().batch_size = PAGE

    def _partners_named(self, name):
        return self.env["res.partner"].search_count([("name", "=", name)])


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicImport(CrmSyncCommon, EconomicImportMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=True)
        cls._import_partners()

    def setUp(self):
        super().setUp()
        self._import_customers()

    def test_import_pages_matching_contacts(self):
        self.fake.reset_counters()
        status = self.backend.crm_sync_economic_import_status()
        self.assertEqual(status["state"], "idle")
        status = self._run_import()
        self.assertEqual(status["state"], "done", status["message"])
        job = self.backend.import_ids[:1]
        self.assertEqual(
            (
                status["created"],
                status["linked"],
                status["to_review"],
                status["errors"],
            ),
            (7, 3, 1, 0),
            job.line_ids.mapped(lambda ln: (ln.customer_name, ln.result, ln.reason)),
        )
        self.assertEqual((job.pages_done, job.page_count), (3, 3))
        self.assertEqual(job.done_count, self.total)
        # one call per page of customers, one for all contacts (bulk cursor)
        api_calls = self.fake.count("GET", "/customersapi")
        self.assertEqual(api_calls, 1)
        self.assertEqual(self.fake.count("GET", "/customers") - api_calls, 3)
        Link = self.env["crm.sync.economic.customer"]
        self.assertEqual(self._link(self.alpha).customer_number, self.n_alpha)
        self.assertEqual(self._link(self.beta).customer_number, self.n_beta)
        gamma_link = self._link(self.gamma)
        self.assertEqual(gamma_link.customer_number, self.n_gamma)
        # linking fills empty fields only; a different value is a proposal
        self.assertEqual(self.gamma.street, "Havnegade 1")
        self.assertEqual(self.gamma.city, "Aarhus")
        proposals = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", self.gamma.id), ("state", "=", "pending")]
        )
        # "gamma aps" is spelt differently too
        self.assertEqual(set(proposals.mapped("field_name")), {"city", "name"})
        self.assertEqual(set(proposals.mapped("source_res_id")), {gamma_link.id})
        self.assertEqual(self.gamma.name, "Gamma ApS")
        self.assertEqual(gamma_link.state, "differs")
        # several candidates: nothing created, listed with the candidates
        self.assertFalse(Link.search([("customer_number", "=", self.n_delta)]))
        self.assertEqual(self._partners_named("Delta A/S"), 1)
        line = job.line_ids.filtered(lambda ln: ln.result == "to_review")
        self.assertEqual(line.candidate_ids, self.delta_1 | self.delta_2)
        self.assertIn("2 partners", line.reason)
        # the import wrote nothing to e-conomic
        self.assertEqual(self.fake.count("PUT") + self.fake.count("POST"), 0)

    def test_import_creates_companies_and_contacts(self):
        self._run_import()
        Link = self.env["crm.sync.economic.customer"]
        # created companies, with their country and contacts as child persons
        new = Link.search([("customer_number", "in", self.new_numbers)]).record_id
        self.assertEqual(len(new), 7)
        self.assertTrue(all(new.mapped("is_company")))
        self.assertEqual(set(new.country_id.mapped("code")), {"DK"})
        first = Link.search([("customer_number", "=", self.new_numbers[0])])
        self.assertEqual(
            sorted(first.record_id.child_ids.mapped("name")),
            ["Jens Jensen", "Mette Hansen"],
        )
        self.assertEqual(len(first.contact_link_ids), 2)
        # Alpha's contact linked to the existing person (e-mail), no new child
        self.assertEqual(self.alpha.child_ids, self.alpha_person)
        self.assertEqual(
            self._link(self.alpha).contact_link_ids.record_id, self.alpha_person
        )

    def test_second_run_creates_nothing_twice(self):
        self._run_import()
        partners = self.env["res.partner"].search_count([])
        links = self.env["crm.sync.economic.customer"].search_count([])
        status = self._run_import()
        self.assertEqual(status["state"], "done")
        self.assertEqual((status["created"], status["linked"]), (0, 0))
        self.assertEqual(status["to_review"], 1)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(self.env["crm.sync.economic.customer"].search_count([]), links)

    def test_429_storm_still_imports_everything(self):
        # a token bucket of 2 calls per second: the client slows down, meets
        # 429s all along the import, waits as told and goes on
        self._import_customers(token_limit=2, token_window=1.0)
        self.fake.fail_next(429, count=2, retry_after=0, path="/customersapi")
        status = self._run_import()
        self.assertTrue([row for row in self.fake.log if row[2] == 429])
        self.assertEqual(status["state"], "done", status["message"])
        self.assertEqual(
            status["created"] + status["linked"] + status["to_review"], self.total
        )
        self.assertEqual(status["errors"], 0)

    @patch.object(EconomicClient, "backoff", 0.0)
    def test_economic_dies_mid_import_then_resume(self):
        Import = self.env["crm.sync.economic.import"]
        backend = self.backend.with_user(self.user_sales_manager)
        self.assertTrue(backend.crm_sync_economic_import_all())
        job = self.backend.import_ids[:1]
        self._small_pages()
        # contacts cursor + first page answered, then 503s
        self.fake.die_after = self.fake.requests + 2
        Import._cron_process()
        status = self.backend.crm_sync_economic_import_status()
        self.assertEqual(status["state"], "failed")
        self.assertIn("e-conomic", status["message"])
        self.assertEqual(job.pages_done, 1)
        done = job.done_count
        self.assertEqual(done, PAGE)
        self.fake.revive()
        backend.crm_sync_economic_import_all()  # resumes the same job
        self.assertEqual(self.backend.import_ids[:1], job)
        Import._cron_process()
        status = self.backend.crm_sync_economic_import_status()
        self.assertEqual(status["state"], "done", status["message"])
        self.assertEqual(job.done_count, self.total)
        self.assertEqual(len(job.line_ids), self.total)
        for i in range(7):
            self.assertEqual(self._partners_named(f"Nyt Firma {i} ApS"), 1)

    def test_contacts_per_customer_when_openapi_refuses(self):
        self.fake.openapi_status = 403
        self.fake.reset_counters()
        status = self._run_import()
        self.assertEqual(status["state"], "done", status["message"])
        first = self.env["crm.sync.economic.customer"].search(
            [("customer_number", "=", self.new_numbers[0])]
        )
        self.assertEqual(len(first.record_id.child_ids), 2)
        self.assertEqual(self.fake.count("GET", "/customersapi"), 1)
        self.assertGreaterEqual(self.fake.count("GET", "/customers/"), self.total)

    def test_wrong_tokens_clear_error_nothing_created(self):
        self.backend.sudo().agreement_grant_token = "wrong"
        partners = self.env["res.partner"].search_count([])
        status = self._run_import()
        self.assertEqual(status["state"], "failed")
        self.assertIn("Agreement Grant Token", status["message"])
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_review_link_and_create(self):
        self._run_import()
        line = self.env["crm.sync.economic.import.line"].search(
            [("result", "=", "to_review")]
        )
        line = line.with_user(self.user_sales_manager)
        line.link_partner_id = self.delta_2
        line.action_crm_sync_link()
        self.assertEqual(line.result, "linked")
        self.assertEqual(self._link(self.delta_2).customer_number, self.n_delta)
        with self.assertRaises(UserError):
            line.action_crm_sync_create()  # no longer to review
        # Create: a second to-review customer
        number = self.fake.add_customer(webhook=False, name="Delta A/S")
        self._run_import()
        line = self.env["crm.sync.economic.import.line"].search(
            [("result", "=", "to_review"), ("customer_number", "=", number)]
        )
        line.with_user(self.user_sales_manager).action_crm_sync_create()
        self.assertEqual(line.result, "created")
        self.assertEqual(line.partner_id.name, "Delta A/S")
        self.assertNotIn(line.partner_id, self.delta_1 | self.delta_2)

    def test_backend_form_buttons(self):
        Backend = self.env["crm.sync.economic.backend"]
        arch = Backend.with_user(self.user_sales_manager).get_view(view_type="form")
        self.assertIn("crm_sync_economic_import_all", arch["arch"])
        self.assertIn("action_crm_sync_economic_poll", arch["arch"])
        arch = Backend.with_user(self.user_salesman).get_view(view_type="form")
        self.assertNotIn("crm_sync_economic_import_all", arch["arch"])

    def test_salesman_cannot_import(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user_salesman).crm_sync_economic_import_all()
        self.assertFalse(self.backend.import_ids)

    def test_disabled_backend_refused(self):
        self.backend.enabled = False
        with self.assertRaises(UserError):
            self.backend.with_user(
                self.user_sales_manager
            ).crm_sync_economic_import_all()


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicImportRpc(CrmSyncHttpCommon, EconomicBackendMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=True)

    def test_salesman_cannot_start_import_xmlrpc(self):
        self.assertRpcFault(
            self.user_salesman,
            "crm.sync.economic.backend",
            "crm_sync_economic_import_all",
            [self.backend.id],
            kinds=("AccessError",),
        )
        self.assertFalse(self.backend.import_ids)

    def test_manager_starts_import_xmlrpc(self):
        model = "crm.sync.economic.backend"
        self.assertIs(
            self.rpc(
                self.user_sales_manager,
                model,
                "crm_sync_economic_import_all",
                [self.backend.id],
            ),
            True,
        )
        status = self.rpc(
            self.user_sales_manager,
            model,
            "crm_sync_economic_import_status",
            [self.backend.id],
        )
        self.assertEqual(status["state"], "queued")
        self.assertEqual(
            set(status),
            {"state", "created", "linked", "to_review", "errors", "message"},
        )
