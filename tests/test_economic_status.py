# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic status and Compare on the partner (issue 10, §6, §7), against the
fake e-conomic server over real HTTP on loopback (no mock of the client)."""

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, tagged

from ..utils import economic_compare
from .common import CrmSyncHttpCommon
from .fake_economic import FakeEconomic


@tagged("crm_sync", "crm_sync_unit", "crm_sync_economic")
class TestEconomicCompareUtils(BaseCase):
    def test_formatting_is_not_a_difference(self):
        crm = {
            "name": "Acme  A/S",
            "telephoneAndFaxNumber": "+45 33 12 34 56",
            "email": "Invoice@Acme.dk",
            "corporateIdentificationNumber": "DK 12 34 56 78",
            "country": "Denmark",
            "website": "https://www.acme.dk/",
            "city": False,
        }
        economic = {
            "name": "Acme A/S",
            "telephoneAndFaxNumber": "33123456",
            "email": "invoice@acme.dk",
            "corporateIdentificationNumber": "12345678",
            "country": "DK",
            "website": "acme.dk",
            "city": "",
        }
        self.assertEqual(economic_compare.differences(crm, economic, "DK"), {})

    def test_differences_keyed_by_economic_field(self):
        diff = economic_compare.differences(
            {"city": "Aarhus", "email": "a@acme.dk", "zip": "8000"},
            {"city": "Odense", "email": "A@acme.dk b@acme.dk", "zip": "8000"},
        )
        self.assertEqual(diff, {"city": {"crm": "Aarhus", "economic": "Odense"}})
        diff = economic_compare.differences(
            {"email": "b@acme.dk"}, {"email": "a@acme.dk b@acme.dk"}
        )
        self.assertEqual(
            diff, {"email": {"crm": "b@acme.dk", "economic": "a@acme.dk b@acme.dk"}}
        )

    def test_check_choices(self):
        self.assertEqual(
            economic_compare.check_choices({"city": "crm", "address": "economic"}),
            {"city": "crm", "address": "economic"},
        )
        for bad, kind in (
            ({}, "not_a_mapping"),
            (["city"], "not_a_mapping"),
            ({"balance": "crm"}, "unknown_field"),
            ({"city": "both"}, "bad_choice"),
            ({"city": 1}, "bad_choice"),
        ):
            with self.assertRaises(economic_compare.ChoiceError) as caught:
                economic_compare.check_choices(bad)
            self.assertEqual(caught.exception.kind, kind, bad)


class EconomicStatusCommon(CrmSyncHttpCommon):
    """A fake e-conomic on loopback (a fresh one per test), a backend on it,
    and "Compare Co" linked to customer ``cls.number`` (same data on both
    sides, plus fields the CRM does not manage: salesPerson, layout,
    attention)."""

    number = 1

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = (
            cls.env["crm.sync.economic.backend"]
            .sudo()
            .create(
                {
                    "name": "Fake e-conomic",
                    "api_url": "http://127.0.0.1:1",
                    "openapi_url": "http://127.0.0.1:1",
                    "app_secret_token": "fake-app-secret",
                    "agreement_grant_token": "fake-agreement-grant",
                    "enabled": True,
                }
            )
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Compare Co",
                "is_company": True,
                "street": "Strandvejen 1",
                "zip": "8000",
                "city": "Aarhus",
                "country_id": cls.env.ref("base.dk").id,
                "phone": "+45 33 12 34 56",
                "email": "invoice@compare.example.com",
            }
        )
        cls.link = cls._link(cls.partner, cls.number)

    def setUp(self):
        super().setUp()
        self.fake = FakeEconomic().start()
        self.addCleanup(self.fake.stop)
        self.backend.sudo().write(
            {"api_url": self.fake.url, "openapi_url": self.fake.url}
        )
        number = self.fake.add_customer(
            webhook=False,
            name="Compare Co",
            address="Strandvejen 1",
            zip="8000",
            city="Aarhus",
            country="Denmark",
            telephoneAndFaxNumber="33123456",
            email="invoice@compare.example.com",
            salesPerson={"employeeNumber": 3},
            layout={"layoutNumber": 19},
        )
        self.assertEqual(number, self.number)
        contact = self.fake.add_contact(number, webhook=False, name="Ann Attention")
        self.fake.change_customer(number, attention={"customerContactNumber": contact})

    @classmethod
    def _link(cls, partner, number):
        link = (
            cls.env["crm.sync.economic.customer"]
            .sudo()
            .create(
                {
                    "backend_id": cls.backend.id,
                    "record_id": partner.id,
                    "customer_number": number,
                    "remote_id": str(number),
                    "state": "in_sync",
                }
            )
        )
        link._crm_sync_record_agreed(link._crm_sync_local_values())
        return link

    def _status(self, user=None, refresh=False, partner=None):
        partner = partner or self.partner
        return self.rpc(
            user or self.user_salesman,
            "res.partner",
            "crm_sync_economic_status",
            [partner.id],
            refresh=refresh,
        )[str(partner.id)]

    def _fake_customer(self):
        return self.fake.customer(self.number)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicStatus(EconomicStatusCommon):
    def test_not_linked(self):
        other = self.env["res.partner"].create(
            {"name": "Nowhere Co", "is_company": True}
        )
        status = self._status(partner=other, refresh=True)
        self.assertEqual(status["state"], "not_linked")
        self.assertIs(status["customer_number"], False)
        self.assertEqual(status["differences"], {})
        self.assertEqual(other.crm_sync_economic_state, "not_linked")

    def test_in_sync_then_differs_after_check(self):
        status = self._status(refresh=True)
        self.assertEqual(status["state"], "in_sync", status)
        self.assertEqual(status["customer_number"], self.number)
        # Changed in e-conomic: unknown until someone checks (no call on read)...
        self.fake.change_customer(self.number, city="Odense")
        self.fake.reset_counters()
        self.assertEqual(self._status()["state"], "in_sync")
        self.assertEqual(self.fake.count(), 0)
        # ... Check now reads it.
        status = self._status(refresh=True)
        self.assertEqual(self.fake.count("GET"), 1)
        self.assertEqual(status["state"], "differs")
        self.assertEqual(
            status["differences"], {"city": {"crm": "Aarhus", "economic": "Odense"}}
        )
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.crm_sync_economic_state, "differs")
        self.assertEqual(self.partner.crm_sync_economic_difference_count, 1)
        self.assertEqual(
            self.env["res.partner"].search(
                [("crm_sync_economic_state", "=", "differs")]
            ),
            self.partner,
            "the Differs from e-conomic filter",
        )
        # A CRM change is seen at once, without asking e-conomic.
        self.partner.city = "Odense"
        self.assertEqual(self.partner.crm_sync_economic_state, "in_sync")

    def test_conflict_proposal_shows_differs(self):
        """A field changed on both sides becomes a proposal of the link (the
        incoming sync): the status says "differs" without asking e-conomic."""
        self.fake.reset_counters()
        self.partner._crm_sync_propose({"city": "Odense"}, self.link)
        self.assertEqual(self.partner.crm_sync_economic_state, "differs")
        status = self._status()
        self.assertEqual(
            status["differences"], {"city": {"crm": "Aarhus", "economic": "Odense"}}
        )
        self.assertEqual(self.fake.count(), 0)

    def test_incoming_customer_updates_the_status(self):
        """A customer received (webhook, poll) is what e-conomic holds now."""
        self.partner.phone = "+45 33 99 99 99"  # changed in the CRM too
        self.fake.change_customer(
            self.number, city="Odense", telephoneAndFaxNumber="+45 70 00 00 00"
        )
        self.backend._crm_sync_economic_receive([self.fake.customer(self.number)])
        self.assertEqual(self.partner.city, "Odense", "changed in e-conomic only")
        status = self.partner.crm_sync_economic_status()[str(self.partner.id)]
        self.assertEqual(status["state"], "differs")
        self.assertEqual(
            status["differences"],
            {
                "telephoneAndFaxNumber": {
                    "crm": "+45 33 99 99 99",
                    "economic": "+45 70 00 00 00",
                }
            },
        )

    def test_error_when_economic_is_down(self):
        fake = FakeEconomic().start()
        self.backend.api_url = fake.url
        fake.stop()
        status = self._status(refresh=True)
        self.assertEqual(status["state"], "error")
        self.assertIn("could not be reached", status["message"])
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.crm_sync_economic_state, "error")
        # The form still opens (no call to e-conomic on read).
        self.assertEqual(
            self.partner.with_user(self.user_salesman).web_read(
                {"crm_sync_economic_state": {}, "crm_sync_economic_message": {}}
            )[0]["crm_sync_economic_state"],
            "error",
        )
        # Check now (the form's button) says so in a notification.
        action = self.partner.with_user(
            self.user_salesman
        ).action_crm_sync_economic_check()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("could not be reached", action["params"]["message"])
        # Back up: the next check clears the error.
        self.backend.api_url = self.fake.url
        self.assertEqual(self._status(refresh=True)["state"], "in_sync")

    def test_deleted_in_economic(self):
        self.fake.delete_customer(self.number)
        status = self._status(refresh=True)
        self.assertEqual(status["state"], "error")
        self.assertIn("no longer exists in e-conomic", status["message"])

    def test_reading_partners_makes_no_request(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Read Co {i}", "is_company": True} for i in range(1000)]
        )
        Link = self.env["crm.sync.economic.customer"].sudo()
        Link.create(
            [
                {
                    "backend_id": self.backend.id,
                    "record_id": partner.id,
                    "customer_number": 100000 + i,
                    "remote_id": str(100000 + i),
                    "state": "in_sync",
                    "agreed_values": Link._crm_sync_values_of(
                        partner, list(Link._crm_sync_fields)
                    ),
                }
                for i, partner in enumerate(partners)
            ]
        )
        self.fake.reset_counters()
        form = (
            self.env["res.partner"]
            .with_user(self.user_salesman)
            .get_views([(False, "form"), (False, "list")])
        )
        spec = {
            fname: {}
            for fname in form["models"]["res.partner"]["fields"]
            if fname.startswith("crm_sync_economic")
        }
        self.assertIn("crm_sync_economic_state", spec)
        for partner in partners.with_user(self.user_salesman):
            partner.web_read(spec)
        self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_status",
            partners.ids,
        )
        self.assertEqual(self.fake.count(), 0)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicApply(EconomicStatusCommon):
    def _differ(self):
        """e-conomic holds another city and phone than the CRM."""
        self.fake.change_customer(
            self.number, city="Odense", telephoneAndFaxNumber="+45 70 00 00 00"
        )
        self.partner.crm_sync_economic_status(refresh=True)

    def _assert_unmanaged_kept(self, customer):
        self.assertEqual(customer["salesPerson"]["employeeNumber"], 3)
        self.assertEqual(customer["layout"]["layoutNumber"], 19)
        self.assertTrue(customer["attention"]["customerContactNumber"])

    def test_apply_both_directions(self):
        self._differ()
        self.assertEqual(self.partner.crm_sync_economic_difference_count, 2)
        status = self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_apply",
            [self.partner.id],
            {"city": "economic", "telephoneAndFaxNumber": "crm"},
        )[str(self.partner.id)]
        self.assertEqual(status["state"], "in_sync", status)
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.city, "Odense")
        customer = self._fake_customer()
        self.assertEqual(customer["telephoneAndFaxNumber"], "+45 33 12 34 56")
        self.assertEqual(customer["city"], "Odense")
        self._assert_unmanaged_kept(customer)
        self.link.invalidate_recordset()
        self.assertEqual(self.link.agreed_values["city"], "Odense")
        self.assertEqual(self.link.agreed_values["phone"], "+45 33 12 34 56")
        self.assertEqual(self.link.state, "in_sync")
        self.assertEqual(self.partner.crm_sync_economic_state, "in_sync")
        self.assertFalse(
            self.env["crm.sync.push"].search(
                [("res_model", "=", self.link._name), ("res_id", "=", self.link.id)]
            ),
            "nothing left to push",
        )

    def test_apply_resolves_pending_proposals(self):
        self._differ()
        proposals = self.partner._crm_sync_propose(
            {"city": "Odense", "phone": "+45 70 00 00 00"}, self.link
        )
        self.assertEqual(len(proposals), 2)
        other = self.partner._crm_sync_propose({"city": "Vejle"}, "Another source")
        self.partner.crm_sync_economic_apply(
            {"city": "economic", "telephoneAndFaxNumber": "crm"}
        )
        by_field = {p.field_name: p.state for p in proposals}
        self.assertEqual(by_field, {"city": "accepted", "phone": "kept"})
        self.assertEqual(other.state, "pending", "other sources are not decided")
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(
            self._fake_customer()["telephoneAndFaxNumber"], "+45 33 12 34 56"
        )

    def test_apply_address_both_lines(self):
        self.partner.street2 = "2. sal"
        status = self.partner.crm_sync_economic_apply({"address": "crm"})
        self.assertEqual(status[str(self.partner.id)]["state"], "in_sync")
        self.assertEqual(self._fake_customer()["address"], "Strandvejen 1\n2. sal")
        self.fake.change_customer(self.number, address="Havnegade 3\nBaghuset")
        self.partner.crm_sync_economic_apply({"address": "economic"})
        self.assertEqual(
            (self.partner.street, self.partner.street2), ("Havnegade 3", "Baghuset")
        )

    def test_salesman_rights(self):
        self._differ()
        self._crm_sync_deny_write(self.partner)
        status = self._status()
        self.assertEqual(status["state"], "differs", "he may see the status")
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_apply",
            [self.partner.id],
            {"city": "crm"},
            kinds=("AccessError",),
        )
        self.assertEqual(self._fake_customer()["city"], "Odense")
        self.assertEqual(self.partner.city, "Aarhus")
        # Nor through the Compare window, which he may open (read).
        wizard = (
            self.env["res.partner.economic.compare"]
            .with_user(self.user_salesman)
            .create({"partner_id": self.partner.id})
        )
        wizard.line_ids.filtered(
            lambda line: line.economic_field == "city"
        ).choice = "economic"
        with self.assertRaises(AccessError):
            wizard.action_apply()
        self.assertEqual(self.partner.city, "Aarhus")

    def test_partner_he_may_not_read(self):
        """Another company's customer: no status, no Compare window."""
        other_company = self.env["res.company"].create({"name": "Other Co Ltd"})
        hidden = self.env["res.partner"].create(
            {"name": "Hidden Co", "is_company": True, "company_id": other_company.id}
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_status",
            [hidden.id],
            kinds=("AccessError",),
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.economic.compare",
            "create",
            {"partner_id": hidden.id},
            kinds=("AccessError",),
        )

    def test_unknown_economic_country(self):
        self.fake.change_customer(self.number, country="Atlantis")
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_apply",
            [self.partner.id],
            {"country": "economic"},
            kinds=("UserError",),
            match="Atlantis",
        )
        self.assertEqual(self.partner.country_id, self.env.ref("base.dk"))
        # The CRM's country may be sent instead.
        status = self.partner.crm_sync_economic_apply({"country": "crm"})
        self.assertEqual(status[str(self.partner.id)]["state"], "in_sync")
        self.assertEqual(self._fake_customer()["country"], "Denmark")

    def test_bad_choices(self):
        self._differ()
        self.fake.reset_counters()
        for choices, match in (
            ({}, "non-empty mapping"),
            (["city"], "non-empty mapping"),
            ({"balance": "crm"}, "not an e-conomic field"),
            ({"city": "both"}, 'Choose "crm" or "economic"'),
            ({"city": 1}, 'Choose "crm" or "economic"'),
            ({"city": ["crm"]}, 'Choose "crm" or "economic"'),
        ):
            self.assertRpcFault(
                self.user_salesman,
                "res.partner",
                "crm_sync_economic_apply",
                [self.partner.id],
                choices,
                kinds=("UserError",),
                match=match,
            )
        self.assertEqual(self.fake.count(), 0)
        self.assertEqual(self.partner.city, "Aarhus")

    def test_apply_when_economic_is_down(self):
        self._differ()
        self.fake.fail_next(503)
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_apply",
            [self.partner.id],
            {"city": "economic"},
            kinds=("UserError",),
            match="e-conomic",
        )
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.city, "Aarhus")

    def test_compare_window_refuses_when_economic_changed_since(self):
        self._differ()
        Compare = self.env["res.partner.economic.compare"].with_user(self.user_salesman)
        wizard = Compare.create({"partner_id": self.partner.id})
        lines = {line.economic_field: line for line in wizard.line_ids}
        self.assertEqual(len(lines), len(economic_compare.ECONOMIC_FIELDS))
        self.assertTrue(lines["city"].differs)
        self.assertFalse(lines["zip"].differs)
        self.assertEqual(
            (lines["city"].crm_value, lines["city"].economic_value),
            ("Aarhus", "Odense"),
        )
        lines["city"].choice = "crm"
        self.fake.change_customer(self.number, city="Vejle")
        with self.assertRaisesRegex(Exception, "compare again"):
            wizard.action_apply()
        self.assertEqual(self._fake_customer()["city"], "Vejle")

    def test_no_line_in_another_users_window(self):
        wizard = (
            self.env["res.partner.economic.compare"]
            .with_user(self.user_sales_manager)
            .create({"partner_id": self.partner.id})
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.economic.compare.line",
            "create",
            {"wizard_id": wizard.id, "economic_field": "city", "choice": "crm"},
            kinds=("AccessError",),
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.economic.compare.line",
            "write",
            wizard.line_ids.ids,
            {"choice": "crm"},
            kinds=("AccessError",),
        )
        self.assertFalse(wizard.line_ids.filtered("choice"))

    def test_compare_window_all_economic(self):
        self._differ()
        wizard = (
            self.env["res.partner.economic.compare"]
            .with_user(self.user_salesman)
            .create({"partner_id": self.partner.id})
        )
        self.assertEqual(wizard.difference_count, 2)
        wizard.action_apply_all_economic()
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(self.partner.phone, "+45 70 00 00 00")
        self.assertEqual(self.partner.zip, "8000", "equal fields are left alone")
        self.assertEqual(self.partner.crm_sync_economic_state, "in_sync")
        self._assert_unmanaged_kept(self._fake_customer())

    def test_compare_tour(self):
        self._differ()
        self.start_tour(
            f"/odoo/action-contacts.action_contacts/{self.partner.id}",
            "crm_sync_economic_compare_tour",
            login=self.user_salesman.login,
        )
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.city, "Odense")
        customer = self._fake_customer()
        self.assertEqual(customer["city"], "Odense")
        self.assertEqual(customer["telephoneAndFaxNumber"], "+45 33 12 34 56")
        self._assert_unmanaged_kept(customer)
