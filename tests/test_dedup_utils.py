# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import BaseCase, tagged

from odoo.addons.crm_sync.utils import dedup as d


def lead(**kw):
    return d.LeadKeys(**kw)


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestDedupCascade(BaseCase):
    def setUp(self):
        super().setUp()
        self.zylker = d.Partner(
            1, is_company=True, name="zylker inc.", unique={"x_linkedin": "zyl"}
        )
        self.charles = d.Partner(
            2,
            parent_id=1,
            email="charles.s@zylker.com",
            name="charles stone",
            unique={"x_ssn": "123"},
        )
        self.lonely = d.Partner(
            3, email="lonely@example.com", name="lonely heart", unique={"x_ssn": "999"}
        )
        self.index = d.PartnerIndex([self.zylker, self.charles, self.lonely])

    def test_nothing_matches(self):
        s = d.suggest(
            lead(email="x@y.z", company="acme", contact_name="joe"), self.index
        )
        self.assertEqual((s.account, s.contact), (d.NEW, d.NEW))
        s = d.suggest(lead(email="x@y.z", contact_name="joe"), self.index)
        self.assertEqual((s.account, s.contact), (d.NONE, d.NEW))

    def test_contact_unique_first_keeps_its_account(self):
        # the SSN wins over everything, even a different e-mail and company
        s = d.suggest(
            lead(
                email="other@x.com", company="other co", contact_unique={"x_ssn": "123"}
            ),
            self.index,
            contact_unique_fields=["x_ssn"],
        )
        self.assertEqual(
            (s.contact, s.contact_id, s.contact_match.rule),
            (d.EXISTING, 2, d.RULE_CONTACT_UNIQUE),
        )
        self.assertEqual(
            (s.account, s.account_id, s.account_match.rule),
            (d.EXISTING, 1, d.RULE_CONTACT_ACCOUNT),
        )

    def test_unique_field_ignored_when_not_mapped(self):
        s = d.suggest(
            lead(contact_unique={"x_ssn": "123"}, email="nobody@x.com"), self.index
        )
        self.assertEqual(s.contact, d.NEW)

    def test_contact_without_account_then_account_unique_then_name(self):
        keys = dict(company="zylker inc.", contact_unique={"x_ssn": "999"})
        s = d.suggest(lead(**keys), self.index, contact_unique_fields=["x_ssn"])
        self.assertEqual(
            (s.contact_id, s.account_id, s.account_match.rule),
            (3, 1, d.RULE_ACCOUNT_NAME),
        )
        s = d.suggest(
            lead(account_unique={"x_linkedin": "zyl"}, **keys),
            self.index,
            ["x_ssn"],
            ["x_linkedin"],
        )
        self.assertEqual(
            (s.account_id, s.account_match.rule), (1, d.RULE_ACCOUNT_UNIQUE)
        )
        s = d.suggest(
            lead(company="new co", contact_unique={"x_ssn": "999"}),
            self.index,
            ["x_ssn"],
        )
        self.assertEqual((s.contact_id, s.account), (3, d.NEW))

    def test_account_unique_then_contact_of_account(self):
        s = d.suggest(
            lead(account_unique={"x_linkedin": "zyl"}, email="charles.s@zylker.com"),
            self.index,
            account_unique_fields=["x_linkedin"],
        )
        self.assertEqual(
            (s.account_id, s.account_match.rule), (1, d.RULE_ACCOUNT_UNIQUE)
        )
        self.assertEqual(
            (s.contact_id, s.contact_match.rule), (2, d.RULE_ACCOUNT_CONTACT_EMAIL)
        )
        s = d.suggest(
            lead(account_unique={"x_linkedin": "zyl"}, contact_name="charles stone"),
            self.index,
            account_unique_fields=["x_linkedin"],
        )
        self.assertEqual(
            (s.contact_id, s.contact_match.rule), (2, d.RULE_ACCOUNT_CONTACT_NAME)
        )
        s = d.suggest(
            lead(account_unique={"x_linkedin": "zyl"}, email="new@zylker.com"),
            self.index,
            account_unique_fields=["x_linkedin"],
        )
        self.assertEqual((s.account_id, s.contact), (1, d.NEW))

    def test_email_before_company_name(self):
        s = d.suggest(
            lead(email="lonely@example.com", company="zylker inc."), self.index
        )
        self.assertEqual(
            (s.contact_id, s.contact_match.rule), (3, d.RULE_CONTACT_EMAIL)
        )
        # the contact has no account: the company name finds one
        self.assertEqual((s.account_id, s.account_match.rule), (1, d.RULE_ACCOUNT_NAME))

    def test_contact_name_only_without_email_and_company(self):
        s = d.suggest(lead(contact_name="lonely heart"), self.index)
        self.assertEqual((s.contact_id, s.contact_match.rule), (3, d.RULE_CONTACT_NAME))
        s = d.suggest(lead(contact_name="lonely heart", email="x@y.z"), self.index)
        self.assertEqual(s.contact, d.NEW)
        s = d.suggest(lead(contact_name="lonely heart", company="acme"), self.index)
        self.assertEqual((s.contact, s.account), (d.NEW, d.NEW))

    def test_ambiguous(self):
        twin = d.Partner(
            4, email="lonely@example.com", name="lonely twin", active=False
        )
        index = d.PartnerIndex([self.zylker, self.charles, self.lonely, twin])
        s = d.suggest(lead(email="lonely@example.com"), index)
        self.assertTrue(s.ambiguous)
        self.assertEqual(
            (s.contact, s.contact_id, s.contact_match.ids), (d.EXISTING, None, (3, 4))
        )
        # a unique hit stops the cascade before the ambiguous rule
        s = d.suggest(
            lead(email="lonely@example.com", contact_unique={"x_ssn": "999"}),
            index,
            ["x_ssn"],
        )
        self.assertFalse(s.ambiguous)
        self.assertEqual(s.contact_id, 3)

    def test_accounts_and_contacts_are_kept_apart(self):
        # a company with the lead's e-mail is not a contact match
        acme = d.Partner(5, is_company=True, email="info@acme.com", name="acme")
        index = d.PartnerIndex([acme])
        s = d.suggest(lead(email="info@acme.com"), index)
        self.assertEqual((s.contact, s.account), (d.NEW, d.NONE))
