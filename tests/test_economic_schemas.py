# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Our client's request bodies and the fake's responses against e-conomic's
official JSON schemas (tests/economic_schemas/, copied from e-conomic's
``/schema/*.schema.json``; draft-03) and the OpenAPI Customers spec."""

import json
import os

import jsonschema
import requests

from odoo.tests import BaseCase, tagged

from ..utils import economic_client as ec
from ..utils import economic_mapping as mapping
from .fake_economic import FakeEconomic

SCHEMAS = os.path.join(os.path.dirname(__file__), "economic_schemas")


def load(name):
    with open(os.path.join(SCHEMAS, name), encoding="utf-8") as handle:
        return json.load(handle)


class _Recorder(requests.Session):
    def __init__(self):
        super().__init__()
        self.bodies = []

    def request(self, method, url, **kwargs):  # pylint: disable=arguments-differ
        if kwargs.get("json") is not None:
            self.bodies.append((method, url, kwargs["json"]))
        return super().request(method, url, **kwargs)


def undeclared(value, schema, path=""):
    """Properties of ``value`` that ``schema`` does not declare (recursively),
    so that neither side invents a field name."""
    found = []
    if isinstance(value, dict) and schema.get("properties"):
        for key, item in value.items():
            if key not in schema["properties"]:
                found.append(f"{path}{key}")
            else:
                found += undeclared(item, schema["properties"][key], f"{path}{key}.")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            found += undeclared(item, schema["items"], f"{path}[].")
    return found


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_economic")
class TestEconomicSchemas(BaseCase):
    def setUp(self):
        super().setUp()
        self.fake = FakeEconomic().start()
        self.addCleanup(self.fake.stop)
        self.session = _Recorder()
        self.client = ec.EconomicClient(
            self.fake.url,
            self.fake.app_secret_token,
            self.fake.agreement_grant_token,
            openapi_url=self.fake.url,
            session=self.session,
        )
        self.addCleanup(self.client.close)

    def assertMatches(self, value, schema_name, undeclared_ok=()):
        schema = load(schema_name)
        errors = sorted(jsonschema.Draft3Validator(schema).iter_errors(value), key=str)
        self.assertFalse(errors, f"{schema_name}: {[e.message for e in errors]}")
        extra = set(undeclared(value, schema)) - set(undeclared_ok)
        self.assertFalse(extra, f"{schema_name} does not declare {sorted(extra)}")

    def test_the_check_can_fail(self):
        with self.assertRaises(AssertionError):
            self.assertMatches({"name": "X"}, "customers.post.schema.json")
        with self.assertRaises(AssertionError):
            self.assertMatches(
                {
                    "name": 5,
                    "currency": "DKK",
                    "customerGroup": {},
                    "paymentTerms": {},
                    "vatZone": {},
                },
                "customers.post.schema.json",
            )

    def test_client_request_bodies(self):
        """Create and update bodies built from the mapping, as B's push does."""
        values = mapping.customer_to_odoo(
            load("customers.collection.json")["collection"][0]
        )
        body = dict(
            mapping.odoo_to_customer(values),
            currency="DKK",
            customerGroup={"customerGroupNumber": 1},
            paymentTerms={"paymentTermsNumber": 1},
            vatZone={"vatZoneNumber": 1},
        )
        body = {k: v for k, v in body.items() if v}
        number = self.client.create_customer(body, "k1")["customerNumber"]
        contact = self.client.create_contact(
            number, mapping.odoo_to_contact({"name": "Jane", "email": "j@x.dk"}), "k2"
        )["customerContactNumber"]
        self.fake.change_customer(
            number,
            salesPerson={"employeeNumber": 1},
            attention={"customerContactNumber": contact},
        )
        self.client.update_customer(
            number,
            mapping.odoo_to_customer(
                {"city": "Vejle", "email": "ny@x.dk"}, remote=self.fake.customer(number)
            ),
        )
        self.client.update_contact(number, contact, {"phone": "12345678"})
        sent = {
            (m, url.split(self.fake.url)[1]): b for m, url, b in self.session.bodies
        }
        self.assertMatches(sent["POST", "/customers"], "customers.post.schema.json")
        self.assertMatches(
            sent["PUT", f"/customers/{number}"], "customers.customerNo.put.schema.json"
        )
        self.assertIn("salesPerson", sent["PUT", f"/customers/{number}"])
        self.assertMatches(
            sent["POST", f"/customers/{number}/contacts"],
            "customers.customerNumber.contacts.post.schema.json",
        )
        self.assertMatches(
            sent["PUT", f"/customers/{number}/contacts/{contact}"],
            "customers.customerNumber.contacts.contactNumber.put.schema.json",
        )

    def test_fake_responses(self):
        numbers = self.fake.seed(3)
        self.fake.change_customer(
            numbers[0],
            salesPerson={"employeeNumber": 1},
            barred=True,
            ean="5790000000000",
        )
        client = self.client
        self.assertMatches(
            client.get_self(),
            "self.get.schema.json",
            (
                "company",
                "company.name",
                "company.addressLine1",
                "company.zip",
                "company.city",
                "company.country",
                "company.companyIdentificationNumber",
                "settings",
                "settings.baseCurrency",
            ),
        )
        customer = client.get_customer(numbers[0])
        self.assertMatches(customer, "customers.customerNumber.get.schema.json")
        page = client.request("GET", "/customers?pagesize=2")[1]
        self.assertMatches(page, "customers.get.schema.json")
        contacts = client.request("GET", f"/customers/{numbers[0]}/contacts")[1]
        self.assertMatches(
            contacts, "customers.customerNumber.contacts.get.schema.json"
        )
        self.assertMatches(
            contacts["collection"][0],
            "customers.customerNumber.contacts.contactNumber.get.schema.json",
        )
        for path, name in (
            ("/customer-groups", "customer-groups.get.schema.json"),
            ("/payment-terms", "payment-terms.get.schema.json"),
            ("/vat-zones", "vat-zones.get.schema.json"),
        ):
            with self.subTest(path=path):
                self.assertMatches(client.request("GET", path)[1], name)

    def test_fake_customer_like_live_capture(self):
        """The fake's customer has the keys of a recorded live customer."""
        live = load("customers.collection.json")
        recorded = live["collection"][0]
        number = self.fake.add_customer(
            **{
                k: v
                for k, v in recorded.items()
                if k
                in (
                    "name",
                    "address",
                    "zip",
                    "city",
                    "country",
                    "email",
                    "telephoneAndFaxNumber",
                    "mobilePhone",
                )
            },
        )
        jane = self.fake.add_contact(number, name="Jane")
        self.fake.change_customer(
            number,
            salesPerson={"employeeNumber": 1},
            attention={"customerContactNumber": jane},
            customerContact={"customerContactNumber": jane},
            defaultDeliveryLocation={"deliveryLocationNumber": 1},
        )
        single = self.client.get_customer(number)
        self.assertEqual(set(single), set(recorded) | {"metaData"})
        self.assertEqual(set(single["attention"]), set(recorded["attention"]))
        listed = self.client.customers_page(filter=f"customerNumber$eq:{number}")[0]
        self.assertEqual(set(listed[0]), set(recorded))
        page = self.client.request("GET", "/customers?skippages=0&pagesize=1")[1]
        self.assertEqual(set(page), set(live))
        self.assertLessEqual(
            set(page["pagination"]) - {"nextPage", "previousPage"},
            set(live["pagination"]),
        )

    def test_fake_openapi_contacts(self):
        self.fake.seed(2)
        spec = load("openapi-Customers.Contacts.json")
        schema = {
            "$ref": "#/components/schemas/ContactCursorResults",
            "components": spec["components"],
        }
        body = self.client.request("GET", self.fake.url + ec.OPENAPI_CONTACTS_PATH)[1]
        self.assertEqual(len(body["items"]), 4)
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(body))
        self.assertFalse(errors, [e.message for e in errors])
        body["items"][0]["legacyName"] = "x"
        self.assertTrue(list(jsonschema.Draft4Validator(schema).iter_errors(body)))
