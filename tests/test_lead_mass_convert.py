# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Mass conversion: by selection or criteria, in batches, resumable, summarised."""

import logging
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import Form, TransactionCase, tagged
from odoo.tools import mute_logger

from .common import CrmSyncCommon, LeadConvertMixin


class WorkerKilled(BaseException):
    """The worker process dies (not an error the job could catch)."""


JOB_LOGGER = "odoo.addons.crm_sync.models.crm_sync_job"


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadMassConvert(CrmSyncCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup()
        cls.tag_batch = cls.env["crm.tag"].create({"name": "Mass batch crm_sync"})
        cls.existing = cls.env["res.partner"].create(
            {"name": "Known Person", "email": "known@mass.example"}
        )
        cls.leads = cls.env["crm.lead"]
        for i in range(7):
            cls.leads |= cls._create_lead(
                name=f"Mass lead {i}",
                contact_name=f"Person {i}",
                partner_name=f"Mass Co {i}",
                email_from=f"p{i}@mass.example",
                tag_ids=[Command.set(cls.tag_batch.ids)],
            )
        # lead 0 is a duplicate of an existing contact
        cls.leads[0].email_from = "known@mass.example"

    def _job(self, job_id):
        return self.env["crm.sync.conversion.job"].browse(job_id)

    def test_by_criteria_with_preview(self):
        """The window builds a domain, shows how many leads it selects, and a
        small set is converted at once."""
        twins = self.env["res.partner"].create(
            [
                {"name": "Twin A", "email": "p6@mass.example"},
                {"name": "Twin B", "email": "p6@mass.example"},
            ]
        )
        form = Form(self.env["crm.lead.mass.convert"].with_user(self.user_salesman))
        self.assertEqual(form.mode, "criteria")
        form.domain = f"[('tag_ids', 'in', [{self.tag_batch.id}])]"
        self.assertEqual(form.lead_count, 7)
        form.create_deal = True
        form.stage_id = self.stage_team_first
        form.owner_mode = "one"
        form.owner_id = self.user_sales_manager
        action = form.save().action_convert()
        job = self._job(action["res_id"])
        self.assertEqual(job.state, "done")
        self.assertEqual(
            (job.lead_count, job.converted_count, job.merged_count, job.skipped_count),
            (7, 5, 1, 1),
        )
        skipped = job.line_ids.filtered(lambda line: line.result == "skipped")
        self.assertEqual(skipped.lead_id, self.leads[6])
        self.assertIn("several contacts match", skipped.reason)
        self.assertFalse(self.leads[6].crm_sync_converted)
        merged = job.line_ids.filtered(lambda line: line.result == "merged")
        self.assertEqual(merged.contact_id, self.existing)
        done = self.leads[:6]
        self.assertEqual(set(done.mapped("type")), {"opportunity"})
        self.assertEqual(done.user_id, self.user_sales_manager)
        self.assertEqual(done.stage_id, self.stage_team_first)
        self.assertTrue(twins.exists())
        self.assertEqual(
            self.env["crm.sync.conversion.job"]
            .with_user(self.user_salesman)
            .search_count([("id", "=", job.id)]),
            1,
        )

    def test_selection_rpc_style(self):
        job = self._job(
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .crm_sync_mass_convert(
                [("id", "in", self.leads[:2].ids)], {"move_tags": False}
            )
        )
        self.assertEqual((job.converted_count, job.merged_count), (1, 1))
        self.assertEqual(
            self.leads[:2].mapped("crm_sync_conversion_type"), ["account"] * 2
        )
        with self.assertRaisesRegex(UserError, "leave the contact option out"):
            self.env["crm.lead"].with_user(self.user_salesman).crm_sync_mass_convert(
                [("id", "in", self.leads.ids)], {"contact": "new"}
            )
        with self.assertRaisesRegex(UserError, "No lead to convert"):
            self.env["crm.lead"].with_user(self.user_salesman).crm_sync_mass_convert(
                [("id", "in", self.leads[:2].ids)], {}
            )

    def test_background_batch_failing_midway(self):
        """Batches of 2 in the background; one lead of the second batch fails: the
        other batches stay converted, the failure is reported, and the failing
        lead is not half-converted."""
        self.env["ir.config_parameter"].set_param("crm_sync.mass_convert_sync_limit", 0)
        job = self._job(
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .crm_sync_mass_convert(
                [("id", "in", self.leads.ids)], {"create_deal": True}
            )
        )
        self.assertEqual(job.state, "queued")
        self.assertEqual(job.processed_count, 0)
        self.assertFalse(self.leads.filtered("crm_sync_converted"))
        job.batch_size = 2
        bad = self.leads[3]
        Lead = self.registry["crm.lead"]
        original = Lead._crm_sync_deal_values
        # Test-only message: left untranslated so that it stays out of the .pot.
        message = "The deal of this lead cannot be created."

        def failing(lead, *args, **kwargs):
            if lead.id == bad.id:
                raise UserError(message)
            return original(lead, *args, **kwargs)

        with patch.object(Lead, "_crm_sync_deal_values", failing):
            self.env["crm.sync.conversion.job"]._cron_process()
        self.assertEqual(job.state, "done")
        self.assertEqual(
            (
                job.processed_count,
                job.failed_count,
                job.converted_count + job.merged_count,
            ),
            (7, 1, 6),
        )
        failed = job.line_ids.filtered(lambda line: line.result == "failed")
        self.assertEqual(failed.lead_id, bad)
        self.assertIn("cannot be created", failed.reason)
        self.assertFalse(bad.crm_sync_converted)
        self.assertEqual(bad.type, "lead")
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", bad.partner_name)]),
            "nothing half-converted",
        )
        self.assertEqual(len((self.leads - bad).filtered("crm_sync_converted")), 6)
        # running again converts nothing twice
        job.state = "queued"
        job._crm_sync_job_run()
        self.assertEqual(len(job.line_ids), 7)

    def test_resume_after_crash(self):
        """A crash after the first batch: the next run does only the rest."""
        self.env["ir.config_parameter"].set_param("crm_sync.mass_convert_sync_limit", 0)
        job = self._job(
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .crm_sync_mass_convert([("id", "in", self.leads.ids)], {})
        )
        # the first batch was committed, then the worker died
        job.batch_size = 3
        job._crm_sync_job_run(max_batches=1)
        self.assertEqual(job.state, "running")
        self.assertEqual((job.processed_count, job.lead_count), (3, 7))
        self.assertEqual(job._crm_sync_job_pending_keys(), self.leads[3:].ids)
        self.env["crm.sync.conversion.job"]._cron_process()
        self.assertEqual(job.state, "done")
        self.assertEqual(len(job.line_ids), 7)
        self.assertEqual(len(job.line_ids.lead_id), 7)
        self.assertTrue(all(self.leads.mapped("crm_sync_converted")))

    def test_same_new_company_in_one_batch(self):
        """Two leads of one batch with the same new company get one account."""
        twins = self._create_lead(
            name="Twin 1", partner_name="Brand-New SA", email_from="a@brand.example"
        ) | self._create_lead(
            name="Twin 2", partner_name="brand-new sa ", email_from="b@brand.example"
        )
        job = self._job(
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .crm_sync_mass_convert([("id", "in", twins.ids)], {})
        )
        self.assertEqual(len(job.line_ids.account_id), 1)
        self.assertEqual(len(job.line_ids.contact_id), 2)
        self.assertEqual(
            sorted(job.line_ids.mapped("account_action")), ["created", "merged"]
        )

    def test_permission(self):
        self.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", True)
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.user_salesman).crm_sync_mass_convert(
                [("id", "in", self.leads.ids)], {}
            )
        self.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", False)

    def _queued_job(self, leads, options=None, user=None):
        self.env["ir.config_parameter"].set_param("crm_sync.mass_convert_sync_limit", 0)
        return self._job(
            self.env["crm.lead"]
            .with_user(user or self.user_salesman)
            .crm_sync_mass_convert([("id", "in", leads.ids)], options or {})
        )

    def test_job_read_only_for_its_user(self):
        """The cron runs a job with its user's rights: nobody but the server
        writes a job, or could make it run as someone else on other leads."""
        job = self._queued_job(self.leads[:2])
        self.assertEqual(job.user_id, self.user_salesman)
        other_lead = self._create_lead(
            user=self.user_sales_manager, name="Not Sally's", email_from="o@x.example"
        )
        admin = self.env.ref("base.user_admin")
        for user in (self.user_salesman, self.user_sales_manager):
            as_user = job.with_user(user)
            for vals in (
                {"user_id": admin.id},
                {"lead_ids": [Command.link(other_lead.id)]},
                {"deal_values": {"probability": 100}},
                {"state": "queued"},
            ):
                with self.assertRaises(AccessError), self.cr.savepoint():
                    as_user.write(vals)
            with self.assertRaises(AccessError), self.cr.savepoint():
                self.env["crm.sync.conversion.job"].with_user(user).create(
                    {"user_id": admin.id, "lead_ids": [Command.set(other_lead.ids)]}
                )
            with self.assertRaises(AccessError), self.cr.savepoint():
                job.line_ids.with_user(user).create(
                    {"job_id": job.id, "lead_id": other_lead.id, "result": "converted"}
                )
        self.assertEqual(job.user_id, self.user_salesman)
        self.assertEqual(job.lead_ids, self.leads[:2])
        # what the user may do stays possible: see it, resume it
        self.assertEqual(
            job.with_user(self.user_salesman).read(["state"])[0]["state"], "queued"
        )
        job.with_user(self.user_salesman).action_crm_sync_resume()

    def test_run_checks_again_for_the_job_user(self):
        """A job altered behind the user's back (say by an old bug or a direct
        database write) still converts only what its user may convert, as the
        user may convert it."""
        job = self._queued_job(self.leads[:2])
        other_lead = self._create_lead(
            user=self.user_sales_manager, name="Not Sally's", email_from="o@x.example"
        )
        # a pending line for another salesman's lead
        self.env["crm.sync.conversion.job.line"].create(
            {"job_id": job.id, "res_id": other_lead.id, "lead_id": other_lead.id}
        )
        self.env["crm.sync.conversion.job"]._cron_process()
        self.assertEqual(job.state, "done")
        failed = job.line_ids.filtered(lambda line: line.result == "failed")
        self.assertEqual(failed.lead_id, other_lead)
        self.assertFalse(other_lead.crm_sync_converted)
        self.assertTrue(all(self.leads[:2].mapped("crm_sync_converted")))

        job = self._queued_job(self.leads[2:4])
        job.write({"create_deal": False, "deal_values": {"probability": 100}})
        self.env["crm.sync.conversion.job"]._cron_process()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.failed_count, 2)
        self.assertIn("no deal is created", job.line_ids[0].reason)
        self.assertFalse(any(self.leads[2:4].mapped("crm_sync_converted")))

    def test_unexpected_error_reported_and_job_goes_on(self):
        """A bug in one lead's conversion fails that lead, logged with its
        traceback; the job ends instead of retrying forever."""
        job = self._queued_job(self.leads[:4], {"create_deal": True})
        bad = self.leads[1]
        Lead = self.registry["crm.lead"]
        original = Lead._crm_sync_deal_values

        def buggy(lead, *args, **kwargs):
            if lead.id == bad.id:
                raise KeyError("missing_key")
            return original(lead, *args, **kwargs)

        with (
            patch.object(Lead, "_crm_sync_deal_values", buggy),
            self.assertLogs(JOB_LOGGER, level=logging.ERROR) as logs,
        ):
            self.env["crm.sync.conversion.job"]._cron_process()
        self.assertEqual(job.state, "done")
        self.assertEqual((job.processed_count, job.failed_count), (4, 1))
        failed = job.line_ids.filtered(lambda line: line.result == "failed")
        self.assertEqual(failed.lead_id, bad)
        self.assertIn("KeyError", failed.reason)
        self.assertIn("missing_key", failed.reason)
        self.assertEqual(len(logs.records), 1)
        self.assertTrue(logs.records[0].exc_info, "logged with the traceback")
        self.assertFalse(bad.crm_sync_converted)
        self.assertEqual(len((self.leads[:4] - bad).filtered("crm_sync_converted")), 3)


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadConvertCommitted(TransactionCase):
    """Conversions on real, committed transactions: concurrent conversions of a
    lead, and a mass conversion resumed after its worker died."""

    def setUp(self):
        super().setUp()
        self.dbname = self.env.cr.dbname
        self.admin_id = self.env.ref("base.user_admin").id
        name = self.id().rsplit(".", 1)[-1].replace("_", "-")
        self.tag = f"crm-sync-{name}"

    def _env(self, cr, uid=None):
        return api.Environment(cr, uid or self.admin_id, {})

    def _create_leads(self, count):
        with db_connect(self.dbname).cursor() as cr:
            leads = self._env(cr, SUPERUSER_ID)["crm.lead"].create(
                [
                    {
                        "name": f"{self.tag} {i}",
                        "type": "lead",
                        "contact_name": f"Person {self.tag} {i}",
                        "partner_name": f"Company {self.tag} {i}",
                        "email_from": f"p{i}@{self.tag}.example",
                    }
                    for i in range(count)
                ]
            )
            lead_ids = leads.ids
        self.addCleanup(self._cleanup, lead_ids)
        return lead_ids

    def _cleanup(self, lead_ids):
        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr, SUPERUSER_ID)
            env["crm.sync.conversion.job"].search(
                [("lead_ids", "in", lead_ids)]
            ).unlink()
            env["ir.cron.trigger"].search(
                [("cron_id", "=", env.ref("crm_sync.crm_sync_conversion_job_cron").id)]
            ).unlink()
            env["res.partner"].with_context(active_test=False).search(
                [
                    "|",
                    ("email", "=like", f"%@{self.tag}.example"),
                    ("name", "=like", f"%{self.tag}%"),
                ]
            ).unlink()
            env["crm.lead"].with_context(active_test=False).browse(
                lead_ids
            ).exists().unlink()

    def _partners(self, env):
        return (
            env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    ("email", "=like", f"%@{self.tag}.example"),
                    ("name", "=like", f"%{self.tag}%"),
                ]
            )
        )

    @mute_logger("odoo.sql_db")
    def test_concurrent_conversion(self):
        """Two transactions convert the same lead: the second one stops at the
        lead's lock, before creating anything, and is told so once retried."""
        (lead_id,) = self._create_leads(1)
        cr_a = db_connect(self.dbname).cursor()
        cr_b = db_connect(self.dbname).cursor()
        try:
            env_a, env_b = self._env(cr_a), self._env(cr_b)
            # B's snapshot predates A's conversion
            self.assertFalse(env_b["crm.lead"].browse(lead_id).crm_sync_converted)
            env_a["crm.lead"].browse(lead_id).crm_sync_convert({})
            cr_a.commit()
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                env_b["crm.lead"].browse(lead_id).crm_sync_convert({})
            cr_b.rollback()
            # Odoo retries the request: now B sees the lead converted
            env_b.invalidate_all()
            with self.assertRaisesRegex(UserError, "converted already"):
                env_b["crm.lead"].browse(lead_id).crm_sync_convert({})
            cr_b.rollback()
        finally:
            cr_a.close()
            cr_b.close()
        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr)
            self.assertTrue(env["crm.lead"].browse(lead_id).crm_sync_converted)
            self.assertEqual(len(self._partners(env)), 2, "one account, one contact")

    @mute_logger("odoo.sql_db")
    def test_concurrent_conversion_in_a_job(self):
        """A job batch meets a lead converted meanwhile by someone else: the
        lead is left for the next run, which reports it converted already."""
        lead_ids = self._create_leads(2)
        with db_connect(self.dbname).cursor() as cr:
            job_id = (
                self._env(cr)["crm.sync.conversion.job"]
                ._crm_sync_create_job([("id", "in", lead_ids)], {}, run_now=False)
                .id
            )
        cr_a = db_connect(self.dbname).cursor()
        cr_b = db_connect(self.dbname).cursor()
        try:
            env_a, env_b = self._env(cr_a), self._env(cr_b)
            job_b = env_b["crm.sync.conversion.job"].sudo().browse(job_id)
            self.assertEqual(job_b._crm_sync_job_pending_keys(), lead_ids)
            env_a["crm.lead"].browse(lead_ids[0]).crm_sync_convert({})
            cr_a.commit()
            job_b._crm_sync_job_run(commit=True)
            cr_b.commit()
            self.assertEqual(job_b.state, "queued", "to be run again")
            self.assertEqual(job_b.line_ids.lead_id.ids, lead_ids[1:])
            self.assertEqual(job_b.line_ids.result, "converted")
        finally:
            cr_a.close()
            cr_b.close()
        with db_connect(self.dbname).cursor() as cr:
            job = self._env(cr)["crm.sync.conversion.job"].sudo().browse(job_id)
            job._crm_sync_job_run(commit=True)
            cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(job.state, "done")
            line = job.line_ids.filtered(lambda line: line.lead_id.id == lead_ids[0])
            self.assertEqual(line.result, "skipped")
            self.assertIn("Already converted", line.reason)
            self.assertEqual(
                (job.converted_count, job.skipped_count, job.failed_count), (1, 1, 0)
            )
            self.assertEqual(len(self._partners(job.env)), 4, "converted once each")

    def test_commit_per_batch_and_resume(self):
        """The cron's run commits each batch: the worker dies in the second
        batch, the first one stays converted, the next run converts the rest
        and nothing twice."""
        lead_ids = self._create_leads(5)
        with db_connect(self.dbname).cursor() as cr:
            job = self._env(cr)["crm.sync.conversion.job"]._crm_sync_create_job(
                [("id", "in", lead_ids)], {}, run_now=False
            )
            job.sudo().batch_size = 2
            job_id = job.id
        with db_connect(self.dbname).cursor() as cr:
            job = self._env(cr, SUPERUSER_ID)["crm.sync.conversion.job"].browse(job_id)
            commits = []
            real_commit = cr.commit

            def commit():
                # the worker dies at the end of the second batch, before its commit
                commits.append(True)
                if len(commits) == 2:
                    raise WorkerKilled
                real_commit()

            with patch.object(cr, "commit", commit), self.assertRaises(WorkerKilled):
                job._crm_sync_job_run(commit=True)
            cr.rollback()
        self.assertEqual(len(commits), 2)

        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr, SUPERUSER_ID)
            job = env["crm.sync.conversion.job"].browse(job_id)
            self.assertEqual(job.state, "running")
            self.assertEqual(job.line_ids.lead_id.ids, lead_ids[:2])
            leads = env["crm.lead"].browse(lead_ids)
            self.assertEqual(
                leads.mapped("crm_sync_converted"), [True, True, False, False, False]
            )
            self.assertEqual(len(self._partners(env)), 4, "the first batch only")
            self.assertEqual(job._crm_sync_job_pending_keys(), lead_ids[2:])
            # the next cron run resumes
            job._crm_sync_job_run(commit=True)
            cr.commit()  # pylint: disable=invalid-commit

        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr, SUPERUSER_ID)
            job = env["crm.sync.conversion.job"].browse(job_id)
            self.assertEqual(job.state, "done")
            self.assertEqual(sorted(job.line_ids.lead_id.ids), lead_ids)
            self.assertEqual(len(job.line_ids), 5, "one result per lead")
            self.assertEqual(
                (
                    job.lead_count,
                    job.processed_count,
                    job.converted_count,
                    job.failed_count,
                    job.skipped_count,
                ),
                (5, 5, 5, 0, 0),
            )
            self.assertTrue(
                all(env["crm.lead"].browse(lead_ids).mapped("crm_sync_converted"))
            )
            partners = self._partners(env)
            self.assertEqual(len(partners), 10, "one account and one contact per lead")
            for i in range(5):
                self.assertEqual(
                    len(
                        partners.filtered(
                            lambda p, i=i: p.email == f"p{i}@{self.tag}.example"
                        )
                    ),
                    1,
                )
