# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Field mapping between Odoo partners and e-conomic customers and contacts
(pure Python, no Odoo import).

Choices, documented once here:

* **Address.** e-conomic has one ``address`` property (up to 510 characters)
  for street and number. Odoo's ``street`` and ``street2`` are written to it
  as ``street + "\\n" + street2`` (a newline, never a comma, because a comma
  is common inside a Danish street line: "Vestergade 12, 2. sal"). Read back,
  the first line is ``street`` and the remaining lines, joined with ", ", are
  ``street2``; an address without a newline is all ``street``.
* **Country.** e-conomic's ``country`` is free text ("Denmark", "Danmark",
  "DK"). :func:`country_code` maps English and Danish names and ISO codes to
  an ISO 3166 code; text it does not know gives ``None`` (the caller keeps it
  as a proposal, never drops it). Towards e-conomic the English name is sent.
* **E-mail.** e-conomic's ``email`` may hold several addresses separated by
  spaces; Odoo's ``email`` is the first one. Writing back, the other
  addresses are kept (:func:`merge_emails`).
* **Empty values.** Odoo's ``False`` is ``""`` towards e-conomic: the client
  then omits the property, which clears it (e-conomic rejects ``null``).
"""

import re
import unicodedata

#: Odoo fields of a customer link (a company or parentless partner).
CUSTOMER_FIELDS = (
    "name",
    "street",
    "street2",
    "zip",
    "city",
    "country_id",
    "email",
    "phone",
    "mobile",
    "website",
    "company_registry",
    "vat",
)
#: Odoo fields of a contact link (a person child of a customer).
CONTACT_FIELDS = ("name", "email", "phone")
#: The e-conomic customer property of each Odoo field.
ECONOMIC_FIELD_OF = {
    "name": "name",
    "street": "address",
    "street2": "address",
    "zip": "zip",
    "city": "city",
    "country_id": "country",
    "email": "email",
    "phone": "telephoneAndFaxNumber",
    "mobile": "mobilePhone",
    "website": "website",
    "company_registry": "corporateIdentificationNumber",
    "vat": "vatNumber",
}
#: The e-conomic contact property of each Odoo field.
CONTACT_ECONOMIC_FIELD_OF = {"name": "name", "email": "email", "phone": "phone"}
#: e-conomic's max length of each mapped customer property (schemas).
MAX_LENGTH = {
    "name": 255,
    "address": 510,
    "zip": 30,
    "city": 50,
    "country": 50,
    "email": 255,
    "telephoneAndFaxNumber": 255,
    "mobilePhone": 50,
    "website": 255,
    "corporateIdentificationNumber": 40,
    "vatNumber": 20,
}

#: ISO code: (English name, Danish name, other spellings...).
COUNTRIES = {
    "DK": ("Denmark", "Danmark"),
    "SE": ("Sweden", "Sverige"),
    "NO": ("Norway", "Norge"),
    "FI": ("Finland", "Finland"),
    "IS": ("Iceland", "Island"),
    "FO": ("Faroe Islands", "Færøerne", "Faroes"),
    "GL": ("Greenland", "Grønland"),
    "AX": ("Åland Islands", "Åland"),
    "DE": ("Germany", "Tyskland", "Deutschland"),
    "NL": ("Netherlands", "Holland", "Nederland", "The Netherlands"),
    "BE": ("Belgium", "Belgien"),
    "LU": ("Luxembourg", "Luxembourg", "Luxemburg"),
    "FR": ("France", "Frankrig"),
    "GB": ("United Kingdom", "Storbritannien", "UK", "Great Britain", "England"),
    "IE": ("Ireland", "Irland"),
    "ES": ("Spain", "Spanien"),
    "PT": ("Portugal", "Portugal"),
    "IT": ("Italy", "Italien"),
    "MT": ("Malta", "Malta"),
    "GR": ("Greece", "Grækenland"),
    "CY": ("Cyprus", "Cypern"),
    "AT": ("Austria", "Østrig"),
    "CH": ("Switzerland", "Schweiz"),
    "LI": ("Liechtenstein", "Liechtenstein"),
    "PL": ("Poland", "Polen"),
    "CZ": ("Czech Republic", "Tjekkiet", "Czechia"),
    "SK": ("Slovakia", "Slovakiet"),
    "HU": ("Hungary", "Ungarn"),
    "SI": ("Slovenia", "Slovenien"),
    "HR": ("Croatia", "Kroatien"),
    "RO": ("Romania", "Rumænien"),
    "BG": ("Bulgaria", "Bulgarien"),
    "EE": ("Estonia", "Estland"),
    "LV": ("Latvia", "Letland"),
    "LT": ("Lithuania", "Litauen"),
    "UA": ("Ukraine", "Ukraine"),
    "RS": ("Serbia", "Serbien"),
    "TR": ("Turkey", "Tyrkiet", "Türkiye"),
    "RU": ("Russia", "Rusland", "Russian Federation"),
    "US": ("United States", "USA", "United States of America", "Amerika"),
    "CA": ("Canada", "Canada"),
    "MX": ("Mexico", "Mexico"),
    "BR": ("Brazil", "Brasilien"),
    "AR": ("Argentina", "Argentina"),
    "CN": ("China", "Kina"),
    "JP": ("Japan", "Japan"),
    "KR": ("South Korea", "Sydkorea", "Korea"),
    "IN": ("India", "Indien"),
    "SG": ("Singapore", "Singapore"),
    "HK": ("Hong Kong", "Hongkong"),
    "TW": ("Taiwan", "Taiwan"),
    "TH": ("Thailand", "Thailand"),
    "VN": ("Vietnam", "Vietnam"),
    "AU": ("Australia", "Australien"),
    "NZ": ("New Zealand", "New Zealand"),
    "ZA": ("South Africa", "Sydafrika"),
    "AE": ("United Arab Emirates", "Forenede Arabiske Emirater", "UAE"),
    "IL": ("Israel", "Israel"),
    "EG": ("Egypt", "Egypten"),
}
_ISO3 = {"DNK": "DK", "SWE": "SE", "NOR": "NO", "FIN": "FI", "DEU": "DE", "GBR": "GB"}

_EMAIL_SPLIT_RE = re.compile(r"[\s;,]+")
_ID_JUNK_RE = re.compile(r"[^0-9A-Z]")
_ID_PREFIX_RE = re.compile(r"^[A-Z]{2}(?=\d)")


def _key(text):
    """Case- and accent-insensitive key; Danish letters are kept apart
    (æ ø å are letters of their own, not accented a/o)."""
    text = " ".join(str(text).split()).casefold()
    text = text.replace(".", "").replace(
        "the ", "", 1 if text.startswith("the ") else 0
    )
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(c) or c == "\u030a"
    )


_COUNTRY_INDEX = {}
for _code, _names in COUNTRIES.items():
    _COUNTRY_INDEX[_key(_code)] = _code
    for _name in _names:
        _COUNTRY_INDEX[_key(_name)] = _code
for _iso3, _code in _ISO3.items():
    _COUNTRY_INDEX[_key(_iso3)] = _code


def country_code(text, extra_names=None):
    """The ISO code of e-conomic's free-text ``country``, or None.

    Knows the English and Danish names of the Nordic, EU and major countries
    and ISO 3166 alpha-2 codes (any known code, case-insensitive).
    ``extra_names`` (``{name: code}``, e.g. every ``res.country`` name in the
    installed languages) is consulted first.
    """
    if not text or not isinstance(text, str) or not text.strip():
        return None
    key = _key(text)
    for name, code in (extra_names or {}).items():
        if name and _key(name) == key:
            return code.upper()
    if key in _COUNTRY_INDEX:
        return _COUNTRY_INDEX[key]
    if re.fullmatch(r"[a-z]{2}", key) and extra_names:
        codes = {str(code).upper() for code in extra_names.values()}
        if key.upper() in codes:
            return key.upper()
    return None


def country_name(code):
    """The English name e-conomic is sent for an ISO code, or None."""
    names = COUNTRIES.get((code or "").upper())
    return names[0] if names else None


def normalize_company_id(text):
    """A CVR/VAT number as a comparable key: spaces and punctuation removed,
    upper-cased, a leading two-letter country prefix ignored. "DK 12 34 56 78",
    "DK12345678" and "12345678" all give "12345678"; empty gives ""."""
    if not text:
        return ""
    cleaned = _ID_JUNK_RE.sub("", str(text).upper())
    return _ID_PREFIX_RE.sub("", cleaned)


def split_emails(text):
    """The addresses of e-conomic's ``email`` (separated by spaces, ``;`` or
    ``,``), in order, without empties."""
    if not text or not isinstance(text, str):
        return []
    return [part for part in _EMAIL_SPLIT_RE.split(text.strip()) if part]


def merge_emails(remote_text, odoo_email):
    """e-conomic's ``email`` after the CRM set its first address to
    ``odoo_email``: the other addresses of ``remote_text`` are kept (an
    address equal to the new first one is not repeated). An empty
    ``odoo_email`` removes only the first address."""
    others = split_emails(remote_text)[1:]
    first = (odoo_email or "").strip()
    kept = [e for e in others if e.casefold() != first.casefold()]
    return " ".join(([first] if first else []) + kept)


def split_address(address):
    """``(street, street2)`` from e-conomic's ``address`` (see module doc)."""
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if not lines:
        return False, False
    return lines[0], ", ".join(lines[1:]) or False


