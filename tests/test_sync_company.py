# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch
from xmlrpc.client import Fault

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.res_company import Company as BaseCompany

from .common import CrmSyncCommon, CrmSyncHttpCommon


class SyncCompanyMixin:
    @classmethod
    def _create_account(cls, name, **values):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, **values}
        )

    def _snapshot(self):
        """What Sync Company may change: companies, partners, links."""
        Company = self.env["res.company"].sudo().with_context(active_test=False)
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        self.env.flush_all()
        return {
            "companies": Company.search([]).ids,
            "partners": Partner.search_count([]),
            "links": Partner.search([("crm_sync_company_id", "!=", False)]).ids,
        }


@tagged("post_install", "-at_install", "crm_sync", "sync_company")
class TestSyncCompany(SyncCompanyMixin, CrmSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_dk = cls.env.ref("base.dk")
        cls.account = cls._create_account(
            "Nordlys ApS",
            street="Vesterbrogade 12",
            city="København",
            zip="1620",
            country_id=cls.country_dk.id,
            email="info@nordlys.example.com",
            company_id=cls.env.company.id,
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Jens Hansen", "parent_id": cls.account.id}
        )

    def _assert_refused(self, exception, regex, call):
        before = self._snapshot()
        with self.assertRaisesRegex(exception, regex):
            call()
        self.assertEqual(self._snapshot(), before, "nothing may be written on failure")

    # -- permissions ----------------------------------------------------

    def test_salesman_refused(self):
        """A salesman is a CRM Sync user but may not create companies."""
        self._assert_refused(
            AccessError,
            "right to create companies",
            self.account.with_user(self.user_salesman).crm_sync_company,
        )
        with self.assertRaises(AccessError):
            self.account.with_user(self.user_salesman).action_crm_sync_company()

    def test_manager_without_settings_refused(self):
        self.assertTrue(
            self.user_sales_manager.has_group("crm_sync.crm_sync_group_manager")
        )
        self._assert_refused(
            AccessError,
            "right to create companies",
            self.account.with_user(self.user_sales_manager).crm_sync_company,
        )

    def test_settings_admin_without_crm_sync_refused(self):
        """Creating companies is not enough: the caller must be a CRM Sync user."""
        admin_only = new_test_user(
            self.env, login="crm_sync_settings_only", groups="base.group_system"
        )
        self.assertTrue(
            self.env["res.company"].with_user(admin_only).has_access("create")
        )
        self.assertFalse(admin_only.has_group("crm_sync.crm_sync_group_user"))
        self._assert_refused(
            AccessError,
            "Only CRM Sync users",
            self.account.with_user(admin_only).crm_sync_company,
        )

    # -- the flow -------------------------------------------------------

    def test_settings_admin_creates_company(self):
        before = self._snapshot()
        account = self.account.with_user(self.user_admin_settings)
        company_ids = account.crm_sync_company()
        self.assertEqual(len(company_ids), 1)
        company = self.env["res.company"].browse(company_ids)
        # the account IS the company's partner: no second partner
        self.assertEqual(company.partner_id, self.account)
        self.assertEqual(self._snapshot()["partners"], before["partners"])
        self.assertEqual(company.name, "Nordlys ApS")
        self.assertEqual(self.account.crm_sync_company_id, company)
        # the address is read from the account, the currency follows its country
        self.assertEqual(company.country_id, self.country_dk)
        self.assertEqual(company.city, "København")
        self.assertEqual(company.currency_id, self.country_dk.currency_id)
        # the account stays a shared partner, its contacts too
        self.assertFalse(self.account.company_id)
        self.assertFalse(self.contact.company_id)
        # Odoo's native behaviour: the creator may now use the company; nobody else
        self.assertIn(company, self.user_admin_settings.company_ids)
        self.assertNotIn(company, self.user_salesman.company_ids)
        # the default field mapping filled the printed header block
        self.assertIn("Vesterbrogade 12", company.company_details)
        # chatter note, Sync button gone, smart button opens the company
        self.assertIn(
            "Nordlys ApS", self.account.message_ids[:1].body, "a note is posted"
        )
        self.assertFalse(account.crm_sync_can_sync_company)
        action = account.action_crm_sync_company_open()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.company", company.id)
        )

    def test_batch(self):
        other = self._create_account(
            "Lumière SARL", country_id=self.env.ref("base.fr").id
        )
        accounts = (self.account | other).with_user(self.user_admin_settings)
        company_ids = accounts.crm_sync_company()
        companies = self.env["res.company"].browse(company_ids)
        self.assertEqual(companies.partner_id, self.account | other)
        self.assertEqual(companies.mapped("name"), ["Nordlys ApS", "Lumière SARL"])

    def test_no_localisation_installed(self):
        """A country on the account never triggers the install of l10n modules."""
        Module = self.env["ir.module.module"].sudo()
        states = dict(Module.search([]).mapped(lambda m: (m.name, m.state)))
        with patch.object(
            BaseCompany, "install_l10n_modules", autospec=True, return_value=False
        ) as install:
            # control: Odoo's own create() asks for the l10n of a country...
            self.env["res.company"].create(
                {"name": "Native Company", "country_id": self.country_dk.id}
            )
            self.assertEqual(install.call_count, 1)
            # ...Sync Company does not, though the new company has a country
            install.reset_mock()
            company = self.env["res.company"].browse(
                self.account.with_user(self.user_admin_settings).crm_sync_company()
            )
            self.assertEqual(company.country_id, self.country_dk)
            install.assert_not_called()
        self.assertEqual(
            dict(Module.search([]).mapped(lambda m: (m.name, m.state))), states
        )

    def test_custom_field_mapped(self):
        """Advanced synchronisation: a custom field reaches the company."""
        IrField = self.env["ir.model.fields"]
        for model in ("res.partner", "res.company"):
            IrField.create(
                {
                    "model_id": self.env["ir.model"]._get_id(model),
                    "name": "x_crm_sync_tier",
                    "field_description": "Tier",
                    "ttype": "char",
                    "state": "manual",
                }
            )
        self.env["crm.sync.field.mapping"].create(
            {
                "usage": "company",
                "source_field_id": IrField._get("res.partner", "x_crm_sync_tier").id,
                "target_field_id": IrField._get("res.company", "x_crm_sync_tier").id,
            }
        )
        self.account.x_crm_sync_tier = "Gold"
        company = self.env["res.company"].browse(
            self.account.with_user(self.user_admin_settings).crm_sync_company()
        )
        self.assertEqual(company.x_crm_sync_tier, "Gold")

    def test_salesman_sees_synced_account(self):
        """A salesman opens a synced account (company outside his companies) fine."""
        company = self.env["res.company"].browse(
            self.account.with_user(self.user_admin_settings).crm_sync_company()
        )
        self.assertNotIn(company, self.user_salesman.company_ids)
        partner_form = Form(self.account.with_user(self.user_salesman))
        self.assertEqual(partner_form.crm_sync_company_id, company)
        self.assertFalse(partner_form.crm_sync_can_sync_company)

    # -- bad input --------------------------------------------------------

    def test_person_refused(self):
        self._assert_refused(
            UserError,
            "Jens Hansen is a person",
            self.contact.with_user(self.user_admin_settings).crm_sync_company,
        )

    def test_already_synced(self):
        account = self.account.with_user(self.user_admin_settings)
        account.crm_sync_company()
        self._assert_refused(UserError, "already synced", account.crm_sync_company)

    def test_name_clash_without_choice(self):
        """Same normalised name: an error naming the company, never a DB error."""
        existing = self.env["res.company"].create({"name": "NORDLYS  aps"})
        existing.active = False  # archived companies clash too
        self._assert_refused(
            UserError,
            "A company named NORDLYS  aps already exists",
            self.account.with_user(self.user_admin_settings).crm_sync_company,
        )

    def test_name_clash_accents(self):
        account = self._create_account("Café Nord")
        self.env["res.company"].create({"name": "cafe nord"})
        self._assert_refused(
            UserError,
            "cafe nord",
            account.with_user(self.user_admin_settings).crm_sync_company,
        )

    def test_name_clash_link(self):
        existing = self.env["res.company"].create({"name": "Nordlys aps"})
        existing_partner = existing.partner_id
        before = self._snapshot()
        company_ids = self.account.with_user(self.user_admin_settings).crm_sync_company(
            existing_company_id=existing.id
        )
        self.assertEqual(company_ids, existing.ids)
        self.assertEqual(self.account.crm_sync_company_id, existing)
        self.assertFalse(self.account.company_id, "a synced account stays shared")
        self.assertEqual(
            existing.partner_id, existing_partner, "the company keeps its partner"
        )
        self.assertEqual(self._snapshot()["companies"], before["companies"])

    def test_name_clash_distinct_name(self):
        existing = self.env["res.company"].create({"name": "Nordlys ApS "})
        account = self.account.with_user(self.user_admin_settings)
        self._assert_refused(
            UserError,
            "also used by the company",
            lambda: account.crm_sync_company(company_name="nordlys aps"),
        )
        company_ids = account.crm_sync_company(company_name="  Nordlys Danmark ApS ")
        company = self.env["res.company"].browse(company_ids)
        self.assertNotEqual(company, existing)
        self.assertEqual(company.partner_id, self.account)
        self.assertEqual(company.name, "Nordlys Danmark ApS")
        self.assertEqual(self.account.name, "Nordlys Danmark ApS", "one name for both")

    def test_link_to_company_with_account_refused(self):
        first = self._create_account("Skagen Fisk A/S")
        company = self.env["res.company"].browse(
            first.with_user(self.user_admin_settings).crm_sync_company()
        )
        second = self._create_account("Skagen Fisk")
        self._assert_refused(
            UserError,
            "already synced with the account Skagen Fisk A/S",
            lambda: second.with_user(self.user_admin_settings).crm_sync_company(
                existing_company_id=company.id
            ),
        )

    def test_account_already_company_partner(self):
        """A company's own partner gets no second company, only the link."""
        main = self.env.company
        partner = main.partner_id.with_user(self.user_admin_settings)
        self._assert_refused(
            UserError,
            "already the partner of the company",
            lambda: partner.crm_sync_company(company_name="Another Name"),
        )
        self.assertEqual(
            partner.crm_sync_company(existing_company_id=main.id), main.ids
        )
        self.assertEqual(main.partner_id.crm_sync_company_id, main)

    def test_invalid_choices(self):
        account = self.account.with_user(self.user_admin_settings)
        self._assert_refused(
            UserError,
            "either",
            lambda: account.crm_sync_company(
                existing_company_id=self.env.company.id, company_name="X"
            ),
        )
        self._assert_refused(
            UserError,
            "no longer exists",
            lambda: account.crm_sync_company(existing_company_id=999999),
        )
        self._assert_refused(
            UserError,
            "cannot be empty",
            lambda: account.crm_sync_company(company_name="   "),
        )

    # -- invariants ---------------------------------------------------------

    def test_constraints(self):
        company = self.env["res.company"].browse(
            self.account.with_user(self.user_admin_settings).crm_sync_company()
        )
        other = self._create_account("Other Account")
        with self.assertRaisesRegex(
            ValidationError, "already synced with another account"
        ):
            other.crm_sync_company_id = company
        with self.assertRaisesRegex(
            ValidationError, "a partner represents one company"
        ):
            self.env["res.company"].create(
                {"name": "Twin", "partner_id": self.account.id}
            )
        with self.assertRaisesRegex(ValidationError, "is a person"):
            self.contact.crm_sync_company_id = self.env.company

    def test_synced_account_stays_shared(self):
        self.assertEqual(self.account.company_id, self.env.company)
        company = self.env["res.company"].browse(
            self.account.with_user(self.user_admin_settings).crm_sync_company()
        )
        self.assertFalse(self.account.company_id)
        for user in (self.user_admin_settings, self.user_sales_manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(ValidationError, "must stay shared"),
                self.env.cr.savepoint(),
            ):
                self.account.with_user(user).write({"company_id": company.id})
            self.env.invalidate_all()
            self.assertFalse(self.account.company_id)
        # Nor can a company-bound partner become a synced account behind the
        # Sync Company checks.
        other = self._create_account("Bound A/S", company_id=self.env.company.id)
        other_company = self.env["res.company"].create({"name": "Bound Company"})
        with (
            self.assertRaisesRegex(ValidationError, "must stay shared"),
            self.env.cr.savepoint(),
        ):
            other.crm_sync_company_id = other_company
            other.flush_recordset()

    # -- the confirmation window ---------------------------------------------

    def test_wizard_yes(self):
        action = self.account.with_user(
            self.user_admin_settings
        ).action_crm_sync_company()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.user_admin_settings)
            .with_context(**action["context"])
        )
        self.assertFalse(wizard_form.clash_company_id)
        wizard_form.save().action_confirm()
        self.assertEqual(self.account.crm_sync_company_id.partner_id, self.account)

    def test_wizard_clash_link_or_create(self):
        existing = self.env["res.company"].create({"name": "NORDLYS ApS"})
        Wizard = self.env["res.partner.company.sync"].with_user(
            self.user_admin_settings
        )
        wizard_form = Form(Wizard.with_context(default_partner_id=self.account.id))
        self.assertEqual(wizard_form.clash_company_id, existing)
        self.assertTrue(wizard_form.can_link)
        self.assertEqual(wizard_form.resolution, "link")
        wizard_form.resolution = "create"
        wizard_form.company_name = "Nordlys Copenhagen"
        wizard_form.save().action_confirm()
        self.assertEqual(self.account.crm_sync_company_id.name, "Nordlys Copenhagen")
        self.assertNotEqual(self.account.crm_sync_company_id, existing)

        # a second account of the same name may be linked to the free company only
        twin = self._create_account("nordlys aps")
        wizard = Wizard.create({"partner_id": twin.id})
        self.assertEqual(wizard.clash_company_id, existing)
        wizard.action_confirm()
        self.assertEqual(twin.crm_sync_company_id, existing)

        # a third one finds the company taken: create is the only choice
        third = self._create_account("nordlys  APS")
        wizard = Wizard.create({"partner_id": third.id})
        self.assertFalse(wizard.can_link)
        self.assertEqual(wizard.resolution, "create")
        with self.assertRaisesRegex(UserError, "distinct name"):
            wizard.action_confirm()


