# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
""" "Transfer all customers from e-conomic": a page job of the batch-job engine.

``backend.crm_sync_economic_import_all()`` (CRM Sync managers) queues one
``crm.sync.economic.import`` job and wakes its cron up: nothing runs in the
request. The job reads every contact of the agreement once per run through the
OpenAPI Contacts cursor (1000 per call), or per customer when that service
answers 401/403/404, then the customers a page of 1000 at a time; each page
goes through ``_crm_sync_economic_receive(mode="import")`` and its result lines
(created / linked / updated / unchanged / to review / failed, with the reason)
are committed with the next page's number, so a crash resumes at the last
committed page, and a second run links instead of creating again. When
e-conomic cannot be reached the job stops with the reason; importing again
resumes it. Customers left "to review" are listed with their candidates: the
manager links one or creates a new partner.
"""

import logging
import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..utils.economic_client import (
    EconomicAuthError,
    EconomicError,
    EconomicNotFound,
)

_logger = logging.getLogger(__name__)

PAGE_SIZE = 1000
STATUS_OF_JOB = {
    "queued": "queued",
    "running": "running",
    "done": "done",
    "stopped": "failed",
    "cancelled": "failed",
}
RESULTS = [
    ("created", "Created"),
    ("linked", "Linked"),
    ("updated", "Updated"),
    ("unchanged", "Unchanged"),
    ("to_review", "To Review"),
]


class CrmSyncEconomicImport(models.Model):
    _name = "crm.sync.economic.import"
    _inherit = "crm.sync.job.mixin"
    _description = "e-conomic Customer Import"
    _order = "id desc"
    _crm_sync_line_model = "crm.sync.economic.import.line"
    _crm_sync_cron_xmlid = "crm_sync.crm_sync_economic_import_cron"
    _crm_sync_job_paged = True

    name = fields.Char(default=lambda self: self.env._("Transfer from e-conomic"))
    backend_id = fields.Many2one(
        "crm.sync.economic.backend", required=True, readonly=True, ondelete="cascade"
    )
    line_ids = fields.One2many(
        "crm.sync.economic.import.line", "job_id", string="Results", readonly=True
    )
    review_only = fields.Boolean(
        readonly=True,
        help="Holds the customers webhooks and the poll could not match alone "
        "(never runs).",
    )
    page_count = fields.Integer(compute="_compute_counts", string="Pages")
    pages_done = fields.Integer(compute="_compute_counts")
    created_count = fields.Integer(compute="_compute_counts", string="Created")
    linked_count = fields.Integer(compute="_compute_counts", string="Linked")
    updated_count = fields.Integer(compute="_compute_counts", string="Updated")
    to_review_count = fields.Integer(compute="_compute_counts", string="To Review")
    failed_count = fields.Integer(compute="_compute_counts", string="Errors")

    @api.depends("line_ids.result", "resume_token", "item_total", "state")
    def _compute_counts(self):
        counts = self._crm_sync_job_result_counts()
        for job in self:
            for result in ("created", "linked", "updated", "to_review", "failed"):
                job[f"{result}_count"] = counts.get((job.id, result), 0)
            job.page_count = math.ceil(job.item_total / (job.batch_size or PAGE_SIZE))
            job.pages_done = (
                job.page_count if job.state == "done" else int(job.resume_token or 0)
            )

    def _crm_sync_status(self):
        """The dict of ``crm_sync_economic_import_status``."""
        self.ensure_one()
        return {
            "state": STATUS_OF_JOB[self.state],
            "created": self.created_count,
            "linked": self.linked_count,
            "to_review": self.to_review_count,
            "errors": self.failed_count,
            "message": self.message
            or self.env._(
                "%(done)s of %(total)s pages, %(items)s customers processed.",
                done=self.pages_done,
                total=self.page_count,
                items=self.done_count,
            ),
        }

    # ------------------------------------------------------------
    # ENGINE HOOKS (crm.sync.job.mixin)
    # ------------------------------------------------------------

    def _crm_sync_job_check_access(self):
        self.env["crm.sync.economic.backend"]._crm_sync_economic_check_manager()

    def _crm_sync_job_prepare(self):
        """Check the backend; read every contact through the OpenAPI cursor
        (``{"contacts": {customer number: [contacts]}}``), or ``None`` when
        that service refuses (contacts are then read per customer)."""
        backend = self.backend_id
        if not backend.enabled:
            raise UserError(
                self.env._(
                    "The e-conomic integration %(name)s is disabled.", name=backend.name
                )
            )
        contacts = {}
        try:
            with backend._crm_sync_economic_client() as client:
                for page in client.iter_all_contacts():
                    for contact in page:
                        customer = contact.get("customer") or {}
                        contacts.setdefault(customer.get("customerNumber"), []).append(
                            contact
                        )
        except (EconomicAuthError, EconomicNotFound) as error:
            _logger.info("e-conomic contacts cursor refused (%s): per customer", error)
            contacts = None
        except EconomicError as error:
            raise UserError(backend._crm_sync_economic_error_message(error)) from error
        return {"backend": backend, "contacts": contacts}

    def _crm_sync_job_fetch_page(self, token):
        page = int(token or 0)
        with self.backend_id._crm_sync_economic_client() as client:
            customers, has_next, total = client.customers_page(
                page, self.batch_size or PAGE_SIZE
            )
        items = [(customer["customerNumber"], customer) for customer in customers]
        return items, page + 1 if has_next else None, total

    def action_crm_sync_resume(self):
        """The job holding customers to review never runs."""
        return super(
            CrmSyncEconomicImport, self - self.filtered("review_only")
        ).action_crm_sync_resume()

    def _crm_sync_job_run(self, commit=False, deadline=None, max_batches=None):
        """e-conomic unreachable or refusing while reading a page: the job
        stops with the reason (the pages done stay done); importing again
        resumes it."""
        try:
            return super()._crm_sync_job_run(
                commit=commit, deadline=deadline, max_batches=max_batches
            )
        except EconomicError as error:
            _logger.info("e-conomic import %s stopped: %s", self.id, error)
            self.env.invalidate_all()
            self.sudo()._crm_sync_job_stop(
                self.backend_id.sudo()._crm_sync_economic_error_message(error)
            )
            return 0

    def _crm_sync_job_process(self, items, context):
        backend = context["backend"]
        customers = [customer for _number, customer in items]
        contacts = context["contacts"]
        if contacts is None:
            with backend._crm_sync_economic_client() as client:
                contacts = {n: client.get_contacts(n) for n, _customer in items}
        else:
            contacts = {n: contacts.get(n, []) for n, _customer in items}
        received = backend._crm_sync_economic_receive(
            customers, contacts, mode="import"
        )
        return {
            number: self._crm_sync_line_values(received[int(number)], customer)
            for number, customer in items
        }

    @api.model
    def _crm_sync_line_values(self, received, customer):
        result = received["result"]
        vals = {
            "result": "failed" if result == "error" else result,
            "reason": received.get("reason") or False,
            "customer_number": customer["customerNumber"],
            "customer_name": customer.get("name"),
            "partner_id": received.get("partner_id") or False,
        }
        if result == "to_review":
            vals["candidate_ids"] = [fields.Command.set(received["candidate_ids"])]
            vals["customer_data"] = customer
        return vals


