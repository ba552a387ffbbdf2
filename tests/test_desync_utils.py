# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime

from odoo.tests import BaseCase, tagged

from ..utils import desync


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_desync")
class TestDesyncUtils(BaseCase):
    def test_normalize_email(self):
        self.assertEqual(
            desync.normalize_email("  Jane.Doe@Example.COM "), "jane.doe@example.com"
        )
        self.assertIs(desync.normalize_email(""), False)
        self.assertIs(desync.normalize_email(False), False)

    def test_normalize_phone(self):
        self.assertEqual(desync.normalize_phone("+45 33 12 34 56"), "+4533123456")
        self.assertEqual(desync.normalize_phone("33 12 34 56", "DK"), "+4533123456")
        self.assertEqual(desync.normalize_phone("01 23 45 67 89", "fr"), "+33123456789")
        # Unparseable numbers fall back to their digits.
        self.assertEqual(desync.normalize_phone("ext. 12-34"), "1234")
        self.assertIs(desync.normalize_phone("  "), False)

    def test_value_kind(self):
        self.assertEqual(desync.value_kind("email", "char"), "email")
        self.assertEqual(desync.value_kind("invoice_email", "char"), "email")
        self.assertEqual(desync.value_kind("mobile", "char"), "phone")
        self.assertEqual(desync.value_kind("street", "char"), "text")
        self.assertEqual(desync.value_kind("country_id", "many2one"), "raw")

    def test_values_equal(self):
        self.assertTrue(desync.values_equal("email", "A@B.com", "a@b.com "))
        self.assertTrue(
            desync.values_equal("phone", "+45 33123456", "33 12 34 56", "DK")
        )
        self.assertFalse(
            desync.values_equal("phone", "+45 33123456", "33 12 34 57", "DK")
        )
        self.assertTrue(desync.values_equal("text", "Main  Street ", "Main Street"))
        self.assertTrue(desync.values_equal("text", "", False))
        self.assertFalse(desync.values_equal("text", "Main street", "Main Street"))
        self.assertTrue(desync.values_equal("raw", 1.0000001, 1.0))
        self.assertFalse(desync.values_equal("raw", 3, 4))

    def test_coerce_value(self):
        self.assertEqual(desync.coerce_value("integer", "42"), 42)
        self.assertEqual(desync.coerce_value("integer", 42.0), 42)
        self.assertEqual(desync.coerce_value("integer", 2**31 - 1), 2**31 - 1)
        self.assertEqual(desync.coerce_value("float", 3), 3.0)
        self.assertEqual(
            desync.coerce_value("date", "2024-02-29"), datetime.date(2024, 2, 29)
        )
        self.assertEqual(desync.coerce_value("many2one", [7, "Denmark"]), 7)
        self.assertIs(desync.coerce_value("many2one", False), False)
        self.assertIs(desync.coerce_value("boolean", "yes"), True)
        self.assertEqual(
            desync.coerce_value("selection", "person", {"person", "company"}), "person"
        )
        for ttype, value in (
            ("integer", "forty"),
            ("integer", 4.5),
            ("integer", True),
            ("integer", 2**31),  # past the integer column
            ("integer", -(2**31) - 1),
            ("integer", "99999999999"),
            ("integer", float("inf")),
            ("float", "abc"),
            ("float", float("nan")),
            ("float", "inf"),
            ("date", "2024-02-30"),
            ("boolean", "maybe"),
            ("char", 12),
            ("selection", "robot"),
            ("many2one", "Denmark"),
            ("many2one", -1),
            ("many2many", [1]),
        ):
            with (
                self.subTest(ttype=ttype, value=value),
                self.assertRaises(desync.DesyncValueError),
            ):
                desync.coerce_value(
                    ttype, value, {"person"} if ttype == "selection" else None
                )

    def test_parse_text(self):
        self.assertEqual(desync.parse_text("float", " 1 234,5 "), 1234.5)
        self.assertEqual(
            desync.parse_text("date", "31/01/2025", date_format="%d/%m/%Y"),
            datetime.date(2025, 1, 31),
        )
        self.assertEqual(
            desync.parse_text(
                "selection", "Company", selection=[("company", "Company")]
            ),
            "company",
        )
        self.assertEqual(
            desync.parse_text("datetime", "2025-01-31 10:30"),
            datetime.datetime(2025, 1, 31, 10, 30),
        )
        self.assertIs(desync.parse_text("char", "   "), False)
        with self.assertRaises(desync.DesyncValueError):
            desync.parse_text("date", "tomorrow")
