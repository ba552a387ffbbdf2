# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""CRM → e-conomic: the push policy, pushes after commit through the push
queue, create then read-modify-write update, contacts, idempotent creates,
errors on the link, a disabled integration, the synchronous XML-RPC push.
Against the fake e-conomic over real HTTP on loopback."""

import jsonschema

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.crm_sync_economic_binding import without_empty
from .common import CrmSyncCommon, CrmSyncHttpCommon
from .economic_backend_common import EconomicBackendMixin
from .test_economic_schemas import load, undeclared


class EconomicPushMixin(EconomicBackendMixin):
    def _company(self, name="Skovly Tømrer ApS", **values):
        return self.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "street": "Skovvej 3",
                "street2": "Bygning B",
                "zip": "8000",
                "city": "Aarhus C",
                "country_id": self.env.ref("base.dk").id,
                "email": "info@skovly.dk",
                "phone": "+45 86 11 22 33",
                "company_registry": "12345678",
                **values,
            }
        )

    def setUp(self):
        super().setUp()
        self.fake.reset_counters()

    def _pushed(self, partner):
        """Create ``partner`` in e-conomic through the queue; its link."""
        link = self._link(partner) or partner._crm_sync_economic_link(self.backend)
        link._crm_sync_queue_push()
        self._process_pushes()
        self.assertEqual(link.state, "in_sync", link.last_error)
        return link


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicPush(EconomicPushMixin, CrmSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=True, push_policy="on_create")

    def test_on_create_queued_then_created_after_commit(self):
        self.fake.reset_counters()
        partner = self._company()
        link = self._link(partner)
        self.assertEqual(link.state, "to_create")
        self.assertTrue(self._queued(link), "a push waits for the cron")
        self.assertEqual(self.fake.count(), 0, "no HTTP call in the user's write")
        self._process_pushes()
        self.assertEqual(link.state, "in_sync", link.last_error)
        self.assertTrue(link.customer_number)
        self.assertEqual(link.remote_id, str(link.customer_number))
        customer = self.fake.customer(link.customer_number)
        self.assertEqual(customer["name"], "Skovly Tømrer ApS")
        self.assertEqual(customer["address"], "Skovvej 3\nBygning B")
        self.assertEqual(customer["country"], "Denmark")
        self.assertEqual(customer["corporateIdentificationNumber"], "12345678")
        self.assertEqual(customer["currency"], "DKK")
        self.assertNotIn("vatNumber", customer, "empty values are not sent")
        self.assertEqual(customer["vatZone"]["vatZoneNumber"], 1)
        self.assertEqual(link.agreed_values["city"], "Aarhus C")
        self.assertEqual(link.remote_version, customer["lastUpdated"])
        self.assertTrue(self.backend.last_sync)
        self.assertEqual(self.backend.customer_count, 1)

    def test_update_keeps_fields_the_crm_does_not_manage(self):
        partner = self._company()
        link = self._pushed(partner)
        number = link.customer_number
        contact = self.fake.add_contact(number, name="Bo Bogholder")
        self.fake.change_customer(
            number,
            salesPerson={"employeeNumber": 1},
            layout={"layoutNumber": 19},
            attention={"customerContactNumber": contact},
            creditLimit=5000,
        )
        self.fake.reset_counters()
        partner.write({"city": "Aarhus N", "zip": "8200"})
        self.assertEqual(self.fake.count(), 0)
        self.assertEqual(link.state, "pending")
        self._process_pushes()
        self.assertEqual(link.state, "in_sync", link.last_error)
        customer = self.fake.customer(number)
        self.assertEqual((customer["city"], customer["zip"]), ("Aarhus N", "8200"))
        self.assertEqual(customer["salesPerson"]["employeeNumber"], 1)
        self.assertEqual(customer["layout"]["layoutNumber"], 19)
        self.assertEqual(customer["attention"]["customerContactNumber"], contact)
        self.assertEqual(customer["creditLimit"], 5000)
        self.assertEqual(customer["name"], "Skovly Tømrer ApS")
        self.assertEqual(self.fake.count("PUT"), 1)
        self.assertEqual(link.agreed_values["city"], "Aarhus N")

    def test_only_crm_changes_sent_remote_changes_kept(self):
        partner = self._company()
        link = self._pushed(partner)
        number = link.customer_number
        # e-conomic changed the phone, the CRM the city: neither is lost.
        self.fake.change_customer(number, telephoneAndFaxNumber="+45 70 70 70 70")
        partner.city = "Risskov"
        self._process_pushes()
        customer = self.fake.customer(number)
        self.assertEqual(customer["city"], "Risskov")
        self.assertEqual(customer["telephoneAndFaxNumber"], "+45 70 70 70 70")
        self.assertEqual(partner.phone, "+45 86 11 22 33", "incoming is not a push")
        self.assertEqual(link.state, "differs")
        self.assertEqual(link.difference_count, 1)

    def test_both_sides_changed_not_overwritten_until_kept(self):
        partner = self._company()
        link = self._pushed(partner)
        number = link.customer_number
        self.fake.change_customer(number, city="Odense")
        partner.city = "Vejle"
        self._process_pushes()
        self.assertEqual(self.fake.customer(number)["city"], "Odense")
        self.assertEqual(link.state, "differs")
        # The incoming sync makes it a proposal; the user keeps the CRM value.
        partner._crm_sync_propose({"city": "Odense"}, link)
        partner.crm_sync_resolve({"city": "keep"})
        self.assertTrue(self._queued(link))
        self._process_pushes()
        self.assertEqual(self.fake.customer(number)["city"], "Vejle")
        self.assertEqual(link.state, "in_sync")
        self.assertEqual(link.agreed_values["city"], "Vejle")
        self.assertFalse(link.force_push_fields)

    def test_contacts_pushed_with_their_customer(self):
        partner = self._company()
        person = self.env["res.partner"].create(
            {"name": "Karen Kok", "parent_id": partner.id, "email": "karen@skovly.dk"}
        )
        link = self._link(partner)
        self._process_pushes()
        contact_link = link.contact_link_ids
        self.assertEqual(contact_link.record_id, person)
        self.assertTrue(contact_link.contact_number, contact_link.last_error)
        contacts = self.fake.contacts(link.customer_number)
        self.assertEqual(
            [(c["name"], c["email"]) for c in contacts],
            [("Karen Kok", "karen@skovly.dk")],
        )
        person.phone = "+45 20 30 40 50"
        self.assertTrue(self._queued(contact_link))
        self._process_pushes()
        contacts = self.fake.contacts(link.customer_number)
        self.assertEqual(contacts[0]["phone"], "+45 20 30 40 50")
        self.assertEqual(contact_link.state, "in_sync")
        # A new person under a linked customer becomes a contact too.
        self.env["res.partner"].create({"name": "Ole Olsen", "parent_id": partner.id})
        self._process_pushes()
        names = {c["name"] for c in self.fake.contacts(link.customer_number)}
        self.assertEqual(names, {"Karen Kok", "Ole Olsen"})

    def test_retried_create_uses_the_same_idempotency_key(self):
        partner = self._company(name="Gentaget A/S")
        link = self._link(partner)
        key = link._crm_sync_economic_idempotency_key("customer", {"name": "x"})
        self.assertIn(f"-{self.backend.id}-customer-{partner.id}-", key)
        number = link._crm_sync_economic_send()
        # The commit after the create was lost: the link knows no number.
        link.write({"customer_number": 0, "remote_id": f"new-{partner.id}"})
        self.assertEqual(link._crm_sync_economic_send(), number)
        self.assertEqual(self.fake.count("POST", "/customers"), 2)
        posts = [entry for entry in self.fake.log if entry[0] == "POST"]
        self.assertEqual([entry[3] for entry in posts], [False, True], "replayed")
        same_name = [
            n
            for n in self.fake.agreement.customers
            if self.fake.customer(n)["name"] == "Gentaget A/S"
        ]
        self.assertEqual(same_name, [number], "no duplicate customer")

    def test_push_error_visible_on_the_link(self):
        partner = self._company(name="X" * 300)
        link = self._link(partner)
        self._process_pushes()
        self.assertEqual(link.state, "error")
        self.assertIn("name", link.last_error)
        self.assertIn("e-conomic refused", link.last_error)
        row = self.Push.search(
            [("res_id", "=", link.id), ("res_model", "=", link._name)]
        )
        self.assertEqual((row.state, row.attempts), ("pending", 1))
        self.assertEqual(self.backend.error_count, 1)
        self.assertIn("name must be at most 255", self.backend.last_error)
        partner.name = "Kort Navn ApS"
        row.next_try = row.create_date
        self._process_pushes()
        self.assertEqual(link.state, "in_sync", link.last_error)
        self.assertFalse(link.last_error)

    def test_disabled_backend_sends_nothing_then_resumes(self):
        partner = self._company()
        link = self._pushed(partner)
        self.backend.enabled = False
        self.fake.reset_counters()
        partner.city = "Silkeborg"
        self.assertFalse(self._queued(link), "nothing queued while disabled")
        self.assertTrue(link.needs_push)
        self.assertIn("disabled", link.last_error)
        self.assertEqual(link.state, "pending")
        other = self._company(name="Ny Kunde ApS")
        self.assertFalse(self._link(other), "no new customer while disabled")
        self._process_pushes()
        self.assertEqual(self.fake.count(), 0)
        with self.assertRaisesRegex(UserError, "no e-conomic backend is enabled"):
            partner.crm_sync_economic_push()
        self.backend.enabled = True
        self.assertTrue(self._queued(link))
        self._process_pushes()
        self.assertEqual(self.fake.customer(link.customer_number)["city"], "Silkeborg")
        self.assertEqual(link.state, "in_sync")

    def test_queued_push_waits_when_disabled_meanwhile(self):
        partner = self._company()
        link = self._link(partner)
        self.backend.enabled = False
        self._process_pushes()
        self.assertEqual(self.fake.count("POST"), 0)
        self.assertTrue(link.needs_push)
        self.assertEqual(link.state, "to_create")

    def test_agreed_values_make_the_echo_a_no_op(self):
        """What e-conomic holds after our push is what the link agreed: the
        webhook our own push causes finds nothing to do."""
        partner = self._company(email="info@skovly.dk", street2=False)
        link = self._pushed(partner)
        partner.write(
            {"street": "Nyvej 1", "street2": "1. sal", "website": "skovly.dk"}
        )
        self._process_pushes()
        remote = link._crm_sync_economic_from_remote(
            self.fake.customer(link.customer_number)
        )
        decisions = link._crm_sync_decide(remote)
        self.assertEqual(set(decisions.values()), {"equal"}, decisions)
        self.assertEqual(
            link.remote_version, self.fake.customer(link.customer_number)["lastUpdated"]
        )

    def test_differences_and_state_for_the_status(self):
        partner = self._company()
        link = self._pushed(partner)
        self.fake.change_customer(link.customer_number, city="Odense", country="DK")
        remote = link._crm_sync_economic_from_remote(
            self.fake.customer(link.customer_number)
        )
        differences = link._crm_sync_economic_odoo_differences(remote)
        self.assertEqual(differences, {"city": ("Aarhus C", "Odense")})
        link._crm_sync_economic_set_state(differences)
        self.assertEqual((link.state, link.difference_count), ("differs", 1))
        link._crm_sync_economic_set_state(error="e-conomic is down")
        self.assertEqual((link.state, link.last_error), ("error", "e-conomic is down"))

    def test_create_bodies_match_the_official_schemas(self):
        partner = self._company(website="https://skovly.dk", mobile="+45 20 20 20 20")
        person = self.env["res.partner"].create(
            {"name": "Karen Kok", "parent_id": partner.id, "email": "k@skovly.dk"}
        )
        link = self._link(partner)
        body = {
            **without_empty(
                link._crm_sync_economic_to_remote(link._crm_sync_local_values())
            ),
            **self.backend._crm_sync_economic_new_customer_body(partner),
        }
        Contact = self.env["crm.sync.economic.contact"]
        contact_body = Contact._crm_sync_economic_to_remote(
            Contact._crm_sync_values_of(person, ["name", "email", "phone"])
        )
        for value, name in (
            (body, "customers.post.schema.json"),
            (contact_body, "customers.customerNumber.contacts.post.schema.json"),
        ):
            schema = load(name)
            errors = [
                e.message for e in jsonschema.Draft3Validator(schema).iter_errors(value)
            ]
            self.assertFalse(errors, f"{name}: {errors}")
            self.assertFalse(undeclared(value, schema), name)

    def test_rate_limited_push_still_goes_through(self):
        partner = self._company()
        self.fake.fail_next(status=429, count=2, retry_after=0, path="/customers")
        link = self._link(partner)
        self._process_pushes()
        self.assertEqual(link.state, "in_sync", link.last_error)
        self.assertEqual(self.fake.count("POST", "/customers"), 3)

    def test_unreachable_economic_clear_error_quickly(self):
        partner = self._company()
        self.fake.fail_next(status=503, count=2, retry_after=0)
        with self.assertRaisesRegex(UserError, "could not be reached"):
            partner.crm_sync_economic_push()
        self.assertEqual(self.fake.count(), 2, "a user waits: one retry only")

    def test_one_contact_refused_the_rest_goes_on(self):
        partner = self._company()
        bad = self.env["res.partner"].create(
            {"name": "Lang Telefon", "parent_id": partner.id, "phone": "1" * 60}
        )
        good = self.env["res.partner"].create(
            {"name": "Kort Telefon", "parent_id": partner.id, "phone": "12345678"}
        )
        link = self._link(partner)
        self._process_pushes()
        self.assertEqual(link.state, "in_sync", link.last_error)
        by_partner = {c.record_id: c for c in link.contact_link_ids}
        self.assertEqual(by_partner[good].state, "in_sync")
        self.assertEqual(by_partner[bad].state, "error")
        self.assertIn("phone", by_partner[bad].last_error)
        names = [c["name"] for c in self.fake.contacts(link.customer_number)]
        self.assertEqual(names, ["Kort Telefon"])

    def test_wrong_tokens_push_clear_error(self):
        partner = self._company()
        self.backend.app_secret_token = "wrong"
        with self.assertRaisesRegex(UserError, "App Secret Token"):
            partner.crm_sync_economic_push()
        link = self._link(partner)
        self._process_pushes()
        self.assertEqual(link.state, "error")
        self.assertIn("App Secret Token", link.last_error)
        self.assertFalse(link.customer_number)

    def test_own_company_and_users_never_sent(self):
        self.env.company.partner_id.city = "Company town"
        user_partner = self.user_salesman.partner_id
        user_partner.city = "User town"
        for partner in (self.env.company.partner_id, user_partner):
            link = partner._crm_sync_economic_link(self.backend)
            link._crm_sync_queue_push()
        self._process_pushes()
        self.assertFalse(self._link(self.env.company.partner_id))
        self.assertFalse(self._link(user_partner))
        self.assertEqual(self.fake.count("POST"), 0)

    def test_synchronous_push_as_salesman(self):
        partner = self._company()
        person = self.env["res.partner"].create(
            {"name": "Per Person", "parent_id": partner.id}
        )
        result = (
            (partner | person).with_user(self.user_salesman).crm_sync_economic_push()
        )
        number = self._link(partner).customer_number
        self.assertTrue(number)
        self.assertEqual(result, {str(partner.id): number, str(person.id): number})
        self.assertEqual(self.fake.customer(number)["name"], partner.name)
        self._crm_sync_deny_write(partner)
        with self.assertRaises(AccessError):
            partner.with_user(self.user_salesman).crm_sync_economic_push()


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicPushPolicy(EconomicPushMixin, CrmSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=True, push_policy="on_active")
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls._crm_sync_add_groups(cls.user_salesman, "base.group_partner_manager")

    def test_on_active_waits_for_a_won_opportunity(self):
        partner = self._company()
        self.assertFalse(self._link(partner), "a prospect stays in the CRM")
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .create(
                {
                    "name": "Tagrenovering",
                    "type": "opportunity",
                    "partner_id": partner.id,
                }
            )
        )
        self.assertFalse(self._link(partner))
        self.assertTrue(partner._crm_sync_economic_is_active_customer() is False)
        lead.action_set_won()
        link = self._link(partner)
        self.assertTrue(link, "a won opportunity makes it an active customer")
        self.assertTrue(self._queued(link))
        self.assertTrue(partner._crm_sync_economic_is_active_customer())
        self._process_pushes()
        self.assertEqual(self.fake.customer(link.customer_number)["name"], partner.name)

    def test_won_opportunity_of_a_contact_sends_its_company(self):
        partner = self._company()
        person = self.env["res.partner"].create(
            {"name": "Lis Lund", "parent_id": partner.id}
        )
        lead = self.env["crm.lead"].create(
            {"name": "Deal", "type": "opportunity", "partner_id": person.id}
        )
        lead.stage_id = self.won_stage
        self.assertTrue(self._link(partner))
        self.assertFalse(self._link(person))
        self._process_pushes()
        link = self._link(partner)
        self.assertEqual(link.contact_link_ids.record_id, person)

    def test_rank_change_applies_the_policy_before_commit(self):
        """account's _increase_rank writes customer_rank in SQL then calls
        modified(): the policy runs in the transaction's precommit."""
        partner = self._company()
        self.env["crm.lead"].with_context(crm_sync_no_export=True).create(
            {
                "name": "Won before",
                "type": "opportunity",
                "partner_id": partner.id,
                "stage_id": self.won_stage.id,
            }
        )
        self.assertFalse(self._link(partner))
        # modified(["customer_rank"]) calls this (no customer_rank field here)
        partner._crm_sync_economic_rank_changed()
        self.assertFalse(self._link(partner), "applied before commit, not at once")
        self.env.cr.flush()
        self.assertTrue(self._link(partner))

    def test_create_in_economic_button_sends_a_prospect(self):
        partner = self._company()
        action = partner.with_user(self.user_salesman).action_crm_sync_economic_push()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self._link(partner).customer_number)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicPushRpc(EconomicPushMixin, CrmSyncHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=True, push_policy="on_active")
        cls._crm_sync_add_groups(cls.user_salesman, "base.group_partner_manager")

    def test_push_over_rpc(self):
        partner = self._company(user_id=self.user_salesman.id)
        result = self.rpc(
            self.user_salesman, "res.partner", "crm_sync_economic_push", [partner.id]
        )
        number = self._link(partner).customer_number
        self.assertEqual(result, {str(partner.id): number})
        self.assertEqual(self.fake.customer(number)["name"], partner.name)
        self.backend.agreement_grant_token = "wrong"
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_push",
            [partner.id],
            kinds=("UserError",),
            match="Agreement Grant Token",
        )
        self._crm_sync_deny_write(partner)
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_economic_push",
            [partner.id],
            kinds=("AccessError",),
        )
