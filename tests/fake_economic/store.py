# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fake agreement's data: customers and contacts, validated and rendered
like Legacy REST (economic.md §3, §4, §5). Not thread-safe: the server holds a
lock around every call."""

import datetime
import itertools
import uuid

from . import data

#: Writable customer strings and their max length (min 1 for name, exact for
#: currency and pNumber).
CUSTOMER_STRINGS = {
    "name": 255,
    "currency": 3,
    "address": 510,
    "zip": 30,
    "city": 50,
    "country": 50,
    "email": 255,
    "telephoneAndFaxNumber": 255,
    "mobilePhone": 50,
    "website": 255,
    "corporateIdentificationNumber": 40,
    "pNumber": 10,
    "vatNumber": 20,
    "ean": 13,
    "publicEntryNumber": 50,
}
#: Reference properties: {property: (key, required)}.
CUSTOMER_REFS = {
    "customerGroup": ("customerGroupNumber", True),
    "paymentTerms": ("paymentTermsNumber", True),
    "vatZone": ("vatZoneNumber", True),
    "attention": ("customerContactNumber", False),
    "customerContact": ("customerContactNumber", False),
    "salesPerson": ("employeeNumber", False),
    "layout": ("layoutNumber", False),
    "defaultDeliveryLocation": ("deliveryLocationNumber", False),
}
CUSTOMER_FILTERABLE = (
    *(set(CUSTOMER_STRINGS) - {"currency"}),
    "currency",
    "customerNumber",
    "balance",
    "barred",
    "creditLimit",
    "lastUpdated",
    "customerGroup.customerGroupNumber",
)
CUSTOMER_SORTABLE = tuple(
    f for f in CUSTOMER_FILTERABLE if f not in ("barred", "pNumber")
)
CONTACT_STRINGS = {"name": 255, "email": 255, "phone": 50, "notes": 2000}
CONTACT_STRINGS["eInvoiceId"] = 50
CONTACT_FILTERABLE = (
    "customerContactNumber",
    "email",
    "name",
    "phone",
    "eInvoiceId",
    "sortKey",
    "customer.customerNumber",
)
REQUIRED_CUSTOMER_FIELDS = (
    "name",
    "currency",
    "customerGroup",
    "paymentTerms",
    "vatZone",
)
NOTIFICATIONS = ("invoices", "orders", "quotations", "reminders")


class ApiError(Exception):
    """An error answer: ``status`` and a Legacy REST error body."""

    def __init__(self, status, message, **extra):
        super().__init__(message)
        self.status = status
        self.body = error_body(status, message, **extra)


def error_body(status, message, **extra):
    body = {
        "message": message,
        "developerHint": extra.pop("developerHint", "See restdocs.e-conomic.com."),
        "logId": uuid.uuid4().hex[:16] + "-CPH",
        "httpStatusCode": status,
        "logTime": now()[:-1],
    }
    body.update(extra)
    return body


def now():
    """UTC, to the second, as e-conomic writes ``lastUpdated``."""
    utc = datetime.datetime.now(datetime.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(errors, field, code, message, value=None, hint=None):
    entry = {"errorCode": code, "message": message}
    if value is not None:
        entry["value"] = value
    entry["developerHint"] = hint or f"Check the property '{field}'."
    errors.setdefault(field, {"errors": []})["errors"].append(entry)


class Agreement:
    """Customers and contacts of one agreement."""

    def __init__(self):
        self.customers = {}
        self.contacts = {}
        self.next_contact = itertools.count(1)
        self.allow_renumber = True
        self._free_hint = 1

    # -- validation --------------------------------------------------------

    def _check_string(self, errors, field, value, limit):
        if not isinstance(value, str):
            kind = "Null" if value is None else type(value).__name__.title()
            _error(errors, field, "E04030", f"Expected String but got {kind}.")
        elif field in ("currency", "pNumber") and len(value) != limit:
            _error(
                errors, field, "E04040", f"{field} must be {limit} characters.", value
            )
        elif len(value) > limit:
            msg = f"{field} must be at most {limit} characters."
            _error(errors, field, "E04040", msg, value)

    def _ref_number(self, errors, field, key, value):
        if not isinstance(value, dict):
            _error(errors, field, "E04030", f"Expected Object for {field}.")
            return None
        number = value.get(key)
        if number is None and isinstance(value.get("self"), str):
            tail = value["self"].rstrip("/").rsplit("/", 1)[-1]
            number = int(tail) if tail.isdigit() else None
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            _error(errors, field, "E04042", f"Property {field}.{key} is required.")
            return None
        return number

    def _ref_exists(self, field, number):
        table = {
            "customerGroup": data.CUSTOMER_GROUPS,
            "paymentTerms": data.PAYMENT_TERMS,
            "vatZone": data.VAT_ZONES,
            "attention": self.contacts,
            "customerContact": self.contacts,
        }.get(field)
        return table is None or number in table

    def validate_customer(self, body):
        """The stored form of ``body`` (writable fields only); raises a 400
        with annotated errors naming each refused property."""
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        errors, clean = {}, {}
        for field, limit in CUSTOMER_STRINGS.items():
            if field in body:
                self._check_string(errors, field, body[field], limit)
                clean[field] = body[field]
        if "name" in clean and isinstance(clean["name"], str) and not clean["name"]:
            _error(errors, "name", "E04042", "Property name is required.")
        if isinstance(clean.get("currency"), str):
            if clean["currency"].upper() not in data.CURRENCIES:
                msg = "currency does not exist."
                _error(errors, "currency", "E06000", msg, clean["currency"])
        for field, (key, _required) in CUSTOMER_REFS.items():
            if field not in body:
                continue
            number = self._ref_number(errors, field, key, body[field])
            if number is not None and not self._ref_exists(field, number):
                msg = f"{field} {number} does not exist."
                _error(errors, field, "E06000", msg, number)
            elif number is not None:
                clean[field] = {key: number}
        for field in REQUIRED_CUSTOMER_FIELDS:
            if field not in body:
                _error(errors, field, "E04042", f"Property {field} is required.")
        self._validate_scalars(body, clean, errors)
        if errors:
            raise ApiError(
                400,
                "Validation error.",
                developerHint="Inspect validation errors and correct your request.",
                errors=errors,
            )
        return clean

    def _validate_scalars(self, body, clean, errors):
        number = body.get("customerNumber")
        if "customerNumber" in body:
            if not isinstance(number, int) or isinstance(number, bool):
                _error(errors, "customerNumber", "E04030", "Expected Integer.")
            elif not 1 <= number <= 999999999:
                msg = f"Integer {number} is less than minimum value of 1."
                if number > 999999999:
                    msg = f"Integer {number} exceeds maximum value of 999999999."
                _error(errors, "customerNumber", "E04040", msg, number)
        if "creditLimit" in body:
            if not isinstance(body["creditLimit"], int | float):
                _error(errors, "creditLimit", "E04030", "Expected Number.")
            else:
                clean["creditLimit"] = body["creditLimit"]
        if "priceGroup" in body and isinstance(body["priceGroup"], dict):
            clean["priceGroup"] = body["priceGroup"]
        if body.get("barred") is True:
            clean["barred"] = True

    # -- customers ---------------------------------------------------------

    def lowest_free(self):
        """The lowest unused number: e-conomic reuses deleted numbers."""
        number = self._free_hint
        while number in self.customers:
            number += 1
        self._free_hint = number
        return number

    def create_customer(self, body):
        """POST: a new number (given, or the lowest free one)."""
        clean = self.validate_customer(body)
        number = body.get("customerNumber") or self.lowest_free()
        if number in self.customers:
            errors = {}
            msg = f"customerNumber {number} is already in use."
            _error(errors, "customerNumber", "E06151", msg, number)
            raise ApiError(400, "Validation error.", errors=errors)
        clean["lastUpdated"] = now()
        self.customers[number] = clean
        return number

    def put_customer(self, number, body):
        """PUT: full replace, upsert, renumbering. ``(created, new_number)``."""
        clean = self.validate_customer(body)
        new = body.get("customerNumber") or number
        created = number not in self.customers
        if new != number and not created:
            if not self.allow_renumber:
                raise ApiError(
                    400, "Changing customerNumber is not allowed.", errorCode="E06151"
                )
            if new in self.customers:
                raise ApiError(
                    400, f"customerNumber {new} is already in use.", errorCode="E06151"
                )
            del self.customers[number]
            self._free_hint = min(self._free_hint, number)
            for contact in self.contacts.values():
                if contact["customerNumber"] == number:
                    contact["customerNumber"] = new
        clean["lastUpdated"] = now()
        self.customers[new] = clean
        return created, new

    def get_customer(self, number):
        if number not in self.customers:
            raise ApiError(404, "Resource not found.")
        return self.customers[number]

    def delete_customer(self, number):
        if number not in self.customers:
            raise ApiError(404, "Customer not found.", errorCode="E06000")
        del self.customers[number]
        self._free_hint = min(self._free_hint, number)
        for key in [
            k for k, c in self.contacts.items() if c["customerNumber"] == number
        ]:
            del self.contacts[key]

    def touch(self, number):
        self.customers[number]["lastUpdated"] = now()

    # -- contacts ----------------------------------------------------------

    def validate_contact(self, body, number=None):
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        errors, clean = {}, {}
        for field, limit in CONTACT_STRINGS.items():
            if field in body:
                self._check_string(errors, field, body[field], limit)
                clean[field] = body[field]
        if not body.get("name"):
            _error(errors, "name", "E04042", "Property name is required.")
        if number is not None and body.get("customerContactNumber") != number:
            msg = "Property customerContactNumber is required."
            _error(errors, "customerContactNumber", "E04042", msg)
        notes = body.get("emailNotifications")
        if notes is not None:
            if not isinstance(notes, list) or set(notes) - set(NOTIFICATIONS):
                msg = f"emailNotifications must be among {', '.join(NOTIFICATIONS)}."
                _error(errors, "emailNotifications", "E04030", msg)
            else:
                clean["emailNotifications"] = sorted(set(notes))
        if errors:
            raise ApiError(400, "Validation error.", errors=errors)
        return clean

    def contacts_of(self, customer_number):
        self.get_customer(customer_number)
        return [
            c for c in self.contacts.values() if c["customerNumber"] == customer_number
        ]

    def create_contact(self, customer_number, body):
        siblings = self.contacts_of(customer_number)
        clean = self.validate_contact(body)
        number = next(self.next_contact)
        clean.update(
            customerContactNumber=number,
            customerNumber=customer_number,
            sortKey=max((c["sortKey"] for c in siblings), default=0) + 1,
            lastUpdated=now(),
            objectVersion=uuid.uuid4().hex[:12],
        )
        self.contacts[number] = clean
        return number

    def get_contact(self, customer_number, number):
        contact = self.contacts.get(number)
        self.get_customer(customer_number)
        if not contact or contact["customerNumber"] != customer_number:
            raise ApiError(404, "Resource not found.", errorCode="E06000")
        return contact

    def put_contact(self, customer_number, number, body):
        old = self.get_contact(customer_number, number)
        clean = self.validate_contact(body, number)
        clean.update(
            {k: old[k] for k in ("customerContactNumber", "customerNumber", "sortKey")},
            lastUpdated=now(),
            objectVersion=uuid.uuid4().hex[:12],
        )
        self.contacts[number] = clean

    def delete_contact(self, customer_number, number):
        self.get_contact(customer_number, number)
        customer = self.customers[customer_number]
        for field in ("attention", "customerContact"):
            if (customer.get(field) or {}).get("customerContactNumber") == number:
                raise ApiError(
                    400,
                    f"The contact is in use as the customer's {field}.",
                    errorCode="CustomerContactIsInUse",
                )
        del self.contacts[number]

    # -- rendering ---------------------------------------------------------

    def render_customer(self, number, base):
        stored = self.customers[number]
        url = f"{base}/customers/{number}"
        body = {"customerNumber": number, "balance": 0.0, "dueAmount": 0.0}
        for field, value in stored.items():
            if field in CUSTOMER_REFS:
                body[field] = self._render_ref(field, value, base)
            else:
                body[field] = value
        body.update(
            contacts=f"{url}/contacts",
            deliveryLocations=f"{url}/delivery-locations",
            templates={
                "invoice": f"{url}/templates/invoice",
                "invoiceLine": f"{url}/templates/invoiceline",
                "self": f"{url}/templates",
            },
            totals={
                "drafts": f"{base}/invoices/totals/drafts/customers/{number}",
                "booked": f"{base}/invoices/totals/booked/customers/{number}",
                "self": f"{url}/totals",
            },
            invoices={
                "drafts": f"{url}/invoices/drafts",
                "booked": f"{url}/invoices/booked",
                "self": f"{url}/invoices",
            },
            eInvoicingDisabledByDefault=False,
            metaData={
                "delete": {
                    "description": "Delete this customer.",
                    "href": url,
                    "httpMethod": "delete",
                },
                "replace": {
                    "description": "Replace this customer.",
                    "href": url,
                    "httpMethod": "put",
                },
            },
            self=url,
        )
        return body

    def _render_ref(self, field, value, base):
        key, _required = CUSTOMER_REFS[field]
        number = value[key]
        paths = {
            "customerGroup": "customer-groups",
            "paymentTerms": "payment-terms",
            "vatZone": "vat-zones",
            "salesPerson": "employees",
            "layout": "layouts",
        }
        if key == "customerContactNumber":
            contact = self.contacts.get(number) or {}
            owner = contact.get("customerNumber")
            return {
                key: number,
                "customer": {
                    "customerNumber": owner,
                    "self": f"{base}/customers/{owner}",
                },
                "self": f"{base}/customers/{owner}/contacts/{number}",
            }
        if key == "deliveryLocationNumber":
            return {key: number, "self": f"{base}/delivery-locations/{number}"}
        return {key: number, "self": f"{base}/{paths[field]}/{number}"}

    def render_contact(self, number, base):
        stored = self.contacts[number]
        owner = stored["customerNumber"]
        body = {
            k: v
            for k, v in stored.items()
            if k not in ("customerNumber", "lastUpdated", "objectVersion")
        }
        body["customer"] = {
            "customerNumber": owner,
            "self": f"{base}/customers/{owner}",
        }
        body["self"] = f"{base}/customers/{owner}/contacts/{number}"
        return body

    def render_openapi_contact(self, number):
        stored = self.contacts[number]
        body = {
            "number": number,
            "customerNumber": stored["customerNumber"],
            "userInterfaceNumber": stored["sortKey"],
            "name": stored["name"],
            "lastUpdated": stored["lastUpdated"],
            "objectVersion": stored["objectVersion"],
            "isDeleted": False,
            "active": True,
        }
        for field in ("email", "phone", "notes", "eInvoiceId"):
            if stored.get(field):
                body[field] = stored[field]
        return body