def join_address(street, street2):
    """e-conomic's ``address`` from Odoo's ``street`` and ``street2``."""
    return "\n".join(
        part.strip() for part in (street, street2) if part and part.strip()
    )


def _text(value):
    """A remote value as Odoo holds it: stripped text, or False when empty."""
    if value is None or value is False:
        return False
    value = str(value).strip()
    return value or False


def customer_to_odoo(customer):
    """``{odoo field: value}`` for every field of CUSTOMER_FIELDS.

    ``country_id`` holds e-conomic's raw country text (the model turns it into
    a record with :func:`country_code`); missing values are False.
    """
    street, street2 = split_address(customer.get("address"))
    emails = split_emails(customer.get("email"))
    return {
        "name": _text(customer.get("name")),
        "street": street,
        "street2": street2,
        "zip": _text(customer.get("zip")),
        "city": _text(customer.get("city")),
        "country_id": _text(customer.get("country")),
        "email": emails[0] if emails else False,
        "phone": _text(customer.get("telephoneAndFaxNumber")),
        "mobile": _text(customer.get("mobilePhone")),
        "website": _text(customer.get("website")),
        "company_registry": _text(customer.get("corporateIdentificationNumber")),
        "vat": _text(customer.get("vatNumber")),
    }


def odoo_to_customer(values, remote=None):
    """``{e-conomic property: value}`` for the Odoo fields present in ``values``.

    ``values["country_id"]`` is the country name (English) or False. Give both
    ``street`` and ``street2`` when either changes: ``address`` is built from
    the two. With ``remote`` (the customer as read), ``email`` keeps the
    remote's other addresses. Empty values are "" (the client omits them).
    """
    result = {}
    for field, value in values.items():
        target = ECONOMIC_FIELD_OF.get(field)
        if not target or field in ("street", "street2"):
            continue
        result[target] = (str(value).strip() if value else "") or ""
    if "street" in values or "street2" in values:
        result["address"] = join_address(values.get("street"), values.get("street2"))
    if "email" in values and remote is not None:
        result["email"] = merge_emails(remote.get("email"), values.get("email"))
    return result


def contact_to_odoo(contact):
    """``{odoo field: value}`` for CONTACT_FIELDS from a customer contact."""
    emails = split_emails(contact.get("email"))
    return {
        "name": _text(contact.get("name")),
        "email": emails[0] if emails else False,
        "phone": _text(contact.get("phone")),
    }


def odoo_to_contact(values, remote=None):
    """``{e-conomic property: value}`` for the contact fields in ``values``."""
    result = {}
    for field, value in values.items():
        target = CONTACT_ECONOMIC_FIELD_OF.get(field)
        if target:
            result[target] = (str(value).strip() if value else "") or ""
    if "email" in values and remote is not None:
        result["email"] = merge_emails(remote.get("email"), values.get("email"))
    return result
