# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic "Customer updated" webhook route.

``POST /crm_sync/economic/webhook/<secret>``: e-conomic signs nothing, so the
unguessable secret of the backend's webhook URL is the authentication (compared
in constant time with every backend's). The customer numbers come from the
query string (``old``, ``new``), or a JSON or form body (``oldNumber`` /
``newNumber`` or ``old`` / ``new``). The handler only stores an event row and
answers at once: no e-conomic call, no partner write (the event cron does the
work after the request commits). Events are stored whether the integration is
enabled or not; they are processed once it is.
"""

import hmac
import json
import logging
from urllib.parse import parse_qsl

from werkzeug.exceptions import BadRequest, Forbidden, RequestEntityTooLarge

from odoo.http import Controller, request, route

_logger = logging.getLogger(__name__)

#: the largest body accepted (e-conomic sends two numbers)
MAX_BODY = 4096
MAX_NUMBER = 999999999
NUMBER_KEYS = (("oldNumber", "newNumber"), ("old", "new"), ("oldnumber", "newnumber"))


def parse_number(value, name):
    """A customer number from the request, or None when absent; BadRequest
    when not a whole number in e-conomic's range."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) <= MAX_NUMBER:
        raise BadRequest(f"{name} must be a customer number.")
    return int(text)


def parse_numbers(args, body, content_type, form=None):
    """``(old, new)`` from the query ``args``, the ``body`` (JSON or form
    encoded) or the ``form`` Werkzeug parsed already."""
    data = dict(args)
    data.update(form or {})
    if body:
        if "json" in content_type:
            try:
                payload = json.loads(body)
            except ValueError as error:
                raise BadRequest("The body is not valid JSON.") from error
            if not isinstance(payload, dict):
                raise BadRequest("The JSON body must be an object.")
            data.update(payload)
        elif "form" in content_type:
            data.update(parse_qsl(body.decode("utf-8", "replace")))
    for old_key, new_key in NUMBER_KEYS:
        new = parse_number(data.get(new_key), new_key)
        if new is not None:
            return parse_number(data.get(old_key), old_key) or new, new
    raise BadRequest("The new customer number is missing.")


class CrmSyncEconomicWebhook(Controller):
    @route(
        "/crm_sync/economic/webhook/<string:secret>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def crm_sync_economic_webhook(self, secret, **_kwargs):
        backend = self._crm_sync_economic_backend(secret)
        if not backend:
            _logger.info("e-conomic webhook: unknown secret, refused")
            raise Forbidden()
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY:
            raise RequestEntityTooLarge()
        body = httprequest.get_data(cache=True)[: MAX_BODY + 1]
        if len(body) > MAX_BODY:
            raise RequestEntityTooLarge()
        old, new = parse_numbers(
            httprequest.args,
            body,
            httprequest.mimetype or "",
            form=httprequest.form.to_dict(),
        )
        request.env["crm.sync.economic.event"].sudo()._crm_sync_store(backend, old, new)
        return request.make_json_response({"status": "ok"})

    def _crm_sync_economic_backend(self, secret):
        """The backend whose webhook secret is ``secret`` (constant-time
        comparison against each), or None."""
        # sudo: the route has no user; the secret is the authentication
        Backend = request.env["crm.sync.economic.backend"].sudo()
        found = None
        secret = (secret or "").encode()
        for backend in Backend.search_fetch([], ["webhook_secret"]):
            expected = (backend.webhook_secret or "").encode()
            if expected and hmac.compare_digest(secret, expected):
                found = backend
        return found
