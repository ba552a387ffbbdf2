"""Mass lead conversion: a job converting a set of leads in batches.

The job snapshots the leads to convert when it is created. Small jobs run at
once, inside the request (no commit). Larger ones run in the background from
the cron ``crm_sync_conversion_job_cron``, which commits after each batch: a
crash loses at most the batch in progress, which was rolled back as a whole and
is converted on the next run. A lead is never converted twice: it gets a result
line in the same transaction as its conversion, only leads without a line are
processed, and a batch locks its leads before reading their state (a lead
converted meanwhile by another transaction is left for the next run, which
reports it converted already).

A job runs with the rights of its user, so jobs are read-only for everyone:
only ``_crm_sync_create_job`` creates them, after its checks, and a run checks
the options and the leads again for the job's user.
"""

import logging
import threading

import psycopg2
import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
#: up to this many leads, a mass conversion runs at once (no background job)
DEFAULT_SYNC_LIMIT = 200


def _error_message(error):
    return str(error.args[0] if error.args else error)


class CrmSyncConversionJob(models.Model):
    _name = "crm.sync.conversion.job"
    _description = "CRM Sync Lead Conversion Job"
    _order = "id desc"

    name = fields.Char(required=True, default=lambda self: _("Lead conversion"))
    user_id = fields.Many2one(
        "res.users",
        string="Launched By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        help="The conversion runs with this user's access rights.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    domain = fields.Char(readonly=True, help="The criteria the leads were chosen by.")
    lead_ids = fields.Many2many(
        "crm.lead",
        "crm_sync_conversion_job_lead_rel",
        "job_id",
        "lead_id",
        string="Leads",
        readonly=True,
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
    batch_size = fields.Integer(default=DEFAULT_BATCH_SIZE, readonly=True)
    # results
    line_ids = fields.One2many(
        "crm.sync.conversion.job.line", "job_id", string="Results", readonly=True
    )
    lead_count = fields.Integer(compute="_compute_counts", string="Leads to Convert")
    processed_count = fields.Integer(compute="_compute_counts", string="Processed")
    converted_count = fields.Integer(compute="_compute_counts", string="Converted")
    merged_count = fields.Integer(compute="_compute_counts", string="Merged")
    skipped_count = fields.Integer(compute="_compute_counts", string="Skipped")
    failed_count = fields.Integer(compute="_compute_counts", string="Failed")
    progress = fields.Float(compute="_compute_counts", help="Percentage processed.")
    date_done = fields.Datetime(readonly=True)

    @api.depends("lead_ids", "line_ids.result")
    def _compute_counts(self):
        counts = {
            (job.id, result): count
            for job, result, count in self.env[
                "crm.sync.conversion.job.line"
            ]._read_group(
                [("job_id", "in", self.ids)], ["job_id", "result"], ["__count"]
            )
        }
        lead_counts = {}
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "SELECT job_id, count(*) FROM crm_sync_conversion_job_lead_rel "
                    "WHERE job_id IN %s GROUP BY job_id",
                    tuple(self.ids),
                )
            )
            lead_counts = dict(self.env.cr.fetchall())
        for job in self:
            job.lead_count = lead_counts.get(job.id, len(job.lead_ids))
            for result in ("converted", "merged", "skipped", "failed"):
                job[f"{result}_count"] = counts.get((job.id, result), 0)
            job.processed_count = sum(
                counts.get((job.id, r), 0)
                for r in ("converted", "merged", "skipped", "failed")
            )
            job.progress = (
                100.0 * job.processed_count / job.lead_count
                if job.lead_count
                else 100.0
            )

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
            raise UserError(_("The criteria of a mass conversion must be a domain."))
        Lead._crm_sync_check_convert_access()
        options = self._crm_sync_check_job_options(Lead, options)
        leads = Lead.search(
            domain + [("type", "=", "lead"), ("crm_sync_converted", "=", False)],
            order="id",
        )
        if not leads:
            raise UserError(_("No lead to convert matches these criteria."))
        leads._crm_sync_check_convert_access()
        # Jobs are read-only for their users (the cron runs a job with the
        # rights of its user_id): created here, after the checks above, only.
        job = (
            self.sudo()
            .create(
                {
                    "user_id": self.env.user.id,
                    "company_id": self.env.company.id,
                    "domain": str(domain),
                    "lead_ids": [fields.Command.set(leads.ids)],
                    "create_deal": options["create_deal"],
                    "deal_values": options["deal_values"],
                    "attachments_target": options["attachments_target"],
                    "move_tags": options["move_tags"],
                    "owner_id": options["owner_id"],
                }
            )
            .with_env(self.env)
        )
        if run_now is None:
            limit = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param("crm_sync.mass_convert_sync_limit", DEFAULT_SYNC_LIMIT)
            )
            run_now = len(leads) <= limit
        if run_now:
            job.sudo()._crm_sync_run(commit=False)
        else:
            self.env.ref("crm_sync.crm_sync_conversion_job_cron")._trigger()
        return job

    @api.model
    def _crm_sync_check_job_options(self, Lead, options):
        """Validate mass conversion ``options`` for the user of ``Lead``; return
        them completed (see ``crm.lead._crm_sync_check_options``)."""
        options = dict(options or {})
        for forced in ("account", "contact"):
            if options.get(forced, "auto") != "auto":
                raise UserError(
                    _(
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
    # PROCESSING
    # ------------------------------------------------------------

    def _crm_sync_pending_leads(self):
        """Leads of the job without a result line yet, in id order."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """SELECT rel.lead_id FROM crm_sync_conversion_job_lead_rel rel
                    WHERE rel.job_id = %s
                      AND NOT EXISTS (SELECT 1 FROM crm_sync_conversion_job_line l
                                       WHERE l.job_id = rel.job_id
                                         AND l.lead_id = rel.lead_id)
                 ORDER BY rel.lead_id""",
                self.id,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _crm_sync_run(self, commit=False):
        """Process the pending leads of the job, batch after batch.

        The job runs with the rights of its user: the options and every lead
        are checked again for that user here, not only when the job was made.

        :param bool commit: commit after each batch (cron only)
        """
        self.ensure_one()
        job = self.with_user(self.user_id).with_company(self.company_id)
        if self.state != "running":
            self.state = "running"
        pending = job._crm_sync_pending_leads()
        try:
            Lead = job.env["crm.lead"]
            Lead._crm_sync_check_convert_access()
            options = self._crm_sync_check_job_options(Lead, job._crm_sync_options())
        except (UserError, ValidationError, AccessError) as error:
            _logger.info("Conversion job %s cannot run: %s", self.id, error)
            self._crm_sync_fail(pending, error)
            pending = []
        size = max(self.batch_size or DEFAULT_BATCH_SIZE, 1)
        postponed = []
        while pending:
            batch_ids, pending = pending[:size], pending[size:]
            postponed += job._crm_sync_process_batch(batch_ids, options)
            if commit:
                # Commit each batch (cron only, see _cron_process): what is done
                # stays done if a later batch or the worker fails, and the job's
                # progress is visible while it runs.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env["ir.cron"]._notify_progress(
                    done=self.processed_count, remaining=len(pending)
                )
            self.env.invalidate_all()
        if postponed:
            if not commit:
                # Inside a request: all of it is rolled back; tried again, the
                # leads converted meanwhile are no longer selected.
                raise UserError(
                    _(
                        "Someone else converted some of these leads at the same "
                        "time: %(leads)s. Please try again.",
                        leads=", ".join(
                            self.env["crm.lead"]
                            .browse(postponed)
                            .mapped("display_name")
                        ),
                    )
                )
            # the next run, in a new transaction, sees them converted
            self.state = "queued"
            self.env.ref("crm_sync.crm_sync_conversion_job_cron")._trigger()
            return True
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        return True

    def _crm_sync_fail(self, lead_ids, error):
        """Record ``lead_ids`` as failed because of ``error``."""
        self.ensure_one()
        reason = _error_message(error)
        self.env["crm.sync.conversion.job.line"].sudo().create(
            [self._crm_sync_failed_line(lead_id, reason) for lead_id in lead_ids]
        )

    def _crm_sync_process_batch(self, lead_ids, options):
        """Convert one batch; on error, lead by lead, so that one bad lead only
        fails itself. Every lead of the batch ends with exactly one result line,
        except the leads a concurrent transaction converted meanwhile: they stay
        pending, for the next run (a new transaction) to see them converted.

        :return: ids of the leads left pending
        """
        leads = self.env["crm.lead"].browse(lead_ids).exists()
        lines = [
            {
                "job_id": self.id,
                "lead_id": lead_id,
                "result": "skipped",
                "reason": _("The lead no longer exists."),
            }
            for lead_id in set(lead_ids) - set(leads.ids)
        ]
        postponed = []
        try:
            with self.env.cr.savepoint():
                lines += self._crm_sync_convert_leads(leads, options)
        except Exception:  # noqa: BLE001 - retried lead by lead, where it is reported
            self.env.invalidate_all()
            for lead in leads:
                try:
                    with self.env.cr.savepoint():
                        lines += self._crm_sync_convert_leads(lead, options)
                except psycopg2.errors.SerializationFailure:
                    self.env.invalidate_all()
                    _logger.info("Lead %s converted concurrently, postponed", lead.id)
                    postponed.append(lead.id)
                except (
                    UserError,
                    ValidationError,
                    AccessError,
                    psycopg2.Error,
                ) as error:
                    self.env.invalidate_all()
                    _logger.info("Lead %s not converted: %s", lead.id, error)
                    lines.append(
                        self._crm_sync_failed_line(lead.id, _error_message(error))
                    )
                except Exception as error:  # noqa: BLE001 - reported, job goes on
                    self.env.invalidate_all()
                    _logger.exception("Lead %s not converted", lead.id)
                    lines.append(
                        self._crm_sync_failed_line(
                            lead.id,
                            _(
                                "Unexpected error (%(error)s), see the server log.",
                                error=repr(error),
                            ),
                        )
                    )
        self.env["crm.sync.conversion.job.line"].sudo().create(lines)
        return postponed

    def _crm_sync_failed_line(self, lead_id, reason):
        return {
            "job_id": self.id,
            "lead_id": lead_id,
            "result": "failed",
            "reason": reason,
        }

    def _crm_sync_convert_leads(self, leads, options):
        """Convert ``leads`` (already in a savepoint); return their result lines."""
        lines = []
        # Lock first, then read the state: of two concurrent conversions of a
        # lead, the second waits here and fails before creating anything.
        leads._crm_sync_check_convert_access()
        leads._crm_sync_lock_for_conversion()
        leads.invalidate_recordset(["type", "active", "crm_sync_converted"])
        convertible = leads.filtered(
            lambda lead: lead.type == "lead"
            and lead.active
            and not lead.crm_sync_converted
        )
        for lead in leads - convertible:
            lines.append(
                {
                    "job_id": self.id,
                    "lead_id": lead.id,
                    "result": "skipped",
                    "reason": _("Already converted, an opportunity, or archived."),
                }
            )
        if not convertible:
            return lines
        convertible._crm_sync_check_convert_access()
        plans, skipped = convertible._crm_sync_plan(options, strict=False)
        for lead_id, reason in skipped.items():
            lines.append(
                {
                    "job_id": self.id,
                    "lead_id": lead_id,
                    "result": "skipped",
                    "reason": reason,
                }
            )
        results = convertible._crm_sync_execute(plans, options)
        for lead_id, res in results.items():
            merged = "merged" in (res["account_action"], res["contact_action"])
            lines.append(
                {
                    "job_id": self.id,
                    "lead_id": int(lead_id),
                    "result": "merged" if merged else "converted",
                    "account_id": res["account_id"],
                    "contact_id": res["contact_id"],
                    "deal_id": res["deal_id"],
                    "account_action": res["account_action"],
                    "contact_action": res["contact_action"],
                }
            )
        return lines

    @api.model
    def _cron_process(self):
        """Run the queued jobs (cron), committing after every batch."""
        # Commits are for real runs only: tests run in one transaction that
        # they roll back (same rule as crm.team._allocate_leads).
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        # Odoo runs a cron on one worker at a time (it holds the cron's row
        # lock while the cron runs), and a job run inside a request is never
        # visible to the cron before it is done: a job has one runner at a time.
        jobs = self.search([("state", "in", ("queued", "running"))], order="id")
        for job in jobs:
            job._crm_sync_run(commit=auto_commit)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_crm_sync_resume(self):
        """Run what is left of the job in the background."""
        for job in self:
            if job.user_id != self.env.user and not self.env.user.has_group(
                "crm_sync.crm_sync_group_manager"
            ):
                raise AccessError(
                    _(
                        "Only %(user)s or a manager may resume this job.",
                        user=job.user_id.name,
                    )
                )
        # jobs are read-only for their users: checked above
        self.sudo().filtered(
            lambda j: j.state == "done" and j._crm_sync_pending_leads()
        ).write({"state": "queued"})
        self.env.ref("crm_sync.crm_sync_conversion_job_cron")._trigger()
        return True

    def action_crm_sync_open_leads(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Converted Leads"),
            "res_model": "crm.lead",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.lead_id.ids)],
            "context": {"active_test": False},
        }


class CrmSyncConversionJobLine(models.Model):
    _name = "crm.sync.conversion.job.line"
    _description = "CRM Sync Lead Conversion Result"
    _order = "job_id, id"

    job_id = fields.Many2one(
        "crm.sync.conversion.job", required=True, ondelete="cascade", index=True
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Lead", ondelete="set null", index=True
    )
    result = fields.Selection(
        [
            ("converted", "Converted"),
            ("merged", "Merged"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
        ],
        required=True,
    )
    reason = fields.Char()
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
            "unique(job_id, lead_id)",
            "A lead has one result per conversion job.",
        )
    ]
