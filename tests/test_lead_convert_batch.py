# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion in batches: the Convert window converts every line in one
batch, account suggestions use indexed domain keys, the mass window sets deal
name, revenue and team, linking a contact to an account keeps its address, and
the mapping form only offers compatible target fields."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CrmSyncCommon, CrmSyncHttpCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadConvertBatch(CrmSyncCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup()
        cls.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", False)
        cls.vip_tag_ids = [Command.set(cls.tag_vip.ids)]

    def _first_stage(self, team):
        return self.env["crm.stage"].search(
            ["|", ("team_id", "=", False), ("team_id", "=", team.id)],
            order="sequence, id",
            limit=1,
        )

    def _window(self, leads):
        action = leads.with_user(self.user_salesman).action_crm_sync_convert()
        return Form(
            self.env["crm.lead.convert"]
            .with_user(self.user_salesman)
            .with_context(**action["context"])
        )

    def _convert_through_window(self, leads):
        """Queries spent by the Convert button on ``leads`` (window filled first)."""
        wizard = self._window(leads).save()
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        wizard.action_convert()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _convert_leads(self, leads, options):
        """Queries spent by ``crm_sync_convert(options)`` on ``leads``."""
        leads = leads.with_user(self.user_salesman)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        leads.crm_sync_convert(options)
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _partner_ids(self):
        self.env.flush_all()
        Partner = self.env["res.partner"].with_context(active_test=False)
        return set(Partner.search([]).ids)

    # ------------------------------------------------------------------
    # 1. one batch for the whole window
    # ------------------------------------------------------------------

    def test_window_converts_each_line_as_decided(self):
        """Every line is converted once, with its own decisions: the leads
        become deals linked as decided, and exactly the partners the decisions
        call for are created (no lead converted twice, none left out)."""
        account = self.env["res.partner"].create(
            {"name": "Chosen Account", "is_company": True}
        )
        contact = self.env["res.partner"].create(
            {"name": "Chosen Person", "email": "chosen@person.example"}
        )
        leads = self._create_leads(3, "Batch", tag_ids=self.vip_tag_ids)
        form = self._window(leads)
        with form.line_ids.edit(0) as line:
            line.account_action = "existing"
            line.account_id = account
        with form.line_ids.edit(1) as line:
            line.account_action = "none"
        with form.line_ids.edit(2) as line:
            line.contact_action = "existing"
            line.contact_id = contact
        form.create_deal = True
        with form.line_ids.edit(0) as line:
            line.deal_name = "Tables for Chosen"
            line.expected_revenue = 777
        wizard = form.save()
        before = self._partner_ids()
        action = wizard.action_convert()
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertEqual(set(leads.mapped("crm_sync_conversion_type")), {"deal"})
        self.assertEqual(leads[0].partner_id.parent_id, account)
        self.assertEqual(leads[0].name, "Tables for Chosen")
        self.assertEqual(leads[0].expected_revenue, 777)
        self.assertFalse(leads[1].partner_id.parent_id)
        self.assertEqual(leads[1].name, "Batch Co 1")
        self.assertEqual(leads[2].partner_id, contact)
        self.assertEqual(contact.parent_id.name, "Batch Co 2")
        # two new contacts (lines 1 and 2), one new account (line 3)
        created = self._partner_ids() - before
        self.assertEqual(
            created,
            set((leads[0].partner_id | leads[1].partner_id | contact.parent_id).ids),
        )
        self.assertEqual(action["domain"], [("id", "in", leads.partner_id.ids)])

    def test_window_converts_all_or_nothing(self):
        """One batch: a line that cannot be converted stops the window before
        any lead is converted or any partner created."""
        leads = self._create_leads(3, "Whole", tag_ids=self.vip_tag_ids)
        wizard = self._window(leads).save()
        # meanwhile, the last lead is converted from elsewhere
        leads[2].with_user(self.user_salesman).crm_sync_convert({})
        before = self._partner_ids()
        # no assertRaises: its savepoint would hide what a lead-by-lead
        # conversion wrote before it failed
        try:
            wizard.action_convert()
        except UserError as error:
            self.assertIn("converted already", str(error))
        else:
            self.fail("the window converted a lead converted already")
        self.env.invalidate_all()
        self.assertEqual(self._partner_ids(), before)
        self.assertRecordValues(
            leads[:2],
            [{"type": "lead", "crm_sync_converted": False, "partner_id": False}] * 2,
        )

    def test_leads_converted_keep_their_data(self):
        """Leads converted together into deals each get their own contact and
        the conversion state, and keep the data they came in with, though
        their contacts share the account's address (which crm copies onto a
        lead it links to a partner)."""
        leads = self._create_leads(3, "Shared", tag_ids=self.vip_tag_ids)
        leads.write({"street": "Lead Street 1", "city": "Lead City"})
        # existing accounts with their own address: their new contacts share
        # it (Odoo's rule), which crm would copy back onto the leads
        self.env["res.partner"].create(
            [
                {
                    "name": f"Shared Co {i}",
                    "is_company": True,
                    "street": "Account Street 9",
                    "city": "Account City",
                }
                for i in range(3)
            ]
        )
        result = leads.with_user(self.user_salesman).crm_sync_convert(
            {"create_deal": True}
        )
        for lead in leads:
            contact_id = result[str(lead.id)]["contact_id"]
            self.assertRecordValues(
                lead,
                [
                    {
                        "partner_id": contact_id,
                        "type": "opportunity",
                        "crm_sync_converted": True,
                        "crm_sync_converted_by_id": self.user_salesman.id,
                        "crm_sync_conversion_type": "deal",
                        "partner_name": lead.partner_name,
                        "street": "Lead Street 1",
                        "city": "Lead City",
                    }
                ],
            )
            self.assertTrue(lead.date_conversion)
            self.assertTrue(lead.crm_sync_conversion_date)
        self.assertEqual(len(leads.partner_id), 3)
        self.assertEqual(set(leads.partner_id.mapped("street")), {"Account Street 9"})

    def test_deal_conversion_queries_do_not_scale_per_lead(self):
        """Converting leads into deals: what the leads share (type, conversion
        state) is written for the whole batch, not lead by lead: six leads
        cost a few queries more than two, not four times a lead's share."""
        self._convert_leads(
            self._create_leads(1, "DealWarm", tag_ids=self.vip_tag_ids),
            {"create_deal": True},
        )
        two = self._convert_leads(
            self._create_leads(2, "DealTwo", tag_ids=self.vip_tag_ids),
            {"create_deal": True},
        )
        six = self._convert_leads(
            self._create_leads(6, "DealSix", tag_ids=self.vip_tag_ids),
            {"create_deal": True},
        )
        self.assertLessEqual(six - two, two // 4, f"2 leads: {two}, 6 leads: {six}")

    def test_window_queries_do_not_scale_per_lead(self):
        """Six leads cost far less than three times two leads: the duplicate
        search, mapping, notes, attachments, tags and stages are read once."""
        self._convert_through_window(
            self._create_leads(1, "Warm", tag_ids=self.vip_tag_ids)
        )  # caches
        two = self._convert_through_window(
            self._create_leads(2, "Two", tag_ids=self.vip_tag_ids)
        )
        six = self._convert_through_window(
            self._create_leads(6, "Six", tag_ids=self.vip_tag_ids)
        )
        # four more leads cost a fraction of one conversion (one conversion
        # per line costs some twenty queries more per lead)
        self.assertLessEqual(six - two, two // 4, f"2 leads: {two}, 6 leads: {six}")

    def test_batch_fills_writable_accounts_only(self):
        """Leads matching existing accounts are linked to them; the write
        access to those accounts is decided for the batch, account by account:
        those the user may write get the lead's tags, the one he may only read
        is linked and left as it is."""
        accounts = self.env["res.partner"].create(
            [{"name": f"Known Co {i}", "is_company": True} for i in range(3)]
        )
        readonly = accounts[1]
        self._crm_sync_deny_write(readonly)
        leads = self._create_leads(3, "Known", tag_ids=self.vip_tag_ids)
        result = leads.with_user(self.user_salesman).crm_sync_convert({})
        for lead, account in zip(leads, accounts, strict=True):
            self.assertEqual(lead.partner_id.parent_id, account)
            self.assertEqual(result[str(lead.id)]["account_id"], account.id)
        self.assertEqual(accounts[0].category_id.name, "VIP crm_sync")
        self.assertEqual(accounts[2].category_id.name, "VIP crm_sync")
        self.assertFalse(readonly.category_id)
        self.assertEqual(readonly.write_uid, self.env.user, "not written by the lead")

    # ------------------------------------------------------------------
    # 2. deal team and stage
    # ------------------------------------------------------------------

    def test_deal_team_gets_its_first_stage(self):
        """A deal sent to another team leaves the old pipeline's stage for the
        new pipeline's first stage (looked up once for the batch)."""
        other_team = self.stage_other_team.team_id
        leads = self._create_leads(2, "Moved", tag_ids=self.vip_tag_ids)
        leads.stage_id = self.stage_team_first
        leads.with_user(self.user_salesman).crm_sync_convert(
            {"create_deal": True, "deal_values": {"team_id": other_team.id}}
        )
        self.assertEqual(leads.team_id, other_team)
        first = self._first_stage(other_team)
        self.assertNotEqual(first, self.stage_team_first)
        self.assertEqual(leads.stage_id, first)

    # ------------------------------------------------------------------
    # 3. website / e-mail domain keys
    # ------------------------------------------------------------------

    def _suggested_account(self, lead):
        """The account the Convert to Contact window suggests for ``lead``,
        and the reason it shows."""
        form = Form(
            self.env["crm.lead.convert.contact"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_ids=lead.ids)
        )
        return form.account_id, form.account_reason

    def test_domain_keys_computed_and_used(self):
        account = self.env["res.partner"].create(
            {
                "name": "Nordlys AS",
                "is_company": True,
                "website": "https://WWW.Nordlys.example/about",
                "email": "Sales <sales@Mail.Nordlys.example>",
            }
        )
        self.assertEqual(account.crm_sync_website_key, "nordlys.example")
        self.assertEqual(account.crm_sync_email_domain_key, "mail.nordlys.example")
        lead = self._create_lead(
            partner_name="Other name", email_from="a@nordlys.example"
        )
        suggested, reason = self._suggested_account(lead)
        self.assertEqual(suggested, account)
        self.assertIn("nordlys.example", reason)
        # the key follows the website, and the lookup follows the key
        account.website = "https://elsewhere.example"
        self.assertEqual(account.crm_sync_website_key, "elsewhere.example")
        self.assertFalse(self._suggested_account(lead)[0])
        lead.email_from = "b@mail.nordlys.example"
        self.assertEqual(self._suggested_account(lead)[0], account)

    def test_domain_lookup_is_an_equality(self):
        """No substring match: a longer host is another company."""
        shop = self.env["res.partner"].create(
            {
                "name": "Shop Corp",
                "is_company": True,
                "website": "https://shop.zylker.example",
            }
        )
        lead = self._create_lead(
            partner_name="Other name", email_from="a@zylker.example"
        )
        self.assertFalse(self._suggested_account(lead)[0])
        lead.email_from = "a@shop.zylker.example"
        self.assertEqual(self._suggested_account(lead)[0], shop)

    # ------------------------------------------------------------------
    # 6. mass window: deal name, revenue, team
    # ------------------------------------------------------------------

    def test_mass_window_deal_name_revenue_team(self):
        other_team = self.stage_other_team.team_id
        leads = self._create_leads(2, "Mass", tag_ids=self.vip_tag_ids)
        leads[1].partner_name = False
        form = Form(
            self.env["crm.lead.mass.convert"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
        )
        self.assertEqual(form.mode, "selection")
        form.create_deal = True
        form.deal_name = "%(company)s - %(lead)s (100% renewal)"
        form.expected_revenue = 1234
        form.team_id = other_team
        action = form.save().action_convert()
        job = self.env["crm.sync.conversion.job"].browse(action["res_id"])
        self.assertEqual(job.state, "done")
        self.assertEqual(leads[0].name, "Mass Co 0 - Mass lead 0 (100% renewal)")
        # no company name: the lead's title stands for it
        self.assertEqual(leads[1].name, "Mass lead 1 - Mass lead 1 (100% renewal)")
        self.assertEqual(leads.mapped("expected_revenue"), [1234, 1234])
        self.assertEqual(leads.team_id, other_team)
        self.assertEqual(leads.stage_id, self._first_stage(other_team))

    def test_mass_window_defaults_keep_lead_values(self):
        leads = self._create_leads(1, "Plain", tag_ids=self.vip_tag_ids)
        leads.expected_revenue = 50
        form = Form(
            self.env["crm.lead.mass.convert"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
        )
        form.create_deal = True
        form.save().action_convert()
        self.assertEqual(leads.name, "Plain Co 0")
        self.assertEqual(leads.expected_revenue, 50)
        self.assertEqual(leads.team_id, self.team)

    # ------------------------------------------------------------------
    # 7. linking an existing contact keeps its own address
    # ------------------------------------------------------------------

    def test_linked_contact_keeps_own_address(self):
        belgium = self.env.ref("base.be")
        account = self.env["res.partner"].create(
            {
                "name": "Address Co",
                "is_company": True,
                "street": "Company Street 1",
                "city": "Ghent",
                "country_id": belgium.id,
            }
        )
        contact = self.env["res.partner"].create(
            {
                "name": "Home Worker",
                "email": "home.worker@address.example",
                "street": "Home Lane 9",
                "city": "Bruges",
                "country_id": belgium.id,
            }
        )
        lead = self._create_lead(
            partner_name="Address Co",
            contact_name="Home Worker",
            email_from="home.worker@address.example",
        )
        res = lead.with_user(self.user_salesman).crm_sync_convert({})[str(lead.id)]
        self.assertEqual(res["contact_id"], contact.id)
        self.assertEqual(res["account_id"], account.id)
        self.assertEqual(contact.parent_id, account)
        self.assertEqual((contact.street, contact.city), ("Home Lane 9", "Bruges"))
        self.assertEqual(contact.type, "other")
        self.assertEqual(account.street, "Company Street 1")
        note = contact.message_ids.filtered(lambda m: "own address" in (m.body or ""))
        self.assertTrue(note, "the chatter says the address was kept")

    def test_linked_contact_without_address_gets_accounts(self):
        account = self.env["res.partner"].create(
            {"name": "Plain Address Co", "is_company": True, "city": "Ghent"}
        )
        contact = self.env["res.partner"].create(
            {"name": "No Address", "email": "no.address@address.example"}
        )
        lead = self._create_lead(
            partner_name="Plain Address Co",
            email_from="no.address@address.example",
        )
        lead.with_user(self.user_salesman).crm_sync_convert({})
        self.assertEqual(contact.parent_id, account)
        self.assertEqual(contact.type, "contact")
        self.assertEqual(contact.city, "Ghent")


@tagged("post_install", "-at_install", "crm_sync", "field_mapping")
class TestMappingTargetPicker(CrmSyncCommon):
    def _allowed(self, usage, source_field):
        mapping = self.env["crm.sync.field.mapping"].new(
            {
                "usage": usage,
                "source_field_id": self.env["ir.model.fields"]
                ._get("crm.lead", source_field)
                .id,
            }
        )
        return set(mapping.allowed_target_field_ids.mapped("name"))

    def test_allowed_targets_are_compatible_and_writable(self):
        allowed = self._allowed("lead_contact", "function")
        self.assertIn("function", allowed)
        self.assertIn("comment", allowed)  # char widens to html
        self.assertNotIn("parent_id", allowed)  # another type
        self.assertNotIn("create_date", allowed)  # not writable
        self.assertNotIn("display_name", allowed)
        allowed = self._allowed("lead_contact", "country_id")
        self.assertIn("country_id", allowed)
        self.assertNotIn("state_id", allowed)  # another comodel
        self.assertNotIn("function", allowed)
        # deals: the target model follows the usage
        allowed = self._allowed("lead_deal", "country_id")
        self.assertIn("country_id", allowed)
        self.assertNotIn("partner_id", allowed)

    def test_without_source_every_writable_target(self):
        mapping = self.env["crm.sync.field.mapping"].new({"usage": "lead_account"})
        names = set(mapping.allowed_target_field_ids.mapped("name"))
        self.assertTrue({"function", "country_id", "comment"} <= names)
        self.assertFalse({"create_date", "child_ids", "display_name"} & names)


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadConvertWindowRpc(CrmSyncHttpCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup_team()
        cls.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", False)

    def test_rpc_window_and_mass_window(self):
        """Both windows work over XML-RPC as a plain salesman."""
        leads = self.env["crm.lead"].union(
            *(
                self._create_lead(
                    name=f"Rpc lead {i}",
                    partner_name=f"Rpc Co {i}",
                    email_from=f"p{i}@rpc.example",
                )
                for i in range(3)
            )
        )
        wizard_id = self.rpc(
            self.user_salesman,
            "crm.lead.convert",
            "create",
            {"lead_ids": [(6, 0, leads[:2].ids)], "create_deal": True},
        )
        action = self.rpc(
            self.user_salesman, "crm.lead.convert", "action_convert", [wizard_id]
        )
        self.assertEqual(action["res_model"], "res.partner")
        self.env.invalidate_all()
        self.assertEqual(leads[:2].mapped("type"), ["opportunity", "opportunity"])
        self.assertEqual(leads[:2].mapped("name"), ["Rpc Co 0", "Rpc Co 1"])
        wizard_id = self.rpc(
            self.user_salesman,
            "crm.lead.mass.convert",
            "create",
            {
                "mode": "selection",
                "lead_ids": [(6, 0, leads[2:].ids)],
                "create_deal": True,
                "deal_name": "%(company)s - Renewal",
                "expected_revenue": 99,
            },
        )
        self.rpc(
            self.user_salesman, "crm.lead.mass.convert", "action_convert", [wizard_id]
        )
        self.env.invalidate_all()
        self.assertEqual(leads[2].name, "Rpc Co 2 - Renewal")
        self.assertEqual(leads[2].expected_revenue, 99)