@tagged("post_install", "-at_install", "crm_sync", "sync_company")
class TestSyncCompanyConcurrency(SyncCompanyMixin, TransactionCase):
    """Two real transactions syncing the same account end with one company."""

    def _committed_env(self, cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, {})

    def _cleanup(self, partner_id):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            env = self._committed_env(cr)
            companies = (
                env["res.company"]
                .with_context(active_test=False)
                .search([("partner_id", "=", partner_id)])
            )
            env["res.users"].with_context(active_test=False).search(
                [("company_ids", "in", companies.ids)]
            ).write({"company_ids": [(3, cid) for cid in companies.ids]})
            calendars = companies.resource_calendar_ids
            companies.unlink()
            calendars.exists().unlink()
            env["res.partner"].browse(partner_id).unlink()

    @mute_logger("odoo.sql_db")
    def test_two_cursors(self):
        dbname = self.env.cr.dbname
        admin_id = self.env.ref("base.user_admin").id
        with db_connect(dbname).cursor() as cr:
            partner_id = (
                self._committed_env(cr)["res.partner"]
                .create({"name": "Concurrent Account ApS", "is_company": True})
                .id
            )
        self.addCleanup(self._cleanup, partner_id)

        cr_a = db_connect(dbname).cursor()
        cr_b = db_connect(dbname).cursor()
        try:
            env_a = self._committed_env(cr_a, admin_id)
            env_b = self._committed_env(cr_b, admin_id)
            company_ids = env_a["res.partner"].browse(partner_id).crm_sync_company()
            self.assertEqual(len(company_ids), 1)
            # A holds the row: B is told so at once, it does not wait or duplicate
            with self.assertRaisesRegex(UserError, "being synced by someone else"):
                env_b["res.partner"].browse(partner_id).crm_sync_company()
            cr_b.rollback()
            cr_a.commit()
            # once A committed, B sees the account synced
            env_b.invalidate_all()
            with self.assertRaisesRegex(UserError, "already synced"):
                env_b["res.partner"].browse(partner_id).crm_sync_company()
            cr_b.rollback()
        finally:
            cr_a.close()
            cr_b.close()

        with db_connect(dbname).cursor() as cr:
            env = self._committed_env(cr)
            companies = (
                env["res.company"]
                .with_context(active_test=False)
                .search([("partner_id", "=", partner_id)])
            )
            self.assertEqual(companies.ids, company_ids, "exactly one company")
            self.assertEqual(
                env["res.partner"].browse(partner_id).crm_sync_company_id, companies
            )


