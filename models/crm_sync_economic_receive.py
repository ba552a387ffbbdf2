# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Incoming e-conomic customers → partners (webhook events, the poll, the import).

``backend._crm_sync_economic_receive(customers, contacts_by_customer, mode)``
takes e-conomic customers (Legacy REST bodies) a batch at a time:

- a linked customer goes through the three-way rule of its link
  (``crm.sync.binding._crm_sync_decide``): a value changed in e-conomic only is
  written, one changed in the CRM only is pushed (after commit), one changed on
  both sides becomes a proposal whose source is the link (the CRM value is never
  overwritten silently), equal values (echoes of our own pushes) change nothing;
  the agreed values and ``lastUpdated`` are recorded;
- an unlinked customer is matched first (issue 10 §5, one query per batch):
  company ID or VAT number, then one of its e-mails, then exactly one company
  with the same name → linked (empty fields filled, different values proposed);
  several candidates → to review (nothing created); else a new company partner;
- contacts (``customerContactNumber``) ↔ child persons, the same way
  (``crm_sync_economic_receive_contact.py``).

A country text that matches no country is kept visibly: the partner's country is
left as it is (never cleared, never pushed over the text) and a chatter note
quotes the e-conomic text (docs/ECONOMIC_INCOMING.md).
"""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, html2plaintext

from ..utils import economic_mapping as mapping
from ..utils import three_way
from ..utils.normalize import normalize_email, normalize_name

_logger = logging.getLogger(__name__)

RECEIVE_MODES = ("update", "import")
#: partners created from e-conomic: no push back, no "created" note or
#: follower per partner (the link records where they come from)
CREATE_CONTEXT = {
    "crm_sync_no_export": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "tracking_disable": True,
}


def write_vals(values):
    """JSON-form values as ``write()`` values."""
    return {fname: False if value is None else value for fname, value in values.items()}


def apply_remote(link, values, version, push=True):
    """The three-way rule for ``link`` (a customer or contact link) and
    e-conomic's ``values`` (JSON form; a field left out is not synced now).

    Remote-only changes are written (without triggering a push back), both-side
    changes proposed with the link as source, equal values (echoes) only
    recorded as agreed. CRM-only values stay out of the agreed values until
    pushed (``_crm_sync_mark_pushed``).

    :return: ``(changed, to push)``: whether the partner was written or a
        proposal made, and whether CRM values are to be pushed (the caller
        queues the push, once for the batch).
    """
    link.ensure_one()
    partner = link.record_id
    fnames = [fname for fname in link._crm_sync_field_names() if fname in values]
    local = link._crm_sync_values_of(partner, fnames)
    decisions = link._crm_sync_three_way(
        partner, link.agreed_values or {}, values, fnames, local_values=local
    )
    to_local, to_remote, conflicts, agreed = three_way.split(decisions, local, values)
    if to_local:
        partner.with_context(crm_sync_no_export=True).write(write_vals(to_local))
    if conflicts:
        link.env["crm.sync.proposal"]._propose(
            {partner: {fname: remote for fname, (_l, remote) in conflicts.items()}},
            source=link,
        )
    agreed = {fname: value for fname, value in agreed.items() if fname not in to_remote}
    vals = {
        "agreed_values": {**(link.agreed_values or {}), **agreed},
        "last_sync": fields.Datetime.now(),
        "state": "differs" if conflicts else "in_sync",
        "difference_count": len(conflicts),
        "last_error": False,
    }
    if version:
        vals["remote_version"] = version
    link.write(vals)  # one write: agreed values (as _crm_sync_record_agreed) and state
    return bool(to_local or conflicts), bool(push and to_remote)


class CrmSyncEconomicBackend(models.Model):
    _inherit = "crm.sync.economic.backend"

    # ------------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------------

    def _crm_sync_economic_receive(
        self, customers, contacts_by_customer=None, mode="update"
    ):
        """Bring e-conomic ``customers`` into the CRM (see the module doc).

        :param list customers: customer bodies (``customerNumber`` required)
        :param dict contacts_by_customer: ``{customer number: [contact bodies]}``,
            the full contact list of the customers it has a key for (contacts of
            other customers are left as they are); None: contacts untouched
        :param str mode: ``update`` (webhooks, poll) or ``import``: an import
            never writes to e-conomic (CRM-only values are pushed on the next
            sync of the customer)
        :return: ``{customer number: {"result": created|linked|updated|unchanged|
            to_review|error, "partner_id": id|False, "reason": str|False}}``
            (to_review: also ``candidate_ids``)
        """
        self.ensure_one()
        by_number = {}
        for customer in customers:
            by_number[int(customer["customerNumber"])] = customer  # the last one wins
        if not by_number:
            return {}
        links = self._crm_sync_economic_lock_links(list(by_number))
        remote = {
            number: self._crm_sync_economic_remote_values(customer)
            for number, customer in by_number.items()
        }
        linked = {link.customer_number: link for link in links}
        results = self._crm_sync_economic_update_links(
            links, by_number, remote, push=mode != "import"
        )
        unlinked = {n: c for n, c in by_number.items() if n not in linked}
        new_links, unlinked_results = self._crm_sync_economic_link_or_create(
            unlinked, remote
        )
        results.update(unlinked_results)
        self._crm_sync_economic_note_unknown_countries(links | new_links, remote)
        self._crm_sync_economic_receive_done(
            by_number, results, links | new_links, contacts_by_customer, mode
        )
        return results

    def _crm_sync_economic_receive_done(
        self, by_number, results, links, contacts_by_customer, mode
    ):
        """The end of a receive: customers to review listed (webhooks, poll:
        the import lists its own), contacts synced, the last sync noted."""
        if mode != "import":
            self._crm_sync_economic_review_later(
                [
                    by_number[n]
                    for n, res in results.items()
                    if res["result"] == "to_review"
                ],
                results,
            )
        if contacts_by_customer is not None:
            self._crm_sync_economic_receive_contacts(
                links, contacts_by_customer, push=mode != "import"
            )
        # sudo: bookkeeping of the backend (last sync time), only when its row
        # is free: concurrent syncs of one backend never wait for each other
        backend = self.sudo()
        if backend._crm_sync_lock_rows(nowait=True):
            backend.write({"last_sync": fields.Datetime.now()})

    @api.model
    def _crm_sync_economic_create_context(self):
        """Context of partners created from e-conomic data."""
        return CREATE_CONTEXT

    def _crm_sync_economic_link_model(self):
        # sudo: links are bookkeeping written by the sync itself; what it may
        # change on partners was decided by the caller (cron, manager's job)
        return self.env["crm.sync.economic.customer"].sudo()

    def _crm_sync_economic_lock_links(self, numbers):
        """This backend's links of ``numbers``, row-locked for the transaction:
        two events for one customer are handled one after the other."""
        links = self._crm_sync_economic_link_model().search(
            [("backend_id", "=", self.id), ("customer_number", "in", numbers)]
        )
        links._crm_sync_lock_rows()
        return links

    def _crm_sync_economic_remote_values(self, customer):
        """``(values, unknown country text or None)``: the customer mapped to
        partner fields in the JSON form of links (country as an id). An
        unknown country text is left out of the values (see the module doc)."""
        values = mapping.customer_to_odoo(customer)
        unknown = None
        text = values.get("country_id")
        if text:
            country_id = self._crm_sync_economic_country_id(text)
            if country_id:
                values["country_id"] = country_id
            else:
                values.pop("country_id")
                unknown = text
        else:
            values["country_id"] = False
        return values, unknown

    @api.model
    def _crm_sync_economic_version(self, customer):
        return customer.get("lastUpdated") or False

    # ------------------------------------------------------------------
    # Linked customers: the three-way rule
    # ------------------------------------------------------------------

    def _crm_sync_economic_update_links(self, links, by_number, remote, push=True):
        """Apply the three-way rule to the customers of ``links``."""
        results = {}
        to_push = links.browse()
        for link in links:
            number = link.customer_number
            values, _unknown = remote[number]
            changed, pushed = link._crm_sync_economic_apply_remote(
                values,
                self._crm_sync_economic_version(by_number[number]),
                push=push,
            )
            if pushed:
                to_push |= link
            results[number] = {
                "result": "updated" if changed else "unchanged",
                "partner_id": link.record_id.id,
                "reason": False,
            }
        to_push._crm_sync_queue_push()
        return results

    # ------------------------------------------------------------------
    # Unlinked customers: match, link or create
    # ------------------------------------------------------------------

    def _crm_sync_economic_link_or_create(self, unlinked, remote):
        """Match ``unlinked`` customers ({number: body}); link, create, or
        leave to review. :return: (new links, results)"""
        Link = self._crm_sync_economic_link_model()
        if not unlinked:
            return Link, {}
        matches = self._crm_sync_economic_match(unlinked)
        results = {}
        to_link = {}
        to_create = []
        for number, match in matches.items():
            if match["result"] == "link":
                to_link[number] = match
            elif match["result"] == "create":
                to_create.append(number)
            else:
                results[number] = {
                    "result": "to_review",
                    "partner_id": False,
                    "reason": match["reason"],
                    "candidate_ids": match["candidate_ids"],
                }
        new_links = self._crm_sync_economic_create_partners(to_create, unlinked, remote)
        for link in new_links:
            results[link.customer_number] = {
                "result": "created",
                "partner_id": link.record_id.id,
                "reason": False,
            }
        linked = self._crm_sync_economic_link_partners(to_link, unlinked, remote)
        for link in linked:
            results[link.customer_number] = {
                "result": "linked",
                "partner_id": link.record_id.id,
                "reason": to_link[link.customer_number]["reason"],
            }
        return new_links | linked, results

    def _crm_sync_economic_link_vals(self, number, partner_id, values, customer):
        return {
            "backend_id": self.id,
            "record_id": partner_id,
            "customer_number": number,
            "remote_id": str(number),
            "remote_version": self._crm_sync_economic_version(customer),
            "agreed_values": values,
            "last_sync": fields.Datetime.now(),
            "state": "in_sync",
        }

    def _crm_sync_economic_create_partners(self, numbers, customers, remote):
        """One company partner and one link per customer: two creates."""
        Link = self._crm_sync_economic_link_model()
        if not numbers:
            return Link
        vals_list = []
        for number in numbers:
            values = remote[number][0]
            vals_list.append(
                {
                    **{fname: value for fname, value in values.items() if value},
                    "is_company": True,
                }
            )
        partners = (
            self.env["res.partner"].with_context(**CREATE_CONTEXT).create(vals_list)
        )
        return Link.create(
            [
                self._crm_sync_economic_link_vals(
                    number, partner.id, remote[number][0], customers[number]
                )
                for number, partner in zip(numbers, partners, strict=True)
            ]
        )

    def _crm_sync_economic_link_partners(self, to_link, customers, remote):
        """Link existing partners: empty fields filled, different values
        proposed (three-way without a base), CRM-only values left to push. A
        link the push policy made and that has no number yet is taken over."""
        Link = self._crm_sync_economic_link_model()
        if not to_link:
            return Link
        waiting = Link.search(
            [
                ("backend_id", "=", self.id),
                ("record_id", "in", [m["partner_id"] for m in to_link.values()]),
                ("customer_number", "in", [0, False]),
            ]
        ).grouped("record_id")
        links = Link
        vals_list = []
        for number, match in to_link.items():
            vals = self._crm_sync_economic_link_vals(
                number, match["partner_id"], {}, customers[number]
            )
            link = waiting.get(self.env["res.partner"].browse(match["partner_id"]))
            if link:
                link.write(vals)
                links |= link
            else:
                vals_list.append(vals)
        links |= Link.create(vals_list)
        for link in links:
            number = link.customer_number
            link._crm_sync_economic_apply_remote(
                remote[number][0],
                self._crm_sync_economic_version(customers[number]),
                push=False,
            )
        return links

    # ------------------------------------------------------------------
    # Matching (issue 10 §5)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_economic_keys(self, customer):
        """The match keys of a customer: company ids, e-mails, name."""
        ids = {
            mapping.normalize_company_id(customer.get(key) or "")
            for key in ("corporateIdentificationNumber", "vatNumber")
        } - {"", None}
        emails = {
            normalize_email(email)
            for email in mapping.split_emails(customer.get("email") or "")
        } - {None}
        return {
            "ids": ids,
            "emails": emails,
            "name": normalize_name(customer.get("name") or ""),
        }

    def _crm_sync_economic_match(self, customers):
        """``{number: {"result": link|create|review, "partner_id", "reason",
        "candidate_ids"}}`` for unlinked ``customers``; one query for the batch.
        A partner is taken by one customer of the batch at most."""
        keys = {n: self._crm_sync_economic_keys(c) for n, c in customers.items()}
        index = self._crm_sync_economic_index(
            self._crm_sync_economic_candidate_rows(keys)
        )
        taken = set()
        matches = {}
        for number, key in keys.items():
            match = self._crm_sync_economic_match_one(key, index, taken)
            if match["result"] == "link":
                taken.add(match["partner_id"])
            matches[number] = match
        return matches

    @api.model
    def _crm_sync_economic_index(self, rows):
        """Candidate rows by key: ``{"ids"|"emails"|"name": {key: {id: row}}}``."""
        index = {"ids": {}, "emails": {}, "name": {}}
        for row in rows:
            for kind, values in (
                ("ids", row["ids"]),
                ("emails", {row["email"]} - {None}),
                ("name", {row["name"]} - {None}),
            ):
                for value in values:
                    index[kind].setdefault(value, {})[row["id"]] = row
        return index

    def _crm_sync_economic_match_one(self, key, index, taken):
        rules = (
            ("ids", key["ids"], self.env._("Same company ID or VAT number")),
            ("emails", key["emails"], self.env._("Same e-mail address")),
            ("name", {key["name"]} - {None}, self.env._("Same company name")),
        )
        for kind, values, label in rules:
            found = {}
            for value in values:
                found.update(index[kind].get(value, {}))
            candidates = [found[partner_id] for partner_id in sorted(found)]
            if not candidates:
                continue
            free = [row for row in candidates if row["id"] not in taken]
            if len(candidates) == 1 and len(free) == 1 and not free[0]["linked"]:
                return {"result": "link", "partner_id": free[0]["id"], "reason": label}
            return {
                "result": "review",
                "partner_id": False,
                "candidate_ids": [row["id"] for row in candidates],
                "reason": self._crm_sync_economic_review_reason(label, candidates),
            }
        return {"result": "create", "partner_id": False, "reason": False}

    def _crm_sync_economic_review_reason(self, label, candidates):
        if len(candidates) == 1:
            return self.env._(
                "%(rule)s as a partner already linked to another e-conomic "
                "customer, or matched by another customer of the same batch.",
                rule=label,
            )
        return self.env._(
            "%(rule)s as %(count)s partners: choose one or create a new one.",
            rule=label,
            count=len(candidates),
        )

    def _crm_sync_economic_candidate_rows(self, keys):
        """One query: the customer partners (companies or partners without a
        parent, of no other company, never our own) sharing a key with one of
        the customers, as ``{"id", "ids", "email", "name", "linked"}`` rows."""
        ids = sorted(set().union(*(key["ids"] for key in keys.values())))
        emails = sorted(set().union(*(key["emails"] for key in keys.values())))
        names = sorted({key["name"] for key in keys.values()} - {None})
        if not (ids or emails or names):
            return []
        self.env["res.partner"].flush_model()
        self._crm_sync_economic_link_model().flush_model()
        conditions = self._crm_sync_economic_key_conditions(ids, emails, names)
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT p.id, p.vat, p.company_registry, p.email_normalized AS email,
                          p.crm_sync_name_key AS name,
                          EXISTS (SELECT 1 FROM %(links)s l WHERE l.record_id = p.id
                                  AND l.backend_id = %(backend)s
                                  AND l.customer_number > 0) AS linked
                     FROM res_partner p
                    WHERE p.active AND (p.is_company OR p.parent_id IS NULL)
                      AND (p.company_id IS NULL OR p.company_id = %(company)s)
                      AND (%(conditions)s)
                    ORDER BY p.id""",
                links=SQL.identifier(self._crm_sync_economic_link_model()._table),
                backend=self.id,
                company=self.company_id.id,
                conditions=SQL(" OR ").join(conditions),
            )
        )
        return self._crm_sync_economic_candidate_filter(rows)

    @api.model
    def _crm_sync_economic_key_conditions(self, ids, emails, names):
        """SQL conditions on partner ``p``: one of the keys, each backed by an
        index but the company registry (no key column: normalised in SQL, the
        rows then filtered in Python with ``normalize_company_id``)."""
        registry_key = SQL(
            "regexp_replace(regexp_replace(upper(p.company_registry), "
            "'[^0-9A-Z]', '', 'g'), '^[A-Z]{2}(?=[0-9])', '')"
        )
        conditions = [SQL("FALSE")]
        if ids:
            conditions += [
                SQL("p.crm_sync_vat_key IN %s", tuple(ids)),
                SQL(
                    "(p.company_registry IS NOT NULL AND %s IN %s)",
                    registry_key,
                    tuple(ids),
                ),
            ]
        if emails:
            conditions.append(SQL("p.email_normalized IN %s", tuple(emails)))
        if names:
            conditions.append(SQL("p.crm_sync_name_key IN %s", tuple(names)))
        return conditions

    def _crm_sync_economic_candidate_filter(self, rows):
        """Rows of partners the current user may read and that are not ours,
        with their normalised company ids."""
        partners = self.env["res.partner"].browse([row["id"] for row in rows])
        allowed = set(
            partners._filtered_access("read")._crm_sync_without_own_partners().ids
        )
        result = []
        for row in rows:
            if row["id"] not in allowed:
                continue
            row["ids"] = {
                mapping.normalize_company_id(row.pop(key) or "")
                for key in ("vat", "company_registry")
            } - {"", None}
            result.append(row)
        return result

    # ------------------------------------------------------------------
    # Unknown country texts
    # ------------------------------------------------------------------

    def _crm_sync_economic_note_unknown_countries(self, links, remote):
        """A chatter note on each partner whose e-conomic country text matches
        no country (the text is kept visible, never dropped), once per text."""
        bodies = {}
        for link in links:
            unknown = remote.get(link.customer_number, (None, None))[1]
            if unknown:
                bodies[link.record_id.id] = Markup("%s") % self.env._(
                    "e-conomic customer %(number)s has the country %(text)r, which "
                    "matches no country: the CRM's country was left as it is.",
                    number=link.customer_number,
                    text=unknown,
                )
        if not bodies:
            return
        # one query: the same note posted already (sudo: our own notes on
        # these partners, compared, never returned)
        texts = {res_id: html2plaintext(body) for res_id, body in bodies.items()}
        for message in (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", list(bodies)),
                    ("body", "ilike", "matches no country"),
                ]
            )
        ):
            if texts.get(message.res_id) == html2plaintext(message.body or ""):
                bodies.pop(message.res_id, None)
        if bodies:
            self.env["res.partner"].browse(list(bodies))._message_log_batch(
                bodies=bodies
            )


class CrmSyncEconomicCustomer(models.Model):
    _inherit = "crm.sync.economic.customer"

    def _crm_sync_economic_apply_remote(self, values, version, push=True):
        return apply_remote(self, values, version, push=push)


class CrmSyncEconomicContact(models.Model):
    _inherit = "crm.sync.economic.contact"

    def _crm_sync_economic_apply_remote(self, values, version=False, push=True):
        return apply_remote(self, values, version, push=push)
