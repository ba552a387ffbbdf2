# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure helpers for desync reconciliation (no Odoo import).

- value normalisation used to decide whether a proposed value really differs
  from the CRM value (emails and phones through ``utils.normalize``, as the
  duplicate detection of lead conversion);
- the type families of the typed proposal storage and the coercion of a raw
  value (Python or free text typed in the "Check data" window) to the field's type.

Errors are :class:`DesyncValueError`; callers turn them into translated Odoo errors.
"""

import datetime
import math

from . import normalize as _normalize

# Field type -> storage family of crm.sync.proposal (one column per family).
FAMILY_BY_TTYPE = {
    "char": "char",
    "selection": "char",
    "text": "text",
    "html": "text",
    "integer": "integer",
    "float": "float",
    "monetary": "float",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "many2one": "reference",
}
SUPPORTED_TTYPES = frozenset(FAMILY_BY_TTYPE)

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "x"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", ""})


class DesyncValueError(ValueError):
    """A value does not fit the field's type. ``expected`` names the type."""

    def __init__(self, value, expected):
        super().__init__(f"{value!r} is not a valid {expected}")
        self.value = value
        self.expected = expected


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


def normalize_email(value):
    """The email address of ``value`` lower-cased (``normalize.normalize_email``).

    A value with no address in it is compared as stripped, lower-cased text;
    empty values become ``False``.
    """
    if not value:
        return False
    return _normalize.normalize_email(value) or value.strip().lower() or False


def normalize_phone(value, region=None):
    """The E.164 form of a phone number when it can be parsed, else its digits
    (``normalize.normalize_phone``), so that formatting never counts as a change;
    empty values become ``False``.

    :param region: ISO country code used for national numbers (e.g. ``"DK"``).
    """
    return _normalize.normalize_phone(value, region) or False


