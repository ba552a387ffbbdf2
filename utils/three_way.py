# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The three-way rule of every two-way sync (pure Python, no Odoo import).

A binding remembers the values both sides last agreed on (the *base*). When a
sync sees the Odoo value (*local*) and the remote value (*remote*) of a field:

=======================================  ===============
situation                                 decision
=======================================  ===============
local equals remote                       ``equal``
base known, only remote changed           ``take_remote``
base known, only local changed            ``take_local``
base known, both changed (differently)    ``conflict``
no base, local empty                      ``take_remote``
no base, remote empty                     ``take_local``
no base, both set and different           ``conflict``
=======================================  ===============

"Equal", "changed" and "empty" go through one equality function, so that a
re-formatted phone number or an upper-cased e-mail is neither a change nor a
conflict; ``None``, ``False`` and ``""`` are the same empty value by default.
Without a base (a first link) an empty side is filled from the other one and
nothing set on either side is ever overwritten: two different values are a
conflict, which callers turn into a proposal.
"""

TAKE_LOCAL = "take_local"
TAKE_REMOTE = "take_remote"
EQUAL = "equal"
CONFLICT = "conflict"
DECISIONS = (TAKE_LOCAL, TAKE_REMOTE, EQUAL, CONFLICT)

#: Marker of a field without agreed value (never synced); distinct from ``None``.
MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


def _empty_to_none(value):
    if value is None or value is False or (isinstance(value, str) and not value):
        return None
    return value


def default_equal(left, right):
    """Plain equality where ``None``, ``False`` and ``""`` are one empty value
    (``0`` is a number, not an empty value)."""
    left, right = _empty_to_none(left), _empty_to_none(right)
    if left is None or right is None:
        return left is right
    return left == right


def _is_empty(value, equal):
    return value is MISSING or equal(value, None)


def decide_field(base, local, remote, equal=None):
    """Decision for one field (see the module docstring).

    :param base: the last agreed value, or :data:`MISSING` when there is none.
    :param equal: ``equal(left, right) -> bool``; :func:`default_equal` by default.
    :return: one of :data:`DECISIONS`.
    """
    equal = equal or default_equal
    if equal(local, remote):
        return EQUAL
    if base is MISSING:
        if _is_empty(local, equal):
            return TAKE_REMOTE
        if _is_empty(remote, equal):
            return TAKE_LOCAL
        return CONFLICT
    local_changed = not equal(local, base)
    remote_changed = not equal(remote, base)
    if local_changed and remote_changed:
        return CONFLICT
    return TAKE_LOCAL if local_changed else TAKE_REMOTE


def decide(base, local, remote, fields=None, equal=None):
    """Decisions for several fields: ``{field: decision}``.

    :param dict base: field -> last agreed value (absent field: no base).
    :param dict local: field -> Odoo value (absent field: empty).
    :param dict remote: field -> remote value (absent field: empty).
    :param fields: the fields to decide; by default every key of ``local`` and
        ``remote``.
    :param equal: ``equal(field, left, right) -> bool``, per field (e.g. phone
        numbers compared in E.164); :func:`default_equal` by default.
    """
    if fields is None:
        fields = sorted(set(local) | set(remote))
    decisions = {}
    for field in fields:
        field_equal = (
            (lambda left, right, _field=field: equal(_field, left, right))
            if equal
            else None
        )
        decisions[field] = decide_field(
            base.get(field, MISSING),
            local.get(field),
            remote.get(field),
            field_equal,
        )
    return decisions


def split(decisions, local, remote):
    """What to do with the decisions of :func:`decide`.

    :return: ``(to_local, to_remote, conflicts, agreed)``: values to write on
        the Odoo side, values to send to the remote side, ``{field: (local,
        remote)}`` to propose, and the values both sides hold once the writes
        are done (the new base, conflicts excluded).
    """
    to_local, to_remote, conflicts, agreed = {}, {}, {}, {}
    for field, decision in decisions.items():
        if decision == TAKE_REMOTE:
            to_local[field] = agreed[field] = remote.get(field)
        elif decision == TAKE_LOCAL:
            to_remote[field] = agreed[field] = local.get(field)
        elif decision == EQUAL:
            agreed[field] = local.get(field)
        else:
            conflicts[field] = (local.get(field), remote.get(field))
    return to_local, to_remote, conflicts, agreed
