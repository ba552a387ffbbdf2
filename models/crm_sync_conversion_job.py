# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Mass lead conversion: the first user of the batch-job engine (crm_sync_job.py).

The job snapshots the leads to convert when it is created, one pending result
line each. Small jobs run at once, inside the request (no commit). Larger ones
run in the background from the cron ``crm_sync_conversion_job_cron``, which
commits after each batch: a crash loses at most the batch in progress, which
was rolled back as a whole and is converted on the next run. A lead is never
converted twice: its line gets its result in the same transaction as its
conversion, only pending lines are processed, and a batch locks its leads
before reading their state (a lead converted meanwhile by another transaction
is left for the next run, which reports it converted already).

A job runs with the rights of its user, in the companies that were selected
when it was launched (those the user still has), so jobs are read-only for
everyone: only ``_crm_sync_create_job`` creates them, after its checks, and a
run checks the user, the options and the leads again.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

#: up to this many leads, a mass conversion runs at once (no background job)
DEFAULT_SYNC_LIMIT = 200


class CrmSyncConversionJob(models.Model):
    _name = "crm.sync.conversion.job"
    _inherit = "crm.sync.job.mixin"
    _description = "CRM Sync Lead Conversion Job"
    _order = "id desc"
    _crm_sync_line_model = "crm.sync.conversion.job.line"
    _crm_sync_cron_xmlid = "crm_sync.crm_sync_conversion_job_cron"

    name = fields.Char(default=lambda self: self.env._("Lead conversion"))
    user_id = fields.Many2one(
        help="The conversion runs with this user's access rights."
    )
    domain = fields.Char(readonly=True, help="The criteria the leads were chosen by.")
    lead_ids = fields.Many2many(
        "crm.lead",
        string="Leads",
        compute="_compute_lead_ids",
        search="_search_lead_ids",
        context={"active_test": False},
    )
    # options
    create_deal = fields.Boolean(readonly=True)
    deal_values = fields.Json(readonly=True)
    attachments_target = fields.Selection(
        [("contact", "Contact"), ("account", "Account"), ("deal", "Deal")],
        readonly=True,
    )
    move_tags = fields.Boolean(readonly=True)
    owner_id = fields.Many2one("res.users", string="Owner", readonly=True)
    # results
    line_ids = fields.One2many(
        "crm.sync.conversion.job.line",
        "job_id",
        string="Results",
        readonly=True,
        domain=[("result", "!=", "pending")],
    )
    # every lead of the job, its pending lines included
    line_ids_all = fields.One2many(
        "crm.sync.conversion.job.line", "job_id", string="All Lines", readonly=True
    )
    lead_count = fields.Integer(compute="_compute_counts", string="Leads to Convert")
    processed_count = fields.Integer(compute="_compute_counts", string="Processed")
    converted_count = fields.Integer(compute="_compute_counts", string="Converted")
    merged_count = fields.Integer(compute="_compute_counts", string="Merged")
    skipped_count = fields.Integer(compute="_compute_counts", string="Skipped")
    failed_count = fields.Integer(compute="_compute_counts", string="Failed")

    @api.depends("line_ids.result")
    def _compute_counts(self):
        counts = self._crm_sync_job_result_counts()
        for job in self:
            for result in ("converted", "merged", "skipped", "failed"):
                job[f"{result}_count"] = counts.get((job.id, result), 0)
            job.lead_count = job.item_count
            job.processed_count = job.done_count

    def _compute_lead_ids(self):
        Line = self.env["crm.sync.conversion.job.line"]
        leads = {
            job.id: lead_ids
            for job, lead_ids in Line._read_group(
                [("job_id", "in", self.ids)], ["job_id"], ["lead_id:array_agg"]
            )
        }
        for job in self:
            job.lead_ids = [lead_id for lead_id in leads.get(job.id, []) if lead_id]

    def _search_lead_ids(self, operator, value):
        if operator not in ("in", "=", "any"):
            raise UserError(self.env._("Search jobs by the leads they convert."))
        return [("line_ids_all.lead_id", operator, value)]

    # ------------------------------------------------------------
    # CREATION
    # ------------------------------------------------------------

    @api.model
    def _crm_sync_create_job(self, domain, options=None, run_now=None):
        """Create the job for the leads of ``domain``; run it now if small.

        :param bool run_now: force (True) or forbid (False) running in this
            request; by default, jobs up to the ``crm_sync.mass_convert_sync_limit``
            system parameter run at once, larger ones in the background
        """
        Lead = self.env["crm.lead"]
        if not isinstance(domain, list):
            raise UserError(
                self.env._("The criteria of a mass conversion must be a domain.")
            )
        Lead._crm_sync_check_convert_access()
        options = self._crm_sync_check_job_options(Lead, options)
        leads = Lead.search(
            domain + [("type", "=", "lead"), ("crm_sync_converted", "=", False)],
            order="id",
        )
        if not leads:
            raise UserError(self.env._("No lead to convert matches these criteria."))
        # check_access evaluates record rules in Python: read only their fields,
        # not every column of thousands of leads (memory of large jobs)
        leads.with_context(prefetch_fields=False)._crm_sync_check_convert_access()
        # Jobs are read-only for their users (the cron runs a job with the
        # rights of its user_id): created here, after the checks above, only.
        job = self.sudo().create(
            {
                "user_id": self.env.user.id,
                "company_id": self.env.company.id,
                "allowed_company_ids": [fields.Command.set(self.env.companies.ids)],
                "domain": str(domain),
                "create_deal": options["create_deal"],
                "deal_values": options["deal_values"],
                "attachments_target": options["attachments_target"],
                "move_tags": options["move_tags"],
                "owner_id": options["owner_id"],
            }
        )
        job._crm_sync_job_add_records(leads.ids)
        if run_now is None:
            run_now = len(leads) <= self._crm_sync_sync_limit()
        if run_now:
            job._crm_sync_job_run(commit=False)
        else:
            job._crm_sync_job_trigger()
        return job.with_env(self.env)

    @api.model
    def _crm_sync_sync_limit(self):
        return self.env["ir.config_parameter"]._crm_sync_get_int(
            "crm_sync.mass_convert_sync_limit", DEFAULT_SYNC_LIMIT
        )

    @api.model
    def _crm_sync_check_job_options(self, Lead, options):
        """Validate mass conversion ``options`` for the user of ``Lead``; return
        them completed (see ``crm.lead._crm_sync_check_options``)."""
        if options is not None and not isinstance(options, dict):
            raise UserError(self.env._("The conversion options must be a dictionary."))
        options = dict(options or {})
        for forced in ("account", "contact"):
            if options.get(forced, "auto") != "auto":
                raise UserError(
                    self.env._(
                        "A mass conversion decides accounts and contacts with the "
                        "duplicate rules: leave the %(option)s option out.",
                        option=forced,
                    )
                )
        return Lead._crm_sync_check_options(options)

    def _crm_sync_options(self):
        self.ensure_one()
        return {
            "account": "auto",
            "contact": "auto",
            "create_deal": self.create_deal,
            "deal_values": dict(self.deal_values or {}),
            "attachments_target": self.attachments_target,
            "move_tags": self.move_tags,
            "owner_id": self.owner_id.id,
        }

    # ------------------------------------------------------------
    # ENGINE HOOKS (crm.sync.job.mixin)
    # ------------------------------------------------------------

    def _crm_sync_job_check_access(self):
        self.env["crm.lead"]._crm_sync_check_convert_access()

    def _crm_sync_job_prepare(self):
        """The options, checked again for the job's user."""
        Lead = self.env["crm.lead"]
        # the job's own options (the user may read his job, a manager's run too)
        options = self.sudo()._crm_sync_options()
        return self._crm_sync_check_job_options(Lead, options)

    def _crm_sync_job_process(self, items, options):
        """Convert the leads of ``items``; return their result values."""
        leads = self.env["crm.lead"].browse([lead_id for lead_id, _line in items])
        results = {}
        convertible = leads._crm_sync_lock_convertible()
        for lead in leads - convertible:
            results[lead.id] = {
                "result": "skipped",
                "reason": self.env._("Already converted, an opportunity, or archived."),
            }
        if not convertible:
            return results
        plans, skipped = convertible._crm_sync_plan(options, strict=False)
        for lead_id, reason in skipped.items():
            results[lead_id] = {"result": "skipped", "reason": reason}
        for lead_id, res in convertible._crm_sync_execute(plans, options).items():
            merged = "merged" in (res["account_action"], res["contact_action"])
            results[int(lead_id)] = {
                "result": "merged" if merged else "converted",
                "reason": False,
                "account_id": res["account_id"],
                "contact_id": res["contact_id"],
                "deal_id": res["deal_id"],
                "account_action": res["account_action"],
                "contact_action": res["contact_action"],
            }
        return results

    def _crm_sync_job_postponed_error(self, keys):
        return UserError(
            self.env._(
                "Someone else converted some of these leads at the same "
                "time: %(leads)s. Please try again.",
                leads=", ".join(
                    self.env["crm.lead"].browse(keys).exists().mapped("display_name")
                ),
            )
        )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _crm_sync_job_line_lead_ids(self):
        self.ensure_one()
        lines = self.env["crm.sync.conversion.job.line"].search_fetch(
            [("job_id", "=", self.id), ("lead_id", "!=", False)], ["lead_id"]
        )
        return lines.lead_id.ids

    def action_crm_sync_open_leads(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Converted Leads"),
            "res_model": "crm.lead",
            "view_mode": "list,form",
            # the leads' ids only, not every column of thousands of lines
            "domain": [("id", "in", self._crm_sync_job_line_lead_ids())],
            "context": {"active_test": False},
        }


