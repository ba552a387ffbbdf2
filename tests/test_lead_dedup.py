# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The duplicate-detection scenario tables (docs/FIELD_MAPPING.md), one test each.

Unique fields as in those tables: an "SSN" on contacts and a "LinkedIn ID" on
accounts (custom ``x_`` fields, mapped from the lead). System fields: the lead
"Charles Stone", company "Zylker Inc.", e-mail charles.s@zylker.com.
"""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.crm_sync_unique_field import text_key_sql
from .common import CrmSyncCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadDedup(CrmSyncCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup()
        # the default unique field (account Tax ID) is not part of those tables
        cls.env.ref("crm_sync.crm_sync_unique_field_account_vat").active = False
        Fields = cls.env["ir.model.fields"]
        model_lead = cls.env.ref("crm.model_crm_lead")
        model_partner = cls.env.ref("base.model_res_partner")
        for model in (model_lead, model_partner):
            Fields.create(
                [
                    {
                        "model_id": model.id,
                        "name": "x_ssn",
                        "field_description": "SSN",
                        "ttype": "char",
                    },
                    {
                        "model_id": model.id,
                        "name": "x_linkedin",
                        "field_description": "LinkedIn ID",
                        "ttype": "char",
                    },
                ]
            )

        def field(model, name):
            return Fields._get(model, name)

        Mapping = cls.env["crm.sync.field.mapping"]
        cls.map_ssn = Mapping.create(
            {
                "usage": "lead_contact",
                "source_field_id": field("crm.lead", "x_ssn").id,
                "target_field_id": field("res.partner", "x_ssn").id,
                "mode": "if_empty",
            }
        )
        cls.map_linkedin = Mapping.create(
            {
                "usage": "lead_account",
                "source_field_id": field("crm.lead", "x_linkedin").id,
                "target_field_id": field("res.partner", "x_linkedin").id,
                "mode": "if_empty",
            }
        )
        Unique = cls.env["crm.sync.unique.field"]
        cls.unique_ssn = Unique.create(
            {"usage": "contact", "field_id": field("res.partner", "x_ssn").id}
        )
        cls.unique_linkedin = Unique.create(
            {"usage": "account", "field_id": field("res.partner", "x_linkedin").id}
        )
        Partner = cls.env["res.partner"]
        cls.zylker = Partner.create(
            {"name": "Zylker Inc.", "is_company": True, "x_linkedin": "in/zylker"}
        )

    def _lead(self, **values):
        vals = {
            "name": "Charles Stone's request",
            "contact_name": "Charles Stone",
            "partner_name": "Zylker Inc.",
            "email_from": "charles.s@zylker.com",
        }
        vals.update(values)
        return self._create_lead(**vals)

    def _dups(self, lead):
        return lead.with_user(self.user_salesman).crm_sync_find_duplicates()[
            str(lead.id)
        ]

    def _assert_suggestion(self, lead, account, account_id, contact, contact_id):
        suggestion = self._dups(lead)["suggestion"]
        self.assertEqual(
            (
                suggestion["account"],
                suggestion["account_id"],
                suggestion["contact"],
                suggestion["contact_id"],
            ),
            (account, account_id, contact, contact_id),
        )

    def _rules(self, lead):
        dups = self._dups(lead)
        return (
            [(c["id"], c["rule"]) for c in dups["accounts"]],
            [(c["id"], c["rule"]) for c in dups["contacts"]],
        )

    # ------------------------------------------------------------------
    # Unique fields table
    # ------------------------------------------------------------------

    def test_ssn_and_linkedin_contact_with_account(self):
        """SSN + LinkedIn available, the contact exists: add to the existing
        contact; it keeps its account."""
        other = self.env["res.partner"].create({"name": "Other Co", "is_company": True})
        contact = self.env["res.partner"].create(
            {"name": "C. Stone", "x_ssn": "123-45", "parent_id": other.id}
        )
        lead = self._lead(x_ssn=" 123-45 ", x_linkedin="in/zylker", email_from="x@y.z")
        self.assertEqual(
            self._rules(lead),
            ([(other.id, "contact_account")], [(contact.id, "contact_unique")]),
        )
        self._assert_suggestion(lead, "existing", other.id, "existing", contact.id)

    def test_ssn_and_linkedin_contact_without_account(self):
        """The SSN contact has no account: the LinkedIn ID finds the account."""
        contact = self.env["res.partner"].create(
            {"name": "C. Stone", "x_ssn": "123-45"}
        )
        lead = self._lead(
            x_ssn="123-45", x_linkedin="in/zylker", partner_name="Zylker SA"
        )
        self.assertEqual(
            self._rules(lead),
            ([(self.zylker.id, "account_unique")], [(contact.id, "contact_unique")]),
        )
        res = lead.with_user(self.user_salesman).crm_sync_convert({})[str(lead.id)]
        self.assertEqual(res["account_id"], self.zylker.id)
        self.assertEqual(contact.parent_id, self.zylker, "the contact is linked")

    def test_ssn_and_linkedin_nothing_exists(self):
        """Neither exists: e-mail, then company name, then (no e-mail, no company
        only) the lead name are searched."""
        lead = self._lead(
            x_ssn="999",
            x_linkedin="in/new",
            partner_name="New Co",
            email_from="n@new.co",
        )
        self._assert_suggestion(lead, "new", False, "new", False)
        lead = self._lead(x_ssn="999", x_linkedin="in/new")
        self.assertEqual(self._rules(lead), ([(self.zylker.id, "account_name")], []))

    def test_ssn_only_account_by_company_name_or_new(self):
        """SSN available, LinkedIn not: the contact without an account gets the
        account of the lead's company name, or a new account."""
        self.unique_linkedin.active = False
        contact = self.env["res.partner"].create(
            {"name": "C. Stone", "x_ssn": "123-45"}
        )
        lead = self._lead(
            x_ssn="123-45", x_linkedin="in/zylker", partner_name="zylker inc."
        )
        self.assertEqual(
            self._rules(lead),
            ([(self.zylker.id, "account_name")], [(contact.id, "contact_unique")]),
        )
        lead2 = self._lead(x_ssn="123-45", partner_name="Unknown Ltd")
        self._assert_suggestion(lead2, "new", False, "existing", contact.id)
        res = lead2.with_user(self.user_salesman).crm_sync_convert({})[str(lead2.id)]
        self.assertEqual(res["account_action"], "created")
        self.assertEqual(contact.parent_id.name, "Unknown Ltd")

    def test_linkedin_only_contact_of_account(self):
        """LinkedIn available, SSN not: the account is found, then its contact by
        e-mail, else by name, else a new contact under it."""
        self.unique_ssn.active = False
        by_email = self.env["res.partner"].create(
            {
                "name": "Chuck",
                "email": "charles.s@zylker.com",
                "parent_id": self.zylker.id,
            }
        )
        lead = self._lead(x_linkedin="in/zylker", partner_name="Renamed")
        self.assertEqual(
            self._rules(lead),
            (
                [(self.zylker.id, "account_unique")],
                [(by_email.id, "account_contact_email")],
            ),
        )
        by_email.email = "chuck@zylker.com"
        by_name = self.env["res.partner"].create(
            {"name": "charles STONE", "parent_id": self.zylker.id}
        )
        self.assertEqual(self._rules(lead)[1], [(by_name.id, "account_contact_name")])
        by_name.parent_id = False
        self._assert_suggestion(lead, "existing", self.zylker.id, "new", False)

    def test_unique_field_not_mapped_is_ignored(self):
        self.map_ssn.active = False
        self.env["res.partner"].create({"name": "C. Stone", "x_ssn": "123-45"})
        lead = self._lead(
            x_ssn="123-45", partner_name=False, email_from=False, contact_name="Nobody"
        )
        self._assert_suggestion(lead, "none", False, "new", False)

    # ------------------------------------------------------------------
    # System fields table (name, company, e-mail)
    # ------------------------------------------------------------------

    def test_use_case_1_email_matches_contact(self):
        contact = self.env["res.partner"].create(
            {"name": "Charlie", "email": "Charles.S@Zylker.com"}
        )
        lead = self._lead()
        self.assertEqual(self._rules(lead)[1], [(contact.id, "contact_email")])
        # the contact has no account: the company name finds Zylker
        self._assert_suggestion(
            lead, "existing", self.zylker.id, "existing", contact.id
        )
        # "create a new contact" is offered too: an account comes with it
        res = lead.with_user(self.user_salesman).crm_sync_convert({"contact": "new"})
        self.assertEqual(res[str(lead.id)]["contact_action"], "created")
        self.assertEqual(res[str(lead.id)]["account_id"], self.zylker.id)

    def test_use_case_2_company_matches_account(self):
        lead = self._lead()
        self.assertEqual(self._rules(lead), ([(self.zylker.id, "account_name")], []))
        self._assert_suggestion(lead, "existing", self.zylker.id, "new", False)
        res = lead.with_user(self.user_salesman).crm_sync_convert({"account": "new"})
        self.assertEqual(res[str(lead.id)]["account_action"], "created")
        self.assertNotEqual(res[str(lead.id)]["account_id"], self.zylker.id)

    def test_use_case_3_nothing_matches_new_account_and_contact(self):
        """E-mail and company given, nothing matches: the name is not searched
        (rule 5 needs both empty); a new account and contact are suggested."""
        self.env["res.partner"].create({"name": "Charles Stone"})
        lead = self._lead(
            partner_name="Stone Consulting", email_from="cs@stone.example"
        )
        self._assert_suggestion(lead, "new", False, "new", False)

    def test_name_only(self):
        """Name only: add to the existing contact (not overwritten) or create one."""
        contact = self.env["res.partner"].create(
            {"name": "Charles Stone", "function": "CEO"}
        )
        lead = self._lead(partner_name=False, email_from=False, function="Buyer")
        self.assertEqual(self._rules(lead)[1], [(contact.id, "contact_name")])
        self._assert_suggestion(lead, "none", False, "existing", contact.id)
        lead.with_user(self.user_salesman).crm_sync_convert({})
        self.assertEqual(contact.function, "CEO")
        lead2 = self._lead(
            partner_name=False, email_from=False, contact_name="Nobody Known"
        )
        self._assert_suggestion(lead2, "none", False, "new", False)

    def test_name_and_company_no_email(self):
        """Name + company: the account; then its contact with that name, if any."""
        lead = self._lead(email_from=False)
        self._assert_suggestion(lead, "existing", self.zylker.id, "new", False)
        contact = self.env["res.partner"].create(
            {"name": "Charles Stone", "parent_id": self.zylker.id}
        )
        self._assert_suggestion(
            lead, "existing", self.zylker.id, "existing", contact.id
        )
        lead2 = self._lead(email_from=False, partner_name="Nowhere GmbH")
        self._assert_suggestion(lead2, "new", False, "new", False)

    def test_name_and_email_no_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Someone Else", "email": "charles.s@zylker.com"}
        )
        lead = self._lead(partner_name=False)
        self._assert_suggestion(lead, "none", False, "existing", contact.id)
        lead2 = self._lead(partner_name=False, email_from="other@zylker.com")
        self._assert_suggestion(lead2, "none", False, "new", False)

    # ------------------------------------------------------------------
    # Ambiguity, archived partners, no loose matching
    # ------------------------------------------------------------------

    def test_ambiguous_match(self):
        twins = self.env["res.partner"].create(
            [
                {"name": "Charles A", "email": "charles.s@zylker.com"},
                {"name": "Charles B", "email": "charles.s@zylker.com"},
            ]
        )
        lead = self._lead()
        dups = self._dups(lead)
        self.assertTrue(dups["suggestion"]["ambiguous"])
        self.assertEqual(sorted(c["id"] for c in dups["contacts"]), sorted(twins.ids))
        with self.assertRaisesRegex(UserError, "several contacts match"):
            lead.with_user(self.user_salesman).crm_sync_convert({})
        self.assertFalse(lead.crm_sync_converted)
        res = lead.with_user(self.user_salesman).crm_sync_convert(
            {"contact": twins[1].id}
        )
        self.assertEqual(res[str(lead.id)]["contact_id"], twins[1].id)

    def test_archived_partner_found_not_reactivated(self):
        """Issue 9, section 5: archived partners are offered, never taken or
        reactivated automatically."""
        contact = self.env["res.partner"].create(
            {"name": "Old Charles", "email": "charles.s@zylker.com", "active": False}
        )
        lead = self._lead()
        dups = self._dups(lead)
        self.assertEqual(dups["contacts"][0]["id"], contact.id)
        self.assertFalse(dups["contacts"][0]["active"])
        with self.assertRaisesRegex(UserError, "is archived"):
            lead.with_user(self.user_salesman).crm_sync_convert({})
        lead.with_user(self.user_salesman).crm_sync_convert({"contact": contact.id})
        self.assertEqual(lead.partner_id, contact)
        self.assertFalse(contact.active)

    def test_no_substring_matching(self):
        """odoo#55174, #135793, OCA/crm#444: no ilike on names."""
        self.env["res.partner"].create(
            [
                {"name": "Zylker Inc. Holding", "is_company": True},
                {"name": "Charles Stone Jr", "is_company": False},
                {"name": "Paul", "is_company": False},
            ]
        )
        lead = self._lead(
            partner_name="Zylker", email_from=False, contact_name="Paul Graham"
        )
        self._assert_suggestion(lead, "new", False, "new", False)
        lead = self._lead(partner_name=False, email_from=False, contact_name="Charles")
        self._assert_suggestion(lead, "none", False, "new", False)

    def test_accents_case_and_spaces(self):
        account = self.env["res.partner"].create(
            {"name": "Société  Générale", "is_company": True}
        )
        lead = self._lead(partner_name=" societe generale ", email_from=False)
        self._assert_suggestion(lead, "existing", account.id, "new", False)

    def test_vat_unique_field_by_default(self):
        self.env.ref("crm_sync.crm_sync_unique_field_account_vat").active = True
        account = self.env["res.partner"].create(
            {"name": "Fiscal Name NV", "is_company": True, "vat": "BE0477472701"}
        )
        lead = self._lead(vat="be 0477.472.701", partner_name="Trade Name")
        self.assertEqual(self._rules(lead)[0], [(account.id, "account_unique")])

    def test_phone_unique_field_e164(self):
        self.env["crm.sync.unique.field"].create(
            {
                "usage": "contact",
                "field_id": self.env["ir.model.fields"]._get("res.partner", "phone").id,
            }
        )
        contact = self.env["res.partner"].create(
            {"name": "Phone Twin", "phone": "+32 475 12 34 56"}
        )
        lead = self._lead(phone="0475/12.34.56", country_id=self.env.ref("base.be").id)
        self.assertEqual(self._rules(lead)[1], [(contact.id, "contact_unique")])

    def test_queries_do_not_grow_with_the_batch(self):
        """Candidates are fetched per batch: 20 leads cost no more queries than
        4, give or take a constant far below one query per lead."""

        def count(leads):
            leads = leads.with_user(self.user_salesman)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            leads.crm_sync_find_duplicates()
            return self.env.cr.sql_log_count - before

        leads = self.env["crm.lead"]
        for i in range(20):
            leads |= self._lead(email_from=f"l{i}@x.example", partner_name=f"Co {i}")
            self.env["res.partner"].create(
                {"name": f"Co {i}", "is_company": True, "email": f"l{i}@x.example"}
            )
        count(leads[:4])  # warm the caches
        four, twenty = count(leads[:4]), count(leads)
        # one query per lead would add 16
        self.assertLessEqual(twenty, four + 3, f"4 leads: {four}, 20 leads: {twenty}")

    def test_tags_created_as_categories(self):
        lead = self._lead(
            tag_ids=[Command.set(self.tag_vip.ids)], email_from="t@t.example"
        )
        res = lead.with_user(self.user_salesman).crm_sync_convert({"account": False})
        contact = self.env["res.partner"].browse(res[str(lead.id)]["contact_id"])
        self.assertEqual(contact.category_id.name, "VIP crm_sync")

    def test_custom_unique_field_case_and_spaces(self):
        """Custom unique fields compare normalised values on both sides, on an
        expression index: the stored "  IN/Zylker " is found from "in/zylker"."""
        account = self.env["res.partner"].create(
            {
                "name": "Other Name Ltd",
                "is_company": True,
                "x_linkedin": "  IN/Zylker  ",
            }
        )
        self.zylker.x_linkedin = "in/someone-else"
        contact = self.env["res.partner"].create(
            {"name": "C. Stone", "x_ssn": "AB  12\tcd "}
        )
        lead = self._lead(
            x_ssn="ab 12 CD", x_linkedin="in/zylker", email_from="none@x.example"
        )
        self.assertEqual(
            self._rules(lead),
            ([(account.id, "account_unique")], [(contact.id, "contact_unique")]),
        )
        # built by the job, not by the request adding the unique field
        self.env["crm.sync.unique.field"]._cron_crm_sync_build_indexes()
        self.env.cr.execute(
            SQL(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                "res_partner__crm_sync_x_ssn_key_index",
            )
        )
        [(indexdef,)] = self.env.cr.fetchall()
        self.assertIn("USING hash (lower(btrim(regexp_replace(", indexdef)
        # The index serves the very expression the search compares (PostgreSQL
        # uses an expression index for that same expression only). Asked of an
        # empty copy of the table with its indexes: an index built in the
        # running transaction, as here, is not used in it (pg_index.indcheckxmin).
        self.env.cr.execute(
            "CREATE TEMP TABLE crm_sync_partner_copy"
            " (LIKE res_partner INCLUDING INDEXES) ON COMMIT DROP"
        )
        used = self._plan_indexes(
            # as the batch search: the lead keys in one IN
            SQL(
                "SELECT id FROM crm_sync_partner_copy WHERE %s IN %s",
                text_key_sql(SQL.identifier("crm_sync_partner_copy", "x_ssn")),
                ("ab 12 cd", "zz 99"),
            )
        )
        self.env.cr.execute(
            SQL(
                """SELECT c.relname FROM pg_index i
                     JOIN pg_class c ON c.oid = i.indexrelid
                     JOIN pg_index orig ON orig.indexrelid = %s::regclass
                    WHERE i.indrelid = 'crm_sync_partner_copy'::regclass
                      AND pg_get_expr(i.indexprs, i.indrelid)
                        = pg_get_expr(orig.indexprs, orig.indrelid)""",
                "res_partner__crm_sync_x_ssn_key_index",
            )
        )
        copies = {name for (name,) in self.env.cr.fetchall()}
        self.assertEqual(len(copies), 1, "the copy has the x_ssn key index")
        self.assertLessEqual(copies, used, f"indexes used: {used}")

    def _plan_indexes(self, query):
        """Names of the indexes in the plan of ``query`` (EXPLAIN, JSON format),
        sequential scans off: the tables of a test are small."""
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        try:
            self.env.cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))
            [(plans,)] = self.env.cr.fetchall()
        finally:
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
        names, nodes = set(), [plans[0]["Plan"]]
        while nodes:
            node = nodes.pop()
            if "Index Name" in node:
                names.add(node["Index Name"])
            nodes.extend(node.get("Plans", []))
        return names

    def test_phone_keys_do_not_depend_on_the_user_company(self):
        """Stored phone keys use the partner's country, else its company's, else
        the main company's: never the company of whoever saves the partner."""
        main = self.env.ref("base.main_company")
        main.country_id = self.env.ref("base.be")
        french = self.env["res.company"].create(
            {"name": "Filiale FR", "country_id": self.env.ref("base.fr").id}
        )
        self.user_salesman.write(
            {"company_ids": [Command.link(french.id)], "company_id": main.id}
        )
        user_fr = self.user_sales_manager
        user_fr.write(
            {"company_ids": [Command.link(french.id)], "company_id": french.id}
        )
        Partner = self.env["res.partner"]
        keys = []
        for user in (self.user_salesman, user_fr):
            partner = Partner.with_user(user).create(
                {"name": f"Caller of {user.name}", "phone": "0475 12 34 56"}
            )
            keys.append(partner.crm_sync_phone_key)
            partner.with_user(user).write({"mobile": "0476 12 34 56"})
            keys.append(partner.crm_sync_mobile_key)
        self.assertEqual(
            keys, ["+32475123456", "+32476123456", "+32475123456", "+32476123456"]
        )
        of_french = Partner.create(
            {"name": "Client FR", "phone": "06 12 34 56 78", "company_id": french.id}
        )
        self.assertEqual(of_french.crm_sync_phone_key, "+33612345678")
        # leads likewise: their country, their company's, the main company's
        self.env["crm.sync.unique.field"].create(
            {
                "usage": "contact",
                "field_id": self.env["ir.model.fields"]._get("res.partner", "phone").id,
            }
        )
        specs = self.env["crm.sync.unique.field"]._crm_sync_matching_specs()
        Lead = self.env["crm.lead"]
        lead = Lead.create({"name": "Lead BE", "phone": "0475 12 34 56"})
        lead_fr = Lead.create(
            {"name": "Lead FR", "phone": "06 12 34 56 78", "company_id": french.id}
        )
        self.assertEqual(lead.company_id, main)
        for company in (main, french):
            keys = lead.with_company(company)._crm_sync_lead_keys(specs)
            self.assertEqual(keys[lead.id].contact_unique["phone"], "+32475123456")
            keys = lead_fr.with_company(company)._crm_sync_lead_keys(specs)
            self.assertEqual(keys[lead_fr.id].contact_unique["phone"], "+33612345678")
