# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The source contract: Keep sticks, the resolve hook, the push queue, bindings,
one phone region, no stale Accept, one resolve planning."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..models.crm_sync_push import KEEP_DONE_DAYS, MAX_ATTEMPTS
from ..utils import three_way
from .common import CrmSyncCommon, DesyncMixin


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestDesyncContract(CrmSyncCommon, DesyncMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._desync_setup_account("Contract Co", email="info@contract.dk")
        # A record source, as a connector's link would be (any model will do).
        cls.feed = cls.env["res.partner"].create({"name": "Feed backend"})
        cls.other_feed = cls.env["res.partner"].create({"name": "Other backend"})
        cls.category_feed = cls.env["res.partner.category"].create(
            {"name": "Category feed"}
        )
        cls.PartnerClass = type(cls.env["res.partner"])

    def _propose(self, values, source=None, partner=None, user=None):
        partner = (partner or self.partner).with_user(user or self.user_salesman)
        return partner._crm_sync_propose(values, source or self.feed)

    def _resolve(self, decisions, partner=None, **kwargs):
        partner = (partner or self.partner).with_user(self.user_salesman)
        return partner.crm_sync_resolve(decisions, **kwargs)

    def _wizard(self, partners=None):
        return (
            self.env["res.partner.check.data"]
            .with_user(self.user_salesman)
            .with_context(
                active_model="res.partner", active_ids=(partners or self.partner).ids
            )
            .create({})
        )

    # ------------------------------------------------------------------
    # Keep sticks
    # ------------------------------------------------------------------

    def test_keep_sticks_while_the_source_holds_the_value(self):
        for decision, state in (("keep", "kept"), ({"value": "Horsens"}, "replaced")):
            with self.subTest(decision=decision):
                partner = self.env["res.partner"].create(
                    {"name": f"Sticky {state}", "city": "Aarhus"}
                )
                first = self._propose({"city": "Odense"}, partner=partner)
                self._resolve({"city": decision}, partner=partner)
                self.assertEqual(first.state, state)
                # The next polls of the same source send the same value: nothing.
                self.assertFalse(self._propose({"city": "Odense"}, partner=partner))
                self.assertFalse(self._propose({"city": " Odense "}, partner=partner))
                self.assertFalse(partner.crm_sync_desync)
                # Another source with that value is still heard.
                other = self._propose(
                    {"city": "Odense"}, source=self.other_feed, partner=partner
                )
                self.assertEqual(other.value_char, "Odense")
                self._resolve("keep_all", partner=partner)
                # The source changes its value: proposed again...
                later = self._propose({"city": "Vejle"}, partner=partner)
                self.assertEqual(later.value_char, "Vejle")
                # ... and going back to the kept value is a new value too.
                again = self._propose({"city": "Odense"}, partner=partner)
                self.assertEqual(again.value_char, "Odense")
                self.assertFalse(later.exists(), "replaced by the newer value")

    def test_keep_sticks_per_label_and_sender(self):
        self._propose({"city": "Odense"}, source="Spreadsheet")
        self._resolve("keep_all")
        self.assertFalse(self._propose({"city": "Odense"}, source="Spreadsheet"))
        # The same label from someone else is another source.
        proposal = self._propose(
            {"city": "Odense"}, source="Spreadsheet", user=self.user_sales_manager
        )
        self.assertEqual(proposal.proposed_by_id, self.user_sales_manager)

    # ------------------------------------------------------------------
    # Resolve hook
    # ------------------------------------------------------------------

    def _record_hook(self):
        calls = []

        def hook(sources, proposals):
            calls.append(
                {
                    "model": sources._name,
                    "sources": sources,
                    "proposals": proposals,
                    "states": set(proposals.mapped("state")),
                    "city": proposals.partner_id[:1].city,
                }
            )

        return calls, hook

    def test_resolve_hook_called_once_per_source_model(self):
        other = self.env["res.partner"].create({"name": "Second Co"})
        ours = self._propose({"city": "Odense", "zip": "5000"})
        ours |= self._propose({"street": "Harbour 1"}, source=self.other_feed)
        ours |= self._propose({"city": "Vejle"}, partner=other)
        category = self._propose({"phone": "+45 70 00 00 01"}, self.category_feed)
        label = self._propose({"street2": "Floor 2"}, source="Label only")
        partner_calls, partner_hook = self._record_hook()
        category_calls, category_hook = self._record_hook()
        with (
            patch.object(
                self.PartnerClass,
                "_crm_sync_on_proposals_resolved",
                partner_hook,
                create=True,
            ),
            patch.object(
                type(self.env["res.partner.category"]),
                "_crm_sync_on_proposals_resolved",
                category_hook,
                create=True,
            ),
        ):
            self._resolve({"city": "accept", "zip": "keep", "street": "accept"})
            self._resolve("accept_all", partner=other)
            self.assertEqual(len(partner_calls), 2, "once per resolve call")
            self.assertEqual(partner_calls[0]["sources"], self.feed | self.other_feed)
            self.assertEqual(
                partner_calls[0]["proposals"],
                ours.filtered(lambda p: p.partner_id == self.partner),
            )
            self.assertEqual(partner_calls[0]["states"], {"accepted", "kept"})
            self.assertEqual(partner_calls[0]["city"], "Odense", "after the write")
            self.assertFalse(category_calls)
            # The window calls it the same way, once per model.
            wizard = self._wizard()
            for line in wizard.line_ids:
                line.decision = "keep"
            wizard.action_apply()
        self.assertEqual(len(partner_calls), 2, "no proposal of res.partner sources")
        self.assertEqual(len(category_calls), 1)
        self.assertEqual(category_calls[0]["sources"], self.category_feed)
        self.assertEqual(category_calls[0]["proposals"], category)
        self.assertEqual(label.state, "kept", "label sources have no hook")

    def test_resolve_hook_failure_writes_nothing(self):
        self._propose({"city": "Odense"})

        def failing_hook(sources, proposals):
            raise ValueError("remote refused")

        with (
            patch.object(
                self.PartnerClass,
                "_crm_sync_on_proposals_resolved",
                failing_hook,
                create=True,
            ),
            self.assertRaisesRegex(ValueError, "remote refused"),
        ):
            self._resolve("accept_all")
        self.assertEqual(self.partner.city, "Aarhus")
        self.assertTrue(self.partner.crm_sync_desync)

    # ------------------------------------------------------------------
    # Push queue
    # ------------------------------------------------------------------

    def _patch_push(self, fail=None):
        pushed = []
        errors = []

        def push(records):
            if fail:
                raise UserError(fail)
            pushed.append(records)

        def push_failed(records, message):
            errors.append((records, message))

        self.startPatcher(
            patch.object(self.PartnerClass, "_crm_sync_push", push, create=True)
        )
        self.startPatcher(
            patch.object(
                self.PartnerClass, "_crm_sync_push_failed", push_failed, create=True
            )
        )
        return pushed, errors

    def _queue_from_hook(self):
        def hook(sources, proposals):
            self.env["crm.sync.push"]._crm_sync_enqueue(sources)

        self.startPatcher(
            patch.object(
                self.PartnerClass, "_crm_sync_on_proposals_resolved", hook, create=True
            )
        )

    def test_push_after_commit_never_in_the_request(self):
        pushed, _errors = self._patch_push()
        self._queue_from_hook()
        cron = self.env.ref("crm_sync.crm_sync_push_cron")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers_before = Trigger.search_count([("cron_id", "=", cron.id)])
        self._propose({"city": "Odense"})
        self._resolve("keep_all")
        self._propose({"city": "Vejle"})
        self._resolve("keep_all")
        self.assertFalse(pushed, "nothing is sent inside the user's transaction")
        rows = self.env["crm.sync.push"].search([("res_id", "=", self.feed.id)])
        self.assertEqual(len(rows), 1, "one pending push per record")
        self.assertEqual((rows.res_model, rows.state), ("res.partner", "pending"))
        self.assertGreater(
            Trigger.search_count([("cron_id", "=", cron.id)]),
            triggers_before,
            "the cron is triggered (it runs once this transaction commits)",
        )
        self.assertEqual(self.env["crm.sync.push"]._cron_process(), 1)
        self.assertEqual(pushed, [self.feed])
        self.assertEqual(rows.state, "done")
        self.assertEqual(self.env["crm.sync.push"]._cron_process(), 0)

    def test_push_retries_are_bounded_with_backoff(self):
        pushed, errors = self._patch_push(fail="e-conomic is down")
        Push = self.env["crm.sync.push"]
        row = Push._crm_sync_enqueue(self.feed)
        delays = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            start = fields.Datetime.now()
            self.assertEqual(Push._cron_process(), 1)
            self.assertEqual(row.attempts, attempt)
            self.assertEqual(row.last_error, "e-conomic is down")
            self.assertEqual(errors[-1], (self.feed, "e-conomic is down"))
            if attempt < MAX_ATTEMPTS:
                self.assertEqual(row.state, "pending")
                delays.append(row.next_try - start)
                # Not due yet: nothing happens until the delay is over.
                self.assertEqual(Push._cron_process(), 0)
                row.next_try = start - timedelta(seconds=1)
        self.assertEqual(row.state, "failed")
        self.assertEqual(delays, sorted(delays))
        self.assertGreater(delays[-1], delays[0])
        row.next_try = fields.Datetime.now() - timedelta(hours=1)
        self.assertEqual(Push._cron_process(), 0, "given up after the bound")
        self.assertEqual(len(errors), MAX_ATTEMPTS)
        self.assertFalse(pushed)

    def test_failed_push_retried_by_a_manager_only(self):
        pushed, _errors = self._patch_push(fail="e-conomic is down")
        Push = self.env["crm.sync.push"]
        row = Push._crm_sync_enqueue(self.feed)
        for _attempt in range(MAX_ATTEMPTS):
            row.next_try = fields.Datetime.now() - timedelta(seconds=1)
            Push._cron_process()
        self.assertEqual(row.state, "failed")
        with self.assertRaises(AccessError):
            row.with_user(self.user_salesman).action_crm_sync_retry()
        self.assertEqual(row.state, "failed")
        row.with_user(self.user_sales_manager).action_crm_sync_retry()
        self.assertEqual((row.state, row.attempts), ("pending", 0))
        self.assertEqual(Push._cron_process(), 1, "due again at once")
        self.assertEqual(row.attempts, 1)
        self.assertFalse(pushed)

    def test_push_of_deleted_record_fails_cleanly(self):
        self._patch_push()
        gone = self.env["res.partner"].create({"name": "Gone"})
        row = self.env["crm.sync.push"]._crm_sync_enqueue(gone)
        gone.unlink()
        self.env["crm.sync.push"]._cron_process()
        self.assertEqual(row.state, "failed")
        self.assertIn("deleted", row.last_error)

    def test_done_pushes_forgotten_after_a_month(self):
        self._patch_push(fail="e-conomic is down")
        Push = self.env["crm.sync.push"]
        old_done, recent_done, failed = Push.create(
            [
                {"res_model": "res.partner", "res_id": self.feed.id, "state": state}
                for state in ("done", "done", "failed")
            ]
        )
        now = fields.Datetime.now()
        old_done.done_on = now - timedelta(days=KEEP_DONE_DAYS + 1)
        recent_done.done_on = now - timedelta(days=KEEP_DONE_DAYS - 1)
        failed.next_try = now - timedelta(days=KEEP_DONE_DAYS + 100)
        Push._gc_done_pushes()
        self.assertEqual(
            Push.search([("res_id", "=", self.feed.id)]),
            recent_done | failed,
            "only done pushes older than a month are forgotten",
        )

    # ------------------------------------------------------------------
    # Bindings (the abstract API, on an in-memory link to this partner)
    # ------------------------------------------------------------------

    def _three_way(self, base, remote):
        return self.env["crm.sync.binding"]._crm_sync_three_way(
            self.partner, base, remote, ["city", "phone", "country_id"]
        )

    def test_binding_three_way_decisions(self):
        Binding = self.env["crm.sync.binding"]
        base = {
            "city": "Aarhus",
            "phone": "+45 33 12 34 56",
            "country_id": self.denmark.id,
        }
        self.assertEqual(Binding._crm_sync_values_of(self.partner, list(base)), base)
        remote = {
            "city": "Odense",
            "phone": "33 12 34 56",  # the same number, national format (DK)
            "country_id": self.denmark.id,
        }
        self.assertEqual(
            self._three_way(base, remote),
            {
                "city": three_way.TAKE_REMOTE,
                "phone": three_way.EQUAL,
                "country_id": three_way.EQUAL,
            },
        )
        self.partner.city = "Silkeborg"
        self.assertEqual(self._three_way(base, remote)["city"], three_way.CONFLICT)
        self.assertEqual(
            self._three_way({**base, "city": "Silkeborg"}, remote)["city"],
            three_way.TAKE_REMOTE,
        )
        # Phones in the partner's region, whoever runs it: a French number here.
        self.partner.country_id = self.env.ref("base.fr")
        self.assertEqual(
            self._three_way(base, remote)["phone"],
            three_way.TAKE_REMOTE,
            "33 12 34 56 is no longer the Danish number once the partner is French",
        )

    def test_binding_first_link_fills_empty_fields_only(self):
        self.partner.phone = False
        decisions = self._three_way(
            {},
            {
                "city": "Odense",
                "phone": "+45 70 00 00 01",
                "country_id": self.denmark.id,
            },
        )
        self.assertEqual(
            decisions,
            {
                "city": three_way.CONFLICT,
                "phone": three_way.TAKE_REMOTE,
                "country_id": three_way.EQUAL,
            },
        )
        datetime_field = self.env["crm.sync.push"]._fields["next_try"]
        self.assertEqual(
            self.env["crm.sync.binding"]._crm_sync_json_value(
                datetime_field, fields.Datetime.to_datetime("2026-03-01 10:00:00")
            ),
            "2026-03-01 10:00:00",
        )

    # ------------------------------------------------------------------
    # One phone region, whoever runs the code
    # ------------------------------------------------------------------

    def test_phone_region_does_not_depend_on_the_user_company(self):
        self.env.ref("base.main_company").country_id = self.denmark
        france = self.env.ref("base.fr")
        french_company = self.env["res.company"].create(
            {"name": "Contract France", "country_id": france.id}
        )
        main = self.env.ref("base.main_company")
        self.user_salesman.write(
            {
                "company_ids": [Command.link(french_company.id)],
                "company_id": french_company.id,
            }
        )
        nowhere = self.env["res.partner"].create(
            {"name": "No Country Co", "phone": "+45 33 12 34 56"}
        )
        Partner = nowhere.with_user(self.user_salesman).with_context(
            allowed_company_ids=[french_company.id, main.id]
        )
        self.assertEqual(Partner.env.company, french_company)
        # Read in the main company's region (DK): the same number, no proposal.
        self.assertFalse(Partner._crm_sync_propose({"phone": "33 12 34 56"}, "Feed"))
        proposal = Partner._crm_sync_propose({"phone": "33 12 34 57"}, "Feed")
        self.assertEqual(len(proposal), 1)
        self.assertFalse(proposal.is_stale)
        # The partner's own country comes first.
        nowhere.country_id = france
        self.assertEqual(nowhere._crm_sync_desync_region(), "FR")
        nowhere.country_id = False
        self.assertEqual(
            nowhere.with_user(self.user_salesman)._crm_sync_desync_region(), "DK"
        )

    # ------------------------------------------------------------------
    # Issue 9: company-dependent fields, stale Accept, one planning
    # ------------------------------------------------------------------

    def test_company_dependent_fields_cannot_be_proposed(self):
        self.assertTrue(self.env["res.partner"]._fields["barcode"].company_dependent)
        with self.assertRaisesRegex(ValidationError, "cannot receive"):
            self._propose({"barcode": "5701234567899"})
        self.assertFalse(self.partner.crm_sync_desync)

    def test_stale_accept_refused_accept_all_skips(self):
        stale = self._propose({"city": "Odense"})
        fresh = self._propose({"zip": "5000"})
        self.partner.city = "Silkeborg"  # a salesperson changes it afterwards
        with self.assertRaisesRegex(UserError, "choose Keep or New value"):
            self._resolve({"city": "accept"})
        with self.assertRaisesRegex(UserError, "choose Keep or New value"):
            self._resolve({"city": "accept", "zip": "accept"})
        self.assertEqual(fresh.state, "pending", "nothing half-done")
        result = self._resolve("accept_all", details=True)
        self.assertEqual(result, {"resolved": fresh.ids, "stale": stale.ids})
        self.assertEqual(self.partner.city, "Silkeborg")
        self.assertEqual(self.partner.zip, "5000")
        self.assertEqual(stale.state, "pending")
        self.assertTrue(self.partner.crm_sync_desync)
        # Keep and New value stay possible.
        self._resolve({"city": {"value": "Odense C"}})
        self.assertEqual(self.partner.city, "Odense C")

    def test_stale_in_window(self):
        stale = self._propose({"city": "Odense"})
        fresh = self._propose({"zip": "5000"})
        self.partner.city = "Silkeborg"
        wizard = self._wizard()
        line = wizard.line_ids.filtered(lambda line: line.field_name == "city")
        line.decision = "accept"
        with self.assertRaisesRegex(UserError, "choose Keep or New value"):
            wizard.action_apply()
        action = self._wizard().action_accept_all()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("1 changes were not accepted", action["params"]["message"])
        self.assertEqual((stale.state, fresh.state), ("pending", "accepted"))
        self.assertEqual(self.partner.city, "Silkeborg")
        # The CRM meanwhile took the proposed value: accepting it is harmless.
        self.partner.city = "Odense"
        self.assertEqual(self._resolve({"city": "accept"}), stale.ids)

    def test_same_error_from_window_and_rpc(self):
        economic = self._propose({"phone": "+45 70 00 00 01"}, source="e-conomic")
        address_book = self._propose({"phone": "+45 70 00 00 02"}, self.other_feed)
        with self.assertRaisesRegex(UserError, "Sources disagree") as rpc_error:
            self._resolve({"phone": "accept"})
        wizard = self._wizard()
        wizard.line_ids.decision = "accept"
        with self.assertRaisesRegex(UserError, "Sources disagree") as window_error:
            wizard.action_apply()
        self.assertEqual(str(rpc_error.exception), str(window_error.exception))
        self.assertEqual((economic | address_book).mapped("state"), ["pending"] * 2)

    def test_source_shown_with_sender(self):
        self._propose({"city": "Odense"}, source="e-conomic")
        self._propose({"zip": "5000"})
        lines = {line.field_name: line for line in self._wizard().line_ids}
        self.assertEqual(lines["city"].source_display, "e-conomic, via Sally Salesman")
        self.assertEqual(lines["zip"].source_display, "Feed backend")
