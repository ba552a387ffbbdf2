# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Type compatibility of field mappings (pure Python, no Odoo import).

A field is described by a plain dict::

    {
        "name": "x_vat",          # technical name (for messages)
        "ttype": "char",          # Odoo field type
        "relation": None,         # comodel of relational fields
        "size": None,             # maximum length of char fields, None = unbounded
        "selection": None,        # list of keys of selection fields
        "selection_labels": None, # their labels (what a char target receives)
        "writable": True,         # target only: stored or with an inverse, not readonly
    }

``incompatibility(source, target)`` returns ``None`` when the value of
``source`` can always be written into ``target``, otherwise an
``Incompatibility`` whose ``code`` says why (the caller turns it into a
translated message).
"""

import re
from collections import namedtuple

Incompatibility = namedtuple("Incompatibility", ["code", "params"])

_TAGS = re.compile(r"<[^>]*>")

#: Types a mapping never copies: their values belong to their own record.
UNSUPPORTED_TYPES = frozenset({"one2many", "properties", "properties_definition"})

#: Safe widenings: (source type, target type).
WIDENINGS = frozenset(
    {
        ("char", "text"),
        ("char", "html"),
        ("text", "html"),
        ("selection", "char"),
        ("integer", "float"),
    }
)

#: Relational types whose comodels must match.
RELATIONAL_TYPES = frozenset({"many2one", "many2many"})

#: Types whose False / 0 is a value in its own right, never "empty".
VALUE_TYPES = frozenset({"boolean", "integer", "float", "monetary"})


def incompatibility(source, target):
    """Why ``source`` cannot be mapped onto ``target`` (``None`` if it can)."""
    src_type, tgt_type = source["ttype"], target["ttype"]
    if not target.get("writable", True):
        return Incompatibility("readonly_target", {"field": target["name"]})
    for field in (source, target):
        if field["ttype"] in UNSUPPORTED_TYPES:
            return Incompatibility(
                "unsupported_type", {"field": field["name"], "ttype": field["ttype"]}
            )
    if src_type != tgt_type and (src_type, tgt_type) not in WIDENINGS:
        return Incompatibility(
            "type_mismatch", {"source": src_type, "target": tgt_type}
        )
    if src_type in RELATIONAL_TYPES and source.get("relation") != target.get(
        "relation"
    ):
        return Incompatibility(
            "relation_mismatch",
            {"source": source.get("relation"), "target": target.get("relation")},
        )
    if src_type == "selection" and tgt_type == "selection":
        missing = sorted(
            set(source.get("selection") or ()) - set(target.get("selection") or ())
        )
        if missing:
            return Incompatibility("selection_values", {"values": missing})
    if tgt_type == "char" and target.get("size"):
        source_size = _max_length(source)
        if source_size is None or source_size > target["size"]:
            return Incompatibility(
                "size", {"source": source_size, "target": target["size"]}
            )
    return None


def _max_length(field):
    """Longest value ``field`` can hold as text, ``None`` when unbounded."""
    if field["ttype"] == "selection":
        # a selection mapped onto text is written as its label, not its key
        values = field.get("selection_labels") or field.get("selection") or ()
        return max((len(str(value)) for value in values), default=0)
    return field.get("size") or None


def is_empty(ttype, value, target=False):
    """Whether ``value`` of a field of type ``ttype`` counts as "not filled in".

    On the source side (``target=False``) a boolean or number is always a value,
    even ``False`` / ``0``: mapping it copies it. On the target side (the "if
    empty" mode) ``False`` / ``0`` mean "not filled in yet". Text is empty when
    blank, HTML when it has no text, relations when they hold no record.
    """
    if ttype in VALUE_TYPES:
        return not value if target else value is None
    if value is None or value is False:
        return True
    if isinstance(value, str):
        if ttype == "html":
            value = _TAGS.sub("", value).replace("&nbsp;", " ")
        return not value.strip()
    try:
        return len(value) == 0
    except TypeError:
        return False