class CrmSyncConversionJobLine(models.Model):
    _name = "crm.sync.conversion.job.line"
    _inherit = "crm.sync.job.line.mixin"
    _description = "CRM Sync Lead Conversion Result"
    _order = "job_id, id"
    _crm_sync_record_field = "lead_id"

    job_id = fields.Many2one(
        "crm.sync.conversion.job", required=True, ondelete="cascade", index=True
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Lead", ondelete="set null", index=True
    )
    result = fields.Selection(
        selection_add=[("converted", "Converted"), ("merged", "Merged"), ("skipped",)],
        ondelete={"converted": "cascade", "merged": "cascade"},
    )
    account_id = fields.Many2one("res.partner", string="Account", ondelete="set null")
    contact_id = fields.Many2one("res.partner", string="Contact", ondelete="set null")
    deal_id = fields.Many2one("crm.lead", string="Deal", ondelete="set null")
    account_action = fields.Selection(
        [("created", "Created"), ("merged", "Merged"), ("none", "None")]
    )
    contact_action = fields.Selection(
        [("created", "Created"), ("merged", "Merged"), ("none", "None")]
    )

    _sql_constraints = [
        (
            "job_lead_uniq",
            "unique(job_id, res_id)",
            "A lead has one result per conversion job.",
        )
    ]
