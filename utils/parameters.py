"""Reading crm_sync settings stored as ``ir.config_parameter`` strings.

Pure Python: never imports odoo.
"""

_TRUE_VALUES = frozenset({"1", "true", "yes", "on", "t", "y"})


def is_truthy_parameter(value):
    """Whether a system parameter value means "on".

    Boolean settings (``config_parameter=...``) store ``"True"`` and delete the
    parameter when unticked; administrators also type ``1`` or ``yes`` by hand.
    Anything else (missing, empty, ``"False"``, ``"0"``, garbage) is off.
    """
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return False
    return value.strip().lower() in _TRUE_VALUES
