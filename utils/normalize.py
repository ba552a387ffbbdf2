# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Normalised match keys for duplicate detection (pure Python, no Odoo import).

Every function returns either a non-empty ``str`` key or ``None`` when the value
carries nothing to match on. Two values match when their keys are equal: the
keys are designed for exact (index-backed) comparison, never for substring
search.
"""

import re
import unicodedata

import phonenumbers

#: Longest stored key. Keys are btree-indexed columns (``crm_sync_*_key``), and
#: a btree entry must fit in a third of a page (~2,700 bytes): a 5,000-digit
#: "phone" must not make a partner write fail. 200 characters (at most 800 bytes)
#: is far beyond any real name, phone or tax ID; two values that differ only
#: after it share a key, which only ever suggests a duplicate.
MAX_KEY_LENGTH = 200

_WHITESPACE_RE = re.compile(r"\s+")
_EMAIL_RE = re.compile(r"[^\s<>\"',;]+@[^\s<>\"',;]+")
_PHONE_JUNK_RE = re.compile(r"[^\d+]")
_VAT_JUNK_RE = re.compile(r"[^0-9A-Za-z]")
_VAT_PREFIX_RE = re.compile(r"^([A-Z]{2})(?=\d)")


def normalize_email(value):
    """Return the first address of ``value`` lower-cased, or ``None``.

    Accepts formatted addresses (``"Charles Stone" <Charles.S@Zylker.com>``)
    like Odoo's ``email_normalize``.
    """
    if not value or not isinstance(value, str):
        return None
    match = _EMAIL_RE.search(value)
    if not match:
        return None
    return match.group(0).strip(".").lower() or None


def normalize_phone(value, region=None):
    """Return ``value`` in E.164 (``+32475123456``), or ``None``.

    ``region`` is the ISO country code used for numbers written without an
    international prefix (the lead's or the company's country). A number that
    cannot be parsed falls back to its digits (and leading ``+``) so that two
    identical unparseable numbers still match.
    """
    if not value or not isinstance(value, str):
        return None
    region = (region or "").upper() or None
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return e164[:MAX_KEY_LENGTH]
    digits = _PHONE_JUNK_RE.sub("", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    plus = digits.startswith("+")
    digits = digits.replace("+", "")
    if not digits:
        return None
    return (("+" if plus else "") + digits)[:MAX_KEY_LENGTH]


def collapse_spaces(value):
    """``value`` with every run of blanks made one space, trimmed."""
    return _WHITESPACE_RE.sub(" ", value).strip()


def strip_accents(value):
    """Remove combining marks: ``"Zoë Société"`` -> ``"Zoe Societe"``."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_name(value):
    """Name or company key: trimmed, blanks collapsed, case and accent insensitive."""
    if not value or not isinstance(value, str):
        return None
    key = collapse_spaces(strip_accents(value)).casefold()
    return key[:MAX_KEY_LENGTH].rstrip() or None


def normalize_vat(value):
    """VAT key: no spaces or punctuation, upper-case, country prefix removed.

    ``"BE 0477.472.701"``, ``"be0477472701"`` and ``"0477472701"`` share the key
    ``"0477472701"``, as ``account``'s partner retrieval does.
    """
    if not value or not isinstance(value, str):
        return None
    key = _VAT_JUNK_RE.sub("", value).upper()
    key = _VAT_PREFIX_RE.sub("", key)
    return key[:MAX_KEY_LENGTH] or None


def normalize_text(value):
    """Generic key for a custom "unique" field: trimmed, case-insensitive text.

    Partners are searched on the same key computed in SQL (``lower(btrim(
    regexp_replace(value, '\\s+', ' ', 'g')))``, expression-indexed): hence
    ``lower()``, PostgreSQL's, rather than ``casefold()``.
    """
    if value is None or value is False:
        return None
    if not isinstance(value, str):
        return str(value)
    key = collapse_spaces(value).lower()
    return key or None


#: the normaliser for each kind of key (see ``normalize``)
NORMALIZERS = {
    "email": lambda value, region=None: normalize_email(value),
    "phone": normalize_phone,
    "name": lambda value, region=None: normalize_name(value),
    "vat": lambda value, region=None: normalize_vat(value),
    "text": lambda value, region=None: normalize_text(value),
}


def normalize(kind, value, region=None):
    """Normalise ``value`` with the normaliser of ``kind`` (see ``NORMALIZERS``)."""
    return NORMALIZERS[kind](value, region=region)
