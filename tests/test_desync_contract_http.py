# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 9 §1 and §2 over XML-RPC, as the low-privilege users who would try."""

from odoo.tests import new_test_user, tagged

from .common import CrmSyncHttpCommon, DesyncMixin


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestDesyncContractHttp(CrmSyncHttpCommon, DesyncMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._desync_setup_account("RPC Contract Co", email="info@rpc-contract.dk")
        # An employee who may read contacts but not edit them.
        cls.user_employee = new_test_user(
            cls.env,
            login="crm_sync_employee",
            name="Erik Employee",
            groups="base.group_user",
        )

    def _proposals(self, **domain):
        return self.env["crm.sync.proposal"].search(
            [("partner_id", "=", self.partner.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def test_propose_needs_write_access_or_the_propose_group(self):
        self.assertFalse(self.partner.with_user(self.user_employee).has_access("write"))
        self.assertRpcFault(
            self.user_employee,
            "res.partner",
            "crm_sync_propose",
            [self.partner.id],
            {"email": "x@attacker.example"},
            "Customer portal (Jane Doe)",
            kinds=("AccessError",),
            match="not allowed",
        )
        self.assertFalse(self._proposals())
        # An integration user gets the dedicated group, not write access.
        self._crm_sync_add_groups(self.user_employee, "crm_sync.crm_sync_group_propose")
        ids = self.rpc(
            self.user_employee,
            "res.partner",
            "crm_sync_propose",
            [self.partner.id],
            {"city": "Odense"},
            "Integration",
        )
        proposal = self.env["crm.sync.proposal"].browse(ids)
        self.assertEqual(proposal.proposed_by_id, self.user_employee)
        self.assertEqual(proposal.source_display, "Integration, via Erik Employee")

    def test_a_label_never_touches_another_source(self):
        # The connector's pending proposals: a record source and a label source
        # set by server code as another user.
        connector = self.env["res.partner"].create({"name": "e-conomic"})
        by_record = self.partner._crm_sync_propose(
            {"phone": "+45 70 00 00 01"}, connector
        )
        by_label = self.partner.with_user(self.user_sales_manager)._crm_sync_propose(
            {"city": "Odense"}, "e-conomic"
        )
        # The salesman sends the CRM's own values under the same label...
        self.assertEqual(
            self.rpc(
                self.user_salesman,
                "res.partner",
                "crm_sync_propose",
                [self.partner.id],
                {"phone": self.partner.phone, "city": self.partner.city},
                "e-conomic",
            ),
            [],
        )
        # ... and other values: his own proposals, next to the connector's.
        ids = self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_propose",
            [self.partner.id],
            {"city": "Vejle", "phone": "+45 70 00 00 09"},
            "e-conomic",
        )
        self.assertEqual(len(ids), 2)
        self.assertEqual((by_record | by_label).mapped("state"), ["pending"] * 2)
        self.assertEqual(len(self._proposals(state="pending")), 4)
        self.assertEqual(
            set(
                self._proposals(proposed_by_id=self.user_salesman.id).mapped(
                    "source_display"
                )
            ),
            {"e-conomic, via Sally Salesman"},
        )

    def test_portal_user_and_company_dependent_fields_refused(self):
        own = self.user_portal.partner_id
        self.assertRpcFault(
            self.user_portal,
            "res.partner",
            "crm_sync_propose",
            [own.id],
            {"email": "x@attacker.example"},
            "Customer portal",
            kinds=("AccessError",),
            match="from their account page",
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_propose",
            [self.partner.id],
            {"barcode": "5701234567899"},
            "Scanner",
            kinds=("ValidationError",),
            match="cannot receive",
        )
        self.assertFalse(
            self.env["crm.sync.proposal"].search(
                [("partner_id", "in", (own | self.partner).ids)]
            )
        )

    def test_no_stale_accept(self):
        connector = self.env["res.partner"].create({"name": "Connector"})
        phone = self.partner._crm_sync_propose({"phone": "+45 70 00 00 01"}, connector)
        city = self.partner._crm_sync_propose({"city": "Odense"}, connector)
        phone_a = phone.value_char
        # A salesperson sets another number in the CRM afterwards.
        self.rpc(
            self.user_salesman,
            "res.partner",
            "write",
            [self.partner.id],
            {"phone": "+45 70 00 00 02"},
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner",
            "crm_sync_resolve",
            [self.partner.id],
            {"phone": "accept"},
            kinds=("UserError",),
            match="choose Keep or New value",
        )
        result = self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_resolve",
            [self.partner.id],
            "accept_all",
            details=True,
        )
        self.assertEqual(result, {"resolved": city.ids, "stale": phone.ids})
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.phone, "+45 70 00 00 02")
        self.assertEqual(self.partner.city, "Odense")
        self.assertEqual(phone.state, "pending")
        self.assertNotEqual(phone_a, self.partner.phone)
        # Keep stays possible, and sticks.
        self.rpc(
            self.user_salesman,
            "res.partner",
            "crm_sync_resolve",
            [self.partner.id],
            {"phone": "keep"},
        )
        self.assertEqual(phone.state, "kept")
        self.assertFalse(
            self.partner._crm_sync_propose({"phone": phone_a}, connector),
            "the connector still holds the kept value: not proposed again",
        )

    def test_check_data_window_shows_who_sent_it(self):
        self.partner.with_user(self.user_salesman)._crm_sync_propose(
            {"city": "Odense"}, "Customer portal (Jane Doe)"
        )
        wizard_id = self.rpc(
            self.user_salesman,
            "res.partner.check.data",
            "create",
            {},
            context={"active_model": "res.partner", "active_ids": [self.partner.id]},
        )
        [wizard] = self.rpc(
            self.user_salesman,
            "res.partner.check.data",
            "read",
            [wizard_id],
            ["line_ids"],
        )
        lines = self.rpc(
            self.user_salesman,
            "res.partner.check.data.line",
            "read",
            wizard["line_ids"],
            ["source_display", "value_display"],
        )
        self.assertEqual(
            [(line["source_display"], line["value_display"]) for line in lines],
            [("Customer portal (Jane Doe), via Sally Salesman", "Odense")],
        )
