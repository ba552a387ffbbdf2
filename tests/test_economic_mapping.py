# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic field mapping (pure functions)."""

from odoo.tests import BaseCase, tagged

from ..utils import economic_mapping as mapping

CUSTOMER = {
    "customerNumber": 1,
    "name": "Fjord Tømrer ApS",
    "address": "Vestergade 12\n2. sal\nbaghuset",
    "zip": "8000",
    "city": "Aarhus C",
    "country": "Danmark",
    "email": "faktura@fjord.dk bogholder@fjord.dk",
    "telephoneAndFaxNumber": "+45 12 34 56 78",
    "mobilePhone": "+45 20 00 00 00",
    "website": "https://fjord.dk",
    "corporateIdentificationNumber": "12345678",
    "vatNumber": "DK12345678",
    "salesPerson": {"employeeNumber": 1},
}


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_economic")
class TestEconomicMapping(BaseCase):
    def test_customer_to_odoo(self):
        values = mapping.customer_to_odoo(CUSTOMER)
        self.assertEqual(set(values), set(mapping.CUSTOMER_FIELDS))
        self.assertEqual(
            values,
            {
                "name": "Fjord Tømrer ApS",
                "street": "Vestergade 12",
                "street2": "2. sal, baghuset",
                "zip": "8000",
                "city": "Aarhus C",
                "country_id": "Danmark",
                "email": "faktura@fjord.dk",
                "phone": "+45 12 34 56 78",
                "mobile": "+45 20 00 00 00",
                "website": "https://fjord.dk",
                "company_registry": "12345678",
                "vat": "DK12345678",
            },
        )

    def test_missing_values_are_false(self):
        values = mapping.customer_to_odoo({"name": "X", "city": "  "})
        self.assertEqual(values["name"], "X")
        for field in mapping.CUSTOMER_FIELDS[1:]:
            self.assertIs(values[field], False, field)

    def test_odoo_to_customer(self):
        body = mapping.odoo_to_customer(
            {
                "name": "Fjord Tømrer ApS",
                "street": "Vestergade 12",
                "street2": "2. sal",
                "country_id": "Denmark",
                "phone": "+45 12 34 56 78",
                "vat": False,
                "company_registry": "12345678",
            }
        )
        self.assertEqual(
            body,
            {
                "name": "Fjord Tømrer ApS",
                "address": "Vestergade 12\n2. sal",
                "country": "Denmark",
                "telephoneAndFaxNumber": "+45 12 34 56 78",
                "vatNumber": "",
                "corporateIdentificationNumber": "12345678",
            },
        )
        self.assertEqual(
            mapping.odoo_to_customer({"street": "Algade 1", "street2": False}),
            {"address": "Algade 1"},
        )

    def test_address_round_trip(self):
        for street, street2 in (
            ("Vestergade 12, 2. sal", False),
            ("Vestergade 12", "2. sal"),
            ("Algade 1", "c/o Hansen, baghuset"),
        ):
            address = mapping.join_address(street, street2)
            with self.subTest(address=address):
                self.assertEqual(mapping.split_address(address), (street, street2))
        self.assertEqual(mapping.split_address(""), (False, False))
        self.assertEqual(mapping.split_address("\nAlgade 1\n"), ("Algade 1", False))

    def test_emails(self):
        self.assertEqual(
            mapping.split_emails(" a@x.dk  b@x.dk;c@x.dk, d@x.dk"),
            ["a@x.dk", "b@x.dk", "c@x.dk", "d@x.dk"],
        )
        self.assertEqual(mapping.split_emails(False), [])
        remote = "a@x.dk b@x.dk c@x.dk"
        self.assertEqual(mapping.merge_emails(remote, "a@x.dk"), remote)
        self.assertEqual(
            mapping.merge_emails(remote, "new@x.dk"), "new@x.dk b@x.dk c@x.dk"
        )
        self.assertEqual(mapping.merge_emails(remote, "B@x.dk"), "B@x.dk c@x.dk")
        self.assertEqual(mapping.merge_emails(remote, False), "b@x.dk c@x.dk")
        self.assertEqual(mapping.merge_emails(False, "a@x.dk"), "a@x.dk")
        body = mapping.odoo_to_customer({"email": "faktura@fjord.dk"}, remote=CUSTOMER)
        self.assertEqual(body["email"], CUSTOMER["email"])
        body = mapping.odoo_to_customer({"email": "ny@fjord.dk"}, remote=CUSTOMER)
        self.assertEqual(body["email"], "ny@fjord.dk bogholder@fjord.dk")

    def test_country_code(self):
        cases = {
            "Denmark": "DK",
            "Danmark": "DK",
            "DANMARK ": "DK",
            "dk": "DK",
            "DNK": "DK",
            "Sverige": "SE",
            "Norge": "NO",
            "Færøerne": "FO",
            "Grønland": "GL",
            "Tyskland": "DE",
            "Østrig": "AT",
            "The Netherlands": "NL",
            "Holland": "NL",
            "Storbritannien": "GB",
            "U.K.": "GB",
            "Belgium": "BE",
            "Tjekkiet": "CZ",
            "USA": "US",
        }
        for text, code in cases.items():
            with self.subTest(text=text):
                self.assertEqual(mapping.country_code(text), code)
        for text in ("", None, False, "Atlantis", "XX", "Danmarkk"):
            with self.subTest(text=text):
                self.assertIsNone(mapping.country_code(text))
        extra = {"Dänemark": "dk", "Pérou": "PE", "PE": "PE"}
        self.assertEqual(mapping.country_code("dänemark", extra), "DK")
        self.assertEqual(mapping.country_code("Perou", extra), "PE")
        self.assertEqual(mapping.country_code("pe", extra), "PE")
        self.assertEqual(mapping.country_name("dk"), "Denmark")
        self.assertIsNone(mapping.country_name("XX"))

    def test_normalize_company_id(self):
        for text in ("DK 12 34 56 78", "DK12345678", "12345678", "dk-12.34.56.78"):
            with self.subTest(text=text):
                self.assertEqual(mapping.normalize_company_id(text), "12345678")
        self.assertEqual(
            mapping.normalize_company_id("SE 5566778899 01"), "556677889901"
        )
        self.assertEqual(mapping.normalize_company_id(False), "")
        self.assertNotEqual(
            mapping.normalize_company_id("12345678"),
            mapping.normalize_company_id("12345679"),
        )

    def test_contacts(self):
        contact = {
            "customerContactNumber": 3,
            "name": " Jane Doe ",
            "email": "jane@x.dk jd@x.dk",
            "notes": "n",
        }
        self.assertEqual(
            mapping.contact_to_odoo(contact),
            {"name": "Jane Doe", "email": "jane@x.dk", "phone": False},
        )
        self.assertEqual(
            mapping.odoo_to_contact(
                {"name": "Jane", "phone": False, "email": "jane@x.dk"}, remote=contact
            ),
            {"name": "Jane", "phone": "", "email": "jane@x.dk jd@x.dk"},
        )

    def test_field_tables(self):
        self.assertEqual(set(mapping.ECONOMIC_FIELD_OF), set(mapping.CUSTOMER_FIELDS))
        self.assertLessEqual(
            set(mapping.ECONOMIC_FIELD_OF.values()), set(mapping.MAX_LENGTH)
        )
