# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Convert to Contact: a lead becomes a contact under the account the user picks."""

import threading
import time
from xmlrpc.client import Fault

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, Form, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger

from ..utils.account_suggestion import (
    company_domain,
    email_domain,
    is_generic_domain,
    website_domain,
)
from .common import CrmSyncCommon, CrmSyncHttpCommon


class ConvertContactDataMixin:
    """Accounts and leads shared by the ORM, XML-RPC and browser tests."""

    @classmethod
    def _convert_contact_setup(cls):
        # Default internal users may create contacts ("Contact Creation"), and
        # the Leads menu needs leads enabled.
        for user in (cls.user_salesman, cls.user_sales_manager):
            cls._crm_sync_add_groups(
                user, "base.group_partner_manager", "crm.group_use_lead"
            )
        Partner = cls.env["res.partner"]
        cls.lang_fr = cls.env["res.lang"]._activate_lang("fr_FR")
        cls.country_dk = cls.env.ref("base.dk")
        cls.account = Partner.create(
            {
                "name": "Nordlys Møbler A/S",
                "is_company": True,
                "website": "https://www.nordlys.example",
                "street": "Vesterbrogade 1",
                "city": "København",
                "country_id": cls.country_dk.id,
            }
        )
        cls.account_other = Partner.create(
            {
                "name": "Société Générale de Café",
                "is_company": True,
                "email": "contact@cafe-sgc.example",
            }
        )
        cls.person = Partner.create({"name": "Jens Person", "is_company": False})
        cls.lead = cls._create_lead(
            name="Interest in oak tables",
            contact_name="Mette Hansen",
            partner_name="Nordlys Møbler",
            email_from='"Mette Hansen" <Mette.Hansen@nordlys.example>',
            phone="+45 32 12 34 56",
            mobile="+45 20 12 34 56",
            function="Purchasing manager",
            title=cls.env.ref("base.res_partner_title_madam").id,
            lang_id=cls.lang_fr.id,
            street="Nørregade 7",
            zip="1165",
            city="København K",
            country_id=cls.country_dk.id,
            description="<p>Wants 40 tables before spring.</p>",
        )

    @classmethod
    def _create_lead(cls, **values):
        values.setdefault("type", "lead")
        values.setdefault("user_id", cls.user_salesman.id)
        return cls.env["crm.lead"].create(values)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit")
