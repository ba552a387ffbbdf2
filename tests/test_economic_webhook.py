# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic webhook route and its events, against the fake e-conomic over
real HTTP on loopback: secret, bad input, storing only, coalesced replays,
echoes of our own push, a field changed on both sides (proposal, Accept, Keep),
renumbering, deletion, a disabled integration, the safety-net poll."""

import json
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from ..utils.economic_client import EconomicClient
from .common import CrmSyncHttpCommon
from .economic_backend_common import EconomicBackendMixin
from .fake_economic import FakeEconomic


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicWebhook(CrmSyncHttpCommon, EconomicBackendMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_setup(enabled=True)
        cls.Event = cls.env["crm.sync.economic.event"]

    def setUp(self):
        super().setUp()
        # a fake of this test only: its data is not rolled back
        self.fake = FakeEconomic().start()
        self.addCleanup(self.fake.stop)
        self.backend.sudo().write(
            {"api_url": self.fake.url, "openapi_url": self.fake.openapi_url}
        )
        self.number = self.fake.add_customer(
            webhook=False,
            name="Havn & Co ApS",
            city="Aarhus",
            email="info@havn.dk",
            country="Denmark",
        )
        result = self.backend._crm_sync_economic_receive(
            [self.fake.customer(self.number)]
        )
        self.assertEqual(result[self.number]["result"], "created")
        self.partner = self.env["res.partner"].browse(result[self.number]["partner_id"])
        self.link = self._link(self.partner)
        self.fake.reset_counters()

    def _url(self, secret=None, **query):
        path = f"/crm_sync/economic/webhook/{secret or self.backend.webhook_secret}"
        if query:
            path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return path

    def _post(self, secret=None, data=None, headers=None, **query):
        return self.opener.post(
            self.base_url() + self._url(secret, **query),
            data=data,
            headers=headers,
            timeout=12,
        )

    def _process(self):
        self.env.flush_all()
        return self.Event._cron_process()

    def _events(self):
        return self.Event.search([("backend_id", "=", self.backend.id)])

    # ------------------------------------------------------------------
    # The route
    # ------------------------------------------------------------------

    def test_wrong_secret_403_nothing_stored(self):
        with mute_logger("odoo.http", "werkzeug"):
            response = self._post(secret="x" * 40, old=self.number, new=self.number)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.Event.search([]))

    def test_non_numeric_400(self):
        with mute_logger("odoo.http", "werkzeug"):
            for query in (
                {"old": "abc", "new": "12"},
                {"old": "[OLDNUMBER]", "new": "[NEWNUMBER]"},
                {"new": "-3"},
                {},
            ):
                with self.subTest(query=query):
                    self.assertEqual(self._post(**query).status_code, 400)
            response = self._post(
                data=b"{not json", headers={"Content-Type": "application/json"}
            )
            self.assertEqual(response.status_code, 400)
            response = self._post(data=b"x" * 5000, new=1)
            self.assertEqual(response.status_code, 413)
        self.assertFalse(self._events())

    def test_stored_only_then_processed(self):
        self.fake.change_customer(self.number, city="Odense")
        response = self._post(old=self.number, new=self.number)
        self.assertEqual(response.status_code, 200)
        event = self._events()
        self.assertEqual(
            (event.old_number, event.new_number, event.state),
            (self.number, self.number, "pending"),
        )
        self.assertEqual(self.fake.count(), 0, "no e-conomic call in the request")
        self.assertEqual(self.partner.city, "Aarhus", "no partner write in the request")
        self._process()
        self.assertEqual(event.state, "done")
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(self.link.agreed_values["city"], "Odense")

    def test_json_and_form_bodies(self):
        headers = {"Content-Type": "application/json"}
        body = json.dumps(
            {"oldNumber": str(self.number), "newNumber": str(self.number)}
        )
        self.assertEqual(self._post(data=body, headers=headers).status_code, 200)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        data = f"old={self.number}&new={self.number}".encode()
        self.assertEqual(self._post(data=data, headers=form).status_code, 200)
        self.assertEqual(self._events().mapped("new_number"), [self.number] * 2)

    def test_replayed_webhook_coalesced_one_get(self):
        self.fake.change_customer(self.number, city="Vejle")
        for _i in range(3):
            self.assertEqual(
                self._post(old=self.number, new=self.number).status_code, 200
            )
        self._process()
        self.assertEqual(self.fake.count("GET", "/customers/"), 1)
        self.assertEqual(set(self._events().mapped("state")), {"done"})
        self.assertEqual(self.partner.city, "Vejle")
        # a replay once processed: one more GET, nothing changes
        self._post(old=self.number, new=self.number)
        self._process()
        self.assertEqual(self.partner.city, "Vejle")
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )

    def test_fake_emitter_end_to_end(self):
        """e-conomic's own call (the fake's webhook emitter) reaches the route."""
        self.fake.add_webhook(
            self.base_url() + self._url(old="[OLDNUMBER]", new="[NEWNUMBER]")
        )
        self.fake.change_customer(self.number, zip="8000")
        self.assertTrue(self.fake.wait_webhooks())
        self._process()
        self.assertEqual(self.partner.zip, "8000")

    # ------------------------------------------------------------------
    # Two-way rules
    # ------------------------------------------------------------------

    def test_echo_of_our_push_changes_nothing(self):
        self.partner.write({"city": "Kolding"})
        self.env.flush_all()
        self.env["crm.sync.push"]._cron_process()
        self.assertEqual(self.fake.customer(self.number)["city"], "Kolding")
        write_date = self.partner.write_date
        self._post(old=self.number, new=self.number)  # e-conomic's echo
        self._process()
        self.assertEqual(self._events().state, "done")
        self.assertEqual(self.partner.city, "Kolding")
        self.assertEqual(self.partner.write_date, write_date)
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )
        self.assertEqual(self.link.state, "in_sync")
        self.assertFalse(self._queued(self.link))

    def _conflict(self):
        """City changed in the CRM (not pushed yet) and in e-conomic."""
        self.partner.with_context(crm_sync_no_export=True).city = "Horsens"
        self.fake.change_customer(self.number, city="Randers")
        self._post(old=self.number, new=self.number)
        self._process()
        proposal = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", self.partner.id), ("state", "=", "pending")]
        )
        self.assertEqual(proposal.field_name, "city")
        self.assertEqual(proposal.value_char, "Randers")
        self.assertEqual(proposal.source_res_id, self.link.id)
        self.assertEqual(self.partner.city, "Horsens", "never overwritten silently")
        self.assertEqual(self.link.state, "differs")
        return proposal

    def test_both_sides_changed_accept(self):
        self._conflict()
        self.partner.with_user(self.user_sales_manager).crm_sync_resolve(
            {"city": "accept"}
        )
        self.assertEqual(self.partner.city, "Randers")
        self.assertEqual(self.link.agreed_values["city"], "Randers")
        # the next event sees both sides agree
        self._post(old=self.number, new=self.number)
        self._process()
        self.assertFalse(
            self.env["crm.sync.proposal"].search(
                [("partner_id", "=", self.partner.id), ("state", "=", "pending")]
            )
        )

    def test_both_sides_changed_keep_pushes_crm_value(self):
        self._conflict()
        self.partner.with_user(self.user_sales_manager).crm_sync_resolve(
            {"city": "keep"}
        )
        self.assertTrue(self._queued(self.link))
        self._process_pushes()
        self.assertEqual(self.fake.customer(self.number)["city"], "Horsens")
        self.assertEqual(self.link.agreed_values["city"], "Horsens")
        self.assertEqual(self.partner.city, "Horsens")

    def test_unknown_country_kept_visibly(self):
        denmark = self.partner.country_id
        self.assertEqual(denmark.code, "DK")
        self.fake.change_customer(self.number, country="Atlantis")
        self._post(old=self.number, new=self.number)
        self._process()
        self.assertEqual(self.partner.country_id, denmark, "never cleared")
        self.assertIn("Atlantis", self.partner.message_ids[:1].body)
        self.assertFalse(self._queued(self.link), "never pushed over the text")
        self._post(old=self.number, new=self.number)  # nothing changed since
        self._process()
        notes = self.partner.message_ids.filtered(
            lambda m: "Atlantis" in (m.body or "")
        )
        self.assertEqual(len(notes), 1, "noted once per change")

    def test_new_customer_to_review_listed(self):
        Partner = self.env["res.partner"]
        twins = Partner.create(
            [{"name": "Tvilling A/S", "is_company": True} for _i in range(2)]
        )
        number = self.fake.add_customer(webhook=False, name="Tvilling A/S")
        self._post(old=number, new=number)
        self._process()
        self.assertEqual(Partner.search_count([("name", "=", "Tvilling A/S")]), 2)
        line = self.env["crm.sync.economic.import.line"].search(
            [("customer_number", "=", number), ("result", "=", "to_review")]
        )
        self.assertEqual(line.candidate_ids, twins)
        self.assertTrue(line.job_id.review_only)
        # the same customer again: still one line to review
        self._post(old=number, new=number)
        self._process()
        self.assertEqual(len(line.job_id.line_ids), 1)
        line = line.job_id.line_ids
        line.with_user(self.user_sales_manager).action_crm_sync_link(twins[1].id)
        self.assertEqual(self._link(twins[1]).customer_number, number)
        self.assertEqual(
            self.backend.crm_sync_economic_import_status()["state"], "idle"
        )

    def test_renumbering_link_follows(self):
        partners = self.env["res.partner"].search_count([])
        new = self.fake.renumber_customer(self.number, 7777)
        self.assertEqual(new, 7777)
        self._post(old=self.number, new=new)
        self._process()
        self.assertEqual(self._events().state, "done")
        self.assertEqual(self.link.customer_number, 7777)
        self.assertEqual(self.link.remote_id, "7777")
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_deleted_in_economic(self):
        self.fake.delete_customer(self.number)
        self._post(old=self.number, new=self.number)
        self._process()
        self.assertEqual(self._events().state, "done")
        self.assertFalse(self.link.exists())
        self.assertTrue(self.partner.exists() and self.partner.active)
        self.assertIn("deleted in e-conomic", self.partner.message_ids[:1].body)

    def test_disabled_backend_stored_processed_when_enabled(self):
        self.backend.enabled = False
        self.fake.change_customer(self.number, city="Skive")
        self.assertEqual(self._post(old=self.number, new=self.number).status_code, 200)
        self._process()
        self.assertEqual(self._events().state, "pending")
        self.assertEqual(self.fake.count(), 0)
        self.backend.enabled = True
        self._process()
        self.assertEqual(self._events().state, "done")
        self.assertEqual(self.partner.city, "Skive")

    @patch.object(EconomicClient, "backoff", 0.0)
    def test_failed_event_retried_with_bound(self):
        self.fake.fail_next(500, count=100)
        self._post(old=self.number, new=self.number)
        event = self._events()
        for _i in range(10):
            event.sudo().next_try = "2000-01-01 00:00:00"
            self._process()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.attempts, 5)
        self.assertTrue(event.error)

    # ------------------------------------------------------------------
    # Safety-net poll
    # ------------------------------------------------------------------

    def test_poll(self):
        self.fake.change_customer(self.number, city="Silkeborg")
        other = self.fake.add_customer(webhook=False, name="Polled ApS")
        fetched = self.backend.with_user(
            self.user_sales_manager
        ).crm_sync_economic_poll()
        self.assertGreaterEqual(fetched, 2)
        self.assertEqual(self.partner.city, "Silkeborg")
        self.assertTrue(
            self.env["crm.sync.economic.customer"].search(
                [("customer_number", "=", other)]
            )
        )
        self.assertTrue(self.backend.last_poll)
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user_salesman).crm_sync_economic_poll()

    def test_poll_contact_changes(self):
        """A contact changed alone (its customer untouched) comes with the poll."""
        contact = self.fake.add_contact(self.number, webhook=False, name="Lise Holm")
        self.backend._crm_sync_economic_poll()
        person = self.partner.child_ids
        self.assertEqual(person.name, "Lise Holm")
        self.fake.change_contact(self.number, contact, name="Lise Holm-Berg")
        # the contacts part of the poll alone (its customer was not polled)
        self.fake.reset_counters()
        with self.backend._crm_sync_economic_client() as client:
            self.backend._crm_sync_economic_poll_contacts(client, None, set())
        self.assertEqual(person.name, "Lise Holm-Berg")
        self.assertEqual(self.fake.count("GET", "/customers/"), 1, "its contacts only")
        self.assertEqual(self.partner.child_ids, person)

    def test_poll_xmlrpc(self):
        self.fake.change_customer(self.number, city="Viborg")
        fetched = self.rpc(
            self.user_sales_manager,
            "crm.sync.economic.backend",
            "crm_sync_economic_poll",
            [self.backend.id],
        )
        self.assertGreaterEqual(fetched, 1)
        self.assertEqual(self.partner.city, "Viborg")


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_economic")
class TestEconomicEventConcurrency(BaseCase):
    """Two events for the same new customer processed by two transactions at
    once (worst interleaving): one partner, one link, no database error; the
    loser is postponed and ends done. Real committed cursors, cleaned up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.fake = FakeEconomic().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.number = cls.fake.add_customer(webhook=False, name="Race Condition ApS")
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["crm.sync.economic.backend"].create(
                {
                    "name": "Concurrency agreement",
                    "api_url": cls.fake.url,
                    "openapi_url": cls.fake.openapi_url,
                    "app_secret_token": cls.fake.app_secret_token,
                    "agreement_grant_token": cls.fake.agreement_grant_token,
                    "enabled": True,
                }
            )
            cls.backend_id = backend.id
            Event = env["crm.sync.economic.event"]
            cls.event_ids = [
                Event.create({"backend_id": backend.id, "new_number": cls.number}).id
                for _i in range(2)
            ]
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["crm.sync.economic.backend"].browse(cls.backend_id)
            partners = backend.customer_link_ids.record_id
            env["crm.sync.economic.event"].search(
                [("backend_id", "=", backend.id)]
            ).unlink()
            backend.unlink()
            partners.unlink()

    def _process(self, cr, event_id):
        env = api.Environment(cr, SUPERUSER_ID, {})
        event = env["crm.sync.economic.event"].browse(event_id)
        event.backend_id._crm_sync_economic_process_events(event)
        return event

    def test_two_events_same_new_customer(self):
        first, second = self.event_ids
        with self.registry.cursor() as cr_second:
            # the second transaction starts (its snapshot) before the first
            # one commits its new partner and link
            env_second = api.Environment(cr_second, SUPERUSER_ID, {})
            env_second["crm.sync.economic.event"].browse(second)._crm_sync_lock_rows()
            with self.registry.cursor() as cr_first:
                self.assertEqual(self._process(cr_first, first).state, "done")
            with mute_logger("odoo.sql_db"):
                event = self._process(cr_second, second)
            self.assertEqual(event.state, "pending", "postponed, not failed")
            self.assertFalse(event.error)
        with self.registry.cursor() as cr:
            event = self._process(cr, second)
            self.assertEqual(event.state, "done")
            links = event.env["crm.sync.economic.customer"].search(
                [("backend_id", "=", self.backend_id)]
            )
            self.assertEqual(len(links), 1)
            self.assertEqual(links.customer_number, self.number)
            self.assertEqual(
                event.env["res.partner"].search_count(
                    [("name", "=", "Race Condition ApS")]
                ),
                1,
            )

    def test_two_events_same_linked_customer(self):
        """The same with a linked customer: the link's row lock serialises
        them; the later one is postponed, then sees the first one's work."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["crm.sync.economic.backend"].browse(self.backend_id)
            if not backend.customer_link_ids:
                backend._crm_sync_economic_receive([self.fake.customer(self.number)])
            Event = env["crm.sync.economic.event"]
            first, second = (
                Event.create({"backend_id": self.backend_id, "new_number": self.number})
                for _i in range(2)
            )
            first, second = first.id, second.id
        self.fake.change_customer(self.number, city="Esbjerg")
        with self.registry.cursor() as cr_second:
            env_second = api.Environment(cr_second, SUPERUSER_ID, {})
            env_second["crm.sync.economic.event"].browse(second)._crm_sync_lock_rows()
            with self.registry.cursor() as cr_first:
                self.assertEqual(self._process(cr_first, first).state, "done")
            with mute_logger("odoo.sql_db"):
                event = self._process(cr_second, second)
            self.assertEqual(event.state, "pending", "postponed, not failed")
        with self.registry.cursor() as cr:
            event = self._process(cr, second)
            self.assertEqual(event.state, "done")
            link = event.backend_id.customer_link_ids
            self.assertEqual(len(link), 1)
            self.assertEqual(link.record_id.city, "Esbjerg")
            self.assertFalse(
                event.env["crm.sync.proposal"].search(
                    [("partner_id", "=", link.record_id.id)]
                )
            )

    def test_webhook_racing_our_push(self):
        """The webhook of our own push processed by a transaction that began
        before the push committed: postponed, then an echo (no proposal)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["crm.sync.economic.backend"].browse(self.backend_id)
            if not backend.customer_link_ids:
                backend._crm_sync_economic_receive([self.fake.customer(self.number)])
            link = backend.customer_link_ids
            link.record_id.with_context(crm_sync_no_export=True).city = "Ribe"
            event_id = (
                env["crm.sync.economic.event"]
                .create({"backend_id": self.backend_id, "new_number": self.number})
                .id
            )
            link_id = link.id
        with self.registry.cursor() as cr_event:
            env_event = api.Environment(cr_event, SUPERUSER_ID, {})
            env_event["crm.sync.economic.event"].browse(event_id)._crm_sync_lock_rows()
            with self.registry.cursor() as cr_push:
                env_push = api.Environment(cr_push, SUPERUSER_ID, {})
                env_push["crm.sync.economic.customer"].browse(link_id)._crm_sync_push()
            self.assertEqual(self.fake.customer(self.number)["city"], "Ribe")
            with mute_logger("odoo.sql_db"):
                event = self._process(cr_event, event_id)
            self.assertEqual(event.state, "pending", "postponed, not failed")
        with self.registry.cursor() as cr:
            event = self._process(cr, event_id)
            self.assertEqual(event.state, "done")
            link = event.env["crm.sync.economic.customer"].browse(link_id)
            self.assertEqual(link.record_id.city, "Ribe")
            self.assertEqual(link.state, "in_sync")
            self.assertFalse(
                event.env["crm.sync.proposal"].search(
                    [("partner_id", "=", link.record_id.id)]
                )
            )
