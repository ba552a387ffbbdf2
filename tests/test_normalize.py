# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import BaseCase, tagged

from odoo.addons.crm_sync.utils import normalize as n
from odoo.addons.crm_sync.utils.account_suggestion import email_domain, website_domain


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestNormalize(BaseCase):
    def test_email(self):
        self.assertEqual(
            n.normalize_email(" Charles.S@Zylker.COM "), "charles.s@zylker.com"
        )
        self.assertEqual(
            n.normalize_email('"Charles Stone" <Charles.S@Zylker.com>'),
            "charles.s@zylker.com",
        )
        self.assertIsNone(n.normalize_email("not an address"))
        self.assertIsNone(n.normalize_email(False))

    def test_phone_e164(self):
        self.assertEqual(n.normalize_phone("0475 12 34 56", "BE"), "+32475123456")
        self.assertEqual(n.normalize_phone("+32 475/12.34.56", "FR"), "+32475123456")
        self.assertEqual(n.normalize_phone("0032 475 12 34 56", "BE"), "+32475123456")
        self.assertEqual(n.normalize_phone("(555) 010-9999", "us"), "+15550109999")
        # unparseable numbers still match on their digits
        self.assertEqual(n.normalize_phone("12-34", None), "1234")
        self.assertIsNone(n.normalize_phone("", "BE"))
        self.assertIsNone(n.normalize_phone("ext.", "BE"))

    def test_keys_capped(self):
        """Keys are btree-indexed columns: a long value never breaks a write."""
        self.assertEqual(len(n.normalize_phone("1" * 5000, "DK")), n.MAX_KEY_LENGTH)
        self.assertEqual(len(n.normalize_name("Zylker " * 700)), n.MAX_KEY_LENGTH)
        self.assertEqual(len(n.normalize_vat("X" * 4000)), n.MAX_KEY_LENGTH)
        # no domain is longer than 253 characters: no key
        self.assertEqual(website_domain("https://" + "w" * 3000 + ".example"), "")
        self.assertEqual(email_domain("a@" + "d" * 300 + ".example"), "")
        self.assertEqual(email_domain("a@zylker.com"), "zylker.com")

    def test_name(self):
        self.assertEqual(n.normalize_name("  Zylker   Inc. "), "zylker inc.")
        self.assertEqual(
            n.normalize_name("ÉCOLE  Société"), n.normalize_name("ecole societe")
        )
        self.assertEqual(n.normalize_name("Straße"), n.normalize_name("STRASSE"))
        self.assertNotEqual(n.normalize_name("Paul Graham"), n.normalize_name("Paul"))
        self.assertIsNone(n.normalize_name("   "))

    def test_vat(self):
        self.assertEqual(n.normalize_vat("BE 0477.472.701"), "0477472701")
        self.assertEqual(n.normalize_vat("be0477472701"), "0477472701")
        self.assertEqual(n.normalize_vat("0477 472 701"), "0477472701")
        self.assertEqual(n.normalize_vat("CHE-123.456.788"), "CHE123456788")
        self.assertIsNone(n.normalize_vat(" - "))

    def test_text_and_dispatch(self):
        self.assertEqual(n.normalize("text", "  AB-12 "), "ab-12")
        self.assertEqual(n.normalize("text", 42), "42")
        self.assertEqual(
            n.normalize("phone", "0475123456", region="BE"), "+32475123456"
        )
        self.assertEqual(n.normalize("email", "A@B.be"), "a@b.be")
