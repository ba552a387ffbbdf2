# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion into account + contact + optional deal (ORM level, as a salesman)."""

import base64

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CrmSyncCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadConvert(CrmSyncCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup()
        cls.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", False)

    def _native_convert_wizard(self, lead):
        """Odoo's own Convert to Opportunity window on ``lead``, as the salesman."""
        return (
            self.env["crm.lead2opportunity.partner"]
            .with_user(self.user_salesman)
            .with_context(
                active_model="crm.lead", active_id=lead.id, active_ids=lead.ids
            )
            .create({"name": "convert", "action": "nothing"})
        )

    def _lead(self, **values):
        vals = {
            "name": "Oak tables",
            "partner_name": "Zylker Inc.",
            "contact_name": "Charles Stone",
            "email_from": "Charles.S@zylker.example",
            "phone": "+32 475 12 34 56",
            "function": "Buyer",
            "street": "Rue Haute 1",
            "city": "Brussels",
            "country_id": self.env.ref("base.be").id,
            "website": "https://zylker.example",
            "vat": "BE0477472701",
            "tag_ids": [Command.set((self.tag_vip | self.tag_fair).ids)],
            "expected_revenue": 5000,
        }
        vals.update(values)
        return self._create_lead(**vals)

    def _note(self, lead, body):
        return lead.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_note"
        )

    def _attachment(self, lead):
        return self.env["ir.attachment"].create(
            {
                "name": "quote.txt",
                "datas": base64.b64encode(b"quote"),
                "res_model": "crm.lead",
                "res_id": lead.id,
            }
        )

    def test_convert_without_deal(self):
        """New account + contact from the mapping; the lead is closed as converted;
        notes and attachments go to the contact, tags to account and contact."""
        lead = self._lead()
        note = self._note(lead, "Met at the fair")
        attachment = self._attachment(lead)
        res = lead.with_user(self.user_salesman).crm_sync_convert({})
        self.assertEqual(set(res), {str(lead.id)})
        res = res[str(lead.id)]
        self.assertEqual(res["account_action"], "created")
        self.assertEqual(res["contact_action"], "created")
        self.assertFalse(res["deal_id"])
        account = self.env["res.partner"].browse(res["account_id"])
        contact = self.env["res.partner"].browse(res["contact_id"])
        self.assertTrue(account.is_company)
        self.assertEqual(account.name, "Zylker Inc.")
        self.assertEqual(account.vat, "BE0477472701")
        self.assertEqual(account.website, "https://zylker.example")
        self.assertEqual(account.phone, "+32 475 12 34 56")
        self.assertEqual(contact.parent_id, account)
        self.assertEqual(contact.name, "Charles Stone")
        self.assertEqual(contact.email, "Charles.S@zylker.example")
        self.assertEqual(contact.function, "Buyer")
        self.assertEqual(contact.city, "Brussels")
        self.assertEqual(contact.user_id, self.user_salesman)
        categories = (account.category_id | contact.category_id).mapped("name")
        self.assertEqual(
            sorted(set(categories)), ["Trade fair crm_sync", "VIP crm_sync"]
        )
        self.assertEqual(len(account.category_id), 2)
        self.assertEqual(len(contact.category_id), 2)
        # the lead: closed as converted, still a lead, linked to its contact
        self.assertTrue(lead.crm_sync_converted)
        self.assertEqual(lead.type, "lead")
        self.assertEqual(lead.crm_sync_conversion_type, "account")
        self.assertEqual(lead.partner_id, contact)
        self.assertEqual(lead.contact_name, "Charles Stone")
        leads_list = self.env["crm.lead"].search(
            [("type", "=", "lead"), ("crm_sync_converted", "=", False)]
        )
        self.assertNotIn(lead, leads_list)
        # the note went to the contact, the attachment too
        self.assertEqual((note.model, note.res_id), ("res.partner", contact.id))
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("res.partner", contact.id)
        )
        # converted once
        with self.assertRaises(UserError):
            lead.with_user(self.user_salesman).crm_sync_convert({})

    def test_convert_with_deal(self):
        """The lead itself becomes the deal; notes stay on it with copies on the
        account and the contact; a stage of another pipeline is replaced."""
        lead = self._lead()
        self._note(lead, "Budget confirmed")
        attachment = self._attachment(lead)
        res = lead.with_user(self.user_salesman).crm_sync_convert(
            {
                "create_deal": True,
                "attachments_target": "account",
                "deal_values": {
                    "name": "Zylker oak tables",
                    "date_deadline": "2026-12-31",
                    "stage_id": self.stage_other_team.id,
                    "expected_revenue": 12000,
                    "campaign_id": self.campaign.id,
                },
            }
        )[str(lead.id)]
        self.assertEqual(res["deal_id"], lead.id)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.name, "Zylker oak tables")
        self.assertEqual(lead.date_deadline, fields.Date.to_date("2026-12-31"))
        self.assertEqual(lead.stage_id, self.stage_team_first)
        self.assertEqual(lead.expected_revenue, 12000)
        self.assertEqual(lead.campaign_id, self.campaign)
        self.assertEqual(lead.partner_id.id, res["contact_id"])
        self.assertEqual(lead.crm_sync_conversion_type, "deal")
        self.assertTrue(lead.date_conversion)
        notes = self.env["mail.message"].search(
            [("body", "ilike", "Budget confirmed"), ("message_type", "=", "comment")]
        )
        self.assertEqual(
            sorted((m.model, m.res_id) for m in notes),
            sorted(
                [
                    ("crm.lead", lead.id),
                    ("res.partner", res["account_id"]),
                    ("res.partner", res["contact_id"]),
                ]
            ),
        )
        self.assertEqual(
            (attachment.res_model, attachment.res_id),
            ("res.partner", res["account_id"]),
        )
        # the deal cannot go back to a lead
        with self.assertRaises(UserError):
            lead.with_user(self.user_salesman).write({"type": "lead"})

    def test_deal_name_and_stage_defaults(self):
        lead = self._lead(partner_name="  Acme Tools ")
        lead.with_user(self.user_salesman).crm_sync_convert({"create_deal": True})
        self.assertEqual(lead.name, "Acme Tools")
        self.assertEqual(lead.stage_id, self.stage_team_first)

    def test_no_company_no_account(self):
        lead = self._lead(partner_name=False, vat=False)
        with self.assertRaisesRegex(UserError, "no company name"):
            lead.with_user(self.user_salesman).crm_sync_convert({"account": "new"})
        res = lead.with_user(self.user_salesman).crm_sync_convert({})[str(lead.id)]
        self.assertEqual(res["account_action"], "none")
        self.assertFalse(res["account_id"])
        contact = self.env["res.partner"].browse(res["contact_id"])
        self.assertFalse(contact.parent_id)
        # without an account, the account's tags go to the contact
        self.assertEqual(len(contact.category_id), 2)
        self.assertEqual(lead.crm_sync_conversion_type, "contact")

    def test_fill_only_empty_fields(self):
        """An existing contact keeps its values; only empty fields are filled, the
        address as one block, and a note lists what was filled."""
        contact = self.env["res.partner"].create(
            {
                "name": "C. Stone",
                "email": "charles.s@zylker.example",
                "function": "CEO",
                "city": "Ghent",
            }
        )
        lead = self._lead(partner_name=False, vat=False)
        res = lead.with_user(self.user_salesman).crm_sync_convert({})[str(lead.id)]
        self.assertEqual(res["contact_id"], contact.id)
        self.assertEqual(res["contact_action"], "merged")
        self.assertEqual(contact.name, "C. Stone")
        self.assertEqual(contact.function, "CEO")
        self.assertEqual(contact.phone, "+32 475 12 34 56")
        self.assertEqual(contact.city, "Ghent")
        self.assertFalse(contact.street, "the address is filled as one block")
        note = contact.message_ids.filtered(lambda m: "Filled from the lead" in m.body)
        self.assertEqual(len(note), 1)
        self.assertIn("Phone", note.body)
        self.assertNotIn("Job Position", note.body)

    def test_readonly_partner_linked_not_updated(self):
        """A read-only matched contact is linked, not updated."""
        contact = self.env["res.partner"].create(
            {"name": "Read Only", "email": "charles.s@zylker.example"}
        )
        self._crm_sync_deny_write(contact)
        lead = self._lead(partner_name=False, vat=False)
        res = lead.with_user(self.user_salesman).crm_sync_convert({})[str(lead.id)]
        self.assertEqual(res["contact_id"], contact.id)
        self.assertFalse(contact.phone)
        self.assertFalse(contact.category_id)
        self.assertEqual(lead.partner_id, contact)

    def test_existing_account_new_contact_under_it(self):
        account = self.env["res.partner"].create(
            {"name": "ZYLKER  inc.", "is_company": True, "phone": "+32 2 000 00 00"}
        )
        lead = self._lead(vat=False)
        res = lead.with_user(self.user_salesman).crm_sync_convert({})[str(lead.id)]
        self.assertEqual(
            (res["account_id"], res["account_action"]), (account.id, "merged")
        )
        self.assertEqual(res["contact_action"], "created")
        contact = self.env["res.partner"].browse(res["contact_id"])
        self.assertEqual(contact.parent_id, account)
        self.assertEqual(account.phone, "+32 2 000 00 00")
        self.assertEqual(account.website, "https://zylker.example")

    def test_explicit_choices(self):
        account = self.env["res.partner"].create(
            {"name": "Other Co", "is_company": True}
        )
        contact = self.env["res.partner"].create(
            {"name": "Someone", "parent_id": account.id}
        )
        lead = self._lead()
        with self.assertRaisesRegex(UserError, "keeps it"):
            lead.with_user(self.user_salesman).crm_sync_convert(
                {"contact": contact.id, "account": "new"}
            )
        res = lead.with_user(self.user_salesman).crm_sync_convert(
            {"contact": contact.id, "account": "auto", "move_tags": False}
        )[str(lead.id)]
        self.assertEqual(res["account_id"], account.id)
        self.assertEqual(res["contact_id"], contact.id)
        self.assertFalse(contact.category_id)

    def test_owner(self):
        lead = self._lead()
        res = lead.with_user(self.user_salesman).crm_sync_convert(
            {"owner_id": self.user_sales_manager.id, "create_deal": True}
        )[str(lead.id)]
        partners = self.env["res.partner"].browse(
            [res["account_id"], res["contact_id"]]
        )
        self.assertEqual(partners.user_id, self.user_sales_manager)
        self.assertEqual(lead.user_id, self.user_sales_manager)

    def test_bad_options(self):
        lead = self._lead()
        Lead = lead.with_user(self.user_salesman)
        with self.assertRaisesRegex(UserError, "Unknown conversion options"):
            Lead.crm_sync_convert({"acount": "new"})
        with self.assertRaisesRegex(UserError, "no deal is created"):
            Lead.crm_sync_convert({"attachments_target": "deal"})
        with self.assertRaisesRegex(UserError, "cannot be set"):
            Lead.crm_sync_convert(
                {"create_deal": True, "deal_values": {"type": "lead"}}
            )
        self.assertFalse(lead.crm_sync_converted)

    def test_permission_setting(self):
        """Setting on: only the Convert leads group converts, by any path."""
        self.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", True)
        lead = self._lead()
        with self.assertRaises(AccessError):
            lead.with_user(self.user_salesman).crm_sync_convert({})
        with self.assertRaises(AccessError):
            lead.with_user(self.user_salesman).crm_sync_mass_convert(
                [("id", "=", lead.id)], {}
            )
        wizard = self._native_convert_wizard(lead)
        with self.assertRaises(AccessError):
            wizard.action_apply()
        with self.assertRaises(AccessError):
            lead.with_user(self.user_salesman).write({"type": "opportunity"})
        self.assertEqual(lead.type, "lead")
        self.assertFalse(lead.crm_sync_converted)
        # with the group, it works
        self._crm_sync_add_groups(
            self.user_salesman, "crm_sync.crm_sync_group_convert_leads"
        )
        res = lead.with_user(self.user_salesman).crm_sync_convert({})
        self.assertTrue(lead.crm_sync_converted)
        self.assertTrue(res[str(lead.id)]["contact_id"])

    def test_setting_stores_the_parameter(self):
        Settings = self.env["res.config.settings"].with_user(self.user_admin_settings)
        Settings.create({"crm_sync_restrict_conversion": True}).execute()
        self.assertTrue(
            self.env["ir.config_parameter"].get_param("crm_sync.restrict_conversion")
        )
        self.assertTrue(
            Settings.default_get(["crm_sync_restrict_conversion"]).get(
                "crm_sync_restrict_conversion"
            )
        )
        Settings.create({"crm_sync_restrict_conversion": False}).execute()
        self.assertFalse(
            self.env["ir.config_parameter"].get_param("crm_sync.restrict_conversion")
        )

    def test_permission_setting_off_native_convert(self):
        """Setting off (default): Odoo's Convert to Opportunity works as before."""
        lead = self._lead()
        wizard = self._native_convert_wizard(lead)
        wizard.action_apply()
        self.assertEqual(lead.type, "opportunity")

    def test_closed_lost_reason(self):
        closed = self.env.ref("crm_sync.crm_lost_reason_closed")
        lead = self._lead()
        lead.with_user(self.user_salesman).action_set_lost(lost_reason_id=closed.id)
        found = self.env["crm.lead"].search(
            [("active", "=", False), ("lost_reason_id.crm_sync_is_closed", "=", True)]
        )
        self.assertIn(lead, found)

    def test_convert_window(self):
        """The Convert window pre-fills each decision with its reason."""
        account = self.env["res.partner"].create(
            {"name": "Zylker Inc", "is_company": True}
        )
        lead = self._lead(partner_name="zylker inc", vat=False)
        lead2 = self._lead(
            partner_name="Brand New Co", email_from="x@new.example", vat=False
        )
        action = (lead | lead2).with_user(self.user_salesman).action_crm_sync_convert()
        form = Form(
            self.env["crm.lead.convert"]
            .with_user(self.user_salesman)
            .with_context(**action["context"])
        )
        self.assertEqual(len(form.line_ids), 2)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.account_action, "existing")
            self.assertEqual(line.account_id, account)
            self.assertIn("company name", line.account_reason)
            self.assertEqual(line.contact_action, "new")
        with form.line_ids.edit(1) as line:
            self.assertEqual(line.account_action, "new")
            self.assertEqual(line.deal_name, "Brand New Co")
        form.create_deal = True
        self.assertEqual(form.attachments_target, "deal")
        form.stage_id = self.stage_team_first
        wizard = form.save()
        wizard.action_convert()
        self.assertEqual((lead | lead2).mapped("type"), ["opportunity", "opportunity"])
        self.assertEqual(lead.partner_id.parent_id, account)
        self.assertEqual(lead2.name, "Brand New Co")
