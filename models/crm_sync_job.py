# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The batch-job engine: long runs in committed batches, resumable, one result
line per item (docs/ARCHITECTURE.md, "Background jobs").

A concrete job model inherits ``crm.sync.job.mixin``; its result lines inherit
``crm.sync.job.line.mixin`` and add ``job_id`` and their own typed columns. The
job implements two hooks, ``_crm_sync_job_prepare`` (per run: check and return
what every batch needs) and ``_crm_sync_job_process`` (items → result values),
and chooses where its items come from:

- record jobs (``_crm_sync_job_paged = False``): the records to process are
  snapshotted when the job is made (``_crm_sync_job_add_records``), one
  *pending* line each; a batch is the next pending lines;
- page jobs (``_crm_sync_job_paged = True``): ``_crm_sync_job_fetch_page(token)``
  returns the next page of a remote listing and the token of the page after it;
  the lines of a page and the new token are committed together.

Either way, what a batch did and the record of it having been done are
committed in one transaction, so a crash loses the batch in progress only, and
the next run does it, and nothing else, again.
"""

import logging
import threading
import time
from collections import namedtuple

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
#: seconds a cron call may work before it hands over to the next call
DEFAULT_TIME_BUDGET = 60

Chunk = namedtuple("Chunk", "items token last")
Chunk.__doc__ = """One batch: ``items``, a list of ``(key, payload)`` (record
jobs: the record id and the id of its result line; page jobs: the remote key
and the remote data); ``token``: the resume token stored with the batch's
results (page jobs); ``last``: no batch after this one."""

JOB_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("stopped", "Stopped"),
    ("cancelled", "Cancelled"),
]


class JobStop(Exception):
    """The job may not run (any more): it stops, its message tells why."""


def error_message(error):
    return str(error.args[0] if error.args else error)


class CrmSyncJobMixin(models.AbstractModel):
    _name = "crm.sync.job.mixin"
    _description = "CRM Sync Background Job"
    _order = "id desc"

    #: model of the result lines (inherits crm.sync.job.line.mixin)
    _crm_sync_line_model = None
    #: xmlid of the ir.cron that runs ``model._cron_process()``
    _crm_sync_cron_xmlid = None
    #: items come from a remote listing, page by page (see the module doc)
    _crm_sync_job_paged = False

    name = fields.Char(required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Launched By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        help="The job runs with this user's access rights.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    allowed_company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        readonly=True,
        default=lambda s: s.env.companies,
        help="The companies selected when the job was launched: it runs in those "
        "its user still has access to.",
    )
    state = fields.Selection(
        JOB_STATES, default="queued", required=True, readonly=True, index=True
    )
    message = fields.Char(readonly=True, help="Why the job stopped.")
    batch_size = fields.Integer(default=DEFAULT_BATCH_SIZE, readonly=True)
    resume_token = fields.Json(
        readonly=True, copy=False, help="Page jobs: where the next batch starts."
    )
    item_total = fields.Integer(
        readonly=True, help="Items to process, when known before they are processed."
    )
    item_count = fields.Integer(compute="_compute_progress", string="Items")
    done_count = fields.Integer(compute="_compute_progress", string="Items Processed")
    progress = fields.Float(compute="_compute_progress", help="Percentage processed.")
    date_done = fields.Datetime(readonly=True)

    def _crm_sync_job_result_counts(self):
        """{(job id, result): number of lines}, one query for all of ``self``."""
        if not self.ids:
            return {}
        return {
            (job.id, result): count
            for job, result, count in self.env[self._crm_sync_line_model]._read_group(
                [("job_id", "in", self.ids)], ["job_id", "result"], ["__count"]
            )
        }

    def _compute_progress(self):
        counts = self._crm_sync_job_result_counts()
        for job in self:
            lines = sum(n for (job_id, _r), n in counts.items() if job_id == job.id)
            job.item_count = max(job.item_total, lines)
            job.done_count = lines - counts.get((job.id, "pending"), 0)
            job.progress = (
                100.0 * job.done_count / job.item_count if job.item_count else 100.0
            )

    # ------------------------------------------------------------
    # HOOKS (override in the concrete job)
    # ------------------------------------------------------------

    def _crm_sync_job_check_access(self):
        """Raise AccessError if the job's user (``self.env.user``) may no longer
        run the job: the job stops."""

    def _crm_sync_job_prepare(self):
        """Once per run, as the job's user: check and return what every batch
        needs. A UserError or ValidationError fails every pending item."""
        return {}

    def _crm_sync_job_process(self, items, context):
        """Process ``items`` (``[(key, payload)]``), as the job's user, in a
        savepoint: return ``{key: line values}`` with at least ``result``. A key
        left out stays pending for the next run (record jobs). Raising fails
        the batch, which is then processed item by item."""
        raise NotImplementedError

    def _crm_sync_job_fetch_page(self, token):
        """Page jobs: fetch the page at ``token`` (None: the first one).

        :return: ``(items, next_token, total)``: ``[(key, payload)]``, the token
            of the next page (None after the last one), the number of items of
            the whole listing when the source tells it (else None)
        """
        raise NotImplementedError

    def _crm_sync_job_postponed_error(self, keys):
        """The error raised when a run inside a request meets concurrent work."""
        return UserError(
            self.env._(
                "Someone else changed some of these records at the same time. "
                "Please try again."
            )
        )

    # ------------------------------------------------------------
    # ITEMS
    # ------------------------------------------------------------

    def _crm_sync_job_add_records(self, record_ids):
        """Record jobs: snapshot ``record_ids``, one pending line each (one
        INSERT: a 20,000-record job is not loaded in memory)."""
        self.ensure_one()
        Line = self.env[self._crm_sync_line_model]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO %(table)s (job_id, res_id, %(fk)s, result, create_uid,
                                          create_date, write_uid, write_date)
                   SELECT %(job)s, rid, rid, 'pending', %(uid)s, %(now)s, %(uid)s,
                          %(now)s
                     FROM unnest(%(ids)s::int[]) AS rid ORDER BY rid""",
                table=SQL.identifier(Line._table),
                fk=SQL.identifier(Line._crm_sync_record_field),
                job=self.id,
                uid=self.env.uid,
                now=now,
                ids=list(record_ids),
            )
        )
        self.item_total += len(record_ids)
        Line.invalidate_model()
        self.invalidate_recordset()

    def _crm_sync_job_pending_keys(self):
        """Record jobs: ids of the records still to process, in order."""
        self.ensure_one()
        Line = self.env[self._crm_sync_line_model]
        self.env.cr.execute(
            SQL(
                "SELECT res_id FROM %s WHERE job_id = %s AND result = 'pending' "
                "ORDER BY id",
                SQL.identifier(Line._table),
                self.id,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _crm_sync_job_has_pending(self):
        """Record jobs: whether items are still to process (one indexed query)."""
        self.ensure_one()
        return bool(
            self.env[self._crm_sync_line_model].search_count(
                [("job_id", "=", self.id), ("result", "=", "pending")], limit=1
            )
        )

    def _crm_sync_job_next_chunk(self, run):
        """The next batch, or None when nothing is left for this run."""
        if self._crm_sync_job_paged:
            return self._crm_sync_job_next_page()
        Line = self.env[self._crm_sync_line_model]
        self.env.cr.execute(
            SQL(
                "SELECT id, res_id FROM %s WHERE job_id = %s AND result = 'pending' "
                "AND id > %s ORDER BY id LIMIT %s",
                SQL.identifier(Line._table),
                self.id,
                run["after"],
                max(self.batch_size or DEFAULT_BATCH_SIZE, 1),
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return None
        run["after"] = rows[-1][0]
        return Chunk([(res_id, line_id) for line_id, res_id in rows], None, False)

    def _crm_sync_job_next_page(self):
        if self.state == "done":
            return None
        items, token, total = self._crm_sync_job_fetch_page(self.resume_token)
        if total is not None and total != self.item_total:
            self.sudo().item_total = total  # the job's own progress, see _run
        done = set(
            self.env[self._crm_sync_line_model]
            .search(
                [("job_id", "=", self.id), ("item_key", "in", [k for k, _p in items])]
            )
            .mapped("item_key")
        )
        # an item seen again (the listing moved between two pages): done once
        items = [(key, payload) for key, payload in items if str(key) not in done]
        return Chunk(items, token, token is None)

    def _crm_sync_job_record_model(self):
        """Record jobs: the model of the records processed."""
        Line = self.env[self._crm_sync_line_model]
        return self.env[Line._fields[Line._crm_sync_record_field].comodel_name]

    def _crm_sync_job_missing(self, items):
        """Record jobs: ``{key: result}`` for the records that no longer exist."""
        if self._crm_sync_job_paged:
            return {}
        Model = self._crm_sync_job_record_model()
        keys = [key for key, _payload in items]
        missing = set(keys) - set(Model.browse(keys).exists().ids)
        return {
            key: {
                "result": "skipped",
                "reason": self.env._(
                    "%(record)s #%(id)s no longer exists.",
                    record=Model._description,
                    id=key,
                ),
            }
            for key in missing
        }

    # ------------------------------------------------------------
    # RUNNING
    # ------------------------------------------------------------

    def _crm_sync_job_lock(self):
        """Lock the job's row for this transaction; False if another transaction
        holds it (it runs the job) or the job is not to run. A Cancel waits
        for the batch in progress, then the next batch sees it."""
        self.ensure_one()
        if not self._crm_sync_lock_rows(nowait=True):
            return False
        return self.state in ("queued", "running")

    def _crm_sync_job_as_user(self):
        """The job as its user, in its companies that the user still has; raise
        JobStop if the user may no longer run it."""
        self.ensure_one()
        user = self.user_id
        if not user.active:
            raise JobStop(
                self.env._(
                    "%(user)s's user was archived after the job was launched: the job "
                    "stopped. A manager may resume it once the user is active again.",
                    user=user.name,
                )
            )
        companies = (self.allowed_company_ids or self.company_id) & user.company_ids
        if not companies:
            raise JobStop(
                self.env._(
                    "%(user)s no longer has access to the companies of this job: "
                    "the job stopped.",
                    user=user.name,
                )
            )
        companies = (self.company_id & companies) | companies
        job = self.with_user(user).with_context(allowed_company_ids=companies.ids)
        try:
            job._crm_sync_job_check_access()
        except AccessError as error:
            raise JobStop(
                self.env._(
                    "%(user)s may no longer run this job, so it stopped: %(error)s",
                    user=user.name,
                    error=error_message(error),
                )
            ) from error
        return job

    def _crm_sync_job_run(self, commit=False, deadline=None, max_batches=None):
        """Process the job's pending items, batch after batch (run as superuser:
        the cron, or the request that made the job; the items are processed as
        the job's user).

        :param bool commit: commit after each batch (cron only)
        :param float deadline: ``time.monotonic()`` after which no batch starts
        :param int max_batches: stop after this many batches
        :return: the number of items processed; the job's state says the rest
        """
        self.ensure_one()
        if not self._crm_sync_job_lock():
            return 0
        try:
            job = self._crm_sync_job_as_user()
        except JobStop as stop:
            self._crm_sync_job_stop(error_message(stop))
            return 0
        if self.state != "running":
            self.state = "running"
        try:
            context = job._crm_sync_job_prepare()
        except (UserError, ValidationError) as error:
            _logger.info("Job %s %s cannot run: %s", self._name, self.id, error)
            return self._crm_sync_job_fail_pending(error_message(error))
        run = {"after": 0, "postponed": [], "done": 0, "batches": 0}
        while True:
            chunk = job._crm_sync_job_next_chunk(run)
            if chunk is None:
                break
            job._crm_sync_job_do_chunk(chunk, context, run)
            if commit:
                # Cron only (see _cron_process): the batch and the record of
                # it having been done are committed together.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if not self._crm_sync_job_lock():
                    return run["done"]  # cancelled meanwhile
            # a long job does not grow in memory: each batch starts afresh
            self.env.invalidate_all()
            if chunk.last:
                break
            run["batches"] += 1
            if (max_batches and run["batches"] >= max_batches) or (
                deadline and time.monotonic() >= deadline
            ):
                return run["done"]  # still running: the next call goes on
        self._crm_sync_job_finish(run, commit)
        return run["done"]

    def _crm_sync_job_do_chunk(self, chunk, context, run):
        """Process one batch as the job's user and store its results."""
        missing = self._crm_sync_job_missing(chunk.items)
        results = dict(missing)
        items = [item for item in chunk.items if item[0] not in missing]
        if items:
            results.update(self._crm_sync_job_process_safely(items, context))
        postponed = [key for key, _payload in items if key not in results]
        run["postponed"] += postponed
        run["done"] += len(chunk.items) - len(postponed)
        self.sudo()._crm_sync_job_save(chunk, results)

    def _crm_sync_job_process_safely(self, items, context):
        """The batch in one savepoint; if it fails, item by item, so that one
        bad item fails itself only. Concurrent work on an item postpones it."""
        try:
            with self.env.cr.savepoint():
                return self._crm_sync_job_process(items, context)
        except Exception:  # noqa: BLE001 - retried item by item, where it is reported
            self.env.invalidate_all()
        results = {}
        for item in items:
            key = item[0]
            try:
                with self.env.cr.savepoint():
                    results.update(self._crm_sync_job_process([item], context))
            except psycopg2.errors.SerializationFailure:
                self.env.invalidate_all()
                _logger.info("%s %s: item %s changed concurrently", self._name, key)
            except (UserError, ValidationError, AccessError, psycopg2.Error) as error:
                self.env.invalidate_all()
                _logger.info("%s: item %s failed: %s", self._name, key, error)
                results[key] = {"result": "failed", "reason": error_message(error)}
            except Exception as error:  # noqa: BLE001 - reported, the job goes on
                self.env.invalidate_all()
                _logger.exception("%s: item %s failed", self._name, key)
                results[key] = {
                    "result": "failed",
                    "reason": self.env._(
                        "Unexpected error (%(error)s), see the server log.",
                        error=repr(error),
                    ),
                }
        return results

    def _crm_sync_job_save(self, chunk, results):
        """Store a batch's results (as superuser: lines are read-only to users,
        and these come from the run's own checks)."""
        Line = self.env[self._crm_sync_line_model]
        if self._crm_sync_job_paged:
            Line.create(
                [
                    {
                        "job_id": self.id,
                        "item_key": str(key),
                        **results.get(
                            key,
                            {"result": "failed", "reason": self.env._("No result.")},
                        ),
                    }
                    for key, _payload in chunk.items
                ]
            )
            vals = {"resume_token": chunk.token}
            if chunk.last:
                vals.update(state="done", date_done=fields.Datetime.now())
            self.write(vals)
            return
        # one recordset: the lines of the batch are read together, once
        lines = Line.browse([line_id for _key, line_id in chunk.items])
        for (key, _line_id), line in zip(chunk.items, lines, strict=True):
            if key in results:
                line.write(results[key])

    def _crm_sync_job_fail_pending(self, reason):
        """Every pending item fails with ``reason``; the job is done."""
        if self._crm_sync_job_paged:
            self._crm_sync_job_stop(reason)
            return 0
        Line = self.env[self._crm_sync_line_model].sudo()  # see _crm_sync_job_save
        pending = Line.search([("job_id", "=", self.id), ("result", "=", "pending")])
        pending.write({"result": "failed", "reason": reason})
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        return len(pending)

    def _crm_sync_job_stop(self, message):
        _logger.info("Job %s %s stopped: %s", self._name, self.id, message)
        self.write({"state": "stopped", "message": message})

    def _crm_sync_job_finish(self, run, commit):
        if run["postponed"]:
            if not commit:
                # Inside a request: all of it is rolled back; tried again, the
                # items done meanwhile are seen done.
                raise self._crm_sync_job_postponed_error(run["postponed"])
            # the next run, in a new transaction, sees the concurrent work
            self.state = "queued"
            self._crm_sync_job_trigger()
        elif self.state == "running":
            self.write({"state": "done", "date_done": fields.Datetime.now()})

    def _crm_sync_job_trigger(self):
        self.env.ref(self._crm_sync_cron_xmlid)._trigger()

    @api.model
    def _cron_process(self):
        """Run the queued jobs (cron), committing after every batch, for up to
        ``crm_sync.job_time_budget`` seconds; Odoo calls the cron again at once
        while jobs are left (ir.cron progress API)."""
        # Commits are for real runs only: tests run in one transaction that
        # they roll back (same rule as crm.team._allocate_leads).
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        budget = self._crm_sync_job_time_budget()
        deadline = time.monotonic() + budget if auto_commit else None
        jobs = self.search([("state", "in", ("queued", "running"))], order="id")
        done = 0
        for job in jobs:
            done += job._crm_sync_job_run(commit=auto_commit, deadline=deadline)
            if deadline and time.monotonic() >= deadline:
                break
        remaining = self.search_count([("state", "in", ("queued", "running"))])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _crm_sync_job_time_budget(self):
        """Seconds a cron call works before handing over (a whole number)."""
        return self.env["ir.config_parameter"]._crm_sync_get_int(
            "crm_sync.job_time_budget", DEFAULT_TIME_BUDGET
        )

    # ------------------------------------------------------------
    # ACTIONS (buttons and XML-RPC)
    # ------------------------------------------------------------

    def _crm_sync_job_check_owner(self, verb):
        for job in self:
            if job.user_id != self.env.user and not self.env.user.has_group(
                "crm_sync.crm_sync_group_manager"
            ):
                raise AccessError(
                    self.env._(
                        "Only %(user)s or a CRM Sync manager may %(verb)s this job.",
                        user=job.user_id.name,
                        verb=verb,
                    )
                )

    def action_crm_sync_resume(self):
        """Run what is left of the jobs in the background."""
        self._crm_sync_job_check_owner(self.env._("resume"))
        # jobs are read-only for their users: checked above
        for job in self.sudo():
            if job.state in ("done", "stopped", "cancelled") and (
                job._crm_sync_job_paged or job._crm_sync_job_has_pending()
            ):
                job.write({"state": "queued", "message": False})
        self._crm_sync_job_trigger()
        return True

    def action_crm_sync_cancel(self):
        """Stop the jobs: what is done stays done, the rest is not processed. A
        job in the middle of a batch stops once the batch is committed."""
        self._crm_sync_job_check_owner(self.env._("cancel"))
        jobs = self.sudo()  # jobs are read-only for their users: checked above
        jobs._crm_sync_lock_rows()  # waits for a batch in progress (it holds the row)
        for job in jobs:
            if job.state in ("queued", "running", "stopped"):
                job.write(
                    {
                        "state": "cancelled",
                        "message": self.env._(
                            "Cancelled by %(user)s.", user=self.env.user.name
                        ),
                        "date_done": fields.Datetime.now(),
                    }
                )
        return True


class CrmSyncJobLineMixin(models.AbstractModel):
    _name = "crm.sync.job.line.mixin"
    _description = "CRM Sync Background Job Result"
    _order = "job_id, id"

    #: record jobs: the Many2one to the processed record (ondelete="set null")
    _crm_sync_record_field = None

    result = fields.Selection(
        [("pending", "Pending"), ("skipped", "Skipped"), ("failed", "Failed")],
        required=True,
        default="pending",
    )
    reason = fields.Char()
    res_id = fields.Integer(
        string="Record ID",
        readonly=True,
        help="Record jobs: the id of the processed record, kept when it is deleted.",
    )
    item_key = fields.Char(
        string="Remote Key", readonly=True, help="Page jobs: the item's remote key."
    )

    def init(self):
        res = super().init()
        if not self._abstract:
            # the next batch of a record job: pending lines in order
            create_index(
                self.env.cr,
                f"{self._table}_pending_idx",
                self._table,
                ["job_id", "id"],
                where="result = 'pending'",
            )
        return res