class TestAccountSuggestionUtils(BaseCase):
    def test_email_domain(self):
        self.assertEqual(email_domain('"Ann" <Ann@Zylker.COM>'), "zylker.com")
        self.assertEqual(email_domain("a@x.example, b@y.example"), "x.example")
        self.assertEqual(email_domain("not an email"), "")
        self.assertEqual(email_domain(False), "")

    def test_website_domain(self):
        self.assertEqual(website_domain("https://WWW.Zylker.com/about"), "zylker.com")
        self.assertEqual(website_domain("zylker.com"), "zylker.com")
        self.assertEqual(website_domain("http://shop.zylker.com"), "shop.zylker.com")
        self.assertEqual(website_domain(""), "")
        self.assertEqual(website_domain("http://[broken"), "")

    def test_company_domain_skips_free_mail(self):
        self.assertTrue(is_generic_domain("GMAIL.com"))
        self.assertFalse(is_generic_domain("zylker.com"))
        self.assertEqual(company_domain("ann@gmail.com"), "")
        self.assertEqual(company_domain("ann@hotmail.com"), "")
        self.assertEqual(company_domain("ann@zylker.com"), "zylker.com")


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_lead")
class TestConvertContact(CrmSyncCommon, ConvertContactDataMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._convert_contact_setup()

    def _set_restricted(self, value):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_sync.restrict_conversion", value
        )

    def _partner_count(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([])

    def assertNothingConverted(self, leads, partner_count):
        self.assertEqual(self._partner_count(), partner_count)
        for lead in leads:
            self.assertFalse(lead.crm_sync_converted)
            self.assertFalse(lead.crm_sync_conversion_type)
            self.assertFalse(lead.partner_id)

    # Conversion as each role

    def test_salesman_converts_own_lead(self):
        lead = self.lead.with_user(self.user_salesman)
        contact_ids = lead.crm_convert_to_contact(self.account.id)

        self.assertEqual(len(contact_ids), 1)
        contact = self.env["res.partner"].browse(contact_ids)
        self.assertRecordValues(
            contact,
            [
                {
                    "name": "Mette Hansen",
                    "is_company": False,
                    "type": "contact",
                    "parent_id": self.account.id,
                    "commercial_partner_id": self.account.id,
                    "email": "Mette.Hansen@nordlys.example",
                    "phone": "+45 32 12 34 56",
                    "mobile": "+45 20 12 34 56",
                    "function": "Purchasing manager",
                    "title": self.env.ref("base.res_partner_title_madam").id,
                    "lang": "fr_FR",
                    "user_id": self.user_salesman.id,
                    # a contact of an account with an address shares it (Odoo rule)
                    "street": "Vesterbrogade 1",
                    "city": "København",
                }
            ],
        )
        self.assertIn("Wants 40 tables", str(contact.comment))
        # the account's website is not copied onto the person
        self.assertFalse(contact.website)
        self.assertRecordValues(
            self.lead,
            [
                {
                    "partner_id": contact.id,
                    "crm_sync_converted": True,
                    "crm_sync_conversion_type": "contact",
                    "crm_sync_converted_by_id": self.user_salesman.id,
                    "type": "lead",
                    # the lead keeps the data it came in with
                    "partner_name": "Nordlys Møbler",
                    "contact_name": "Mette Hansen",
                    "street": "Nørregade 7",
                    "city": "København K",
                    "email_from": '"Mette Hansen" <Mette.Hansen@nordlys.example>',
                }
            ],
        )
        self.assertTrue(self.lead.crm_sync_conversion_date)
        # the contact is not touched by the lead → partner synchronisation
        self.assertEqual(contact.email, "Mette.Hansen@nordlys.example")
        # chatter notes on both sides
        self.assertIn(
            contact.name,
            self.lead.message_ids.filtered(
                lambda m: "Converted to the contact" in str(m.body)
            ).body,
        )
        self.assertTrue(
            contact.message_ids.filtered(
                lambda m: "Contact created from the lead" in str(m.body)
            )
        )

    def test_converted_lead_leaves_leads_list(self):
        other = self._create_lead(name="Still a lead", contact_name="Ole")
        self.lead.with_user(self.user_salesman).crm_convert_to_contact(self.account.id)

        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        context = action["context"]
        # Odoo's own keys are kept, ours added
        for key in ("'default_type': 'lead'", "'search_default_type': 'lead'"):
            self.assertIn(key, context)
        self.assertIn("'search_default_crm_sync_not_converted': 1", context)
        search_view = self.env["crm.lead"].get_view(
            self.env.ref("crm.view_crm_case_leads_filter").id, "search"
        )["arch"]
        self.assertIn('name="crm_sync_not_converted"', search_view)
        self.assertIn('name="crm_sync_converted"', search_view)

        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        leads_domain = [("type", "=", "lead")]
        not_converted = Lead.search(leads_domain + [("crm_sync_converted", "=", False)])
        converted = Lead.search(leads_domain + [("crm_sync_converted", "=", True)])
        self.assertIn(other, not_converted)
        self.assertNotIn(self.lead, not_converted)
        self.assertEqual(converted, self.lead)
        # and the contact is a contact like any other
        contacts = self.env["res.partner"].search([("parent_id", "=", self.account.id)])
        self.assertEqual(contacts, self.lead.partner_id)

    def test_sales_manager_converts_any_lead(self):
        self._set_restricted("True")
        lead = self._create_lead(
            name="Manager lead",
            contact_name="Anna",
            user_id=self.user_admin_settings.id,
        )
        contact_ids = lead.with_user(self.user_sales_manager).crm_convert_to_contact(
            self.account.id
        )
        self.assertEqual(lead.partner_id.id, contact_ids[0])
        self.assertEqual(lead.crm_sync_converted_by_id, self.user_sales_manager)

    def test_restricted_salesman_without_group_refused(self):
        self._set_restricted("True")
        count = self._partner_count()
        with self.assertRaisesRegex(AccessError, "Convert leads"):
            self.lead.with_user(self.user_salesman).crm_convert_to_contact(
                self.account.id
            )
        self.assertNothingConverted(self.lead, count)
        # the window refuses to open as well
        with self.assertRaises(AccessError):
            self.env["crm.lead.convert.contact"].with_user(
                self.user_salesman
            ).with_context(active_model="crm.lead", active_ids=self.lead.ids).create({})

    def test_restricted_salesman_with_group_converts(self):
        self._set_restricted("True")
        self._crm_sync_add_groups(
            self.user_salesman, "crm_sync.crm_sync_group_convert_leads"
        )
        contact_ids = self.lead.with_user(self.user_salesman).crm_convert_to_contact(
            self.account.id
        )
        self.assertEqual(self.lead.partner_id.id, contact_ids[0])

    def test_restricted_parameter_values(self):
        """The setting reads the usual words for "on" (Odoo's str2bool)."""
        lead = self.lead.with_user(self.user_salesman)
        for value in ("True", "1", " yes ", "on"):
            self._set_restricted(value)
            with self.assertRaisesRegex(AccessError, "Convert leads", msg=value):
                lead.action_crm_sync_convert()
        for value in ("False", "0", "", "maybe", False):
            self._set_restricted(value)
            self.assertEqual(
                lead.action_crm_sync_convert()["type"], "ir.actions.act_window"
            )

    def test_unrestricted_by_default(self):
        """Off by default (Odoo's own behaviour), and "False" means off."""
        self.assertFalse(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_sync.restrict_conversion")
        )
        self._set_restricted("False")
        self.lead.with_user(self.user_salesman).crm_convert_to_contact(self.account.id)
        self.assertTrue(self.lead.crm_sync_converted)

    def test_salesman_cannot_convert_others_lead(self):
        lead = self._create_lead(
            name="Not mine", contact_name="Bo", user_id=self.user_sales_manager.id
        )
        count = self._partner_count()
        with self.assertRaises(AccessError):
            lead.with_user(self.user_salesman).crm_convert_to_contact(self.account.id)
        self.assertNothingConverted(lead, count)

    # Bad input: clear error, nothing written

    def test_account_must_be_a_company(self):
        count = self._partner_count()
        with self.assertRaisesRegex(UserError, "Jens Person is not a company"):
            self.lead.with_user(self.user_salesman).crm_convert_to_contact(
                self.person.id
            )
        with self.assertRaisesRegex(UserError, "does not exist"):
            self.lead.with_user(self.user_salesman).crm_convert_to_contact(987654321)
        with self.assertRaisesRegex(UserError, "Choose the account"):
            self.lead.with_user(self.user_salesman).crm_convert_to_contact(False)
        self.assertNothingConverted(self.lead, count)

    def test_account_of_another_company_refused(self):
        other_company = self.env["res.company"].create({"name": "Crm Sync Other Co"})
        account = self.env["res.partner"].create(
            {
                "name": "Elsewhere Srl",
                "is_company": True,
                "company_id": other_company.id,
            }
        )
        count = self._partner_count()
        with self.assertRaisesRegex(UserError, "belongs to the company"):
            self.lead.crm_convert_to_contact(account.id)
        self.assertNothingConverted(self.lead, count)

    def test_reconvert_refused(self):
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        other = self._create_lead(name="Second", contact_name="Karen Olsen")
        self.lead.with_user(self.user_salesman).crm_convert_to_contact(self.account.id)
        contact = self.lead.partner_id
        count = self._partner_count()
        with self.assertRaisesRegex(UserError, "converted already"):
            Lead.browse(self.lead.id).crm_convert_to_contact(self.account_other.id)
        # one converted lead in a batch stops the whole batch
        with self.assertRaisesRegex(UserError, "Interest in oak tables"):
            Lead.browse([other.id, self.lead.id]).crm_convert_to_contact(
                self.account.id
            )
        self.assertEqual(self._partner_count(), count)
        self.assertEqual(self.lead.partner_id, contact)
        self.assertFalse(other.crm_sync_converted)
        self.assertFalse(other.partner_id)

    def test_opportunity_refused(self):
        opportunity = self._create_lead(
            name="A deal", contact_name="Per", type="opportunity"
        )
        count = self._partner_count()
        with self.assertRaisesRegex(UserError, "Only leads can be converted"):
            opportunity.with_user(self.user_salesman).crm_convert_to_contact(
                self.account.id
            )
        self.assertNothingConverted(opportunity, count)

    def test_conversion_cannot_be_reverted_or_forged(self):
        lead = self.lead.with_user(self.user_salesman)
        lead.crm_convert_to_contact(self.account.id)
        for vals in (
            {"crm_sync_converted": False},
            {"crm_sync_conversion_type": "deal"},
            {"type": "opportunity"},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                lead.write(vals)
        # not even the superuser, not even with a guessed context key
        with self.assertRaises(UserError):
            self.lead.sudo().with_context(crm_sync_conversion_token=True).write(
                {"crm_sync_converted": False}
            )
        # Odoo's own Convert to Opportunity is refused too
        with self.assertRaises(UserError):
            lead.convert_opportunity(self.account)
        self.assertRecordValues(
            self.lead,
            [
                {
                    "crm_sync_converted": True,
                    "crm_sync_conversion_type": "contact",
                    "type": "lead",
                }
            ],
        )
        # writing the same values back (an import of an export) is harmless
        lead.write(
            {
                "crm_sync_converted": True,
                "type": "lead",
                "crm_sync_conversion_type": "contact",
                "crm_sync_converted_by_id": self.user_salesman.id,
                "crm_sync_conversion_date": str(self.lead.crm_sync_conversion_date),
            }
        )
        # other fields stay editable
        lead.write({"description": "<p>Followed up.</p>"})
        # a converted lead's copy is a fresh, unconverted lead
        copy = self.lead.copy()
        self.assertFalse(copy.crm_sync_converted)
        self.assertFalse(copy.crm_sync_conversion_type)

    def test_conversion_state_not_set_by_hand(self):
        other = self._create_lead(name="Fake", contact_name="Fake")
        with self.assertRaisesRegex(UserError, "set by its conversion only"):
            other.with_user(self.user_salesman).write({"crm_sync_converted": True})
        with self.assertRaisesRegex(
            UserError, "cannot be created as already converted"
        ):
            self._create_lead(name="Imported", crm_sync_converted=True)
        self.assertFalse(other.crm_sync_converted)

    def test_mark_converted_api(self):
        """The shared API used by every crm_sync conversion path."""
        other = self._create_lead(name="Deal lead", contact_name="Deal")
        with self.assertRaisesRegex(UserError, "Unknown conversion type"):
            other._crm_sync_mark_converted("bogus")
        other._crm_sync_mark_converted("deal", {"type": "opportunity"})
        self.assertRecordValues(
            other,
            [
                {
                    "crm_sync_converted": True,
                    "crm_sync_conversion_type": "deal",
                    "type": "opportunity",
                }
            ],
        )
        with self.assertRaisesRegex(UserError, "cannot change type"):
            other.write({"type": "lead"})
        with self.assertRaisesRegex(UserError, "converted already"):
            other._crm_sync_mark_converted("contact")

    # Several leads at once

    def test_mass_conversion_to_one_account(self):
        leads = (
            self._create_lead(name="Lead A", contact_name="Anders And")
            | self._create_lead(name="Lead B", email_from="birgit@nordlys.example")
            | self._create_lead(name="Lead C")
        )
        # in the caller's order, not the database order
        ordered = leads.browse([leads[2].id, leads[0].id, leads[1].id])
        contact_ids = ordered.with_user(self.user_salesman).crm_convert_to_contact(
            self.account.id
        )
        contacts = self.env["res.partner"].browse(contact_ids)
        self.assertEqual(len(contacts), 3)
        self.assertEqual(ordered.partner_id.ids, contact_ids)
        # name: contact name, else the name in the email, else the lead's title
        self.assertEqual(
            contacts.mapped("name"), ["Lead C", "Anders And", "birgit@nordlys.example"]
        )
        self.assertEqual(contacts.parent_id, self.account)
        self.assertTrue(all(ordered.mapped("crm_sync_converted")))

    def test_wizard_mass_conversion(self):
        leads = (
            self._create_lead(name="Lead X", contact_name="Xenia")
            | self._create_lead(name="Lead Y", contact_name="Yrsa")
            | self._create_lead(name="Lead Z", contact_name="Zeno")
        )
        wizard_form = Form(
            self.env["crm.lead.convert.contact"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
        )
        self.assertEqual(wizard_form.lead_count, 3)
        self.assertFalse(wizard_form.account_id)
        wizard_form.account_id = self.account
        action = wizard_form.save().action_convert()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["domain"][0][:2], ("id", "in"))
        self.assertCountEqual(action["domain"][0][2], leads.partner_id.ids)
        self.assertEqual(leads.partner_id.parent_id, self.account)

    # The account suggestion

    def _suggest(self, lead):
        wizard_form = Form(
            self.env["crm.lead.convert.contact"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_ids=lead.ids)
        )
        return wizard_form

    def test_suggestion_from_customer(self):
        contact = self.env["res.partner"].create(
            {"name": "Existing", "parent_id": self.account_other.id}
        )
        lead = self._create_lead(name="Known customer", partner_id=contact.id)
        wizard_form = self._suggest(lead)
        self.assertEqual(wizard_form.account_id, self.account_other)
        self.assertIn("customer", wizard_form.account_reason)

    def test_suggestion_by_name(self):
        for typed in ("  société générale   DE café ", "SOCIETE GENERALE DE CAFE"):
            lead = self._create_lead(name="By name", partner_name=typed)
            wizard_form = self._suggest(lead)
            self.assertEqual(wizard_form.account_id, self.account_other, typed)
            self.assertIn("Same name", wizard_form.account_reason)
        # never a substring match
        for typed in ("Société Générale", "Générale de Café SA"):
            lead = self._create_lead(name="Partial", partner_name=typed)
            self.assertFalse(self._suggest(lead).account_id, typed)

    def test_suggestion_by_name_ambiguous(self):
        self.env["res.partner"].create(
            {"name": "Société générale de café", "is_company": True}
        )
        lead = self._create_lead(name="Twice", partner_name="Societe Generale de Cafe")
        wizard_form = self._suggest(lead)
        self.assertFalse(wizard_form.account_id)
        self.assertIn("2 accounts are named", wizard_form.account_reason)

    def test_suggestion_by_domain(self):
        # website domain
        lead = self._create_lead(name="Web", email_from="jo@NORDLYS.example")
        wizard_form = self._suggest(lead)
        self.assertEqual(wizard_form.account_id, self.account)
        self.assertIn("nordlys.example", wizard_form.account_reason)
        # email domain of the account
        lead = self._create_lead(name="Mail", email_from="Jo <jo@cafe-sgc.example>")
        self.assertEqual(self._suggest(lead).account_id, self.account_other)
        # a longer or shorter domain is another domain
        lead = self._create_lead(name="Sub", email_from="jo@eu.nordlys.example")
        self.assertFalse(self._suggest(lead).account_id)

    def test_generic_domain_not_suggested(self):
        self.env["res.partner"].create(
            {"name": "Gmail fan club", "is_company": True, "email": "club@gmail.com"}
        )
        lead = self._create_lead(name="Free mail", email_from="someone@gmail.com")
        wizard_form = self._suggest(lead)
        self.assertFalse(wizard_form.account_id)
        self.assertIn("free mail provider", wizard_form.account_reason)

    def test_wizard_single_lead(self):
        wizard_form = self._suggest(self.lead)
        # the lead's company "Nordlys Møbler" is not the account "Nordlys Møbler A/S",
        # but its email domain is the account's website
        self.assertEqual(wizard_form.account_id, self.account)
        self.assertIn("domain", wizard_form.account_reason)
        # the user decides: another account
        wizard_form.account_id = self.account_other
        action = wizard_form.save().action_convert()
        self.assertEqual(action["res_id"], self.lead.partner_id.id)
        self.assertEqual(self.lead.partner_id.parent_id, self.account_other)

    def test_wizard_refuses_converted_lead(self):
        self.lead.crm_convert_to_contact(self.account.id)
        with self.assertRaisesRegex(UserError, "converted already"):
            self._suggest(self.lead)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_lead")
class TestConvertContactConcurrency(BaseCase):
    """Two transactions converting the same lead: one contact, one clean refusal.

    Works on committed data (each transaction has its own cursor), removed at
    the end.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cls.account_id = (
                env["res.partner"]
                .create({"name": "Concurrent Konditori ApS", "is_company": True})
                .id
            )
            cls.lead_id = (
                env["crm.lead"]
                .create({"name": "Race", "type": "lead", "contact_name": "Racer"})
                .id
            )
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].browse(cls.lead_id).unlink()
            env["res.partner"].search([("parent_id", "=", cls.account_id)]).unlink()
            env["res.partner"].browse(cls.account_id).unlink()

    def _convert(self, started=None):
        """Convert the lead in a new transaction; ``started(pid)`` is called
        with its PostgreSQL backend pid before the conversion starts."""
        with self.registry.cursor() as cr:
            if started:
                started(cr._cnx.get_backend_pid())
            env = api.Environment(cr, SUPERUSER_ID, {})
            return (
                env["crm.lead"]
                .browse(self.lead_id)
                .crm_convert_to_contact(self.account_id)
            )

    def _wait_until_lock_wait(self, pid, timeout=30):
        """Block until the backend ``pid`` waits on a lock (bounded): polled
        on a cursor of its own, one transaction per look (pg_stat_activity is
        a snapshot per transaction)."""
        deadline = time.monotonic() + timeout
        with self.registry.cursor() as cr:
            while time.monotonic() < deadline:
                cr.execute(
                    SQL(
                        "SELECT 1 FROM pg_stat_activity"
                        " WHERE pid = %s AND wait_event_type = 'Lock'",
                        pid,
                    )
                )
                waiting = bool(cr.fetchall())
                cr.rollback()
                if waiting:
                    return True
                time.sleep(0.05)
        return False

    @mute_logger("odoo.sql_db")
    def test_concurrent_conversion(self):
        """The first transaction converts the lead and commits only once the
        second is seen waiting on the lead's lock: no timing assumption."""
        first_converted = threading.Event()
        second_started = threading.Event()
        outcome = {}

        def first():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                outcome["first"] = (
                    env["crm.lead"]
                    .browse(self.lead_id)
                    .crm_convert_to_contact(self.account_id)
                )
                first_converted.set()
                # commit (leaving the block) only while the second waits on us
                if second_started.wait(timeout=30):
                    outcome["second_waited"] = self._wait_until_lock_wait(
                        outcome["second_pid"]
                    )

        def started(pid):
            outcome["second_pid"] = pid
            second_started.set()

        def second():
            if not first_converted.wait(timeout=30):
                return
            try:
                outcome["second"] = self._convert(started)
            except psycopg2.errors.SerializationFailure:
                outcome["second"] = "serialization failure"
                # what Odoo does with such a request: run it again
                try:
                    self._convert()
                except UserError as error:
                    outcome["retry"] = str(error)

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        self.assertEqual(len(outcome["first"]), 1)
        self.assertTrue(outcome.get("second_waited"), "the second waited on a lock")
        self.assertEqual(outcome["second"], "serialization failure")
        self.assertIn("converted already", outcome["retry"])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            contacts = env["res.partner"].search([("parent_id", "=", self.account_id)])
            self.assertEqual(contacts.ids, outcome["first"])
            self.assertEqual(env["crm.lead"].browse(self.lead_id).partner_id, contacts)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_lead")
class TestConvertContactRpc(CrmSyncHttpCommon, ConvertContactDataMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._convert_contact_setup()

    def test_rpc_convert_as_salesman(self):
        other = self._create_lead(name="RPC second", contact_name="Sven")
        contact_ids = self.rpc(
            self.user_salesman,
            "crm.lead",
            "crm_convert_to_contact",
            [self.lead.id, other.id],
            self.account.id,
        )
        self.assertIsInstance(contact_ids, list)
        self.assertEqual(len(contact_ids), 2)
        self.assertEqual(self.lead.partner_id.id, contact_ids[0])
        self.assertEqual(other.partner_id.id, contact_ids[1])
        self.assertEqual(
            self.env["res.partner"].browse(contact_ids).mapped("parent_id"),
            self.account,
        )
        self.assertTrue(self.lead.crm_sync_converted)

    def test_rpc_bad_input(self):
        count = self.env["res.partner"].search_count([])
        with self.assertRaisesRegex(Fault, "not a company"):
            self.rpc(
                self.user_salesman,
                "crm.lead",
                "crm_convert_to_contact",
                [self.lead.id],
                self.person.id,
            )
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        self.assertFalse(self.lead.crm_sync_converted)

    def test_rpc_revert_refused(self):
        self.rpc(
            self.user_salesman,
            "crm.lead",
            "crm_convert_to_contact",
            [self.lead.id],
            self.account.id,
        )
        for vals in ({"crm_sync_converted": False}, {"type": "opportunity"}):
            with self.subTest(vals=vals), self.assertRaisesRegex(Fault, "converted"):
                self.rpc(
                    self.user_salesman,
                    "crm.lead",
                    "write",
                    [self.lead.id],
                    vals,
                    context={"crm_sync_conversion_token": True},
                )
        with self.assertRaisesRegex(Fault, "converted already"):
            self.rpc(
                self.user_sales_manager,
                "crm.lead",
                "crm_convert_to_contact",
                [self.lead.id],
                self.account_other.id,
            )
        self.env.invalidate_all()
        self.assertRecordValues(
            self.lead,
            [
                {
                    "crm_sync_converted": True,
                    "type": "lead",
                    "crm_sync_conversion_type": "contact",
                }
            ],
        )
        self.assertEqual(self.lead.partner_id.parent_id, self.account)


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_lead")
class TestConvertContactUi(CrmSyncHttpCommon, ConvertContactDataMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._convert_contact_setup()
        cls.tour_account = cls.env["res.partner"].create(
            {"name": "Tour Dansk Design ApS", "is_company": True}
        )

    def test_tour_convert_contact(self):
        lead = self._create_lead(
            name="Tour: pricing request",
            contact_name="Mette Tour",
            email_from="mette.tour@gmail.com",
        )
        self.start_tour(
            "/odoo/action-crm.crm_lead_all_leads",
            "crm_sync_convert_contact_tour",
            login=self.user_salesman.login,
        )
        self.assertTrue(lead.crm_sync_converted)
        self.assertEqual(lead.partner_id.name, "Mette Tour")
        self.assertEqual(lead.partner_id.parent_id, self.tour_account)

    def test_tour_converted_filter(self):
        converted = self._create_lead(
            name="Tour: already converted", contact_name="Done"
        )
        converted.crm_convert_to_contact(self.tour_account.id)
        self._create_lead(name="Tour: still open", contact_name="Open")
        self.start_tour(
            "/odoo/action-crm.crm_lead_all_leads",
            "crm_sync_converted_filter_tour",
            login=self.user_salesman.login,
        )
