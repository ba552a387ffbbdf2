# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The e-conomic backend: one record per e-conomic agreement (docs/ECONOMIC.md).

It holds the access (two tokens, readable and writable by Settings
administrators only), the switch "Integration enabled", the push policy, the
defaults e-conomic requires on every new customer (chosen among the reference
data fetched from e-conomic: ``crm.sync.economic.option``), the webhook URL and
the sync status. ``_crm_sync_economic_client()`` is the one place that builds
the HTTP client (``utils/economic_client.py``); every e-conomic error becomes a
clear, translated message through ``_crm_sync_economic_error_message(exc)``.
"""

import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..utils import economic_client as ec
from ..utils.economic_mapping import country_code

TOKEN_FIELDS = ("app_secret_token", "agreement_grant_token")
OPTION_KINDS = [
    ("customer_group", "Customer Group"),
    ("payment_terms", "Payment Terms"),
    ("vat_zone", "VAT Zone"),
]
WEBHOOK_ROUTE = "/crm_sync/economic/webhook/"
WEBHOOK_QUERY = "?old=[OLDNUMBER]&new=[NEWNUMBER]"
MANAGER_GROUP = "crm_sync.crm_sync_group_manager"


class CrmSyncEconomicOption(models.Model):
    """Reference data of one agreement (customer groups, payment terms, VAT
    zones), fetched from e-conomic so that the backend's defaults are chosen by
    name."""

    _name = "crm.sync.economic.option"
    _description = "e-conomic Reference Data"
    _order = "backend_id, kind, number"

    backend_id = fields.Many2one(
        "crm.sync.economic.backend", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(OPTION_KINDS, required=True)
    number = fields.Integer(required=True, help="Its number in e-conomic.")
    name = fields.Char(required=True)
    active = fields.Boolean(
        default=True, help="Unticked when e-conomic no longer lists it."
    )

    _sql_constraints = [
        (
            "crm_sync_economic_option_uniq",
            "UNIQUE(backend_id, kind, number)",
            "This e-conomic reference is already listed for this backend.",
        ),
    ]

    @api.depends("name", "number")
    def _compute_display_name(self):
        for option in self:
            option.display_name = f"{option.name} ({option.number})"


class CrmSyncEconomicBackend(models.Model):
    _name = "crm.sync.economic.backend"
    _description = "e-conomic Backend"
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------

    name = fields.Char(required=True, default="e-conomic")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    api_url = fields.Char(
        string="REST API URL",
        required=True,
        default="https://restapi.e-conomic.com",
        help="e-conomic's REST API; another URL for a test or fake server.",
    )
    openapi_url = fields.Char(
        string="OpenAPI URL",
        required=True,
        default="https://apis.e-conomic.com",
        help="e-conomic's newer OpenAPI services (bulk contacts).",
    )
    app_secret_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="X-AppSecretToken: identifies the app. Settings administrators only.",
    )
    agreement_grant_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="X-AgreementGrantToken: the agreement's grant to the app. Settings "
        "administrators only.",
    )
    enabled = fields.Boolean(
        string="Integration Enabled",
        copy=False,
        help="When off, nothing flows in either direction: changes wait, webhooks "
        "are stored and processed once it is on again.",
    )
    push_policy = fields.Selection(
        [
            ("on_create", "When created in the CRM"),
            ("on_active", "Once it is an active customer"),
        ],
        string="New Customers Go to e-conomic",
        required=True,
        default="on_active",
        help="Active customer: a won opportunity, a customer rank above 0 (sales "
        "installed), or a user pressing Create in e-conomic. Linked customers "
        "are always kept in sync.",
    )
    option_ids = fields.One2many("crm.sync.economic.option", "backend_id")
    customer_group_id = fields.Many2one(
        "crm.sync.economic.option",
        string="Customer Group",
        domain="[('backend_id', '=', id), ('kind', '=', 'customer_group')]",
        help="Customer group of the customers the CRM creates in e-conomic.",
    )
    payment_terms_id = fields.Many2one(
        "crm.sync.economic.option",
        string="Payment Terms",
        domain="[('backend_id', '=', id), ('kind', '=', 'payment_terms')]",
    )
    vat_zone_id = fields.Many2one(
        "crm.sync.economic.option",
        string="VAT Zone",
        domain="[('backend_id', '=', id), ('kind', '=', 'vat_zone')]",
    )
    customer_group_number = fields.Integer(
        related="customer_group_id.number", string="Customer Group Number"
    )
    payment_terms_number = fields.Integer(
        related="payment_terms_id.number", string="Payment Terms Number"
    )
    vat_zone_number = fields.Integer(
        related="vat_zone_id.number", string="VAT Zone Number"
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the customers the CRM creates in e-conomic.",
    )
    webhook_secret = fields.Char(
        groups=MANAGER_GROUP,
        copy=False,
        index=True,
        default=lambda self: secrets.token_urlsafe(32),
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups=MANAGER_GROUP,
        help='Paste it into e-conomic\'s "Customer updated" webhook (All settings '
        "› Extensions › Web hooks), as it is.",
    )
    agreement_number = fields.Integer(readonly=True, copy=False)
    agreement_name = fields.Char(string="e-conomic Company", readonly=True, copy=False)
    last_sync = fields.Datetime(readonly=True, copy=False)
    last_poll = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    customer_link_ids = fields.One2many(
        "crm.sync.economic.customer", "backend_id", string="Customer Links"
    )
    customer_count = fields.Integer(
        string="Linked Customers", compute="_compute_counts"
    )
    error_count = fields.Integer(string="Links in Error", compute="_compute_counts")
    waiting_count = fields.Integer(
        string="Waiting to Be Sent", compute="_compute_counts"
    )
    pending_event_count = fields.Integer(
        string="Pending Events", compute="_compute_counts"
    )
    mapping_html = fields.Html(
        string="Field Mapping", compute="_compute_mapping_html", sanitize=True
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------

    @api.depends("webhook_secret")
    def _compute_webhook_url(self):
        for backend in self:
            if not backend.webhook_secret or not backend.id:
                backend.webhook_url = False
                continue
            backend.webhook_url = "".join(
                (
                    backend.get_base_url(),
                    WEBHOOK_ROUTE,
                    backend.webhook_secret,
                    WEBHOOK_QUERY,
                )
            )

    def _compute_counts(self):
        Link = self.env["crm.sync.economic.customer"]
        groups = Link._read_group(
            [("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"]
        )
        counts = {}
        for backend, state, count in groups:
            counts.setdefault(backend.id, {})[state] = count
        events = self._crm_sync_economic_pending_event_counts()
        for backend in self:
            mine = counts.get(backend.id, {})
            backend.customer_count = sum(mine.values()) - mine.get("to_create", 0)
            backend.error_count = mine.get("error", 0)
            backend.waiting_count = mine.get("pending", 0) + mine.get("to_create", 0)
            backend.pending_event_count = events.get(backend.id, 0)

    def _crm_sync_economic_pending_event_counts(self):
        """``{backend id: events waiting}``; the webhook events model extends it."""
        return {}

    def _compute_mapping_html(self):
        html = self.env["crm.sync.economic.customer"]._crm_sync_economic_mapping_html()
        for backend in self:
            backend.mapping_html = html

    # ------------------------------------------------------------------
    # ORM: tokens are for Settings administrators only
    # ------------------------------------------------------------------

    def _crm_sync_check_token_access(self, vals):
        if self.env.su or not any(fname in vals for fname in TOKEN_FIELDS):
            return
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._(
                    "Only Settings administrators may set the e-conomic access tokens."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._crm_sync_check_token_access(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_sync_check_token_access(vals)
        enabling = self.filtered(lambda b: not b.enabled) if vals.get("enabled") else ()
        res = super().write(vals)
        if enabling:
            enabling._crm_sync_economic_resume_pushes()
        return res

    def _crm_sync_economic_resume_pushes(self):
        """The integration is on again: send what waited while it was off."""
        for model in ("crm.sync.economic.customer", "crm.sync.economic.contact"):
            # sudo: technical bookkeeping of the links, no user data returned
            links = (
                self.env[model]
                .sudo()
                .search([("backend_id", "in", self.ids), ("needs_push", "=", True)])
            )
            links._crm_sync_queue_push()

    @api.model
    def _neutralize(self):
        """Database copies (staging, tests) never talk to the real e-conomic:
        tokens wiped, integration off. ``data/neutralize.sql`` does the same
        when Odoo neutralises a database."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_sync_economic_backend SET app_secret_token = NULL,"
            " agreement_grant_token = NULL, enabled = FALSE"
        )
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # Client and errors
    # ------------------------------------------------------------------

    def _crm_sync_economic_client(self, timeout=None, max_retries=None):
        """The HTTP client of this agreement (``utils/economic_client.py``).
        A user waiting for the answer gets a short ``timeout`` and few
        ``max_retries``; background jobs the client's defaults."""
        self.ensure_one()
        # sudo: the tokens are read for the request only, never returned
        backend = self.sudo()
        if not (backend.app_secret_token and backend.agreement_grant_token):
            raise UserError(
                self.env._(
                    "Enter the App Secret Token and the Agreement Grant Token of "
                    "the e-conomic backend %(name)s first.",
                    name=self.display_name,
                )
            )
        kwargs = {"openapi_url": backend.openapi_url}
        if timeout:
            kwargs["timeout"] = timeout
        if max_retries is not None:
            kwargs["max_retries"] = max_retries
        return ec.EconomicClient(
            backend.api_url.rstrip("/"),
            backend.app_secret_token,
            backend.agreement_grant_token,
            **kwargs,
        )

    def _crm_sync_economic_error_message(self, exc):
        """A clear, translated message for any error of the client."""
        name = self.display_name or "e-conomic"
        if isinstance(exc, ec.EconomicAuthError):
            return self.env._(
                "e-conomic refused the access of backend %(name)s: check its App "
                "Secret Token and Agreement Grant Token, and that the app may use "
                "customers. (%(detail)s)",
                name=name,
                detail=exc.describe(),
            )
        if isinstance(exc, ec.EconomicNotFound):
            return self.env._(
                "e-conomic does not know this record (it was deleted or renumbered "
                "there): %(detail)s",
                detail=exc.describe(),
            )
        if isinstance(exc, ec.EconomicUnavailable):
            return self.env._(
                "e-conomic could not be reached at %(url)s (%(detail)s). Try again "
                "later: changes waiting to be sent are retried automatically.",
                url=self.api_url,
                detail=exc.describe(),
            )
        if isinstance(exc, ec.EconomicError):
            return self.env._(
                "e-conomic refused the request: %(detail)s", detail=exc.describe()
            )
        return self.env._(
            "e-conomic sync failed: %(detail)s", detail=str(exc) or type(exc).__name__
        )

    def _crm_sync_economic_user_error(self, exc):
        return UserError(self._crm_sync_economic_error_message(exc))

    def _crm_sync_economic_interactive_client(self):
        """For a user waiting for the answer: 15 s, one retry."""
        return self._crm_sync_economic_client(timeout=15, max_retries=1)

    def _crm_sync_economic_call(self, method, *args, **kwargs):
        """``client.<method>(*args, **kwargs)`` for a user waiting for the
        answer; client errors become UserError."""
        with self._crm_sync_economic_interactive_client() as client:
            try:
                return getattr(client, method)(*args, **kwargs)
            except ec.EconomicError as exc:
                raise self._crm_sync_economic_user_error(exc) from exc

    def _crm_sync_economic_check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                self.env._("Only CRM Sync managers may configure e-conomic backends.")
            )

    # ------------------------------------------------------------------
    # Public API (XML-RPC) and buttons
    # ------------------------------------------------------------------

    def crm_sync_economic_test(self):
        """GET /self: ``{"agreementNumber": int, "companyName": str}``."""
        self.ensure_one()
        self._crm_sync_economic_check_manager()
        self.check_access("write")
        info = self._crm_sync_economic_call("get_self")
        result = {
            "agreementNumber": info.get("agreementNumber") or 0,
            "companyName": (info.get("company") or {}).get("name") or "",
        }
        self.write(
            {
                "agreement_number": result["agreementNumber"],
                "agreement_name": result["companyName"],
            }
        )
        return result

    def action_crm_sync_economic_test(self):
        result = self.crm_sync_economic_test()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Connection to e-conomic works"),
                "message": self.env._(
                    "Agreement %(number)s: %(company)s",
                    number=result["agreementNumber"],
                    company=result["companyName"],
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_crm_sync_economic_regenerate_secret(self):
        """A new webhook secret: the old URL stops working at once."""
        self._crm_sync_economic_check_manager()
        for backend in self:
            backend.webhook_secret = secrets.token_urlsafe(32)
        return True

    def action_crm_sync_economic_fetch_options(self):
        """Fetch customer groups, payment terms and VAT zones from e-conomic."""
        self._crm_sync_economic_check_manager()
        for backend in self:
            backend._crm_sync_economic_store_options(
                {
                    "customer_group": backend._crm_sync_economic_call(
                        "customer_groups"
                    ),
                    "payment_terms": backend._crm_sync_economic_call("payment_terms"),
                    "vat_zone": backend._crm_sync_economic_call("vat_zones"),
                }
            )
        return True

    def _crm_sync_economic_store_options(self, rows_by_kind):
        """Upsert the options; those e-conomic no longer lists are archived;
        empty defaults take the first option."""
        self.ensure_one()
        Option = self.env["crm.sync.economic.option"].with_context(active_test=False)
        number_keys = {
            "customer_group": "customerGroupNumber",
            "payment_terms": "paymentTermsNumber",
            "vat_zone": "vatZoneNumber",
        }
        for kind, rows in rows_by_kind.items():
            existing = Option.search(
                [("backend_id", "=", self.id), ("kind", "=", kind)]
            )
            by_number = {option.number: option for option in existing}
            seen = Option
            for row in rows:
                number = row.get(number_keys[kind])
                vals = {"name": row.get("name") or str(number), "active": True}
                option = by_number.get(number)
                if option:
                    option.write(vals)
                else:
                    option = Option.create(
                        {**vals, "backend_id": self.id, "kind": kind, "number": number}
                    )
                seen |= option
            (existing - seen).write({"active": False})
            field = f"{kind}_id"
            if not self[field] and seen:
                self[field] = seen.sorted("number")[:1]

    # ------------------------------------------------------------------
    # Business: what the links need
    # ------------------------------------------------------------------

    def _crm_sync_economic_new_customer_body(self, partner):
        """The fields e-conomic requires on every new customer, from the
        backend's defaults; a clear error names a missing one."""
        self.ensure_one()
        missing = [
            self._fields[fname].get_description(self.env)["string"]
            for fname in ("customer_group_id", "payment_terms_id", "vat_zone_id")
            if not self[fname]
        ]
        if missing:
            raise UserError(
                self.env._(
                    "%(partner)s cannot be created in e-conomic: set %(fields)s on "
                    "the e-conomic backend %(backend)s (Fetch from e-conomic lists "
                    "them).",
                    partner=partner.display_name,
                    fields=", ".join(missing),
                    backend=self.display_name,
                )
            )
        return {
            "currency": self.currency_id.name,
            "customerGroup": {"customerGroupNumber": self.customer_group_id.number},
            "paymentTerms": {"paymentTermsNumber": self.payment_terms_id.number},
            "vatZone": {"vatZoneNumber": self.vat_zone_id.number},
        }

    def _crm_sync_economic_country_id(self, text):
        """The res.country id for e-conomic's free-text country, or False."""
        code = country_code(text) if text else None
        if not code:
            return False
        return self.env["res.country"].search([("code", "=", code)], limit=1).id

    def _crm_sync_economic_note(self, vals):
        """Status fields (last sync, last error) written by background work:
        skipped when another transaction holds the backend's row, so that a
        push never waits for (or deadlocks with) the incoming sync."""
        # sudo: status bookkeeping, whoever's work caused it
        backend = self.sudo()
        if backend._crm_sync_lock_rows(nowait=True):
            backend.write(vals)

    @api.model
    def _crm_sync_economic_backends_for(self, partner):
        """The enabled backends of the partner's company (its own, else the
        current one)."""
        company = partner.company_id or self.env.company
        # sudo: which backends exist is not secret, their tokens stay unread
        return self.sudo().search(
            [("enabled", "=", True), ("company_id", "=", company.id)]
        )
