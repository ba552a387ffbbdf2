# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic client: plain Python over ``requests``, no Odoo import.

It speaks e-conomic's "Legacy REST" API (``restapi.e-conomic.com``) for
customers, contacts and reference data, and the OpenAPI Customers service
(``apis.e-conomic.com/customersapi/v3.1.0``) only to read every contact in bulk.
The facts it relies on are in the project's e-conomic reference (economic.md):

* both token headers and JSON on every call, and a timeout on every call;
* collections are paged with ``skippages``/``pagesize`` (at most 1000): the
  client follows ``pagination.nextPage`` exactly as the server gave it;
* ``filter`` values are escaped (``$`` ``(`` ``)`` ``*`` ``,``);
* PUT replaces the whole document, so ``update_*`` read, modify and write:
  fields the CRM does not manage (salesPerson, layout, attention...) survive;
* every create carries the caller's ``Idempotency-Key``: a retried POST never
  creates twice;
* 429 and 5xx are retried within a bound, honouring ``Retry-After``; the
  ``X-RateLimiting`` header slows the client down before the token bucket is
  empty, so a bulk run spreads its calls instead of failing.
"""

import datetime
import email.utils
import logging
import re
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

_logger = logging.getLogger(__name__)

#: Largest page e-conomic accepts.
MAX_PAGE_SIZE = 1000
#: Path of the OpenAPI contacts cursor, below ``openapi_url``.
OPENAPI_CONTACTS_PATH = "/customersapi/v3.1.0/Contacts"
#: Properties e-conomic computes: never sent back in a PUT.
READ_ONLY_CUSTOMER_KEYS = frozenset(
    {
        "balance",
        "dueAmount",
        "lastUpdated",
        "contacts",
        "deliveryLocations",
        "templates",
        "totals",
        "invoices",
        "metaData",
        "self",
        # Only writable through PATCH; a PUT ignores it.
        "eInvoicingDisabledByDefault",
    }
)
#: Customer properties that reference a contact (``{customerContactNumber,
#: self}`` when written; a read adds ``customer``).
CONTACT_REFERENCES = ("attention", "customerContact")
READ_ONLY_CONTACT_KEYS = frozenset({"self", "deleted", "metaData", "sortKey"})
_RATE_RE = re.compile(r"token-limit-(\d+)-per-(\d+)-seconds:\s*(\d+)\s*/\s*(\d+)")
_FILTER_ESCAPES = str.maketrans({"$": "$$", "(": "$(", ")": "$)", "*": "$*", ",": "$,"})


class EconomicError(Exception):
    """An e-conomic call failed; ``describe()`` says why in one line."""

    def __init__(
        self, message, status=None, field_errors=None, error_code=None, body=None
    ):
        super().__init__(message)
        self.status = status
        self.message = message or ""
        #: ``{field: [message, ...]}``; nested fields are dotted
        #: (``customerGroup.customerGroupNumber``).
        self.field_errors = field_errors or {}
        self.error_code = error_code
        self.body = body

    def describe(self):
        """The message naming the refused field(s), e.g. "Property vatZone
        is required", or the general message when no field is named."""
        parts = []
        for field, messages in self.field_errors.items():
            for message in messages or [""]:
                if message and field.split(".")[0] in message:
                    parts.append(message.rstrip("."))
                else:
                    parts.append(f"{field}: {message}".rstrip(": ."))
        if parts:
            return "; ".join(dict.fromkeys(parts))
        return self.message or f"HTTP {self.status}"

    def __str__(self):
        return self.describe()


class EconomicAuthError(EconomicError):
    """401/403: missing, wrong or revoked tokens, or a role not granted."""


class EconomicNotFound(EconomicError):
    """404: the resource does not exist (or no longer exists)."""


class EconomicUnavailable(EconomicError):
    """Network error, 5xx or 429 still failing after the retry bound."""


def escape_filter_value(value):
    """Escape one filter value (economic.md §2): ``$ ( ) * ,`` are prefixed
    with ``$``. ``[`` and ``]`` are sent raw (live servers ignore ``$[``)."""
    if value is None:
        return "$null:"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).translate(_FILTER_ESCAPES)


def filter_clause(field, operator, value):
    """One predicate, e.g. ``filter_clause("name", "like", "A/S (DK)")``.

    ``value`` may be a list for ``in``/``nin`` (numbers only on e-conomic).
    """
    if operator in ("in", "nin"):
        items = ",".join(escape_filter_value(item) for item in value)
        return f"{field}${operator}:[{items}]"
    return f"{field}${operator}:{escape_filter_value(value)}"


