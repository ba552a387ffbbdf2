# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CrmSyncCommon, DesyncMixin


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestDesync(CrmSyncCommon, DesyncMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._desync_setup_account("Zylker A/S", email="info@zylker.dk")
        cls.france = cls.env.ref("base.fr")
        cls.other = cls.env["res.partner"].create({"name": "Other Corp"})
        cls.Partner = cls.env["res.partner"].with_user(cls.user_salesman)

    def _propose(self, values, source="e-conomic", partner=None, user=None):
        partner = (partner or self.partner).with_user(user or self.user_salesman)
        return partner._crm_sync_propose(values, source)

    def _note_bodies(self, partner):
        return partner.message_ids.filtered(
            lambda m: m.message_type == "notification"
        ).mapped("body")

    # ------------------------------------------------------------------
    # Proposing
    # ------------------------------------------------------------------

    def test_propose_stores_typed_values_and_flags(self):
        proposals = self._propose(
            {"city": "Odense", "country_id": self.france.id, "email": "sales@zylker.dk"}
        )
        self.assertEqual(len(proposals), 3)
        city = proposals.filtered(lambda p: p.field_name == "city")
        self.assertEqual(city.value_char, "Odense")
        self.assertEqual(city.old_value_char, "Aarhus")
        self.assertEqual(city.state, "pending")
        self.assertEqual(city.source_label, "e-conomic")
        self.assertFalse(city.source_model)
        self.assertEqual(city.proposed_by_id, self.user_salesman)
        country = proposals.filtered(lambda p: p.field_name == "country_id")
        self.assertEqual(
            (country.value_ref_model, country.value_ref_id),
            ("res.country", self.france.id),
        )
        self.assertEqual(country.old_value_ref_id, self.denmark.id)
        self.assertEqual(country.value_display, self.france.display_name)
        self.assertTrue(self.partner.crm_sync_desync)
        self.assertEqual(self.partner.crm_sync_desync_count, 3)
        self.assertEqual(self.partner.crm_sync_desync_sources, "e-conomic")
        ours = [("id", "in", (self.partner | self.other).ids)]
        self.assertEqual(
            self.Partner.search([("crm_sync_desync", "=", True), *ours]), self.partner
        )

    def test_propose_editable_computed_field(self):
        # user_id is computed from the parent but editable: it can be proposed.
        proposal = self._propose({"user_id": self.user_sales_manager.id})
        self.assertEqual(proposal.value_ref_model, "res.users")
        self.assertEqual(proposal.value_display, self.user_sales_manager.name)
        with self.assertRaisesRegex(ValidationError, "cannot receive"):
            self._propose({"commercial_company_name": "Other"})

    def test_propose_record_source(self):
        source = self.env["res.partner.category"].create(
            {"name": "Exhibitor file 2026"}
        )
        proposal = self._propose({"city": "Odense"}, source=source)
        self.assertEqual(proposal.source_model, "res.partner.category")
        self.assertEqual(proposal.source_res_id, source.id)
        self.assertEqual(proposal.source_label, "Exhibitor file 2026")

    def test_equal_value_creates_nothing(self):
        proposals = self._propose(
            {
                "email": "  INFO@Zylker.DK ",  # same email once normalised
                "phone": "33123456",  # same, national format (DK)
                "city": "Aarhus ",
                "country_id": self.denmark.id,
            }
        )
        self.assertFalse(proposals)
        self.assertFalse(self.partner.crm_sync_desync)
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )

    def test_newer_proposal_replaces_same_source(self):
        first = self._propose({"city": "Odense"})
        second = self._propose({"city": "Aalborg"})
        self.assertFalse(first.exists())
        self.assertEqual(second.value_char, "Aalborg")
        self.assertEqual(self.partner.crm_sync_desync_count, 1)

    def test_two_sources_disagree(self):
        economic = self._propose({"phone": "+45 70 00 00 01"}, source="e-conomic")
        portal = self._propose({"phone": "+45 70 00 00 02"}, source="Address book")
        self.assertEqual(
            self.env["crm.sync.proposal"].search(
                [("partner_id", "=", self.partner.id)]
            ),
            economic | portal,
        )
        self.assertEqual(self.partner.crm_sync_desync_count, 1, "one field to check")
        self.assertEqual(
            self.partner.crm_sync_desync_sources, "Address book, e-conomic"
        )
        partner = self.partner.with_user(self.user_salesman)
        with self.assertRaisesRegex(UserError, "Sources disagree"):
            partner.crm_sync_resolve({"phone": "accept"})
        with self.assertRaisesRegex(UserError, "Sources disagree"):
            partner.crm_sync_resolve("accept_all")
        self.assertEqual(self.partner.phone, "+45 33 12 34 56")
        # In the window, pick one source and keep the other.
        wizard = self._wizard()
        for line in wizard.line_ids:
            line.decision = (
                "accept" if line.proposal_id.source_label == "Address book" else "keep"
            )
        wizard.action_apply()
        self.assertEqual(self.partner.phone, "+45 70 00 00 02")
        self.assertEqual(portal.state, "accepted")
        self.assertEqual(economic.state, "kept")
        self.assertFalse(self.partner.crm_sync_desync)

    def test_invalid_input_refused(self):
        cases = [
            ({"no_such_field": "x"}, ValidationError, "Unknown contact field"),
            ({"country_id": "Denmark"}, ValidationError, "not a valid value"),
            ({"country_id": 999999999}, ValidationError, "does not exist"),
            ({"type": "robot"}, ValidationError, "not a valid value"),
            ({"partner_latitude": "north"}, ValidationError, "not a valid value"),
            ({"is_company": "maybe"}, ValidationError, "not a valid value"),
            ({"write_date": "2020-01-01"}, ValidationError, "cannot receive"),
            ({"crm_sync_desync": True}, ValidationError, "cannot receive"),
        ]
        for values, error, message in cases:
            with self.subTest(values=values), self.assertRaisesRegex(error, message):
                self._propose({"city": "Odense", **values})
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )
        with self.assertRaisesRegex(UserError, "source"):
            self._propose({"city": "Odense"}, source=" ")

    # ------------------------------------------------------------------
    # Resolving
    # ------------------------------------------------------------------

    def _wizard(self, partners=None, user=None):
        partners = partners or self.partner
        return (
            self.env["res.partner.check.data"]
            .with_user(user or self.user_salesman)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({})
        )

    def test_each_choice_in_window(self):
        self._propose(
            {"city": "Odense", "email": "sales@zylker.dk", "street": "Old street 1"}
        )
        self._propose({"phone": "+45 70 00 00 01"}, source="Address book")
        action = self.partner.with_user(self.user_salesman).action_crm_sync_check_data()
        self.assertEqual(action["res_model"], "res.partner.check.data")
        wizard = self._wizard()
        lines = {line.field_name: line for line in wizard.line_ids}
        self.assertEqual(set(lines), {"city", "email", "street", "phone"})
        self.assertEqual(lines["city"].current_value_display, "Aarhus")
        self.assertEqual(lines["city"].value_display, "Odense")
        lines["city"].decision = "accept"
        lines["email"].decision = "keep"
        lines["street"].decision = "value"
        lines["street"].new_value = "Old street 1 (new: Harbour 2)"
        # phone left undecided: it stays to check
        wizard.action_apply()
        self.assertRecordValues(
            self.partner,
            [
                {
                    "city": "Odense",
                    "email": "info@zylker.dk",
                    "street": "Old street 1 (new: Harbour 2)",
                    "crm_sync_desync": True,
                    "crm_sync_desync_count": 1,
                }
            ],
        )
        proposals = self.env["crm.sync.proposal"].search(
            [("partner_id", "=", self.partner.id)]
        )
        by_field = {p.field_name: p for p in proposals}
        self.assertEqual(by_field["city"].state, "accepted")
        self.assertEqual(by_field["email"].state, "kept")
        self.assertEqual(by_field["street"].state, "replaced")
        self.assertEqual(
            by_field["street"].resolved_value_display, "Old street 1 (new: Harbour 2)"
        )
        self.assertEqual(by_field["phone"].state, "pending")
        self.assertEqual(by_field["city"].resolved_by_id, self.user_salesman)
        self.assertTrue(by_field["city"].resolved_on)
        body = self._note_bodies(self.partner)[0]
        self.assertIn("Sally Salesman", body)
        self.assertIn("Odense", body)
        self.assertIn("e-conomic", body)
        self.assertIn("kept", body)

    def test_accept_all_and_keep_all_in_window(self):
        self._propose({"city": "Odense", "email": "sales@zylker.dk"})
        self._propose({"city": "Aalborg"}, partner=self.other)
        wizard = self._wizard(self.partner | self.other)
        self.assertEqual(len(wizard.line_ids), 3)
        wizard.action_accept_all()
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(self.partner.email, "sales@zylker.dk")
        self.assertEqual(self.other.city, "Aalborg")
        self.assertFalse((self.partner | self.other).filtered("crm_sync_desync"))

        self._propose({"city": "Vejle", "phone": "+45 70 00 00 09"})
        self._wizard().action_keep_all()
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(self.partner.phone, "+45 33 12 34 56")
        self.assertFalse(self.partner.crm_sync_desync)

    def test_resolve_api_choices(self):
        self._propose(
            {
                "city": "Odense",
                "email": "sales@zylker.dk",
                "street": "Harbour 2",
                "zip": "5000",
            }
        )
        partner = self.partner.with_user(self.user_salesman)
        resolved = partner.crm_sync_resolve(
            {"city": "accept", "email": "keep", "street": {"value": "Harbour 2B"}}
        )
        self.assertEqual(len(resolved), 3)
        self.assertEqual(
            (self.partner.city, self.partner.email, self.partner.street),
            ("Odense", "info@zylker.dk", "Harbour 2B"),
        )
        self.assertEqual(self.partner.crm_sync_desync_count, 1)
        partner.crm_sync_resolve("accept_all")
        self.assertEqual(self.partner.zip, "5000")
        self.assertFalse(self.partner.crm_sync_desync)
        with self.assertRaisesRegex(UserError, "no data to check"):
            partner.crm_sync_resolve("keep_all")
        self._propose({"city": "Vejle"})
        partner.crm_sync_resolve("keep_all")
        self.assertEqual(self.partner.city, "Odense")

    def test_invalid_typed_new_value(self):
        self._propose(
            {"partner_latitude": 55.5, "country_id": self.france.id, "city": "Odense"}
        )
        partner = self.partner.with_user(self.user_salesman)
        for decisions, message in (
            ({"partner_latitude": {"value": "north"}}, "not a valid value"),
            ({"country_id": {"value": "France"}}, "not a valid value"),
            ({"city": "maybe"}, "Invalid decision"),
            ({"zip": "accept"}, "no pending change"),
        ):
            with (
                self.subTest(decisions=decisions),
                self.assertRaisesRegex((UserError, ValidationError), message),
            ):
                partner.crm_sync_resolve({"city": "accept", **decisions})
        # In the window: free text is parsed to the field's type, or refused.
        wizard = self._wizard()
        lines = {line.field_name: line for line in wizard.line_ids}
        lines["city"].decision = "accept"
        lines["partner_latitude"].decision = "value"
        lines["partner_latitude"].new_value = "fifty-five"
        with self.assertRaisesRegex(ValidationError, "not a valid value"):
            wizard.action_apply()
        # Nothing written, nothing resolved.
        self.assertEqual(self.partner.city, "Aarhus")
        self.assertEqual(self.partner.crm_sync_desync_count, 3)
        lines["partner_latitude"].new_value = "55,75"
        lines["country_id"].decision = "value"
        lines["country_id"].new_value = "Germany"
        wizard.action_apply()
        self.assertEqual(self.partner.partner_latitude, 55.75)
        self.assertEqual(self.partner.country_id, self.env.ref("base.de"))
        self.assertEqual(self.partner.city, "Odense")

    def test_stale_proposal_shows_current_value(self):
        proposal = self._propose({"city": "Odense"})
        self.assertFalse(proposal.is_stale)
        self.partner.city = "Silkeborg"  # changed in the CRM after the proposal
        proposal.invalidate_recordset()
        self.assertTrue(proposal.is_stale)
        self.assertEqual(proposal.old_value_display, "Aarhus")
        line = self._wizard().line_ids
        self.assertEqual(line.current_value_display, "Silkeborg")
        self.assertTrue(line.is_stale)
        line.decision = "keep"
        line.wizard_id.action_apply()
        self.assertEqual(self.partner.city, "Silkeborg")
        self.assertIn("Silkeborg", self._note_bodies(self.partner)[0])

    def test_resolve_writes_once_per_partner(self):
        self._propose({"city": "Odense", "street": "Harbour 2", "zip": "5000"})
        Partner = type(self.env["res.partner"])
        calls = []
        original = Partner.write

        def counting_write(records, vals):
            if self.partner.id in records.ids:
                calls.append((records.ids, set(vals)))
            return original(records, vals)

        Partner.write = counting_write
        try:
            self.partner.with_user(self.user_salesman).crm_sync_resolve("accept_all")
        finally:
            Partner.write = original
        self.assertEqual(calls, [([self.partner.id], {"city", "street", "zip"})])

    # ------------------------------------------------------------------
    # Security
    # ------------------------------------------------------------------

    def test_resolve_requires_write_access(self):
        self._propose({"city": "Odense"})
        with self.assertRaises(AccessError):
            self.partner.with_user(self.user_portal).crm_sync_resolve("accept_all")
        self.assertEqual(self.partner.city, "Aarhus")

    def test_resolve_field_access(self):
        # A field restricted to a group the salesman lacks: refused both ways.
        field = self.env["res.partner"]._fields["city"]
        self._propose({"city": "Odense"})
        self.patch(field, "groups", "base.group_system")
        with self.assertRaisesRegex(AccessError, "not allowed to change"):
            self.partner.with_user(self.user_salesman).crm_sync_resolve("accept_all")
        with self.assertRaisesRegex(AccessError, "not allowed to change"):
            self._propose({"city": "Vejle"})
        self.assertEqual(self.partner.city, "Aarhus")

    def test_portal_user_own_partner_only(self):
        own = self.user_portal.partner_id
        proposal = self._propose({"city": "Lyon"}, partner=own, user=self.user_portal)
        self.assertEqual(proposal.partner_id, own)
        with self.assertRaisesRegex(AccessError, "own contact details"):
            self._propose({"city": "Lyon"}, partner=self.partner, user=self.user_portal)
        with self.assertRaisesRegex(AccessError, "not allowed to propose"):
            self._propose(
                {"user_id": self.user_salesman.id}, partner=own, user=self.user_portal
            )
        # The record rule also refuses a direct create on someone else's partner.
        with self.assertRaises(AccessError):
            self.env["crm.sync.proposal"].with_user(self.user_portal).create(
                self._desync_forged_proposal_values()
            )
        self.assertFalse(
            self.env["crm.sync.proposal"].search([("partner_id", "=", self.partner.id)])
        )

    def test_proposals_visibility(self):
        proposal = self._propose({"city": "Odense"}, user=self.user_sales_manager)
        Proposal = self.env["crm.sync.proposal"]
        visible = Proposal.with_user(self.user_salesman).search([])
        self.assertIn(proposal, visible)
        # All proposals (demo data included) are visible to CRM Sync users...
        self.assertEqual(visible, Proposal.sudo().search([]))
        # ... and none to a portal user who made none.
        self.assertFalse(Proposal.with_user(self.user_portal).search([]))
        with self.assertRaises(AccessError):
            proposal.with_user(self.user_salesman).write({"state": "accepted"})

    def test_direct_create_refused(self):
        """Proposals are made through the API only, which checks everything."""
        own = self.user_portal.partner_id
        forged = {
            "partner_id": own.id,
            "field_id": self.env["ir.model.fields"]._get("res.partner", "parent_id").id,
            "source_label": "Accounting",
            "value_ref_model": "res.partner",
            "value_ref_id": self.partner.id,
            "state": "pending",
            "proposed_by_id": self.user_sales_manager.id,
        }
        Proposal = self.env["crm.sync.proposal"]
        for user in (self.user_portal, self.user_salesman, self.user_sales_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Proposal.with_user(user).create(forged)
        self.assertFalse(Proposal.search([("partner_id", "=", own.id)]))
        # Through the API the bookkeeping is the API's, whoever calls it.
        proposal = self._propose({"city": "Lyon"}, partner=own, user=self.user_portal)
        self.assertEqual(proposal.proposed_by_id, self.user_portal)
        self.assertEqual(proposal.state, "pending")
        with self.assertRaises(AccessError):
            proposal.with_user(self.user_portal).write({"state": "accepted"})
        with self.assertRaises(AccessError):
            proposal.with_user(self.user_salesman).unlink()

    def test_forged_proposal_cannot_be_accepted(self):
        """A proposal that skipped the API is checked again at decision time."""
        own = self.user_portal.partner_id
        Proposal = self.env["crm.sync.proposal"].sudo()
        forged = Proposal.create(
            {
                "partner_id": own.id,
                "field_id": self.env["ir.model.fields"]
                ._get("res.partner", "parent_id")
                .id,
                "source_label": "Customer portal",
                "value_ref_model": "res.partner",
                "value_ref_id": self.partner.id,
            }
        )
        self.assertTrue(own.crm_sync_desync)
        with self.assertRaisesRegex(ValidationError, "cannot receive"):
            own.with_user(self.user_salesman).crm_sync_resolve("accept_all")
        with self.assertRaisesRegex(ValidationError, "cannot receive"):
            self._wizard(own).action_accept_all()
        with self.assertRaisesRegex(ValidationError, "cannot receive"):
            own.with_user(self.user_salesman).crm_sync_resolve(
                {"parent_id": {"value": self.partner.id}}
            )
        self.assertFalse(own.parent_id, "the portal partner is not re-parented")
        self.assertEqual(forged.state, "pending")
        # Keeping the CRM value stays possible, and clears the flag.
        own.with_user(self.user_salesman).crm_sync_resolve("keep_all")
        self.assertEqual(forged.state, "kept")
        self.assertFalse(own.crm_sync_desync)
        # A proposal is about a contact field, nothing else.
        with self.assertRaisesRegex(ValidationError, "contact fields only"):
            Proposal.create(
                {
                    "partner_id": own.id,
                    "field_id": self.env["ir.model.fields"]
                    ._get("res.users", "login")
                    .id,
                    "source_label": "forged",
                    "value_char": "admin",
                }
            )

    def test_many2one_needs_read_access(self):
        """No one proposes, nor reads the name of, a record they cannot read."""
        # A portal user of another company: internal users cannot read it.
        other_company = self.env["res.company"].create({"name": "Hidden Co"})
        hidden = self.env["res.users"].create(
            {
                "name": "Hidden Customer",
                "login": "crm_sync_hidden_portal",
                "company_id": other_company.id,
                "company_ids": [Command.set(other_company.ids)],
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.assertFalse(hidden.with_user(self.user_salesman).has_access("read"))
        with self.assertRaisesRegex(AccessError, "not allowed to choose"):
            self._propose({"user_id": hidden.id})
        # Made by a source that may (superuser), its name stays hidden from the
        # salesman, not from someone who may read it...
        proposal = self.partner.sudo()._crm_sync_propose({"user_id": hidden.id}, "ERP")
        self.assertEqual(proposal.value_display, "Hidden Customer")
        proposal.invalidate_recordset()
        shown = proposal.with_user(self.user_salesman).value_display
        self.assertNotIn("Hidden Customer", shown)
        self.assertIn(str(hidden.id), shown)
        # ... and the salesman cannot write it either.
        partner = self.partner.with_user(self.user_salesman)
        for decision in ("accept", {"value": hidden.id}):
            with (
                self.subTest(decision=decision),
                self.assertRaisesRegex(AccessError, "not allowed to choose"),
            ):
                partner.crm_sync_resolve({"user_id": decision})
        self.assertFalse(self.partner.user_id)
        self.assertEqual(proposal.state, "pending")
        # Countries and states (public data) stay fine for a portal user.
        own = self.user_portal.partner_id
        proposal = self._propose(
            {"country_id": self.france.id}, partner=own, user=self.user_portal
        )
        self.assertEqual(proposal.value_ref_id, self.france.id)

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    def test_review_portal_updates_setting(self):
        Proposal = self.env["crm.sync.proposal"]
        ICP = self.env["ir.config_parameter"].sudo()
        self.assertTrue(Proposal._review_portal_updates())
        settings = Form(
            self.env["res.config.settings"].with_user(self.user_admin_settings)
        )
        self.assertTrue(settings.crm_sync_review_portal_updates)
        settings.crm_sync_review_portal_updates = False
        settings.save().execute()
        self.assertEqual(ICP.get_param("crm_sync.review_portal_updates"), "False")
        self.assertFalse(Proposal._review_portal_updates())
        settings = Form(
            self.env["res.config.settings"].with_user(self.user_admin_settings)
        )
        self.assertFalse(settings.crm_sync_review_portal_updates)
        settings.crm_sync_review_portal_updates = True
        settings.save().execute()
        self.assertTrue(Proposal._review_portal_updates())