@tagged("post_install", "-at_install", "crm_sync", "sync_company")
class TestSyncCompanyHttp(SyncCompanyMixin, CrmSyncHttpCommon):
    def test_rpc(self):
        """The public method over real XML-RPC, as each kind of user."""
        account = self._create_account(
            "Bella Vista S.r.l.", country_id=self.env.ref("base.it").id
        )
        before = self._snapshot()
        with self.assertRaisesRegex(Fault, "right to create companies"):
            self.rpc(
                self.user_salesman, "res.partner", "crm_sync_company", [account.id]
            )
        self.assertEqual(self._snapshot(), before)
        company_ids = self.rpc(
            self.user_admin_settings, "res.partner", "crm_sync_company", [account.id]
        )
        self.assertEqual(
            self.env["res.company"].browse(company_ids).partner_id, account
        )

    def test_rpc_clash(self):
        existing = self.env["res.company"].create({"name": "BELLA VISTA srl"})
        first = self._create_account("Bella Vista Srl")
        second = self._create_account("bella vista SRL")
        before = self._snapshot()
        with self.assertRaisesRegex(
            Fault, "A company named BELLA VISTA srl already exists"
        ):
            self.rpc(
                self.user_admin_settings, "res.partner", "crm_sync_company", [first.id]
            )
        self.assertEqual(self._snapshot(), before)
        # explicit choice 1: link
        self.assertEqual(
            self.rpc(
                self.user_admin_settings,
                "res.partner",
                "crm_sync_company",
                [first.id],
                existing_company_id=existing.id,
            ),
            existing.ids,
        )
        # the company has its account now: no second link
        with self.assertRaisesRegex(Fault, "already synced with the account"):
            self.rpc(
                self.user_admin_settings,
                "res.partner",
                "crm_sync_company",
                [second.id],
                existing_company_id=existing.id,
            )
        # explicit choice 2: a distinct name
        company_ids = self.rpc(
            self.user_admin_settings,
            "res.partner",
            "crm_sync_company",
            [second.id],
            company_name="Bella Vista Milano",
        )
        company = self.env["res.company"].browse(company_ids)
        self.assertEqual(
            (company.partner_id, company.name), (second, "Bella Vista Milano")
        )

    def test_tour(self):
        account = self._create_account(
            "Tour Account", country_id=self.env.ref("base.dk").id
        )
        self.start_tour(
            f"/odoo/contacts/{account.id}",
            "crm_sync_company_tour",
            login="crm_sync_admin",
        )
        companies = self.env["res.company"].search([("partner_id", "=", account.id)])
        self.assertEqual(
            len(companies), 1, "Cancel created nothing, Yes created one company"
        )
        self.assertEqual(account.crm_sync_company_id, companies)
