# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Issue 9, sections 5 and 8, over XML-RPC as a plain salesman: automatic
matching never picks our own company or our employees, never reactivates an
archived partner, and notes and attachments only go to partners the salesman
may write."""

import base64

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CrmSyncHttpCommon, LeadConvertMixin


@tagged("post_install", "-at_install", "crm_sync", "lead_convert", "hardening")
class TestHardeningConvertHttp(CrmSyncHttpCommon, LeadConvertMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._lead_convert_setup_team()
        cls.env["ir.config_parameter"].set_param("crm_sync.restrict_conversion", False)
        cls.our_partner = cls.env.company.partner_id

    def _lead(self, **values):
        vals = {
            "name": "Web form request",
            "contact_name": "Wendy Web",
            "email_from": "wendy.web@customer.example",
            "phone": "+45 70 10 20 30",
            "website": "https://customer.example",
            "street": "Strandvejen 1",
            "city": "Hellerup",
            "tag_ids": [
                Command.set(self.env["crm.tag"].create({"name": "Web crm_sync"}).ids)
            ],
        }
        vals.update(values)
        return self._create_lead(**vals)

    def _convert(self, lead, options=None):
        return self.rpc(
            self.user_salesman, "crm.lead", "crm_sync_convert", [lead.id], options or {}
        )[str(lead.id)]

    def _dups(self, lead):
        return self.rpc(
            self.user_salesman, "crm.lead", "crm_sync_find_duplicates", [lead.id]
        )[str(lead.id)]

    # -- section 5: never our company, never our employees -------------------

    def test_lead_with_our_company_name_gets_a_new_account(self):
        our = self.our_partner
        before = {
            "vat": our.vat,
            "phone": our.phone,
            "website": our.website,
            "street": our.street,
            "tags": our.category_id.ids,
            "children": our.with_context(active_test=False).child_ids.ids,
        }
        lead = self._lead(partner_name=f"  {our.name.upper()} ")
        dups = self._dups(lead)
        self.assertNotIn(our.id, [c["id"] for c in dups["accounts"]])
        self.assertEqual(dups["suggestion"]["account"], "new")
        res = self._convert(lead)
        self.assertEqual(res["account_action"], "created")
        self.assertNotEqual(res["account_id"], our.id)
        contact = self.env["res.partner"].browse(res["contact_id"])
        self.assertNotEqual(contact.parent_id, our)
        self.assertEqual(
            {
                "vat": our.vat,
                "phone": our.phone,
                "website": our.website,
                "street": our.street,
                "tags": our.category_id.ids,
                "children": our.with_context(active_test=False).child_ids.ids,
            },
            before,
            "our company's partner is left alone",
        )

    def test_lead_with_an_archived_employee_email(self):
        customer = self.env["res.partner"].create(
            {"name": "Customer Corp", "is_company": True}
        )
        ex_employee = new_test_user(
            self.env,
            login="ex.employee",
            name="Erik Exemployee",
            email="erik@former.example",
            groups="base.group_user",
        )
        partner = ex_employee.partner_id
        ex_employee.active = False
        partner.active = False
        parent_before = partner.parent_id
        lead = self._lead(
            partner_name="Customer Corp",
            contact_name="Erik Exemployee",
            email_from="Erik@Former.example",
        )
        dups = self._dups(lead)
        self.assertNotIn(partner.id, [c["id"] for c in dups["contacts"]])
        res = self._convert(lead)
        self.assertEqual(res["account_id"], customer.id)
        self.assertEqual(res["contact_action"], "created")
        self.assertNotEqual(res["contact_id"], partner.id)
        self.assertFalse(partner.active, "never reactivated")
        self.assertEqual(partner.parent_id, parent_before, "never moved")

    def test_active_employee_never_matched(self):
        employee = new_test_user(
            self.env,
            login="still.employee",
            name="Stine Staff",
            email="stine@staff.example",
            groups="base.group_user",
        )
        lead = self._lead(partner_name=False, email_from="stine@staff.example")
        self.assertFalse(self._dups(lead)["contacts"])
        res = self._convert(lead, {"account": False})
        self.assertNotEqual(res["contact_id"], employee.partner_id.id)

    def test_archived_customer_offered_not_reactivated(self):
        archived = self.env["res.partner"].create(
            {
                "name": "Old Wendy",
                "email": "wendy.web@customer.example",
                "active": False,
            }
        )
        lead = self._lead(partner_name=False)
        dups = self._dups(lead)
        self.assertEqual([c["id"] for c in dups["contacts"]], archived.ids)
        self.assertFalse(dups["contacts"][0]["active"])
        # automatic conversion: the archived contact is not taken silently
        self.assertRpcFault(
            self.user_salesman,
            "crm.lead",
            "crm_sync_convert",
            [lead.id],
            {"account": False},
            kinds=("UserError",),
            match="archived",
        )
        self.assertFalse(archived.active)
        # chosen explicitly: linked as it is, still archived, not filled
        res = self._convert(lead, {"account": False, "contact": archived.id})
        self.assertEqual(res["contact_id"], archived.id)
        self.assertFalse(archived.active, "never reactivated by a conversion")
        self.assertFalse(archived.phone)

    def test_archived_contact_not_moved_under_account(self):
        archived = self.env["res.partner"].create(
            {
                "name": "Old Wendy",
                "email": "wendy.web@customer.example",
                "active": False,
            }
        )
        lead = self._lead(partner_name="Brand New Customer ApS")
        res = self._convert(lead, {"contact": archived.id, "account": "new"})
        self.assertEqual(res["contact_id"], archived.id)
        self.assertFalse(archived.active)
        self.assertFalse(archived.parent_id, "an archived contact is not moved")

    # -- section 8: notes and attachments follow write access ----------------

    def _readonly_contact(self):
        contact = self.env["res.partner"].create(
            {"name": "Read Only Wendy", "email": "wendy.web@customer.example"}
        )
        self._crm_sync_deny_write(contact)
        return contact

    def _lead_with_note_and_attachment(self, **values):
        lead = self._lead(partner_name=False, **values)
        note = lead.with_user(self.user_salesman).message_post(
            body="Secret pricing note",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": "pricing.txt",
                "datas": base64.b64encode(b"pricing"),
                "res_model": "crm.lead",
                "res_id": lead.id,
            }
        )
        return lead, note, attachment

    def test_notes_stay_on_lead_for_readonly_contact(self):
        contact = self._readonly_contact()
        lead, note, attachment = self._lead_with_note_and_attachment()
        res = self._convert(lead, {"account": False})
        self.assertEqual(res["contact_id"], contact.id)
        self.assertEqual((note.model, note.res_id), ("crm.lead", lead.id))
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("crm.lead", lead.id)
        )
        self.assertFalse(
            self.env["mail.message"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", contact.id),
                    ("body", "ilike", "Secret pricing"),
                ]
            )
        )
        self.assertEqual(sorted(res["kept_on_lead"]), ["attachments", "notes"])
        self.assertIn(contact.id, res["readonly_partner_ids"])

    def test_notes_not_copied_to_readonly_contact_with_deal(self):
        contact = self._readonly_contact()
        lead, note, attachment = self._lead_with_note_and_attachment()
        res = self._convert(
            lead,
            {"account": False, "create_deal": True, "attachments_target": "contact"},
        )
        self.assertEqual(res["contact_id"], contact.id)
        self.assertFalse(
            self.env["mail.message"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", contact.id),
                    ("body", "ilike", "Secret pricing"),
                ]
            )
        )
        self.assertEqual((note.model, note.res_id), ("crm.lead", lead.id))
        self.assertEqual(attachment.res_model, "crm.lead")
        self.assertIn("notes", res["kept_on_lead"])
        self.assertIn("attachments", res["kept_on_lead"])

    def test_notes_moved_to_writable_contact(self):
        lead, note, attachment = self._lead_with_note_and_attachment()
        res = self._convert(lead, {"account": False})
        self.assertEqual((note.model, note.res_id), ("res.partner", res["contact_id"]))
        self.assertEqual(
            (attachment.res_model, attachment.res_id),
            ("res.partner", res["contact_id"]),
        )
        self.assertEqual(res["kept_on_lead"], [])
