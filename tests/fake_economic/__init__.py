# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A faithful fake e-conomic server (pure Python, no Odoo import).

``FakeEconomic`` (server.py) serves Legacy REST (customers, contacts, /self,
reference data) and the OpenAPI Contacts cursor on one loopback port, with
auth, paging links, filters, sort, validation, PUT as full replace and upsert,
renumbering, Idempotency-Key replay, a token bucket with 429s, latency, a
"die after N requests" switch, request counters and a webhook emitter.
"""

from .server import FakeEconomic
from .query import QueryError
