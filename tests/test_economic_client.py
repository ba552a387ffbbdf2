# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic client against the fake e-conomic over real HTTP on loopback
(no mock of the client): paging, filters, errors, retries, rate limit,
read-modify-write, idempotency, the OpenAPI cursor, renumbering."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from odoo.tests import BaseCase, tagged

from ..utils import economic_client as ec
from .fake_economic import FakeEconomic

REQUIRED = {
    "currency": "DKK",
    "customerGroup": {"customerGroupNumber": 1},
    "paymentTerms": {"paymentTermsNumber": 1},
    "vatZone": {"vatZoneNumber": 1},
}


class FakeClock:
    """A clock the client's ``sleep`` advances: the fake's token bucket and
    the client's waits share it, so nothing really waits."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingSession(requests.Session):
    """A real Session that remembers the keyword arguments of every call."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def request(self, method, url, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append((method, url, kwargs))
        return super().request(method, url, **kwargs)


class EconomicCase(BaseCase):
    fake_options = {}

    def setUp(self):
        super().setUp()
        self.clock = FakeClock()
        self.fake = FakeEconomic(clock=self.clock, **self.fake_options)
        self.fake.start()
        self.addCleanup(self.fake.stop)
        self.client = self.make_client()

    def make_client(self, **kwargs):
        options = {
            "openapi_url": self.fake.url,
            "timeout": 5,
            "sleep": self.clock.sleep,
        }
        options.update(kwargs)
        client = ec.EconomicClient(
            self.fake.url,
            options.pop("app_secret_token", self.fake.app_secret_token),
            options.pop("agreement_grant_token", self.fake.agreement_grant_token),
            **options,
        )
        self.addCleanup(client.close)
        return client


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_economic")
class TestEconomicClient(EconomicCase):
    def test_paging_follows_next_links(self):
        """Several pages, every customer once, the links parsed as given."""
        numbers = self.fake.seed(30, contacts_per_customer=0)
        for style in ("skippages-first", "pagesize-first"):
            self.fake.link_style = style
            client = self.make_client()
            pages = list(client.iter_customers(pagesize=7))
            with self.subTest(style=style):
                self.assertEqual([p[0] for p in pages], [0, 1, 2, 3, 4])
                self.assertEqual([p[2] for p in pages], [True] * 4 + [False])
                seen = [c["customerNumber"] for p in pages for c in p[1]]
                self.assertEqual(sorted(seen), numbers)
                self.assertEqual(client.calls, 5)
        # Resuming from page 3 reads pages 3 and 4 only.
        client = self.make_client()
        pages = list(client.iter_customers(page=3, pagesize=7))
        self.assertEqual([p[0] for p in pages], [3, 4])
        self.assertEqual(client.calls, 2)
        customers, has_next, total = client.customers_page(page=4, pagesize=7)
        self.assertEqual((len(customers), has_next, total), (2, False, 30))
        self.assertEqual(client.customers_page(page=9, pagesize=7), ([], False, 30))

    def test_pages_sorted_by_number(self):
        """The sort (by number unless told) rides along the nextPage links."""
        session = RecordingSession()
        client = self.make_client(session=session)
        self.fake.seed(5, contacts_per_customer=0)
        self.fake.renumber_customer(1, 50)
        pages = list(client.iter_customers(pagesize=2))
        numbers = [c["customerNumber"] for _i, page, _n in pages for c in page]
        self.assertEqual(numbers, [2, 3, 4, 5, 50])
        for _method, url, _kwargs in session.sent:
            self.assertIn("sort=customerNumber", url)
        pages = list(client.iter_customers(pagesize=2, sort="-customerNumber"))
        self.assertEqual(pages[0][1][0]["customerNumber"], 50)

    def test_retry_after_date(self):
        now = ec.datetime.datetime(
            2026, 12, 2, 12, 0, 0, tzinfo=ec.datetime.timezone.utc
        )
        self.assertEqual(
            ec.parse_retry_after("Wed, 02 Dec 2026 12:00:30 GMT", now=now), 30.0
        )
        self.assertEqual(ec.parse_retry_after("12"), 12.0)
        self.assertIsNone(ec.parse_retry_after("soon"))
        self.assertIsNone(ec.parse_retry_after(None))

    def test_default_page_size_is_1000(self):
        """A bulk read asks for 1000 per page: 2,500 customers in 3 calls."""
        self.fake.seed(2500, contacts_per_customer=0)
        pages = list(self.client.iter_customers())
        self.assertEqual([len(p[1]) for p in pages], [1000, 1000, 500])
        self.assertEqual(self.client.calls, 3)

    def test_filters(self):
        """Escaped values, like, in, or, and a lastUpdated date."""
        odd = "Smith $ Co, (*Ltd*)"
        first = self.fake.add_customer(name=odd, city="Aarhus C")
        second = self.fake.add_customer(name="Smith & Co", city="Vejle")
        third = self.fake.add_customer(name="Other ApS", city="aarhus n")

        def numbers(filter_text):
            customers = self.client.customers_page(filter=filter_text)[0]
            return sorted(c["customerNumber"] for c in customers)

        self.assertEqual(numbers(ec.filter_clause("name", "eq", odd)), [first])
        self.assertEqual(numbers(ec.filter_clause("name", "like", "smith")), [1, 2])
        self.assertEqual(numbers(ec.filter_clause("city", "like", "AARHUS")), [1, 3])
        self.assertEqual(
            numbers(ec.filter_clause("customerNumber", "in", [second, third])), [2, 3]
        )
        either = ec.filter_or(
            ec.filter_clause("city", "eq", "Vejle"),
            ec.filter_clause("name", "like", "Other"),
        )
        self.assertEqual(
            numbers(ec.filter_and(either, ec.filter_clause("customerNumber", "gt", 2))),
            [3],
        )
        self.assertEqual(numbers("lastUpdated$gt:2000-01-01"), [1, 2, 3])
        self.assertEqual(numbers("lastUpdated$lt:2000-01-01T00:00:00Z"), [])

    def test_filter_escaping(self):
        self.assertEqual(ec.escape_filter_value("a$b(c)*d,e"), "a$$b$(c$)$*d$,e")
        self.assertEqual(ec.escape_filter_value("[x]"), "[x]")
        self.assertEqual(ec.escape_filter_value(None), "$null:")
        self.assertEqual(
            ec.filter_clause("customerNumber", "in", [1, 2]), "customerNumber$in:[1,2]"
        )

    def test_unknown_filter_field(self):
        with self.assertRaises(ec.EconomicError) as caught:
            self.client.customers_page(filter="bogusProp$eq:1")
        error = caught.exception
        self.assertEqual(error.status, 400)
        self.assertIn("bogusProp", error.describe())
        self.assertIn("name", error.body["allowedFilteringFields"])

    def test_wrong_tokens(self):
        """A clear error, no retry."""
        client = self.make_client(app_secret_token="wrong")
        with self.assertRaises(ec.EconomicAuthError) as caught:
            client.get_self()
        self.assertEqual(caught.exception.status, 401)
        self.assertIn("Unauthorized", caught.exception.describe())
        self.assertEqual(client.calls, 1)
        self.assertEqual(self.client.get_self()["agreementNumber"], 123456)

    def test_429_storm_then_success(self):
        """Exponential backoff without Retry-After, then the answer."""
        self.fake.fail_next(429, count=4)
        self.assertEqual(self.client.get_self()["agreementNumber"], 123456)
        self.assertEqual(self.client.calls, 5)
        self.assertEqual(self.clock.sleeps, [1.0, 2.0, 4.0, 8.0])

    def test_retry_after_honoured(self):
        self.fake.fail_next(429, count=2, retry_after=7)
        self.client.get_self()
        self.assertEqual(self.clock.sleeps, [7.0, 7.0])
        self.assertEqual(self.client.waited, 14.0)

    def test_5xx_retry_bound(self):
        self.fake.fail_next(503, count=100)
        client = self.make_client(max_retries=3)
        with self.assertRaises(ec.EconomicUnavailable) as caught:
            client.get_self()
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(client.calls, 4)
        self.assertEqual(len(self.clock.sleeps), 3)

    def test_unreachable(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        client = ec.EconomicClient(
            f"http://127.0.0.1:{port}", "a", "b", max_retries=2, sleep=self.clock.sleep
        )
        self.addCleanup(client.close)
        with self.assertRaises(ec.EconomicUnavailable):
            client.get_self()
        self.assertEqual(client.calls, 3)

    def test_dead_server_closes(self):
        self.fake.die_after, self.fake.die_mode = 1, "close"
        self.client.get_self()
        with self.assertRaises(ec.EconomicUnavailable):
            self.client.get_self()
        self.fake.revive()
        self.assertTrue(self.client.get_self())

    def test_timeout_on_every_call(self):
        session = RecordingSession()
        client = self.make_client(session=session, timeout=3)
        self.fake.seed(3)
        client.get_self()
        list(client.iter_customers(pagesize=2))
        client.update_customer(1, {"city": "Vejle"})
        client.get_contacts(1)
        list(client.iter_all_contacts())
        self.assertEqual(len(session.sent), client.calls)
        for _method, _url, kwargs in session.sent:
            self.assertEqual(kwargs["timeout"], 3)
            self.assertEqual(
                kwargs["headers"]["X-AgreementGrantToken"],
                self.fake.agreement_grant_token,
            )

    def test_bucket_paced(self):
        """A bulk run near the limit slows down instead of meeting a 429."""
        self.fake.token_limit, self.fake.token_window = 100, 60
        for _i in range(300):
            self.client.get_self()
        statuses = {entry[2] for entry in self.fake.log}
        self.assertEqual(statuses, {200})
        self.assertEqual(self.client.calls, 300)
        # 200 calls over the bucket's 100 cost at least 200 * 0.6 s.
        self.assertGreaterEqual(self.client.waited, 200 * 0.6 * 0.8)

    def test_bucket_without_pacing_recovers(self):
        """Without pacing, 429s come and the Retry-After waits end them."""
        self.fake.token_limit, self.fake.token_window = 50, 60
        self.client.soft_limit = 1.0
        for _i in range(80):
            self.client.get_self()
        statuses = [entry[2] for entry in self.fake.log]
        self.assertIn(429, statuses)
        self.assertEqual(statuses.count(200), 80)

    def test_error_body_names_the_field(self):
        with self.assertRaises(ec.EconomicError) as caught:
            self.client.create_customer(dict(REQUIRED, name="X", vatZone=None), "k1")
        self.assertIn("vatZone", caught.exception.field_errors)
        body = dict(REQUIRED, name="X")
        del body["vatZone"]
        with self.assertRaises(ec.EconomicError) as caught:
            self.client.create_customer(body, "k2")
        self.assertEqual(caught.exception.describe(), "Property vatZone is required")
        with self.assertRaises(ec.EconomicError) as caught:
            self.client.create_customer(
                dict(REQUIRED, name="X", customerGroup={"customerGroupNumber": 99}),
                "k3",
            )
        self.assertIn("customerGroup 99 does not exist", caught.exception.describe())
        self.assertFalse(self.fake.agreement.customers)

    def test_documented_error_bodies(self):
        """The bodies of economic.md §5, as recorded."""
        annotated = {
            "message": "Validation error.",
            "errors": {
                "currency": {
                    "errors": [
                        {
                            "errorCode": "E06000",
                            "message": "currency does not exist.",
                            "value": "ZUL",
                        }
                    ]
                }
            },
            "httpStatusCode": 400,
        }
        error = ec.error_from_response(400, annotated)
        self.assertEqual(error.describe(), "currency does not exist")
        self.assertEqual(error.field_errors, {"currency": ["currency does not exist."]})
        missing = ec.error_from_response(
            404, {"message": "Resource not found.", "errorCode": "E06000"}
        )
        self.assertIsInstance(missing, ec.EconomicNotFound)
        self.assertEqual(missing.error_code, "E06000")
        problem = ec.error_from_response(
            400,
            {
                "title": "Validation failed.",
                "status": 400,
                "errors": [
                    {
                        "property": "name",
                        "message": "Name is required.",
                        "errorCode": "CustomerContactNameNullOrEmpty",
                    }
                ],
                "errorCode": "BadRequest",
            },
        )
        self.assertEqual(problem.describe(), "name: Name is required")
        self.assertIsInstance(
            ec.error_from_response(502, None, "<html>"), ec.EconomicUnavailable
        )

    def test_update_keeps_unmanaged_fields(self):
        """Read-modify-write: salesPerson, layout, attention... survive."""
        number = self.fake.add_customer(name="Acme A/S", city="Aarhus C")
        contact = self.fake.add_contact(number, name="Jane")
        unmanaged = {
            "salesPerson": {"employeeNumber": 3},
            "layout": {"layoutNumber": 19},
            "attention": {"customerContactNumber": contact},
            "customerContact": {"customerContactNumber": contact},
            "priceGroup": {"self": f"{self.fake.url}/price-groups/2"},
            "defaultDeliveryLocation": {"deliveryLocationNumber": 4},
            "ean": "5790000000000",
            "creditLimit": 5000.0,
            "barred": True,
        }
        self.fake.change_customer(number, **unmanaged)
        result = self.client.update_customer(number, {"city": "Vejle", "zip": ""})
        self.assertEqual(result["city"], "Vejle")
        self.assertNotIn("zip", result)
        stored = self.fake.customer(number)
        for field, value in unmanaged.items():
            with self.subTest(field=field):
                for key, item in value.items() if isinstance(value, dict) else []:
                    self.assertEqual(stored[field][key], item)
                self.assertIn(field, stored)
        # Control: a bare PUT (what the client never sends) clears them.
        self.client.request(
            "PUT", f"/customers/{number}", json_body=dict(REQUIRED, name="Acme A/S")
        )
        self.assertNotIn("salesPerson", self.fake.customer(number))
        self.assertNotIn("barred", self.fake.customer(number))

    def test_idempotent_create(self):
        body = dict(REQUIRED, name="Acme A/S")
        first = self.client.create_customer(body, "partner-7")
        self.assertNotIn("X-ResultFromCache", self.client.last_headers)
        again = self.client.create_customer(body, "partner-7")
        self.assertEqual(again["customerNumber"], first["customerNumber"])
        self.assertEqual(self.client.last_headers.get("X-ResultFromCache"), "true")
        self.assertEqual(len(self.fake.agreement.customers), 1)
        self.client.create_customer(body, "partner-8")
        self.assertEqual(len(self.fake.agreement.customers), 2)

    def test_create_retried_once_created(self):
        """A POST whose first attempts fail is retried with the same key."""
        session = RecordingSession()
        client = self.make_client(session=session)
        self.fake.fail_next(503, count=2, path="/customers", method="POST")
        client.create_customer(dict(REQUIRED, name="Acme A/S"), "partner-9")
        keys = {kw["headers"]["Idempotency-Key"] for _m, _u, kw in session.sent}
        self.assertEqual(keys, {"partner-9"})
        self.assertEqual(client.calls, 3)
        self.assertEqual(len(self.fake.agreement.customers), 1)

    def test_contacts(self):
        one = self.fake.add_customer(name="One")
        two = self.fake.add_customer(name="Two")
        jane = self.client.create_contact(
            one, {"name": "Jane", "email": "j@one.dk"}, "c1"
        )
        bob = self.client.create_contact(two, {"name": "Bob"}, "c2")
        self.assertNotEqual(jane["customerContactNumber"], bob["customerContactNumber"])
        number = jane["customerContactNumber"]
        self.fake.change_contact(one, number, notes="Calls on Mondays", eInvoiceId="X1")
        updated = self.client.update_contact(one, number, {"phone": "12345678"})
        self.assertEqual(updated["phone"], "12345678")
        self.assertEqual(updated["notes"], "Calls on Mondays")
        self.assertEqual(updated["eInvoiceId"], "X1")
        self.assertEqual([c["name"] for c in self.client.get_contacts(one)], ["Jane"])
        self.client.delete_contact(one, number)
        self.assertEqual(self.client.get_contacts(one), [])
        with self.assertRaises(ec.EconomicNotFound):
            self.client.delete_contact(one, number)
        with self.assertRaises(ec.EconomicNotFound):
            self.client.get_customer(999)

    def test_openapi_contacts_cursor(self):
        self.fake.cursor_page_size = 25
        self.fake.seed(30, contacts_per_customer=2)
        pages = list(self.client.iter_all_contacts())
        self.assertEqual([len(p) for p in pages], [25, 25, 10])
        self.assertEqual(self.client.calls, 3)
        numbers = [c["customerContactNumber"] for p in pages for c in p]
        self.assertEqual(len(set(numbers)), 60)
        first = pages[0][0]
        self.assertEqual(first["customer"]["customerNumber"], 1)
        self.assertEqual(first["name"], self.fake.contacts(1)[0]["name"])

    def test_openapi_refused(self):
        for status, error in (
            (401, ec.EconomicAuthError),
            (403, ec.EconomicAuthError),
            (404, ec.EconomicNotFound),
        ):
            self.fake.openapi_status = status
            with self.subTest(status=status), self.assertRaises(error):
                list(self.client.iter_all_contacts())
        with self.assertRaises(ec.EconomicNotFound):
            list(self.make_client(openapi_url=None).iter_all_contacts())

    def test_renumbering(self):
        number = self.fake.add_customer(name="Acme A/S")
        self.fake.add_contact(number, name="Jane")
        result = self.client.update_customer(number, {"customerNumber": 5000})
        self.assertEqual(result["customerNumber"], 5000)
        with self.assertRaises(ec.EconomicNotFound):
            self.client.get_customer(number)
        self.assertEqual([c["name"] for c in self.client.get_contacts(5000)], ["Jane"])
        # The freed number is reused by the next create.
        again = self.client.create_customer(dict(REQUIRED, name="New"), "n1")
        self.assertEqual(again["customerNumber"], number)


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append((self.path, self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_economic")
class TestFakeWebhooks(EconomicCase):
    def setUp(self):
        super().setUp()
        self.receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        self.receiver.received = []
        threading.Thread(
            target=self.receiver.serve_forever, args=(0.05,), daemon=True
        ).start()
        self.addCleanup(self.receiver.server_close)
        self.addCleanup(self.receiver.shutdown)
        port = self.receiver.server_address[1]
        self.fake.add_webhook(
            f"http://127.0.0.1:{port}/hook?old=[OLDNUMBER]&new=[NEWNUMBER]",
            post_data='{"oldNumber": "[OLDNUMBER]", "newNumber": "[NEWNUMBER]"}',
        )

    def test_one_post_per_change(self):
        number = self.client.create_customer(dict(REQUIRED, name="A"), "w1")[
            "customerNumber"
        ]
        self.client.update_customer(number, {"city": "Vejle"})
        self.fake.renumber_customer(number, 77)
        self.fake.delete_customer(77)
        self.assertTrue(self.fake.wait_webhooks())
        paths = [path for path, _body in self.receiver.received]
        self.assertEqual(
            paths,
            [
                "/hook?old=1&new=1",
                "/hook?old=1&new=1",
                "/hook?old=1&new=77",
                "/hook?old=77&new=77",
            ],
        )
        self.assertEqual(
            json.loads(self.receiver.received[2][1]),
            {"oldNumber": "1", "newNumber": "77"},
        )

    def test_duplicates(self):
        self.fake.webhooks.duplicates = 2
        self.fake.add_customer(name="A")
        self.assertTrue(self.fake.wait_webhooks())
        self.assertEqual(len(self.receiver.received), 2)
        self.assertEqual(len(self.fake.webhook_deliveries), 2)
