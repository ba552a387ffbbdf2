# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Compare a partner with its e-conomic customer, field by field (no Odoo import).

Both sides are given in e-conomic form (``{economic field: value}``, e.g. from
``economic_mapping.odoo_to_customer``); values are normalised before they are
compared, so that formatting never counts as a difference: phones in the
partner's region, e-mails by e-conomic's first address (it may hold several;
the others stay there), company ids without spaces or a country prefix,
countries by ISO code (e-conomic holds free text), the rest with blanks
collapsed.
"""

from . import desync
from . import economic_mapping as mapping

#: The mapped e-conomic fields, in the order the Compare window shows them.
ECONOMIC_FIELDS = tuple(dict.fromkeys(mapping.ECONOMIC_FIELD_OF.values()))
#: ``{economic field: (odoo field, ...)}``: ``address`` holds street and street2.
ODOO_FIELDS_OF = {
    eco: tuple(
        odoo for odoo, other in mapping.ECONOMIC_FIELD_OF.items() if other == eco
    )
    for eco in ECONOMIC_FIELDS
}
CHOICES = ("crm", "economic")

PHONE_FIELDS = frozenset({"telephoneAndFaxNumber", "mobilePhone"})
COMPANY_ID_FIELDS = frozenset({"corporateIdentificationNumber", "vatNumber"})


class ChoiceError(ValueError):
    """Bad choices for ``crm_sync_economic_apply``; ``kind`` says what is wrong."""

    def __init__(self, kind, field=None, value=None):
        super().__init__(f"{kind}: {field!r} {value!r}")
        self.kind = kind
        self.field = field
        self.value = value


def _empty(value):
    return (
        value is None
        or value is False
        or (isinstance(value, str) and not value.strip())
    )


def _website_key(value):
    value = value.strip().lower()
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if value.startswith("www."):
        value = value[4:]
    return value.rstrip("/")


def normalize(field, value, region=None):
    """The comparable form of ``value`` of the e-conomic ``field``."""
    if _empty(value):
        return False
    if not isinstance(value, str):
        return value
    if field == "email":
        # The CRM holds e-conomic's first address; the others stay in e-conomic.
        emails = mapping.split_emails(value)
        return emails[0].casefold() if emails else False
    if field in PHONE_FIELDS:
        return desync.normalize_phone(value, region)
    if field in COMPANY_ID_FIELDS:
        return mapping.normalize_company_id(value) or False
    if field == "country":
        return mapping.country_code(value) or desync.normalize_text(value).casefold()
    if field == "website":
        return _website_key(value) or False
    return desync.normalize_text(value)


def clean(value):
    """A value as shown and returned: empty values are ``False``."""
    return False if _empty(value) else value


def differs(field, left, right, region=None):
    """Whether two values of the e-conomic ``field`` differ once normalised."""
    left, right = clean(left), clean(right)
    if left == right:  # the usual case, without parsing phones
        return False
    return normalize(field, left, region) != normalize(field, right, region)


def compare(crm, economic, region=None):
    """``{economic field: {"crm", "economic", "differs"}}`` for every mapped field."""
    return {
        field: {
            "crm": clean(crm.get(field)),
            "economic": clean(economic.get(field)),
            "differs": differs(field, crm.get(field), economic.get(field), region),
        }
        for field in ECONOMIC_FIELDS
    }


def differences(crm, economic, region=None):
    """The differing fields: ``{economic field: {"crm": value, "economic": value}}``."""
    return {
        field: {"crm": line["crm"], "economic": line["economic"]}
        for field, line in compare(crm, economic, region).items()
        if line["differs"]
    }


def check_choices(choices):
    """``choices``: ``{economic field: "crm"|"economic"}``, else ChoiceError."""
    if not isinstance(choices, dict) or not choices:
        raise ChoiceError("not_a_mapping", value=choices)
    for field, choice in choices.items():
        if not isinstance(field, str) or field not in ODOO_FIELDS_OF:
            raise ChoiceError("unknown_field", field=field)
        if not isinstance(choice, str) or choice not in CHOICES:
            raise ChoiceError("bad_choice", field=field, value=choice)
    return dict(choices)
