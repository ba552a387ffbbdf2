# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion, last step: the lead's notes and attachments follow the
conversion (to the deal, the contact or the account), only to partners the
user may write: otherwise they stay on the lead, and the lead says so."""

from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _crm_sync_move_notes(self, plans, options):
        """Notes: on the deal (the lead) with copies on account and contact, or
        moved to the contact when there is no deal; never to a partner the
        user may not write (the superuser never writes there for him): they
        stay on the lead (``plan["kept_on_lead"]``)."""
        by_lead = self._crm_sync_lead_notes([plan["lead"].id for plan in plans])
        if not by_lead:
            return
        Message = self.env["mail.message"].sudo()  # sudo: see _crm_sync_lead_notes
        copies = []
        moved = {}
        for plan in plans:
            lead_notes = by_lead.get(plan["lead"].id)
            if not lead_notes:
                continue
            contact = plan["contact"][1]
            account = plan["account"][1]
            readonly = set(plan.get("readonly", []))
            if readonly & set((contact | account).ids):
                plan["kept_on_lead"].append("notes")
            if options["create_deal"]:
                for target in (account, contact):
                    if target and target.id not in readonly:
                        copies += self._crm_sync_note_copies(lead_notes, target)
            elif contact.id not in readonly:
                moved[contact.id] = moved.get(contact.id, Message) | lead_notes
        # one write per contact (leads merged into one contact share it)
        for contact_id, contact_notes in moved.items():
            contact_notes.write({"model": "res.partner", "res_id": contact_id})
        if copies:
            Message.create(copies)

    @api.model
    def _crm_sync_lead_notes(self, lead_ids):
        """The notes logged on the leads: ``{lead id: mail.message}``."""
        # sudo: chatter bookkeeping of leads the user was allowed to convert
        Message = self.env["mail.message"].sudo()
        notes = Message.search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "in", lead_ids),
                ("message_type", "=", "comment"),
                ("subtype_id", "=", self.env.ref("mail.mt_note").id),
            ],
            order="id",
        )
        by_lead = {}
        for note in notes:
            by_lead[note.res_id] = by_lead.get(note.res_id, Message) | note
        return by_lead

    @api.model
    def _crm_sync_note_copies(self, notes, target):
        """Values of copies of ``notes`` on the partner ``target``."""
        return [
            {
                "model": "res.partner",
                "res_id": target.id,
                "body": note.body,
                "author_id": note.author_id.id,
                "date": note.date,
                "message_type": "comment",
                "subtype_id": note.subtype_id.id,
            }
            for note in notes
        ]

    @api.model
    def _crm_sync_move_attachments(self, plans, options):
        """The lead's attachments go to the chosen target, unless the user may
        not write it: then they stay on the lead (``plan["kept_on_lead"]``)."""
        lead_ids = [plan["lead"].id for plan in plans]
        # sudo: attachments of leads the user was allowed to convert
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", lead_ids)])
        )
        if not attachments:
            return
        target_kind = options["attachments_target"]
        if target_kind == "deal":
            return  # the deal is the lead itself
        by_target = {}
        plan_by_lead = {plan["lead"].id: plan for plan in plans}
        for attachment in attachments:
            plan = plan_by_lead[attachment.res_id]
            # no account: the attachments go to the contact
            target = plan["account"][1] if target_kind == "account" else None
            target = target or plan["contact"][1]
            if target.id in plan.get("readonly", []):
                if "attachments" not in plan["kept_on_lead"]:
                    plan["kept_on_lead"].append("attachments")
                continue
            by_target.setdefault(target.id, attachments.browse())
            by_target[target.id] |= attachment
        for target_id, group in by_target.items():
            group.write({"res_model": "res.partner", "res_id": target_id})

    @api.model
    def _crm_sync_log_kept_on_lead(self, plans):
        """Say on each lead which notes or attachments stayed there, and why."""
        what = {"notes": self.env._("notes"), "attachments": self.env._("attachments")}
        bodies = {}
        for plan in plans:
            kept = plan["kept_on_lead"]
            if not kept:
                continue
            partners = self.env["res.partner"].browse(plan["readonly"])
            bodies[plan["lead"].id] = self.env._(
                "The %(what)s of this lead stay here: you may not modify "
                "%(partners)s.",
                what=", ".join(what[k] for k in sorted(kept)),
                partners=", ".join(partners.mapped("display_name")),
            )
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies=bodies)
