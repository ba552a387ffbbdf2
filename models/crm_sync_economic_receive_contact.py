# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Incoming e-conomic contacts (``customerContactNumber``) ↔ child persons.

Called by ``_crm_sync_economic_receive`` (``crm_sync_economic_receive.py``) with
the full contact list of some customers: linked contacts go through the
three-way rule of their link, new ones are matched to a free child person of
the customer's partner (e-mail, then exactly one with the same name) or created
under it, and a link whose contact left e-conomic's list is removed (the person
is kept). One search for the links, one for the children, one create for the
new persons and one for their links.
"""

from odoo import api, fields, models

from ..utils import economic_mapping as mapping
from ..utils.normalize import normalize_email, normalize_name


class CrmSyncEconomicBackend(models.Model):
    _inherit = "crm.sync.economic.backend"

    # ------------------------------------------------------------------
    # Contacts ↔ child persons
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_economic_contact_body(self, contact):
        """A Legacy REST contact body, also from an OpenAPI Contacts item."""
        if "customerContactNumber" in contact or "number" not in contact:
            return contact
        return {
            "customerContactNumber": contact["number"],
            "name": contact.get("name"),
            "email": contact.get("email"),
            "phone": contact.get("phone"),
            "customer": {"customerNumber": contact.get("customerNumber")},
        }

    def _crm_sync_economic_receive_contacts(
        self, links, contacts_by_customer, push=True
    ):
        """Sync the contacts of the customers of ``links`` that
        ``contacts_by_customer`` has a (full) list for: linked contacts by the
        three-way rule, new ones matched to a child person (e-mail, then one
        with the same name) or created under the partner; a link whose contact
        is gone from the list is removed (the person is kept)."""
        links = links.filtered(
            lambda link: link.customer_number in contacts_by_customer
        )
        if not links:
            return
        Contact = self.env["crm.sync.economic.contact"].sudo()  # sudo: see links
        existing = Contact.search(
            [("backend_id", "=", self.id), ("customer_link_id", "in", links.ids)]
        )
        existing._crm_sync_lock_rows()
        by_number = {contact.contact_number: contact for contact in existing}
        to_push = Contact
        new_contacts = {}
        seen = set()
        for link in links:
            for body in contacts_by_customer[link.customer_number]:
                body = self._crm_sync_economic_contact_body(body)
                if body.get("deleted") or body.get("isDeleted"):
                    continue
                number = int(body["customerContactNumber"])
                seen.add(number)
                values = mapping.contact_to_odoo(body)
                contact_link = by_number.get(number)
                if contact_link and contact_link.customer_link_id == link:
                    if contact_link._crm_sync_economic_apply_remote(
                        values, False, push=push
                    )[1]:
                        to_push |= contact_link
                elif not contact_link:
                    new_contacts[number] = (link, values)
        to_push._crm_sync_queue_push()
        existing.filtered(
            lambda c: c.contact_number and c.contact_number not in seen
        ).unlink()
        self._crm_sync_economic_link_contacts(new_contacts)

    def _crm_sync_economic_link_contacts(self, new_contacts):
        """Link or create the child persons of new contacts ``{number: (customer
        link, values)}``: one search for the children, one create each."""
        if not new_contacts:
            return
        parents = self.env["res.partner"].union(
            *(link.record_id for link, _values in new_contacts.values())
        )
        children = self.env["res.partner"].search(
            [("parent_id", "in", parents.ids), ("is_company", "=", False)]
        )
        Contact = self.env["crm.sync.economic.contact"].sudo()  # sudo: see links
        child_links = Contact.search(
            [("backend_id", "=", self.id), ("record_id", "in", children.ids)]
        )
        # a person linked already is no candidate, unless its link waits for
        # its first push (no number yet): then the link is taken over
        waiting = child_links.filtered(lambda c: not c.contact_number).grouped(
            "record_id"
        )
        taken = child_links.record_id - Contact.union(*waiting.values()).record_id
        free = {}  # {parent id: [children still free]}
        for child in children - taken:
            free.setdefault(child.parent_id.id, []).append(child)
        to_create = []
        for number, (link, values) in new_contacts.items():
            mine = free.get(link.record_id.id, [])
            child = self._crm_sync_economic_match_child(mine, values)
            if not child:
                to_create.append((number, link, values))
                continue
            mine.remove(child)
            vals = self._crm_sync_economic_contact_link_vals(number, link, child.id, {})
            contact_link = waiting.get(child)
            if contact_link:
                contact_link.write(vals)
            else:
                contact_link = Contact.create(vals)
            contact_link._crm_sync_economic_apply_remote(values, False, push=False)
        self._crm_sync_economic_create_children(to_create)

    @api.model
    def _crm_sync_economic_match_child(self, children, values):
        """Of ``children`` (one parent's free persons), the one with the
        contact's e-mail, else the one with its name; None when none or
        several."""
        email = normalize_email(values.get("email") or "")
        name = normalize_name(values.get("name") or "")
        for matches in (
            [c for c in children if email and c.email_normalized == email],
            [c for c in children if name and c.crm_sync_name_key == name],
        ):
            if len(matches) == 1:
                return matches[0]
            if matches:
                return None
        return None

    def _crm_sync_economic_contact_link_vals(self, number, link, partner_id, agreed):
        return {
            "backend_id": self.id,
            "customer_link_id": link.id,
            "record_id": partner_id,
            "contact_number": number,
            "remote_id": str(number),
            "agreed_values": agreed,
            "last_sync": fields.Datetime.now(),
            "state": "in_sync",
        }

    def _crm_sync_economic_create_children(self, to_create):
        if not to_create:
            return
        children = (
            self.env["res.partner"]
            .with_context(**self._crm_sync_economic_create_context())
            .create(
                [
                    {
                        **{fname: value for fname, value in values.items() if value},
                        "parent_id": link.record_id.id,
                        "type": "contact",
                        "is_company": False,
                    }
                    for _number, link, values in to_create
                ]
            )
        )
        # sudo: see links
        self.env["crm.sync.economic.contact"].sudo().create(
            [
                self._crm_sync_economic_contact_link_vals(
                    number, link, child.id, values
                )
                for (number, link, values), child in zip(
                    to_create, children, strict=True
                )
            ]
        )
