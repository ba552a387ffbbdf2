"""Mass conversion: by selection or criteria, in batches, resumable, summarised."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CrmSyncCommon, LeadConvertMixin


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
        job._crm_sync_run()
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
        job.with_user(self.user_salesman)._crm_sync_process_batch(
            self.leads[:3].ids, job._crm_sync_options()
        )
        job.state = "running"
        self.assertEqual(job._crm_sync_pending_leads(), self.leads[3:].ids)
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