class CrmSyncEconomicImportLine(models.Model):
    _name = "crm.sync.economic.import.line"
    _inherit = "crm.sync.job.line.mixin"
    _description = "e-conomic Customer Import Result"
    _order = "job_id, id"

    job_id = fields.Many2one(
        "crm.sync.economic.import", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(related="job_id.backend_id")
    result = fields.Selection(
        selection_add=RESULTS, ondelete=dict.fromkeys(dict(RESULTS), "cascade")
    )
    customer_number = fields.Integer(readonly=True)
    customer_name = fields.Char(readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Partner", readonly=True, ondelete="set null"
    )
    candidate_ids = fields.Many2many("res.partner", string="Candidates", readonly=True)
    customer_data = fields.Json(readonly=True)
    link_partner_id = fields.Many2one(
        "res.partner",
        string="Link To",
        help="To review: the partner to link this customer to.",
    )

    _sql_constraints = [
        (
            "job_item_uniq",
            "unique(job_id, item_key)",
            "A customer has one result per import.",
        )
    ]

    def write(self, vals):
        if not self.env.su and set(vals) - {"link_partner_id"}:
            raise AccessError(self.env._("Import results are written by the import."))
        return super().write(vals)

    def _crm_sync_check_review(self):
        self.env["crm.sync.economic.backend"]._crm_sync_economic_check_manager()
        for line in self:
            if line.result != "to_review" or not line.customer_data:
                raise UserError(
                    self.env._(
                        "Customer %(number)s is not waiting for a review.",
                        number=line.customer_number,
                    )
                )

    def action_crm_sync_create(self):
        """To review: create a new partner for each of these customers."""
        self._crm_sync_check_review()
        for line in self:
            received = line.backend_id._crm_sync_economic_receive_reviewed(
                line.customer_data, None
            )
            line._crm_sync_reviewed(received)
        return True

    def action_crm_sync_link(self, partner_id=None):
        """To review: link the customer to ``partner_id`` (or Link To)."""
        self._crm_sync_check_review()
        for line in self:
            partner = self.env["res.partner"].browse(
                partner_id or line.link_partner_id.id
            )
            if not partner.exists():
                raise UserError(self.env._("Choose the partner to link to."))
            partner.check_access("write")
            received = line.backend_id._crm_sync_economic_receive_reviewed(
                line.customer_data, partner
            )
            line._crm_sync_reviewed(received)
        return True

    def _crm_sync_reviewed(self, received):
        # sudo: result lines are written by the server only; checked above
        self.sudo().write(
            {
                "result": received["result"],
                "partner_id": received["partner_id"],
                "reason": received.get("reason") or False,
                "customer_data": False,
            }
        )


class CrmSyncEconomicBackend(models.Model):
    _inherit = "crm.sync.economic.backend"

    import_ids = fields.One2many(
        "crm.sync.economic.import",
        "backend_id",
        string="Imports",
        readonly=True,
        groups="crm_sync.crm_sync_group_manager",
    )

    def crm_sync_economic_import_all(self):
        """XML-RPC and the button: transfer every e-conomic customer, in the
        background (a stopped import of the backend is resumed). :return: True"""
        self._crm_sync_economic_check_manager()
        Import = self.env["crm.sync.economic.import"].sudo()  # sudo: checked above
        for backend in self:
            if not backend.enabled:
                raise UserError(
                    self.env._(
                        "Enable the e-conomic integration %(name)s first.",
                        name=backend.name,
                    )
                )
            last = Import.search(
                [("backend_id", "=", backend.id), ("review_only", "=", False)], limit=1
            )
            if last.state in ("queued", "running"):
                continue
            if last.state == "stopped":
                last.write({"state": "queued", "message": False})
            else:
                Import.create(
                    {
                        "backend_id": backend.id,
                        "user_id": self.env.uid,
                        "company_id": backend.company_id.id or self.env.company.id,
                        "allowed_company_ids": [
                            fields.Command.set(self.env.companies.ids)
                        ],
                        "batch_size": PAGE_SIZE,
                    }
                )
        self.env.ref("crm_sync.crm_sync_economic_import_cron").sudo()._trigger()
        return True

    def crm_sync_economic_import_status(self):
        """XML-RPC: the state and counts of the backend's last import."""
        self.ensure_one()
        self.check_access("read")
        # sudo: the counts of the backend's imports, readable with the backend
        last = (
            self.env["crm.sync.economic.import"]
            .sudo()
            .search(
                [("backend_id", "=", self.id), ("review_only", "=", False)], limit=1
            )
        )
        if not last:
            return {
                "state": "idle",
                "created": 0,
                "linked": 0,
                "to_review": 0,
                "errors": 0,
                "message": "",
            }
        return last._crm_sync_status()

    def action_crm_sync_economic_imports(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Transfers from e-conomic"),
            "res_model": "crm.sync.economic.import",
            "view_mode": "list,form",
            "domain": [("backend_id", "=", self.id)],
        }

    def _crm_sync_economic_review_later(self, customers, results):
        """Customers a webhook or the poll could not match alone: listed with
        the import results to review (Link / Create), in this backend's job
        "Changes from e-conomic to review" (never run: it only holds them)."""
        if not customers:
            return
        # sudo: review lines are written by the server only
        Import = self.env["crm.sync.economic.import"].sudo()
        job = Import.search(
            [("backend_id", "=", self.id), ("review_only", "=", True)], limit=1
        ) or Import.create(
            {
                "name": self.env._("Changes from e-conomic to review"),
                "backend_id": self.id,
                "user_id": self.env.uid,
                "company_id": self.company_id.id or self.env.company.id,
                "state": "done",
                "review_only": True,
            }
        )
        existing = {line.item_key: line for line in job.line_ids}
        vals_list = []
        for customer in customers:
            key = str(customer["customerNumber"])
            vals = {
                "job_id": job.id,
                "item_key": key,
                **job._crm_sync_line_values(
                    results[customer["customerNumber"]], customer
                ),
            }
            if key in existing:
                existing[key].write(vals)
            else:
                vals_list.append(vals)
        self.env["crm.sync.economic.import.line"].sudo().create(vals_list)

    def _crm_sync_economic_receive_reviewed(self, customer, partner):
        """A customer left to review: link it to ``partner`` or, without one,
        create a new partner. :return: the receive result of the customer"""
        self.ensure_one()
        number = int(customer["customerNumber"])
        if self._crm_sync_economic_lock_links([number]):
            raise UserError(
                self.env._(
                    "e-conomic customer %(number)s is linked already.", number=number
                )
            )
        remote = {number: self._crm_sync_economic_remote_values(customer)}
        if partner:
            links = self._crm_sync_economic_link_partners(
                {number: {"partner_id": partner.id}}, {number: customer}, remote
            )
            result = "linked"
        else:
            links = self._crm_sync_economic_create_partners(
                [number], {number: customer}, remote
            )
            result = "created"
        self._crm_sync_economic_note_unknown_countries(links, remote)
        return {"result": result, "partner_id": links.record_id.id, "reason": False}
