# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Duplicate detection for lead conversion: the ordered cascade (pure Python).

Rules, tried in this order; the first rule that finds anything decides:

1. ``contact_unique``: a "unique" field of contacts (each field in its order);
2. ``account_unique``: a "unique" field of accounts (each field in its order);
3. ``contact_email``: the contact e-mail;
4. ``account_name``: the account (company) name;
5. ``contact_name``: the contact name, only when the lead has neither an
   e-mail nor a company name.

One hit is a match; two or more hits are *ambiguous*: the user must pick (the
candidates are returned, nothing is decided for them). Then:

- a matched contact keeps its account (``contact_account``); without one, the
  lead's company is looked up among accounts (unique fields, then name) and a
  new account is suggested when nothing matches;
- a matched account: one of its contacts with the lead's e-mail
  (``account_contact_email``), or else with the lead's name
  (``account_contact_name``) is merged; otherwise a new contact is created
  under the account.

An account is only ever suggested for creation when the lead has a company
name. All values are *keys* from ``utils.normalize``; matching is equality.
"""

from collections import defaultdict
from dataclasses import dataclass, field

RULE_CONTACT_UNIQUE = "contact_unique"
RULE_ACCOUNT_UNIQUE = "account_unique"
RULE_CONTACT_EMAIL = "contact_email"
RULE_ACCOUNT_NAME = "account_name"
RULE_CONTACT_NAME = "contact_name"
RULE_CONTACT_ACCOUNT = "contact_account"
RULE_ACCOUNT_CONTACT_EMAIL = "account_contact_email"
RULE_ACCOUNT_CONTACT_NAME = "account_contact_name"

#: partner field -> (partner column holding its key, normaliser kind): the
#: stored, indexed key columns of res.partner (models/res_partner_match.py)
PARTNER_MATCH_KEYS = {
    "email": ("email_normalized", "email"),
    "name": ("crm_sync_name_key", "name"),
    "phone": ("crm_sync_phone_key", "phone"),
    "mobile": ("crm_sync_mobile_key", "phone"),
    "vat": ("crm_sync_vat_key", "vat"),
}

EXISTING = "existing"
NEW = "new"
NONE = "none"


@dataclass(frozen=True)
class Partner:
    """A candidate row: an account (``is_company``) or a contact."""

    id: int
    is_company: bool = False
    parent_id: int | None = None
    active: bool = True
    email: str | None = None
    name: str | None = None
    unique: dict = field(default_factory=dict)  # field name -> key


@dataclass(frozen=True)
class LeadKeys:
    """What a lead offers to match on (keys already normalised)."""

    email: str | None = None
    company: str | None = None
    contact_name: str | None = None
    contact_unique: dict = field(default_factory=dict)  # contact field -> key
    account_unique: dict = field(default_factory=dict)  # account field -> key


@dataclass(frozen=True)
class Match:
    """The partners one rule found (sorted ids) and which rule (and field) it was."""

    ids: tuple
    rule: str
    field: str | None = None

    @property
    def ambiguous(self):
        return len(self.ids) > 1

    @property
    def partner_id(self):
        return self.ids[0] if len(self.ids) == 1 else None


@dataclass(frozen=True)
class Suggestion:
    """The pre-filled decisions for one lead, with the matches that led to them."""

    account: str  # EXISTING | NEW | NONE
    contact: str  # EXISTING | NEW
    account_id: int | None = None
    contact_id: int | None = None
    account_match: Match | None = None
    contact_match: Match | None = None

    @property
    def ambiguous(self):
        return bool(
            (self.account_match and self.account_match.ambiguous)
            or (self.contact_match and self.contact_match.ambiguous)
        )


class PartnerIndex:
    """Dictionaries over candidate rows, so that a whole batch is matched in memory."""

    def __init__(self, partners):
        self.by_id = {}
        self.contact_email = defaultdict(set)
        self.contact_name = defaultdict(set)
        self.account_name = defaultdict(set)
        self.contact_unique = defaultdict(lambda: defaultdict(set))
        self.account_unique = defaultdict(lambda: defaultdict(set))
        self.children = defaultdict(list)
        for partner in partners:
            self.by_id[partner.id] = partner
            if partner.is_company:
                if partner.name:
                    self.account_name[partner.name].add(partner.id)
                for fname, key in partner.unique.items():
                    if key:
                        self.account_unique[fname][key].add(partner.id)
            else:
                if partner.email:
                    self.contact_email[partner.email].add(partner.id)
                if partner.name:
                    self.contact_name[partner.name].add(partner.id)
                for fname, key in partner.unique.items():
                    if key:
                        self.contact_unique[fname][key].add(partner.id)
            if partner.parent_id:
                self.children[partner.parent_id].append(partner)


def _match(ids, rule, fname=None):
    return Match(tuple(sorted(ids)), rule, fname) if ids else None


def _unique_match(index_by_field, lead_keys, fields, rule):
    for fname in fields:
        key = lead_keys.get(fname)
        if key:
            found = _match(index_by_field.get(fname, {}).get(key), rule, fname)
            if found:
                return found
    return None


def find_account(lead, index, account_unique_fields):
    """Rules 2 and 4 alone: the account by unique fields, then by company name."""
    found = _unique_match(
        index.account_unique,
        lead.account_unique,
        account_unique_fields,
        RULE_ACCOUNT_UNIQUE,
    )
    if not found and lead.company:
        found = _match(index.account_name.get(lead.company), RULE_ACCOUNT_NAME)
    return found


def find_contact_in_account(lead, index, account_id):
    """A contact of ``account_id`` with the lead's e-mail, or else the lead's name."""
    children = [p for p in index.children.get(account_id, ()) if not p.is_company]
    if lead.email:
        found = _match(
            {p.id for p in children if p.email == lead.email},
            RULE_ACCOUNT_CONTACT_EMAIL,
        )
        if found:
            return found
    if lead.contact_name:
        return _match(
            {p.id for p in children if p.name == lead.contact_name},
            RULE_ACCOUNT_CONTACT_NAME,
        )
    return None


def first_match(lead, index, contact_unique_fields=(), account_unique_fields=()):
    """The first rule of the cascade that finds anything, or ``None``."""
    found = _unique_match(
        index.contact_unique,
        lead.contact_unique,
        contact_unique_fields,
        RULE_CONTACT_UNIQUE,
    )
    found = found or _unique_match(
        index.account_unique,
        lead.account_unique,
        account_unique_fields,
        RULE_ACCOUNT_UNIQUE,
    )
    if not found and lead.email:
        found = _match(index.contact_email.get(lead.email), RULE_CONTACT_EMAIL)
    if not found and lead.company:
        found = _match(index.account_name.get(lead.company), RULE_ACCOUNT_NAME)
    if not found and not lead.email and not lead.company and lead.contact_name:
        found = _match(index.contact_name.get(lead.contact_name), RULE_CONTACT_NAME)
    return found


def _decide(found):
    if found is None:
        return None, None
    return (EXISTING, found.partner_id) if not found.ambiguous else (EXISTING, None)


def suggest(lead, index, contact_unique_fields=(), account_unique_fields=()):
    """Run the cascade for one lead and return its :class:`Suggestion`.

    ``contact_unique_fields`` / ``account_unique_fields`` are the ordered names
    of the "unique" fields that are mapped from the lead (unmapped unique
    fields must not be passed: they are checked only when mapped).
    An ambiguous decision is ``EXISTING`` with no id: the user must pick one
    of ``*_match.ids``.
    """
    found = first_match(lead, index, contact_unique_fields, account_unique_fields)
    if found is None:
        return Suggestion(account=NEW if lead.company else NONE, contact=NEW)

    if found.rule in (RULE_ACCOUNT_UNIQUE, RULE_ACCOUNT_NAME):
        account, account_id = _decide(found)
        contact_match = None
        if account_id:
            contact_match = find_contact_in_account(lead, index, account_id)
        contact, contact_id = _decide(contact_match)
        return Suggestion(
            account=account,
            account_id=account_id,
            account_match=found,
            contact=contact or NEW,
            contact_id=contact_id,
            contact_match=contact_match,
        )

    # the lead matched a contact
    contact, contact_id = _decide(found)
    parent_id = index.by_id[contact_id].parent_id if contact_id else None
    if parent_id:
        account_match = Match((parent_id,), RULE_CONTACT_ACCOUNT)
    elif lead.company:
        account_match = find_account(lead, index, account_unique_fields)
    else:
        account_match = None
    account, account_id = _decide(account_match)
    if account is None:
        account = NEW if lead.company else NONE
    return Suggestion(
        account=account,
        account_id=account_id,
        account_match=account_match,
        contact=contact,
        contact_id=contact_id,
        contact_match=found,
    )
