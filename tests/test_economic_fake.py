# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fake e-conomic itself, against economic.md §12 (raw HTTP, so that a
fake that drifts from e-conomic is caught here, not in the connector)."""

import time

import requests

from odoo.tests import BaseCase, tagged

from .fake_economic import FakeEconomic

REQUIRED = {
    "name": "Acme A/S",
    "currency": "DKK",
    "customerGroup": {"customerGroupNumber": 1},
    "paymentTerms": {"paymentTermsNumber": 1},
    "vatZone": {"vatZoneNumber": 1},
}


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_economic")
class TestFakeEconomic(BaseCase):
    def setUp(self):
        super().setUp()
        self.fake = FakeEconomic().start()
        self.addCleanup(self.fake.stop)
        self.http = requests.Session()
        self.addCleanup(self.http.close)
        self.http.headers.update(
            {
                "X-AppSecretToken": self.fake.app_secret_token,
                "X-AgreementGrantToken": self.fake.agreement_grant_token,
            }
        )

    def call(self, method, path, body=None, **headers):
        return self.http.request(
            method, self.fake.url + path, json=body, headers=headers, timeout=5
        )

    def test_auth(self):
        answer = requests.get(self.fake.url + "/self", timeout=5)
        self.assertEqual(answer.status_code, 401)
        self.assertEqual(answer.json()["httpStatusCode"], 401)
        self.assertIn("logId", answer.json())
        demo = {"X-AppSecretToken": "demo", "X-AgreementGrantToken": "demo"}
        self.assertEqual(
            requests.get(self.fake.url + "/self", headers=demo, timeout=5).status_code,
            200,
        )
        post = requests.post(
            self.fake.url + "/customers", json=REQUIRED, headers=demo, timeout=5
        )
        self.assertEqual(post.status_code, 401)
        self.assertFalse(self.fake.agreement.customers)

    def test_headers(self):
        answer = self.call("GET", "/self")
        self.assertTrue(answer.headers["X-RequestId"])
        self.assertEqual(answer.headers["X-CallCost"], "1")
        self.assertEqual(
            answer.headers["X-RateLimiting"],
            "token-limit-10000-per-60-seconds: 1/10000",
        )

    def test_paging_rules(self):
        self.fake.seed(5, contacts_per_customer=0)
        self.assertEqual(
            self.call("GET", "/customers").json()["pagination"]["pageSize"], 20
        )
        too_big = self.call("GET", "/customers?pagesize=1001")
        self.assertEqual(too_big.status_code, 400)
        self.assertEqual(too_big.json()["errorCode"], "E04810")
        beyond = self.call("GET", "/customers?skippages=9&pagesize=2").json()
        self.assertEqual(beyond["collection"], [])
        self.assertEqual(beyond["pagination"]["results"], 5)
        first = self.call("GET", "/customers?skippages=0&pagesize=2").json()
        self.assertNotIn("previousPage", first["pagination"])
        self.assertIn("nextPage", first["pagination"])
        last = self.call("GET", "/customers?skippages=2&pagesize=2").json()
        self.assertNotIn("nextPage", last["pagination"])
        self.assertEqual(first["metaData"]["create"]["httpMethod"], "post")
        filtered = self.call("GET", "/customers?pagesize=2&filter=name$like:a").json()
        self.assertIn("filter=name%24like%3Aa", filtered["self"])

    def test_filter_and_sort(self):
        self.fake.add_customer(name="Beta", city="Vejle")
        self.fake.add_customer(name="alpha", city="Aarhus", ean="5790000000000")
        self.fake.add_customer(name="Gamma", city="Vejle")

        def names(query):
            answer = self.call("GET", "/customers?" + query)
            self.assertEqual(answer.status_code, 200, answer.text)
            return [c["name"] for c in answer.json()["collection"]]

        self.assertEqual(names("sort=name"), ["alpha", "Beta", "Gamma"])
        self.assertEqual(names("sort=-name"), ["Gamma", "Beta", "alpha"])
        self.assertEqual(
            names("filter=city$eq:vejle&sort=-customerNumber"), ["Gamma", "Beta"]
        )
        self.assertEqual(names("filter=ean$eq:$null:"), ["Beta", "Gamma"])
        self.assertEqual(names("filter=ean$ne:$null:"), ["alpha"])
        self.assertEqual(names("filter=name$like:*a"), ["Beta", "alpha", "Gamma"])
        self.assertEqual(names("filter=name$like:g*"), ["Gamma"])
        self.assertEqual(
            names("filter=city$eq:Aarhus$or:(city$eq:Vejle$and:name$ne:Beta)"),
            ["alpha", "Gamma"],
        )
        bad_sort = self.call("GET", "/customers?sort=bogus")
        self.assertEqual(bad_sort.status_code, 400)
        self.assertIn("sort", bad_sort.json()["message"])
        bad = self.call("GET", "/customers?filter=name$eq:a$b")
        self.assertEqual(bad.status_code, 400)

    def test_post_put_delete(self):
        created = self.call("POST", "/customers", REQUIRED)
        self.assertEqual(created.status_code, 201)
        number = created.json()["customerNumber"]
        self.assertEqual(created.headers["Location"], created.json()["self"])
        self.assertNotIn("barred", created.json())
        stamp = created.json()["lastUpdated"]
        self.assertRegex(stamp, r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
        time.sleep(1.01)
        put = self.call("PUT", f"/customers/{number}", dict(REQUIRED, city="Vejle"))
        self.assertEqual(put.status_code, 200)
        self.assertGreater(put.json()["lastUpdated"], stamp)
        upsert = self.call("PUT", "/customers/900123", REQUIRED)
        self.assertEqual(upsert.status_code, 201)
        self.assertEqual(upsert.json()["customerNumber"], 900123)
        self.assertEqual(self.call("DELETE", f"/customers/{number}").status_code, 204)
        again = self.call("DELETE", f"/customers/{number}")
        self.assertEqual(
            (again.status_code, again.json()["errorCode"]), (404, "E06000")
        )
        reused = self.call("POST", "/customers", REQUIRED).json()["customerNumber"]
        self.assertEqual(reused, number)

    def test_validation(self):
        cases = {
            "name": dict(REQUIRED, name=None),
            "currency": dict(REQUIRED, currency="ZUL"),
            "paymentTerms": dict(REQUIRED, paymentTerms={"paymentTermsNumber": 0}),
            "city": dict(REQUIRED, city="x" * 51),
            "customerNumber": dict(REQUIRED, customerNumber=0),
        }
        for field, body in cases.items():
            with self.subTest(field=field):
                answer = self.call("POST", "/customers", body)
                self.assertEqual(answer.status_code, 400)
                self.assertEqual(list(answer.json()["errors"]), [field])
        ignored = self.call("POST", "/customers", dict(REQUIRED, balance=5, foo=1))
        self.assertEqual(ignored.status_code, 201)
        self.assertEqual(ignored.json()["balance"], 0.0)
        self.assertNotIn("foo", ignored.json())

    def test_idempotency_replay(self):
        first = self.call("POST", "/customers", REQUIRED, **{"Idempotency-Key": "k"})
        second = self.call("POST", "/customers", REQUIRED, **{"Idempotency-Key": "k"})
        self.assertEqual(second.status_code, 201)
        self.assertEqual(second.headers.get("X-ResultFromCache"), "true")
        self.assertEqual(
            first.json()["customerNumber"], second.json()["customerNumber"]
        )
        number = first.json()["customerNumber"]
        key = {"Idempotency-Key": "d"}
        self.assertEqual(
            self.call("DELETE", f"/customers/{number}", **key).status_code, 204
        )
        replay = self.call("DELETE", f"/customers/{number}", **key)
        self.assertEqual(replay.status_code, 204)
        self.assertEqual(replay.headers.get("X-ResultFromCache"), "true")

    def test_contacts_agreement_wide(self):
        one = self.fake.add_customer(name="One")
        two = self.fake.add_customer(name="Two")
        a = self.call("POST", f"/customers/{one}/contacts", {"name": "A"}).json()
        b = self.call("POST", f"/customers/{two}/contacts", {"name": "B"}).json()
        c = self.call("POST", f"/customers/{one}/contacts", {"name": "C"}).json()
        self.assertEqual(
            [
                a["customerContactNumber"],
                b["customerContactNumber"],
                c["customerContactNumber"],
            ],
            [1, 2, 3],
        )
        self.assertEqual([a["sortKey"], b["sortKey"], c["sortKey"]], [1, 1, 2])
        self.assertEqual(
            self.call("POST", f"/customers/{one}/contacts", {}).status_code, 400
        )
        self.assertEqual(
            self.call("GET", f"/customers/{two}/contacts/1").status_code, 404
        )
        put = self.call(
            "PUT",
            f"/customers/{one}/contacts/1",
            {"customerContactNumber": 1, "name": "A2"},
        )
        self.assertEqual(put.json()["name"], "A2")
        self.assertEqual(
            self.call("DELETE", f"/customers/{one}/contacts/1").status_code, 204
        )

    def test_forced_failures_and_bucket(self):
        self.fake.fail_next(429, count=1)
        answer = self.call("GET", "/self")
        self.assertEqual(answer.status_code, 429)
        self.assertNotIn("Retry-After", answer.headers)
        self.fake.fail_next(429, count=1, retry_after=3)
        self.assertEqual(self.call("GET", "/self").headers["Retry-After"], "3")
        self.fake.token_limit = 3
        answers = [self.call("GET", "/self") for _i in range(4)]
        self.assertEqual([a.status_code for a in answers], [200, 200, 200, 429])
        limited = answers[-1]
        self.assertTrue(limited.headers["Retry-After"].isdigit())

    def test_die_after_and_counters(self):
        self.fake.die_after = 2
        self.call("GET", "/self")
        self.call("GET", "/customers/7")
        self.assertEqual(self.call("GET", "/self").status_code, 503)
        self.assertEqual(self.fake.count("GET", "/customers/{n}"), 1)
        self.assertEqual(self.fake.count(), 3)
        self.fake.revive()
        self.assertEqual(self.call("GET", "/self").status_code, 200)

    def test_latency(self):
        self.fake.latency = 0.05
        start = time.monotonic()
        self.call("GET", "/self")
        self.assertGreaterEqual(time.monotonic() - start, 0.05)

    def test_loopback_only(self):
        with self.assertRaises(ValueError):
            FakeEconomic(host="0.0.0.0")