def filter_and(*clauses):
    """Join predicates with ``$and:`` (empty clauses are skipped)."""
    return "$and:".join(clause for clause in clauses if clause)


def filter_or(*clauses):
    """Join predicates with ``$or:``, grouped in parentheses."""
    clauses = [clause for clause in clauses if clause]
    if len(clauses) < 2:
        return "".join(clauses)
    return "(" + "$or:".join(clauses) + ")"


def parse_rate_limiting(header):
    """``"token-limit-10000-per-60-seconds: 147/10000"`` -> ``(147, 10000, 60)``,
    or ``None`` when absent or unreadable."""
    match = _RATE_RE.search(header or "")
    if not match:
        return None
    return int(match.group(3)), int(match.group(4)), int(match.group(2))


def parse_retry_after(value, now=None):
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or
    None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def error_from_response(status, body, text=""):
    """Build the EconomicError subclass for an e-conomic error answer.

    Understands the Legacy REST body (``message``, ``errors`` annotated as
    ``{field: {"errors": [{message, errorCode}]}}`` or a list of strings,
    ``errorCode``) and the OpenAPI problem body (``title``, ``detail``,
    ``errors: [{property, message, errorCode}]``).
    """
    body = body if isinstance(body, dict) else {}
    message = body.get("message") or body.get("title") or (text or "")[:300]
    field_errors = {}
    general = []
    errors = body.get("errors")
    if isinstance(errors, dict):
        _collect_field_errors(errors, "", field_errors)
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict) and (item.get("property") or item.get("field")):
                field = item.get("property") or item.get("field")
                field_errors.setdefault(field, []).append(_error_text(item))
            elif item:
                general.append(item if isinstance(item, str) else _error_text(item))
    if body.get("detail") and body.get("detail") != message:
        general.append(body["detail"])
    if general:
        message = " ".join([message.rstrip(".") + ":" if message else ""] + general)
        message = message.strip()
    error_code = body.get("errorCode")
    cls = EconomicError
    if status in (401, 403):
        cls = EconomicAuthError
    elif status == 404:
        cls = EconomicNotFound
    elif status == 429 or (status or 0) >= 500:
        cls = EconomicUnavailable
    return cls(
        message or f"HTTP {status}",
        status=status,
        field_errors=field_errors,
        error_code=error_code,
        body=body or text,
    )


def _error_text(item):
    return str(
        item.get("message") or item.get("errorMessage") or item.get("errorCode") or ""
    )


def _collect_field_errors(errors, prefix, result):
    """Walk an annotated error tree (it mirrors the request payload)."""
    for key, node in errors.items():
        if not isinstance(node, dict):
            continue
        field = f"{prefix}{key}"
        items = node.get("errors")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    name = item.get("propertyName") or field
                    result.setdefault(name, []).append(_error_text(item))
        nested = {k: v for k, v in node.items() if k != "errors"}
        _collect_field_errors(nested, f"{field}.", result)


def merge_record(current, changes, read_only):
    """The full body for a PUT: ``current`` without its read-only keys, with
    ``changes`` applied. An empty change (None, False, "") removes the key,
    because e-conomic rejects explicit nulls and clears omitted properties.
    Contact references lose their read-only ``customer`` part."""
    body = {k: v for k, v in current.items() if k not in read_only}
    for key in CONTACT_REFERENCES:
        if isinstance(body.get(key), dict):
            body[key] = {k: v for k, v in body[key].items() if k != "customer"}
    for key, value in changes.items():
        if value is None or value is False or value == "":
            body.pop(key, None)
        else:
            body[key] = value
    return body


