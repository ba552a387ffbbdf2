# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure rules behind "Sync User" (contact -> res.users); no Odoo import.

A contact may become a user only when no existing user could be the same person.
A user "matches" a contact for one or more reasons:

- ``login``: its login equals the contact's normalised email (the login the new
  user would get; the database refuses a second one);
- ``email``: its own normalised email equals the contact's (a second account for
  the same mailbox would make password reset ambiguous);
- ``contact``: it already belongs to the contact itself (one partner, one user).

Any match blocks the creation of a new user: the caller must link one of the
matching users explicitly, or fix the data first.
"""

REASON_LOGIN = "login"
REASON_EMAIL = "email"
REASON_CONTACT = "contact"


def match_reasons(login, partner_id, user):
    """Why ``user`` matches the contact ``partner_id`` whose login would be ``login``.

    :param str|bool login: the contact's normalised email (False when it has none)
    :param int partner_id: the contact's id
    :param dict user: keys ``login``, ``email_normalized``, ``partner_id``
    :return: the reasons: login, email, contact, in that order (empty: no
        match)
    :rtype: tuple
    """
    reasons = []
    if login and (user.get("login") or "").strip().lower() == login.lower():
        reasons.append(REASON_LOGIN)
    if login and (user.get("email_normalized") or "").lower() == login.lower():
        reasons.append(REASON_EMAIL)
    if user.get("partner_id") == partner_id:
        reasons.append(REASON_CONTACT)
    return tuple(reasons)


def duplicate_logins(logins):
    """Logins that occur more than once (case-insensitively), ignoring empty ones.

    Two contacts synced together in one batch must not ask for the same login.

    :param iterable logins: normalised emails (False/None for contacts without one)
    :return: the duplicated logins, lower-cased, sorted
    :rtype: list
    """
    seen, duplicates = set(), set()
    for login in logins:
        if not login:
            continue
        key = login.lower()
        if key in seen:
            duplicates.add(key)
        seen.add(key)
    return sorted(duplicates)
