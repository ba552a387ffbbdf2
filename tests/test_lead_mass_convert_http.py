# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Background mass conversions launched over XML-RPC by a plain salesman: the
job runs in the companies he launched it in, stops when he may no longer run
it, reports deleted leads and can be cancelled (issue 9 §6, issue 8 §3)."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CrmSyncHttpCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "lead_convert")
class TestLeadMassConvertHttp(CrmSyncHttpCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup_team()
        cls.company_b = cls.env["res.company"].create({"name": "Job Company B"})
        cls.user_salesman.company_ids = [Command.link(cls.company_b.id)]
        cls.team_b = cls.env["crm.team"].create(
            {
                "name": "Convert Team B",
                "company_id": cls.company_b.id,
            }
        )
        cls.env["ir.config_parameter"].set_param("crm_sync.mass_convert_sync_limit", 0)

    def _queue(self, leads, user=None):
        """The salesman launches a background mass conversion over XML-RPC,
        without any context (as an integration script does)."""
        return self.rpc(
            user or self.user_salesman,
            "crm.lead",
            "crm_sync_mass_convert",
            [("id", "in", leads.ids)],
            {},
        )

    def _read_job(self, job_id, user=None, extra=()):
        fields = ["state", "lead_count", "processed_count", "converted_count"]
        return self.rpc(
            user or self.user_salesman,
            "crm.sync.conversion.job",
            "read",
            [job_id],
            fields + list(extra),
        )[0]

    def _run_cron(self):
        self.env["crm.sync.conversion.job"]._cron_process()
        self.env.invalidate_all()

    def test_runs_in_the_companies_it_was_launched_in(self):
        """Leads of both of the salesman's companies, launched over XML-RPC
        with no context: the cron converts them all."""
        leads = self._create_leads(
            2, "CoA", as_user=self.env.user
        ) | self._create_leads(2, "CoB", self.team_b, as_user=self.env.user)
        job_id = self._queue(leads)
        self.assertEqual(self._read_job(job_id)["state"], "queued")
        self._run_cron()
        job = self._read_job(job_id)
        self.assertEqual(
            (job["state"], job["lead_count"], job["converted_count"]), ("done", 4, 4)
        )
        self.assertTrue(all(leads.mapped("crm_sync_converted")))

    def test_company_removed_after_queuing(self):
        """The job runs only in the companies its user still has."""
        leads_a, leads_b = (
            self._create_leads(1, "OnlyA", as_user=self.env.user),
            self._create_leads(1, "LostB", self.team_b, as_user=self.env.user),
        )
        job_id = self._queue(leads_a | leads_b)
        self.user_salesman.company_ids = [Command.unlink(self.company_b.id)]
        self._run_cron()
        job = self.env["crm.sync.conversion.job"].browse(job_id)
        self.assertEqual(
            (job.state, job.converted_count, job.failed_count), ("done", 1, 1)
        )
        self.assertTrue(leads_a.crm_sync_converted)
        self.assertFalse(leads_b.crm_sync_converted)

    def test_user_archived_after_queuing(self):
        leads = self._create_leads(2, "Archived", as_user=self.env.user)
        job_id = self._queue(leads)
        self.user_salesman.active = False
        self._run_cron()
        job = self._read_job(job_id, self.user_sales_manager, ["message"])
        self.assertEqual((job["state"], job["processed_count"]), ("stopped", 0))
        self.assertIn("archived", job["message"])
        self.assertFalse(any(leads.mapped("crm_sync_converted")))
        # back at work: a manager resumes it
        self.user_salesman.active = True
        self.rpc(
            self.user_sales_manager,
            "crm.sync.conversion.job",
            "action_crm_sync_resume",
            [job_id],
        )
        self._run_cron()
        self.assertEqual(self._read_job(job_id)["state"], "done")
        self.assertTrue(all(leads.mapped("crm_sync_converted")))

    def test_right_lost_after_queuing(self):
        leads = self._create_leads(2, "Lost", as_user=self.env.user)
        job_id = self._queue(leads)
        self.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", True)
        self._run_cron()
        job = self._read_job(job_id, extra=["message"])
        self.assertEqual((job["state"], job["processed_count"]), ("stopped", 0))
        self.assertIn("Convert leads", job["message"])
        self.assertFalse(any(leads.mapped("crm_sync_converted")))

    def test_lead_deleted_between_batches(self):
        leads = self._create_leads(5, "Deleted", as_user=self.env.user)
        job_id = self._queue(leads)
        job = self.env["crm.sync.conversion.job"].browse(job_id)
        job.batch_size = 2
        job._crm_sync_job_run(max_batches=1)
        self.assertEqual((job.state, job.processed_count), ("running", 2))
        gone_id = leads[3].id
        leads[3].unlink()
        self._run_cron()
        self.assertEqual(
            (job.state, job.lead_count, job.processed_count), ("done", 5, 5)
        )
        (line,) = self.rpc(
            self.user_salesman,
            "crm.sync.conversion.job.line",
            "search_read",
            [("job_id", "=", job_id), ("res_id", "=", gone_id)],
            ["lead_id", "result", "reason"],
        )
        self.assertFalse(line["lead_id"])
        self.assertEqual(line["result"], "skipped")
        self.assertIn(f"#{gone_id}", line["reason"])
        self.assertEqual(job.converted_count, 4)

    def test_lead_deleted_before_the_run(self):
        leads = self._create_leads(2, "Gone", as_user=self.env.user)
        job_id = self._queue(leads)
        gone_id = leads[0].id
        leads[0].unlink()
        self._run_cron()
        job = self.env["crm.sync.conversion.job"].browse(job_id)
        self.assertEqual(
            (job.lead_count, job.converted_count, job.skipped_count), (2, 1, 1)
        )
        line = job.line_ids.filtered(lambda line: line.res_id == gone_id)
        self.assertIn(f"#{gone_id}", line.reason)

    def test_cancel(self):
        """The salesman cancels his queued job over XML-RPC; another salesman
        cannot."""
        leads = self._create_leads(2, "Cancel", as_user=self.env.user)
        job_id = self._queue(leads)
        other = new_test_user(
            self.env,
            login="crm_sync_other_salesman",
            groups="sales_team.group_sale_salesman",
        )
        self.assertRpcFault(
            other,
            "crm.sync.conversion.job",
            "action_crm_sync_cancel",
            [job_id],
            kinds=("AccessError",),
        )
        self.assertTrue(
            self.rpc(
                self.user_salesman,
                "crm.sync.conversion.job",
                "action_crm_sync_cancel",
                [job_id],
            )
        )
        self._run_cron()
        job = self._read_job(job_id)
        self.assertEqual((job["state"], job["processed_count"]), ("cancelled", 0))
        self.assertFalse(any(leads.mapped("crm_sync_converted")))