class EconomicClient:
    """One agreement's connection. Not thread-safe: one client per job."""

    #: Slow down once this share of the token bucket is used.
    soft_limit = 0.8
    #: Longest single wait (seconds), whatever the server asks for.
    max_wait = 120.0
    #: First backoff step (seconds) when the server gives no hint.
    backoff = 1.0

    def __init__(
        self,
        api_url,
        app_secret_token,
        agreement_grant_token,
        openapi_url=None,
        timeout=20,
        max_retries=5,
        session=None,
        sleep=time.sleep,
    ):
        self.api_url = (api_url or "").rstrip("/")
        self.openapi_url = (openapi_url or "").rstrip("/") or None
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.session = session or requests.Session()
        self.headers = {
            "X-AppSecretToken": app_secret_token or "",
            "X-AgreementGrantToken": agreement_grant_token or "",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        #: HTTP requests sent, retries included.
        self.calls = 0
        #: Seconds spent waiting (backoff and pacing), for tests and bench.
        self.waited = 0.0
        #: ``(used, limit, window)`` from the last X-RateLimiting header.
        self.rate = None
        #: Headers of the last response (X-RequestId, X-ResultFromCache...).
        self.last_headers = {}

    def close(self):
        """Close the HTTP connections (the client can still be used)."""
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- transport ---------------------------------------------------------

    def _url(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.api_url}{path}"

    def _wait(self, seconds):
        seconds = min(max(seconds, 0.0), self.max_wait)
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    def _pace(self):
        """Wait before the bucket is empty: above the soft limit, for as long
        as the bucket needs to drain back to it."""
        if not self.rate:
            return
        used, limit, window = self.rate
        soft = limit * self.soft_limit
        if limit and window and used > soft:
            self._wait((used - soft) * window / limit)

    def _retry_delay(self, response, attempt):
        """Seconds to wait before retrying ``response`` (None: network error)."""
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                return retry_after
            if response.status_code == 429 and self.rate:
                used, limit, window = self.rate
                # Until the bucket has room again, at least one backoff step.
                refill = (used - limit * self.soft_limit) * window / max(limit, 1)
                return max(refill, self.backoff * 2**attempt)
        return self.backoff * 2**attempt

    def request(self, method, path, json_body=None, params=None, headers=None):
        """Send one call with retries; return ``(status, body, headers)``.

        GET, PUT and DELETE are retried; a POST only when it carries an
        ``Idempotency-Key`` (a replay then answers the cached result).
        """
        url = self._url(path)
        all_headers = dict(self.headers, **(headers or {}))
        retriable = method != "POST" or "Idempotency-Key" in all_headers
        attempt = 0
        while True:
            self._pace()
            self.calls += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json_body,
                    params=params,
                    headers=all_headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                if not retriable or attempt >= self.max_retries:
                    raise EconomicUnavailable(
                        f"e-conomic cannot be reached ({exc.__class__.__name__}: {exc})"
                    ) from exc
                _logger.info("e-conomic %s %s: %s, retrying", method, url, exc)
                self._wait(self._retry_delay(None, attempt))
                attempt += 1
                continue
            self.last_headers = response.headers
            self.rate = parse_rate_limiting(response.headers.get("X-RateLimiting"))
            status = response.status_code
            if (status == 429 or status >= 500) and retriable:
                if attempt < self.max_retries:
                    delay = self._retry_delay(response, attempt)
                    _logger.info(
                        "e-conomic %s %s answered %s, retry in %.1f s",
                        method,
                        url,
                        status,
                        delay,
                    )
                    self._wait(delay)
                    attempt += 1
                    continue
            return self._result(response)

    def _result(self, response):
        status = response.status_code
        body = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        if status >= 400:
            raise error_from_response(status, body, response.text)
        return status, body, response.headers

    def _get(self, path, params=None):
        return self.request("GET", path, params=params)[1]

    def _collection(self, path, params=None):
        """Every item of a collection, following ``nextPage``."""
        items = []
        for _page, page_items, _next in self._pages(path, params):
            items.extend(page_items)
        return items

    def _pages(self, path, params=None, page=0, pagesize=MAX_PAGE_SIZE):
        """Yield ``(page_index, items, has_next)`` from ``page`` on."""
        query = {"skippages": page, "pagesize": pagesize}
        query.update({k: v for k, v in (params or {}).items() if v})
        url = self._url(path) + "?" + urlencode(query)
        index = page
        while url:
            body = self.request("GET", url)[1] or {}
            items = body.get("collection") or []
            next_url = (body.get("pagination") or {}).get("nextPage")
            if not items:
                next_url = None
            yield index, items, bool(next_url)
            if next_url:
                index = _skippages(next_url, index + 1)
            url = next_url

    # -- reference data ----------------------------------------------------

    def get_self(self):
        """GET /self: agreementNumber, company{name}... (the token check)."""
        return self._get("/self")

    def customer_groups(self):
        return self._collection("/customer-groups")

    def payment_terms(self):
        return self._collection("/payment-terms")

    def vat_zones(self):
        return self._collection("/vat-zones")

    def currencies(self):
        return self._collection("/currencies")

    # -- customers ---------------------------------------------------------

    def iter_customers(
        self, filter=None, page=0, pagesize=MAX_PAGE_SIZE, sort="customerNumber"
    ):
        """Yield ``(page_index, customers, has_next)`` from page ``page`` on,
        following the server's ``nextPage`` links. Sorted by number by
        default, so that a resumed run sees the same pages."""
        params = {"filter": filter, "sort": sort}
        yield from self._pages("/customers", params, page=page, pagesize=pagesize)

    def customers_page(
        self, page=0, pagesize=MAX_PAGE_SIZE, filter=None, sort="customerNumber"
    ):
        """One page: ``(customers, has_next, total)`` (total: filtered count)."""
        query = {"skippages": page, "pagesize": pagesize}
        query.update({k: v for k, v in {"filter": filter, "sort": sort}.items() if v})
        body = self._get("/customers", params=query) or {}
        pagination = body.get("pagination") or {}
        customers = body.get("collection") or []
        has_next = bool(customers and pagination.get("nextPage"))
        return customers, has_next, pagination.get("results", len(customers))

    def get_customer(self, number):
        """GET /customers/{number}; raises EconomicNotFound."""
        return self._get(f"/customers/{int(number)}")

    def create_customer(self, body, idempotency_key):
        """POST /customers; a replay of the same key returns the same customer."""
        return self.request(
            "POST",
            "/customers",
            json_body=body,
            headers={"Idempotency-Key": str(idempotency_key)},
        )[1]

    def update_customer(self, number, changes):
        """Read, modify, write: PUT the full current customer with ``changes``.

        Every field not in ``changes`` is sent back as it was read. A
        ``customerNumber`` in ``changes`` renumbers the customer.
        """
        current = self.get_customer(number)
        body = merge_record(current, changes, READ_ONLY_CUSTOMER_KEYS)
        return self.request("PUT", f"/customers/{int(number)}", json_body=body)[1]

    def delete_customer(self, number, idempotency_key=None):
        """DELETE /customers/{number} (idempotent with a key)."""
        key = str(idempotency_key or uuid.uuid4())
        self.request(
            "DELETE", f"/customers/{int(number)}", headers={"Idempotency-Key": key}
        )

    # -- contacts ----------------------------------------------------------

    def get_contacts(self, customer_number):
        """All contacts of one customer (every page)."""
        return self._collection(f"/customers/{int(customer_number)}/contacts")

    def get_contact(self, customer_number, contact_number):
        return self._get(
            f"/customers/{int(customer_number)}/contacts/{int(contact_number)}"
        )

    def create_contact(self, customer_number, body, idempotency_key):
        return self.request(
            "POST",
            f"/customers/{int(customer_number)}/contacts",
            json_body=body,
            headers={"Idempotency-Key": str(idempotency_key)},
        )[1]

    def update_contact(self, customer_number, contact_number, changes):
        """Read, modify, write one contact (PUT replaces it whole)."""
        current = self.get_contact(customer_number, contact_number)
        body = merge_record(current, changes, READ_ONLY_CONTACT_KEYS)
        body["customerContactNumber"] = int(contact_number)
        path = f"/customers/{int(customer_number)}/contacts/{int(contact_number)}"
        return self.request("PUT", path, json_body=body)[1]

    def delete_contact(self, customer_number, contact_number, idempotency_key=None):
        key = str(idempotency_key or uuid.uuid4())
        path = f"/customers/{int(customer_number)}/contacts/{int(contact_number)}"
        self.request("DELETE", path, headers={"Idempotency-Key": key})

    def iter_all_contacts(self, filter=None):
        """Yield pages (lists) of every contact of the agreement through the
        OpenAPI cursor, 1000 per call, in Legacy REST shape (see
        :func:`openapi_contact`); deleted contacts are skipped.

        Raises EconomicAuthError / EconomicNotFound when that service refuses
        (or no ``openapi_url`` is set): the caller then reads contacts per
        customer with :meth:`get_contacts`.
        """
        if not self.openapi_url:
            raise EconomicNotFound("No OpenAPI URL is configured.", status=404)
        url = self.openapi_url + OPENAPI_CONTACTS_PATH
        cursor = None
        while True:
            params = {
                k: v for k, v in {"cursor": cursor, "filter": filter}.items() if v
            }
            body = self.request("GET", url, params=params)[1] or {}
            items = body.get("items") or []
            yield [openapi_contact(item) for item in items if not item.get("isDeleted")]
            cursor = body.get("cursor")
            if not cursor or not items:
                return


def openapi_contact(item):
    """An OpenAPI Contact in Legacy REST shape (``customerContactNumber``,
    ``customer.customerNumber``, ``sortKey``), its own keys kept too."""
    contact = dict(item)
    contact["customerContactNumber"] = item.get("number")
    contact["customer"] = {"customerNumber": item.get("customerNumber")}
    if item.get("userInterfaceNumber") is not None:
        contact["sortKey"] = item["userInterfaceNumber"]
    return contact


def _skippages(url, default):
    """The ``skippages`` of a page link, parsed (links are never rebuilt)."""
    values = parse_qs(urlsplit(url).query).get("skippages")
    try:
        return int(values[0])
    except (TypeError, ValueError, IndexError):
        return default
