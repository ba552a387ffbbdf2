# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The windows (transient models) never show a record past the user's rights.

Every transient model crm_sync adds is covered, over XML-RPC, as a salesman
restricted to his own documents (or, for Sync User, a sales manager
restricted to his company, or a plain employee for Check data):

- creating a window or a line that points at a record the user may not read
  (another salesman's lead, another company's partner or proposal) is
  refused with an AccessError;
- the related fields of a line read the pointed record with the user's
  rights: once the record is out of reach (lead reassigned, partner moved to
  another company), reading them is refused too.
"""

from xmlrpc.client import Fault

from odoo.tests import TransactionCase, new_test_user, tagged

from .common import CrmSyncHttpCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_wizard_access")
class TestWizardFields(TransactionCase):
    """Every window crm_sync adds checks its records; none reads as superuser."""

    def _transient_models(self):
        return [
            model
            for name, model in self.env.registry.items()
            if model._transient and model._original_module == "crm_sync"
        ]

    def test_every_window_checks_its_records(self):
        windows = self._transient_models()
        self.assertEqual(
            {model._name for model in windows},
            {
                "crm.lead.convert",
                "crm.lead.convert.line",
                "crm.lead.convert.contact",
                "crm.lead.mass.convert",
                "res.partner.check.data",
                "res.partner.check.data.line",
                "res.partner.company.sync",
                "res.partner.user.sync",
                # access tests: tests/test_economic_status.py (fake e-conomic)
                "res.partner.economic.compare",
                "res.partner.economic.compare.line",
            },
            "a new window: add it to this list and to TestWizardAccess",
        )
        for model in windows:
            with self.subTest(model=model._name):
                self.assertIn("crm.sync.wizard.access.mixin", model._inherit_module)
                for fname, operation in model._crm_sync_access_fields.items():
                    self.assertTrue(model._fields[fname].relational)
                    self.assertIn(operation, ("read", "write"))

    def test_no_related_field_reads_as_superuser(self):
        for model in self._transient_models():
            for field in model._fields.values():
                if field.related:
                    with self.subTest(field=str(field)):
                        self.assertFalse(field.compute_sudo, "related_sudo=False")


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_wizard_access")
class TestWizardAccess(CrmSyncHttpCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup_team()
        cls.user_salesman_other = new_test_user(
            cls.env,
            login="crm_sync_salesman_other",
            name="Otto Other Salesman",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_employee = new_test_user(
            cls.env,
            login="crm_sync_employee",
            name="Emil Employee",
            groups="base.group_user",
        )
        cls.own_lead = cls._create_lead(
            name="Own lead",
            partner_name="Own Co",
            contact_name="Own Person",
            email_from="own.person@own.example",
        )
        cls.other_lead = cls._create_lead(
            user=cls.user_salesman_other,
            name="Secret lead",
            partner_name="Secret Co",
            contact_name="Secret Person",
            email_from="secret.person@secret.example",
        )
        cls.company_b = cls.env["res.company"].create({"name": "Company B crm_sync"})
        cls.partner_b = cls.env["res.partner"].create(
            {
                "name": "Hidden Customer B",
                "email": "hidden.person@b.example",
                "city": "Malmö",
                "company_id": cls.company_b.id,
            }
        )
        cls.partner_a = cls.env["res.partner"].create(
            {
                "name": "Visible Customer A",
                "email": "visible.person@a.example",
                "city": "Aarhus",
                "company_id": cls.company.id,
            }
        )
        cls.proposal_b = cls.partner_b._crm_sync_propose({"city": "Lund"}, "e-conomic")
        cls.proposal_a = cls.partner_a._crm_sync_propose({"city": "Vejle"}, "e-conomic")

    # helpers -----------------------------------------------------------

    def _assert_no_leak(self, user, model, record_id, fnames, secrets):
        """Reading any of ``fnames`` is refused, or returns none of ``secrets``."""
        for fname in fnames:
            try:
                values = self.rpc(user, model, "read", [record_id], [fname])
            except Fault as error:
                self.assertRpcFaultKind(error, kinds=("AccessError",))
                continue
            for secret in secrets:
                self.assertNotIn(secret, str(values), f"{model}.{fname}")

    def test_setup(self):
        """The salesman reads his lead only; company B is out of his reach."""
        self.assertTrue(self.own_lead.with_user(self.user_salesman).has_access("read"))
        self.assertFalse(
            self.other_lead.with_user(self.user_salesman).has_access("read")
        )
        self.assertFalse(
            self.partner_b.with_user(self.user_salesman).has_access("read")
        )
        self.assertFalse(
            self.partner_b.with_user(self.user_sales_manager).has_access("read")
        )
        self.assertTrue(self.proposal_a and self.proposal_b)
        self.assertFalse(
            self.proposal_b.with_user(self.user_salesman).has_access("read")
        )
        self.assertFalse(
            self.proposal_a.with_user(self.user_employee).has_access("read")
        )

    # crm.lead.convert and crm.lead.convert.line --------------------------

    def _convert_window(self):
        return self.rpc(
            self.user_salesman,
            "crm.lead.convert",
            "create",
            {"lead_ids": [(6, 0, self.own_lead.ids)]},
        )

    def test_convert_window_other_lead_refused(self):
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert",
            "create",
            {"lead_ids": [(6, 0, self.other_lead.ids)]},
            kinds=("AccessError",),
        )
        wizard_id = self._convert_window()
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert",
            "write",
            [wizard_id],
            {"lead_ids": [(4, self.other_lead.id)]},
            kinds=("AccessError",),
        )

    def test_convert_line_other_lead_refused(self):
        wizard_id = self._convert_window()
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert.line",
            "create",
            {
                "wizard_id": wizard_id,
                "lead_id": self.other_lead.id,
                "account_action": "none",
                "contact_action": "new",
            },
            kinds=("AccessError",),
        )
        line_id = self.rpc(
            self.user_salesman,
            "crm.lead.convert",
            "read",
            [wizard_id],
            ["line_ids"],
        )[0]["line_ids"][0]
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert.line",
            "write",
            [line_id],
            {"lead_id": self.other_lead.id},
            kinds=("AccessError",),
        )
        # Matching partners and chosen ones: only readable ones.
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert.line",
            "write",
            [line_id],
            {"contact_action": "existing", "contact_id": self.partner_b.id},
            kinds=("AccessError",),
        )
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert.line",
            "write",
            [line_id],
            {"account_candidate_ids": [(6, 0, self.partner_b.ids)]},
            kinds=("AccessError",),
        )

    def test_convert_window_suggests_readable_partners_only(self):
        """The window's duplicate search runs with the user's rights: a
        partner of another company with the lead's e-mail is neither suggested
        nor chosen (the lines are computed as the user, not as superuser)."""
        lead = self._create_lead(
            name="Lead like B",
            partner_name="Hidden Customer B",
            contact_name="Hidden Customer B",
            email_from=self.partner_b.email,
        )
        wizard_id = self.rpc(
            self.user_salesman,
            "crm.lead.convert",
            "create",
            {"lead_ids": [(6, 0, lead.ids)]},
        )
        line_ids = self.rpc(
            self.user_salesman, "crm.lead.convert", "read", [wizard_id], ["line_ids"]
        )[0]["line_ids"]
        self.assertEqual(len(line_ids), 1)
        fnames = [
            "lead_id",
            "account_id",
            "account_candidate_ids",
            "contact_action",
            "contact_id",
            "contact_candidate_ids",
            "contact_reason",
        ]
        line = self.rpc(
            self.user_salesman, "crm.lead.convert.line", "read", line_ids, fnames
        )[0]
        self.assertEqual(line["lead_id"][0], lead.id)
        self.assertEqual(line["contact_action"], "new")
        self.assertFalse(line["contact_id"])
        self.assertFalse(line["account_id"])
        self.assertNotIn(self.partner_b.id, line["contact_candidate_ids"])
        self.assertNotIn(self.partner_b.id, line["account_candidate_ids"])
        # Stored as such, not only hidden from the salesman's read.
        stored = self.env["crm.lead.convert.line"].browse(line_ids)
        self.assertNotIn(self.partner_b, stored.contact_candidate_ids)
        self.assertFalse(stored.contact_id)
        self.assertNotIn("Hidden Customer B", str(line))

    def test_convert_line_related_fields_follow_the_lead_rights(self):
        wizard_id = self._convert_window()
        line_id = self.rpc(
            self.user_salesman,
            "crm.lead.convert",
            "read",
            [wizard_id],
            ["line_ids"],
        )[0]["line_ids"][0]
        fnames = ["partner_name", "contact_name", "email_from"]
        values = self.rpc(
            self.user_salesman, "crm.lead.convert.line", "read", [line_id], fnames
        )[0]
        self.assertEqual(values["contact_name"], "Own Person")
        # The lead goes to another salesman while the window is open.
        self.own_lead.write(
            {
                "user_id": self.user_salesman_other.id,
                "contact_name": "Now Secret Person",
                "email_from": "now.secret@secret.example",
            }
        )
        self._assert_no_leak(
            self.user_salesman,
            "crm.lead.convert.line",
            line_id,
            fnames,
            ["Now Secret Person", "now.secret@secret.example"],
        )

    # crm.lead.convert.contact -------------------------------------------

    def test_convert_contact_window_other_lead_refused(self):
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert.contact",
            "create",
            {"lead_ids": [(6, 0, self.other_lead.ids)]},
            kinds=("AccessError",),
        )
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.convert.contact",
            "create",
            {"lead_ids": [(6, 0, self.own_lead.ids)], "account_id": self.partner_b.id},
            kinds=("AccessError",),
        )

    # crm.lead.mass.convert ----------------------------------------------

    def test_mass_convert_window_other_lead_refused(self):
        # The same window on his own lead opens.
        self.assertTrue(
            self.rpc(
                self.user_salesman,
                "crm.lead.mass.convert",
                "create",
                {"mode": "selection", "lead_ids": [(6, 0, self.own_lead.ids)]},
            )
        )
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead.mass.convert",
            "create",
            {"mode": "selection", "lead_ids": [(6, 0, self.other_lead.ids)]},
            kinds=("AccessError",),
        )

    # res.partner.check.data and res.partner.check.data.line --------------

    def test_check_data_other_company_refused(self):
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.check.data",
            "create",
            {"partner_ids": [(6, 0, self.partner_b.ids)]},
            kinds=("AccessError",),
        )
        # Lines pointing at another company's proposal, in a window of one's own.
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.check.data",
            "create",
            {
                "partner_ids": [(6, 0, self.partner_a.ids)],
                "line_ids": [(0, 0, {"proposal_id": self.proposal_b.id})],
            },
            kinds=("AccessError",),
        )
        wizard_id = self.rpc(
            self.user_salesman,
            "res.partner.check.data",
            "create",
            {"partner_ids": [(6, 0, self.partner_a.ids)]},
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.check.data.line",
            "create",
            {"wizard_id": wizard_id, "proposal_id": self.proposal_b.id},
            kinds=("AccessError",),
        )

    def test_check_data_line_employee_other_proposal_refused(self):
        """An employee outside CRM Sync reads only the proposals he made."""
        wizard_id = self.rpc(
            self.user_employee,
            "res.partner.check.data",
            "create",
            {"partner_ids": [(6, 0, self.partner_a.ids)]},
        )
        self.assertRpcFault(
            self.user_employee,
            "res.partner.check.data.line",
            "create",
            {"wizard_id": wizard_id, "proposal_id": self.proposal_a.id},
            kinds=("AccessError",),
        )

    def test_check_data_line_related_fields_follow_the_proposal_rights(self):
        wizard_id = self.rpc(
            self.user_salesman,
            "res.partner.check.data",
            "create",
            {
                "partner_ids": [(6, 0, self.partner_a.ids)],
                "line_ids": [(0, 0, {"proposal_id": self.proposal_a.id})],
            },
        )
        line_id = self.rpc(
            self.user_salesman,
            "res.partner.check.data",
            "read",
            [wizard_id],
            ["line_ids"],
        )[0]["line_ids"][0]
        fnames = ["value_display", "current_value_display", "source_display"]
        values = self.rpc(
            self.user_salesman, "res.partner.check.data.line", "read", [line_id], fnames
        )[0]
        self.assertEqual(values["value_display"], "Vejle")
        # The partner moves to a company the salesman is not in.
        self.partner_a.write({"company_id": self.company_b.id})
        self._assert_no_leak(
            self.user_salesman,
            "res.partner.check.data.line",
            line_id,
            fnames + ["field_label", "is_stale", "proposed_on"],
            ["Vejle", "Aarhus", "e-conomic"],
        )

    # res.partner.company.sync -------------------------------------------

    def test_company_sync_window_other_company_refused(self):
        self.env["res.company"].create({"name": "Visible Customer A"})
        self.env["res.company"].create({"name": "Hidden Customer B"})
        # The same window on a partner of his company opens.
        self.assertTrue(
            self.rpc(
                self.user_salesman,
                "res.partner.company.sync",
                "create",
                {"partner_id": self.partner_a.id},
            )
        )
        self.assertRpcFault(
            self.user_salesman,
            "res.partner.company.sync",
            "create",
            {"partner_id": self.partner_b.id},
            kinds=("AccessError",),
        )

    # res.partner.user.sync ----------------------------------------------

    def test_user_sync_window_other_company_refused(self):
        # The same window on a partner of his company opens.
        self.assertTrue(
            self.rpc(
                self.user_sales_manager,
                "res.partner.user.sync",
                "create",
                {"partner_id": self.partner_a.id},
            )
        )
        self.assertRpcFault(
            self.user_sales_manager,
            "res.partner.user.sync",
            "create",
            {"partner_id": self.partner_b.id},
            kinds=("AccessError",),
        )

    def test_user_sync_related_email_follows_the_partner_rights(self):
        wizard_id = self.rpc(
            self.user_sales_manager,
            "res.partner.user.sync",
            "create",
            {"partner_id": self.partner_a.id},
        )
        values = self.rpc(
            self.user_sales_manager,
            "res.partner.user.sync",
            "read",
            [wizard_id],
            ["email"],
        )[0]
        self.assertEqual(values["email"], "visible.person@a.example")
        self.partner_a.write(
            {"company_id": self.company_b.id, "email": "moved.person@b.example"}
        )
        self._assert_no_leak(
            self.user_sales_manager,
            "res.partner.user.sync",
            wizard_id,
            ["email", "login", "match_summary"],
            ["moved.person@b.example"],
        )
