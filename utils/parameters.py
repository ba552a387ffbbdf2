# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""System parameter values (pure Python, no Odoo import): ``ir.config_parameter``
stores text, read back by the features and checked when it is stored."""

import re

_WHOLE_NUMBER_RE = re.compile(r"\+?[0-9]{1,18}")  # at most 18 digits: an int8


def parse_int_parameter(value, minimum=0):
    """``value`` (a parameter's text, or an int) as an int of at least
    ``minimum``; ``None`` when it is not such a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        parsed = value
    elif isinstance(value, str) and _WHOLE_NUMBER_RE.fullmatch(value.strip()):
        parsed = int(value.strip())
    else:
        return None
    return parsed if parsed >= minimum else None
