# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A faithful fake e-conomic (Legacy REST + the OpenAPI Contacts cursor) over
real HTTP on loopback, for tests, the benchmark and ``make fake-economic``.

Usage::

    with FakeEconomic(latency=0.05) as fake:
        fake.seed(300)
        client = EconomicClient(fake.url, fake.app_secret_token,
                                fake.agreement_grant_token, openapi_url=fake.url)

See the package docstring for every option and helper.
"""

import collections
import json
import math
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from . import data, query, store
from .store import ApiError
from .webhooks import WebhookEmitter

OPENAPI_PREFIX = "/customersapi/v3.1.0"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_CLOSE = object()
_NUMBER_RE = re.compile(r"/\d+(?=/|$)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeEconomic/1.0"
    # Headers and body are two writes: without this, keep-alive calls wait
    # for the peer's delayed ACK (~40 ms each).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the fake keeps its own request log."""

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        result = self.server.fake.handle(self.command, self.path, self.headers, raw)
        if result is _CLOSE:
            self.close_connection = True
            return
        status, headers, payload = result
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class FakeEconomic:
    """The fake agreement and its HTTP server.

    :param app_secret_token, agreement_grant_token: the accepted tokens
        (``demo``/``demo`` is also accepted, for GET only).
    :param host, port: loopback only; port 0 picks a free one.
    :param latency: seconds added to every call (simulated network).
    :param token_limit, token_window, call_cost: the token bucket.
    :param retry_after: whether a bucket 429 carries ``Retry-After``.
    :param clock: monotonic clock of the bucket and the idempotency cache
        (tests pass a fake one that the client's ``sleep`` advances).
    :param die_after: after that many requests, answer 503 (``die_mode``
        "503") or close the connection (``die_mode`` "close").
    :param openapi_status: answer the OpenAPI service with this status (401,
        403, 404) to test the per-customer fallback.
    :param cursor_page_size: items per OpenAPI cursor call (1000).
    :param webhook_delay, webhook_duplicates, webhook_retries: the emitter.
    :param contact_webhooks: whether contact changes fire "Customer updated".
    :param link_style: "skippages-first" or "pagesize-first" page links
        (both occur live: clients must parse them).
    """

    def __init__(
        self,
        app_secret_token="fake-app-secret",
        agreement_grant_token="fake-agreement-grant",
        host="127.0.0.1",
        port=0,
        latency=0.0,
        token_limit=10000,
        token_window=60.0,
        call_cost=1,
        retry_after=True,
        clock=time.monotonic,
        die_after=None,
        die_mode="503",
        openapi_status=None,
        cursor_page_size=1000,
        webhook_delay=0.0,
        webhook_duplicates=1,
        webhook_retries=0,
        contact_webhooks=False,
        link_style="skippages-first",
    ):
        if host not in LOOPBACK:
            raise ValueError("The fake e-conomic listens on loopback only.")
        self.app_secret_token = app_secret_token
        self.agreement_grant_token = agreement_grant_token
        self.host, self.port = host, port
        self.latency = latency
        self.token_limit, self.token_window = token_limit, token_window
        self.call_cost = call_cost
        self.retry_after = retry_after
        self.clock = clock
        self.die_after, self.die_mode = die_after, die_mode
        self.openapi_status = openapi_status
        self.cursor_page_size = cursor_page_size
        self.contact_webhooks = contact_webhooks
        self.link_style = link_style
        self.agreement = store.Agreement()
        self.webhooks = WebhookEmitter(
            webhook_delay, webhook_duplicates, webhook_retries
        )
        self.lock = threading.RLock()
        #: ``Counter`` of ``"GET /customers/{n}"``-style keys (and "total").
        self.counts = collections.Counter()
        #: ``[(method, path, status, from_cache)]``
        self.log = []
        self.requests = 0
        self._bucket = [0.0, clock()]  # used tokens, at
        self._forced = []
        self._idempotent = {}
        self._server = None
        self._thread = None

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-economic",
            daemon=True,
        )
        self._thread.start()
        self.webhooks.start()
        return self

    def stop(self):
        self.webhooks.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        """Base URL, for ``api_url`` and ``openapi_url`` alike."""
        return f"http://{self.host}:{self.port}"

    openapi_url = url

    # -- test controls -----------------------------------------------------

    def fail_next(self, status=429, count=1, retry_after=None, path=None, method=None):
        """Answer the next ``count`` matching calls with ``status`` (429, 500,
        503...); ``retry_after`` (seconds) adds a ``Retry-After`` header;
        ``path`` is a prefix of the request path."""
        with self.lock:
            self._forced.append([status, count, retry_after, path, method])

    def count(self, method=None, path=None):
        """Requests received, filtered by method and path prefix (templated
        like ``/customers/{n}``)."""
        with self.lock:
            return sum(
                n
                for key, n in self.counts.items()
                if key != "total"
                and (not method or key.split(" ")[0] == method)
                and (not path or key.split(" ", 1)[1].startswith(path))
            )

    def reset_counters(self):
        with self.lock:
            self.counts.clear()
            self.log.clear()

    def revive(self):
        """Undo ``die_after``: answer normally again."""
        with self.lock:
            self.die_after = None

    def add_webhook(
        self, url, post_data=None, content_type="application/json", headers=None
    ):
        """Configure a "Customer updated" webhook (merge fields in the URL and
        ``post_data``: ``[OLDNUMBER]``, ``[NEWNUMBER]``)."""
        self.webhooks.add(url, post_data, content_type, headers)

    def wait_webhooks(self, timeout=10.0):
        return self.webhooks.wait(timeout)

    @property
    def webhook_deliveries(self):
        return self.webhooks.deliveries

    # -- changes "on the e-conomic side" (a user in e-conomic) -----------------

    def seed(self, count, contacts_per_customer=2, seed=1, webhooks=False):
        """Add ``count`` Danish demo customers with contacts; their numbers."""
        numbers = []
        for customer, contacts in data.demo_customers(
            count, contacts_per_customer, seed
        ):
            number = self.add_customer(webhook=webhooks, **customer)
            for contact in contacts:
                self.add_contact(number, webhook=False, **contact)
            numbers.append(number)
        return numbers

    def add_customer(self, webhook=True, **fields):
        """Create a customer; defaults fill the required fields."""
        body = {
            "currency": "DKK",
            "customerGroup": {"customerGroupNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1},
            "vatZone": {"vatZoneNumber": 1},
            **fields,
        }
        with self.lock:
            number = self.agreement.create_customer(body)
        if webhook:
            self.webhooks.emit(number, number)
        return number

    def change_customer(self, number, **changes):
        """Edit as a user would; a value of None clears the field. Fires the
        webhook. A ``customerNumber`` change renumbers."""
        with self.lock:
            stored = self.agreement.get_customer(number)
            body = {k: v for k, v in {**stored, **changes}.items() if v is not None}
            body.pop("lastUpdated", None)
            _created, new = self.agreement.put_customer(number, body)
        self.webhooks.emit(number, new)
        return new

    def renumber_customer(self, old, new):
        return self.change_customer(old, customerNumber=new)

    def delete_customer(self, number):
        with self.lock:
            self.agreement.delete_customer(number)
        self.webhooks.emit(number, number)

    def add_contact(self, customer_number, webhook=None, **fields):
        with self.lock:
            number = self.agreement.create_contact(customer_number, fields)
        self._contact_changed(customer_number, webhook)
        return number

    def change_contact(self, customer_number, contact_number, **changes):
        with self.lock:
            stored = self.agreement.get_contact(customer_number, contact_number)
            body = {k: v for k, v in {**stored, **changes}.items() if v is not None}
            self.agreement.put_contact(customer_number, contact_number, body)
        self._contact_changed(customer_number, None)

    def customer(self, number):
        """The customer as GET /customers/{number} answers it."""
        with self.lock:
            self.agreement.get_customer(number)
            return self.agreement.render_customer(number, self.url)

    def contacts(self, customer_number):
        with self.lock:
            return [
                self.agreement.render_contact(c["customerContactNumber"], self.url)
                for c in self.agreement.contacts_of(customer_number)
            ]

    def _contact_changed(self, customer_number, webhook):
        if webhook if webhook is not None else self.contact_webhooks:
            self.webhooks.emit(customer_number, customer_number)

    # -- request pipeline --------------------------------------------------

    def handle(self, method, raw_path, headers, raw):
        """Answer one HTTP request: ``(status, headers, bytes)`` or _CLOSE."""
        if self.latency:
            time.sleep(self.latency)
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        openapi = path.startswith(OPENAPI_PREFIX)
        with self.lock:
            self.requests += 1
            template = _NUMBER_RE.sub("/{n}", path)
            self.counts[f"{method} {template}"] += 1
            self.counts["total"] += 1
            if self.die_after is not None and self.requests > self.die_after:
                if self.die_mode == "close":
                    return _CLOSE
                return self._answer(503, _error(503, "Service unavailable.", openapi))
            status, body, extra = self._process(
                method, path, params, headers, raw, openapi
            )
            self.log.append((method, path, status, "X-ResultFromCache" in extra))
            return self._answer(status, body, extra, openapi)

    def _process(self, method, path, params, headers, raw, openapi):
        denied = self._authenticate(method, params, headers, openapi)
        if denied:
            return denied
        limited = self._spend(method, path, openapi)
        if limited:
            return limited
        key = headers.get("Idempotency-Key")
        cache_key = (key, method, path)
        if key and method != "GET":
            cached = self._idempotent.get(cache_key)
            if cached and self.clock() - cached[0] < 3600:
                status, body, extra = cached[1]
                return status, body, {**extra, "X-ResultFromCache": "true"}
        try:
            payload = json.loads(raw) if raw.strip() else None
        except ValueError:
            return 400, _error(400, "The request body is not valid JSON.", openapi), {}
        try:
            result = self._route(method, path, params, payload, openapi)
        except ApiError as exc:
            result = exc.status, exc.body, {}
        except query.QueryError as exc:
            body = store.error_body(400, exc.message, errors=exc.errors, **exc.extra)
            result = 400, body, {}
        except Exception as exc:  # a fake bug must answer, not hang the client
            result = 500, _error(500, f"Fake server error: {exc!r}", openapi), {}
        if key and method != "GET" and result[0] < 500:
            self._idempotent[cache_key] = (self.clock(), result)
        return result

    def _authenticate(self, method, params, headers, openapi):
        tokens = (headers.get("X-AppSecretToken"), headers.get("X-AgreementGrantToken"))
        if tokens == (self.app_secret_token, self.agreement_grant_token):
            return None
        demo = tokens == ("demo", "demo") or params.get("demo") == "true"
        if demo and method == "GET":
            return None
        message = (
            "The demo agreement allows GET only."
            if demo
            else "Unauthorized access. Provide valid X-AppSecretToken and "
            "X-AgreementGrantToken headers."
        )
        body = _error(401, message, openapi)
        return 401, body, {}

    def _spend(self, method, path, openapi):
        """Forced failures first, then the token bucket; None when allowed."""
        for forced in self._forced:
            status, count, retry_after, prefix, only = forced
            if (prefix and not path.startswith(prefix)) or (only and only != method):
                continue
            forced[1] -= 1
            if forced[1] <= 0:
                self._forced.remove(forced)
            extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return (
                status,
                _error(status, _REASONS.get(status, "Error."), openapi),
                extra,
            )
        used, at = self._bucket
        now = self.clock()
        used = max(0.0, used - (now - at) * self.token_limit / self.token_window)
        if used + self.call_cost > self.token_limit:
            self._bucket = [used, now]
            extra = {}
            if self.retry_after:
                missing = used + self.call_cost - self.token_limit
                seconds = missing * self.token_window / self.token_limit
                extra["Retry-After"] = str(max(1, math.ceil(seconds)))
            return 429, _error(429, _REASONS[429], openapi), extra
        self._bucket = [used + self.call_cost, now]
        return None

    def _answer(self, status, body, extra=None, openapi=False):
        headers = {
            "X-RequestId": uuid.uuid4().hex,
            "X-CallCost": str(self.call_cost),
            "X-RateLimiting": (
                f"token-limit-{self.token_limit}-per-{int(self.token_window)}"
                f"-seconds: {math.ceil(self._bucket[0])}/{self.token_limit}"
            ),
            **(extra or {}),
        }
        if status == 204 or body is None:
            return status, headers, b""
        kind = (
            "application/problem+json"
            if openapi and status >= 400
            else ("application/json")
        )
        headers["Content-Type"] = f"{kind}; charset=utf-8"
        return status, headers, json.dumps(body).encode()

    # -- routes ------------------------------------------------------------

    def _route(self, method, path, params, payload, openapi):
        if openapi:
            return self._route_openapi(method, path, params)
        segments = path.strip("/").split("/") if path != "/" else []
        head = segments[0] if segments else ""
        if method == "GET" and not segments:
            return 200, data.render_root(self.url), {}
        if method == "GET" and head == "self" and len(segments) == 1:
            return 200, data.render_self(self.url), {}
        if head in _REFERENCE and method == "GET":
            return self._reference(head, segments[1:], params)
        if head == "customers":
            numbers = [_number(s) for s in segments[1:]]
            if len(segments) == 1:
                return self._customers(method, params, payload)
            if len(segments) == 2:
                return self._customer(method, numbers[0], payload)
            if segments[2] == "contacts" and len(segments) == 3:
                return self._contacts(method, numbers[0], params, payload)
            if segments[2] == "contacts" and len(segments) == 4:
                return self._contact(method, numbers[0], numbers[2], payload)
        raise ApiError(404, "Resource not found.")

    def _check_method(self, method, allowed):
        if method not in allowed:
            raise ApiError(405, f"Method {method} is not allowed here.")

    def _customers(self, method, params, payload):
        self._check_method(method, ("GET", "POST"))
        agreement = self.agreement
        if method == "POST":
            number = agreement.create_customer(payload)
            self.webhooks.emit(number, number)
            body = agreement.render_customer(number, self.url)
            return 201, body, {"Location": body["self"]}
        records = [dict(c, customerNumber=n) for n, c in agreement.customers.items()]
        envelope = self._collection(
            "/customers",
            records,
            params,
            store.CUSTOMER_FILTERABLE,
            store.CUSTOMER_SORTABLE,
            "customerNumber",
        )
        envelope["collection"] = [
            agreement.render_customer(r["customerNumber"], self.url)
            for r in envelope["collection"]
        ]
        for customer in envelope["collection"]:
            customer.pop("metaData")  # as recorded: only a single GET has it
        envelope["metaData"] = {
            "create": {
                "description": "Create a new customer",
                "href": f"{self.url}/customers",
                "httpMethod": "post",
            }
        }
        return 200, envelope, {}

    def _customer(self, method, number, payload):
        self._check_method(method, ("GET", "PUT", "DELETE"))
        agreement = self.agreement
        if number is None:
            raise ApiError(404, "Resource not found.")
        if method == "GET":
            agreement.get_customer(number)
            return 200, agreement.render_customer(number, self.url), {}
        if method == "DELETE":
            agreement.delete_customer(number)
            self.webhooks.emit(number, number)
            return 204, None, {}
        created, new = agreement.put_customer(number, payload)
        self.webhooks.emit(number, new)
        body = agreement.render_customer(new, self.url)
        return (201 if created else 200), body, {"Location": body["self"]}

    def _contacts(self, method, customer_number, params, payload):
        self._check_method(method, ("GET", "POST"))
        agreement = self.agreement
        if customer_number is None:
            raise ApiError(404, "Resource not found.")
        if method == "POST":
            number = agreement.create_contact(customer_number, payload)
            self._contact_changed(customer_number, None)
            body = agreement.render_contact(number, self.url)
            return 201, body, {"Location": body["self"]}
        records = [
            dict(c, customer={"customerNumber": customer_number})
            for c in agreement.contacts_of(customer_number)
        ]
        envelope = self._collection(
            f"/customers/{customer_number}/contacts",
            records,
            params,
            store.CONTACT_FILTERABLE,
            store.CONTACT_FILTERABLE,
            "customerContactNumber",
        )
        envelope["collection"] = [
            agreement.render_contact(r["customerContactNumber"], self.url)
            for r in envelope["collection"]
        ]
        return 200, envelope, {}

    def _contact(self, method, customer_number, number, payload):
        self._check_method(method, ("GET", "PUT", "DELETE"))
        agreement = self.agreement
        if customer_number is None or number is None:
            raise ApiError(404, "Resource not found.")
        if method == "GET":
            agreement.get_contact(customer_number, number)
        elif method == "PUT":
            agreement.put_contact(customer_number, number, payload)
            self._contact_changed(customer_number, None)
        else:
            agreement.delete_contact(customer_number, number)
            self._contact_changed(customer_number, None)
            return 204, None, {}
        return 200, agreement.render_contact(number, self.url), {}

    def _reference(self, head, rest, params):
        key, render = _REFERENCE[head]
        records = render(self.url)
        if rest:
            wanted = rest[0] if head == "currencies" else _number(rest[0])
            for record in records:
                if record[key] == wanted:
                    return 200, record, {}
            raise ApiError(404, "Resource not found.")
        envelope = self._collection(
            f"/{head}", records, params, (key, "name"), (key, "name"), key
        )
        return 200, envelope, {}

    def _collection(self, path, records, params, filterable, sortable, default_sort):
        skip, size = query.paging(params)
        tree = query.parse_filter(params.get("filter"), filterable)
        chosen = [r for r in records if query.matches(tree, r)]
        query.sort_records(chosen, default_sort, (default_sort,))
        query.sort_records(chosen, params.get("sort"), sortable)
        last = max(0, math.ceil(len(chosen) / size) - 1)
        extra = "".join(
            f"&{k}={quote(params[k], safe='')}"
            for k in ("filter", "sort")
            if params.get(k)
        )

        def link(page):
            if self.link_style == "pagesize-first":  # as a 2026 capture has it
                return f"{self.url}{path}?pagesize={size}&skippages={page}{extra}"
            return f"{self.url}{path}?skippages={page}&pagesize={size}{extra}"

        pagination = {
            "maxPageSizeAllowed": 1000,
            "skipPages": skip,
            "pageSize": size,
            "results": len(chosen),
            "resultsWithoutFilter": len(records),
            "firstPage": link(0),
        }
        if skip > 0:
            pagination["previousPage"] = link(min(skip - 1, last))
        if skip < last:
            pagination["nextPage"] = link(skip + 1)
        pagination["lastPage"] = link(last)
        return {
            "collection": chosen[skip * size : (skip + 1) * size],
            "pagination": pagination,
            "self": link(skip),
        }

    def _route_openapi(self, method, path, params):
        if self.openapi_status:
            status = self.openapi_status
            raise _OpenApiError(status, _error(status, _REASONS.get(status, ""), True))
        if method != "GET" or not path.startswith(f"{OPENAPI_PREFIX}/Contacts"):
            raise _OpenApiError(404, _error(404, "Resource not found.", True))
        agreement = self.agreement
        fields = ("number", "customerNumber", "name", "email", "lastUpdated")
        try:
            tree = query.parse_filter(params.get("filter"), fields)
        except query.QueryError as exc:
            body = _error(400, exc.message, True)
            body["errorCode"] = "BadFilterRequest"
            raise _OpenApiError(400, body) from exc
        numbers = sorted(
            n
            for n in agreement.contacts
            if query.matches(tree, agreement.render_openapi_contact(n))
        )
        if path.endswith("/count"):
            return 200, len(numbers), {}
        cursor = params.get("cursor") or ""
        if cursor and not cursor.isdigit():
            raise _OpenApiError(400, _error(400, "Invalid cursor.", True))
        after = int(cursor or 0)
        page = [n for n in numbers if n > after][: self.cursor_page_size]
        body = {"items": [agreement.render_openapi_contact(n) for n in page]}
        if page and page[-1] != numbers[-1]:
            body["cursor"] = str(page[-1])
        return 200, body, {}


class _OpenApiError(ApiError):
    def __init__(self, status, body):
        Exception.__init__(self, body.get("title"))
        self.status = status
        self.body = body


_REASONS = {
    401: "Unauthorized access.",
    403: "Access forbidden.",
    404: "Resource not found.",
    429: "Too many requests. You are over your quota; check the response headers.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
}


def _error(status, message, openapi):
    if not openapi:
        return store.error_body(status, message)
    return {
        "type": "https://tools.ietf.org/html/rfc9110",
        "title": message,
        "status": status,
        "detail": message,
        "errors": [],
        "traceId": uuid.uuid4().hex[:16] + "-CPH",
        "traceTimeUtc": store.now()[:-1],
        "errorCode": {
            401: "Unauthorized",
            403: "Forbidden",
            404: "ResourceNotFound",
        }.get(status, "Error"),
    }


def _number(text):
    return int(text) if text.isdigit() else None


_REFERENCE = {
    "customer-groups": ("customerGroupNumber", data.render_groups),
    "payment-terms": ("paymentTermsNumber", data.render_terms),
    "vat-zones": ("vatZoneNumber", data.render_zones),
    "currencies": ("code", data.render_currencies),
}
