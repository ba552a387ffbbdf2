# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm_sync's numeric system parameters are checked when they are stored: a
typo in Settings > Technical > System Parameters must not break every mass
conversion later."""

from odoo import api, models
from odoo.exceptions import ValidationError

from ..utils.parameters import parse_int_parameter

#: numeric crm_sync parameters -> smallest allowed value
INTEGER_PARAMETERS = {
    "crm_sync.mass_convert_sync_limit": 0,
}


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.constrains("key", "value")
    def _check_crm_sync_integer_parameters(self):
        for param in self:
            minimum = INTEGER_PARAMETERS.get(param.key)
            if minimum is None:
                continue
            if parse_int_parameter(param.value, minimum) is None:
                raise ValidationError(
                    self.env._(
                        "The system parameter %(key)s must be a whole number of at "
                        "least %(minimum)s, not %(value)r.",
                        key=param.key,
                        minimum=minimum,
                        value=param.value,
                    )
                )