def normalize_text(value):
    """Strip and collapse whitespace; empty values become ``False``."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return _normalize.collapse_spaces(value) or False
    return value


def value_kind(field_name, ttype):
    """Normalisation kind of a field: ``email``, ``phone``, ``text`` or ``raw``."""
    if ttype == "char":
        if field_name == "email" or field_name.endswith("_email"):
            return "email"
        if field_name in ("phone", "mobile") or field_name.endswith(
            ("_phone", "_mobile")
        ):
            return "phone"
    if ttype in ("char", "text", "html", "selection"):
        return "text"
    return "raw"


def normalize(kind, value, region=None):
    """Normalise ``value`` for comparison by ``kind`` (see :func:`value_kind`)."""
    if kind == "email":
        return normalize_email(value)
    if kind == "phone":
        return normalize_phone(value, region)
    if kind == "text":
        return normalize_text(value)
    if value is None or value == "":
        return False
    if isinstance(value, float):
        return round(value, 6)
    return value


def values_equal(kind, left, right, region=None):
    """Whether two values are equal once normalised."""
    return normalize(kind, left, region) == normalize(kind, right, region)


# ---------------------------------------------------------------------------
# Typed coercion
# ---------------------------------------------------------------------------


def _is_empty(value):
    return value is None or value is False or value == ""


def _coerce_boolean(value, ttype, selection_keys):
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return parse_text(ttype, value)
    raise DesyncValueError(value, "boolean")


#: PostgreSQL ``integer`` columns (Odoo's Integer fields) hold 32-bit values.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _check_number(value, ttype):
    """``value`` if the database column of ``ttype`` can hold it."""
    if ttype == "integer" and not INT_MIN <= value <= INT_MAX:
        raise DesyncValueError(value, ttype)
    if ttype != "integer" and not math.isfinite(value):
        raise DesyncValueError(value, ttype)
    return value


def _coerce_number(value, ttype, selection_keys):
    if value is None or value is False:
        return 0 if ttype == "integer" else 0.0
    if isinstance(value, str):
        return parse_text(ttype, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DesyncValueError(value, ttype)
    if ttype != "integer":
        return _check_number(float(value), ttype)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise DesyncValueError(value, "integer")
        value = int(value)
    return _check_number(value, ttype)


def _coerce_text(value, ttype, selection_keys):
    if _is_empty(value):
        return False
    if isinstance(value, str):
        return value
    raise DesyncValueError(value, "text")


def _coerce_selection(value, ttype, selection_keys):
    if _is_empty(value):
        return False
    if isinstance(value, str) and (selection_keys is None or value in selection_keys):
        return value
    raise DesyncValueError(value, "selection")


def _coerce_date(value, ttype, selection_keys):
    if _is_empty(value):
        return False
    if isinstance(value, str):
        return parse_text(ttype, value)
    if ttype == "datetime" and isinstance(value, datetime.datetime):
        return value.replace(microsecond=0)
    if ttype == "date" and isinstance(value, datetime.datetime):
        return value.date()
    if ttype == "date" and isinstance(value, datetime.date):
        return value
    raise DesyncValueError(value, ttype)


def _coerce_many2one(value, ttype, selection_keys):
    if _is_empty(value):
        return False
    if isinstance(value, list | tuple) and value:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise DesyncValueError(value, "record id")


_COERCERS = {
    "boolean": _coerce_boolean,
    "integer": _coerce_number,
    "float": _coerce_number,
    "monetary": _coerce_number,
    "char": _coerce_text,
    "text": _coerce_text,
    "html": _coerce_text,
    "selection": _coerce_selection,
    "date": _coerce_date,
    "datetime": _coerce_date,
    "many2one": _coerce_many2one,
}


def coerce_value(ttype, value, selection_keys=None):
    """Coerce a Python value (e.g. received over XML-RPC) to the field's type.

    Empty values (``None``, ``False``, ``""``) become ``False`` except for booleans
    and numbers, where ``False`` means ``False`` / ``0``. Strings are parsed for
    booleans, numbers and dates (see :func:`parse_text`). many2one values are ids
    (an int, or a ``[id, name]`` pair as read() returns it).

    :param selection_keys: allowed keys of a selection field.
    :raise DesyncValueError: when the value does not fit.
    """
    coercer = _COERCERS.get(ttype)
    if coercer is None:
        raise DesyncValueError(value, ttype)
    return coercer(value, ttype, selection_keys)


def _parse_boolean(text, ttype, date_format, selection):
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise DesyncValueError(text, "boolean")


def _parse_number(text, ttype, date_format, selection):
    if not text:
        return 0 if ttype == "integer" else 0.0
    text = text.replace(" ", "").replace("\u00a0", "")
    try:
        value = int(text) if ttype == "integer" else float(text.replace(",", "."))
    except ValueError:
        raise DesyncValueError(text, ttype) from None
    return _check_number(value, ttype)


def _parse_selection(text, ttype, date_format, selection):
    for key, label in selection or ():
        if text == key or text.lower() == str(label).lower():
            return key
    raise DesyncValueError(text, "selection")


def _parse_date(text, ttype, date_format, selection):
    if ttype == "date":
        formats = ("%Y-%m-%d", date_format)
    else:
        formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
    for fmt in filter(None, formats):
        try:
            parsed = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date() if ttype == "date" else parsed
    raise DesyncValueError(text, ttype)


_PARSERS = {
    "boolean": _parse_boolean,
    "integer": _parse_number,
    "float": _parse_number,
    "monetary": _parse_number,
    "char": lambda text, *args: text,
    "text": lambda text, *args: text,
    "html": lambda text, *args: text,
    "selection": _parse_selection,
    "date": _parse_date,
    "datetime": _parse_date,
}


def parse_text(ttype, text, date_format=None, selection=None):
    """Parse free text typed by a user into a value of type ``ttype``.

    Empty text is ``False`` (``0`` for numbers). Dates accept ISO 8601 and, when
    given, ``date_format`` (the user's language format); datetimes accept ISO
    8601. Selections accept a key or a label (case-insensitive). many2one values
    are not handled here: they need a name search.

    :param selection: list of ``(key, label)`` pairs for selection fields.
    :raise DesyncValueError: when the text does not fit.
    """
    parser = _PARSERS.get(ttype)
    if parser is None:
        raise DesyncValueError(text, ttype)
    text = (text or "").strip()
    if not text and ttype not in ("boolean", "integer", "float", "monetary"):
        return False
    return parser(text, ttype, date_format, selection)
