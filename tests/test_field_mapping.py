# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.crm_sync.models.crm_sync_field_mapping import CrmSyncFieldMapping

from .common import CrmSyncCommon


@tagged("post_install", "-at_install", "crm_sync", "field_mapping")
class TestFieldMapping(CrmSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Mapping = cls.env["crm.sync.field.mapping"]
        cls.IrField = cls.env["ir.model.fields"]
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Mapping Account",
                "is_company": True,
                "street": "Vesterbrogade 1",
                "city": "København",
                "comment": "<p>Key account</p>",
            }
        )

    @classmethod
    def _custom_field(cls, model, name, ttype="char", **values):
        return cls.IrField.create(
            {
                "model_id": cls.env["ir.model"]._get_id(model),
                "name": name,
                "field_description": name.replace("x_", "").replace("_", " ").title(),
                "ttype": ttype,
                "state": "manual",
                **values,
            }
        )

    def _field(self, model, name):
        return self.IrField._get(model, name)

    def _mapping(self, source, target, usage="company", **values):
        source_model, target_model = {
            "company": ("res.partner", "res.company"),
            "lead_contact": ("crm.lead", "res.partner"),
            "lead_deal": ("crm.lead", "crm.lead"),
        }[usage]
        return self.Mapping.create(
            {
                "usage": usage,
                "source_field_id": self._field(source_model, source).id,
                "target_field_id": self._field(target_model, target).id,
                **values,
            }
        )

    def test_default_company_mapping(self):
        """The shipped default is valid and fills the company's report header block."""
        default = self.env.ref("crm_sync.crm_sync_field_mapping_company_details")
        self.assertEqual(default.usage, "company")
        self.assertEqual(default.target_field_id.name, "company_details")
        values = self.Mapping._crm_sync_mapped_values("company", self.partner)
        self.assertIn("Vesterbrogade 1", values["company_details"])
        self.assertIn("København", values["company_details"])
        self.assertTrue(values["company_details"].startswith("<p>"))

    def test_custom_fields_compatible(self):
        """Custom x_ fields map onto each other, incl. a safe widening."""
        self._custom_field("res.partner", "x_crm_sync_segment", size=20)
        self._custom_field("res.company", "x_crm_sync_segment", size=30)
        self._custom_field("res.company", "x_crm_sync_notes", ttype="html")
        self._mapping("x_crm_sync_segment", "x_crm_sync_segment")
        self._mapping("x_crm_sync_segment", "x_crm_sync_notes")
        self.partner.x_crm_sync_segment = "Enterprise <EU>"
        values = self.Mapping._crm_sync_mapped_values("company", self.partner)
        self.assertEqual(values["x_crm_sync_segment"], "Enterprise <EU>")
        # char -> html is escaped, never injected as markup
        self.assertEqual(values["x_crm_sync_notes"], "<p>Enterprise &lt;EU&gt;</p>")

    def test_custom_field_too_short(self):
        """A bounded custom target shorter than the source is refused, clearly."""
        self._custom_field("res.partner", "x_crm_sync_code", size=20)
        self._custom_field("res.company", "x_crm_sync_code", size=5)
        with self.assertRaisesRegex(ValidationError, "at most 5 characters"):
            self._mapping("x_crm_sync_code", "x_crm_sync_code")

    def test_incompatible_types(self):
        cases = [
            ("company", "comment", "report_footer", None),  # html -> html: fine
            ("company", "comment", "primary_color", "does not widen"),
            ("company", "country_id", "currency_id", "different models"),
            ("company", "partner_latitude", "sequence", "does not widen"),
            ("company", "name", "logo_web", "read-only"),
            ("lead_deal", "priority", "type", "does not accept the values"),
        ]
        for usage, source, target, error in cases:
            with self.subTest(source=source, target=target):
                if error is None:
                    self.assertTrue(self._mapping(source, target, usage=usage))
                    continue
                with self.assertRaisesRegex(ValidationError, error):
                    self._mapping(source, target, usage=usage)

    def test_wrong_model_refused(self):
        with self.assertRaisesRegex(ValidationError, "must belong to res.company"):
            self.Mapping.create(
                {
                    "usage": "company",
                    "source_field_id": self._field("res.partner", "ref").id,
                    "target_field_id": self._field("res.partner", "ref").id,
                }
            )

    def test_target_mapped_once(self):
        self._mapping("comment", "report_footer")
        with self.assertRaisesRegex(ValidationError, "already mapped"):
            self._mapping("comment", "report_footer")

    def test_if_empty_mode(self):
        mapping = self._mapping("comment", "report_footer", mode="if_empty")
        company = self.env.company
        company.report_footer = "<p>Existing footer</p>"
        values = self.Mapping._crm_sync_mapped_values("company", self.partner, company)
        self.assertNotIn("report_footer", values)
        company.report_footer = False
        values = self.Mapping._crm_sync_mapped_values("company", self.partner, company)
        self.assertIn("Key account", values["report_footer"])
        mapping.mode = "always"
        company.report_footer = "<p>Existing footer</p>"
        values = self.Mapping._crm_sync_mapped_values("company", self.partner, company)
        self.assertIn("Key account", values["report_footer"])

    def test_empty_source_skipped_and_archived_ignored(self):
        mapping = self._mapping("comment", "report_footer")
        self.partner.comment = False
        values = self.Mapping._crm_sync_mapped_values("company", self.partner)
        self.assertNotIn("report_footer", values)
        self.partner.comment = "<p>Back</p>"
        mapping.active = False
        values = self.Mapping._crm_sync_mapped_values("company", self.partner)
        self.assertNotIn("report_footer", values)

    def test_selection_to_char_uses_label(self):
        self._custom_field("crm.lead", "x_crm_sync_priority_label")
        self._mapping("priority", "x_crm_sync_priority_label", usage="lead_deal")
        lead = self.env["crm.lead"].create({"name": "Mapped lead", "priority": "3"})
        values = self.Mapping._crm_sync_mapped_values("lead_deal", lead)
        self.assertEqual(values["x_crm_sync_priority_label"], "Very High")

    def test_many2many_same_relation(self):
        self._custom_field(
            "res.company",
            "x_crm_sync_tag_ids",
            ttype="many2many",
            relation="res.partner.category",
        )
        self._mapping("category_id", "x_crm_sync_tag_ids")
        tag = self.env["res.partner.category"].create({"name": "VIP"})
        self.partner.category_id = tag
        values = self.Mapping._crm_sync_mapped_values("company", self.partner)
        company = self.env["res.company"].create({"name": "M2M Target Co", **values})
        self.assertEqual(company.x_crm_sync_tag_ids, tag)

    def test_extension_hook(self):
        """Modules extend the values through _crm_sync_extend_mapped_values."""
        original = CrmSyncFieldMapping._crm_sync_extend_mapped_values

        def extend(mapping_model, usage, source_record, target_record, values):
            values = original(
                mapping_model, usage, source_record, target_record, values
            )
            return dict(values, report_header=f"<p>{source_record.name}</p>")

        with patch.object(
            CrmSyncFieldMapping, "_crm_sync_extend_mapped_values", extend
        ):
            values = self.Mapping._crm_sync_mapped_values("company", self.partner)
        self.assertEqual(values["report_header"], "<p>Mapping Account</p>")
        self.assertIn("company_details", values)

    def test_access_rights(self):
        """CRM Sync users read the mappings; only managers change them."""
        default = self.env.ref("crm_sync.crm_sync_field_mapping_company_details")
        as_salesman = default.with_user(self.user_salesman)
        self.assertEqual(as_salesman.usage, "company")
        with self.assertRaises(AccessError):
            as_salesman.mode = "always"
        with self.assertRaises(AccessError):
            self.Mapping.with_user(self.user_salesman).create(
                {
                    "usage": "company",
                    "source_field_id": self._field("res.partner", "comment").id,
                    "target_field_id": self._field("res.company", "report_footer").id,
                }
            )
        with self.assertRaises(AccessError):
            default.with_user(self.user_portal).read(["usage"])
        mapping = self.Mapping.with_user(self.user_sales_manager).create(
            {
                "usage": "company",
                "source_field_id": self._field("res.partner", "comment").id,
                "target_field_id": self._field("res.company", "report_footer").id,
            }
        )
        mapping.mode = "if_empty"
        self.assertEqual(mapping.mode, "if_empty")

    def test_form_as_manager(self):
        """A CRM Sync manager configures a line in the form, by usage."""
        self._custom_field("crm.lead", "x_crm_sync_badge")
        self._custom_field("res.partner", "x_crm_sync_badge")
        Mapping = self.Mapping.with_user(self.user_sales_manager)
        mapping_form = Form(Mapping)
        mapping_form.usage = "lead_contact"
        self.assertEqual(mapping_form.source_model, "crm.lead")
        self.assertEqual(mapping_form.target_model, "res.partner")
        mapping_form.source_field_id = self._field("crm.lead", "x_crm_sync_badge")
        mapping_form.target_field_id = self._field("res.partner", "x_crm_sync_badge")
        mapping_form.mode = "if_empty"
        mapping = mapping_form.save()
        self.assertEqual(mapping.source_ttype, "char")
        # changing the usage drops fields of the wrong models
        mapping_form = Form(mapping)
        mapping_form.usage = "company"
        self.assertFalse(mapping_form.source_field_id)
        self.assertFalse(mapping_form.target_field_id)
