# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm_sync's numeric system parameters are checked when they are stored: a
typo in Settings > Technical > System Parameters must not break every mass
conversion later."""

import logging

from odoo import api, models
from odoo.exceptions import ValidationError

from ..utils.parameters import parse_int_parameter

_logger = logging.getLogger(__name__)

#: numeric crm_sync parameters -> smallest allowed value
INTEGER_PARAMETERS = {
    "crm_sync.mass_convert_sync_limit": 0,
    "crm_sync.job_time_budget": 1,
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

    @api.model
    def _crm_sync_get_int(self, key, default):
        """The whole-number parameter ``key`` (see ``INTEGER_PARAMETERS``).

        Checked when stored; a value stored before that check, or written in
        SQL, falls back to ``default`` with a warning.
        """
        # sudo: reading a setting, not a record of the user's
        value = self.sudo().get_param(key, default)
        parsed = parse_int_parameter(value, INTEGER_PARAMETERS.get(key, 0))
        if parsed is None:
            _logger.warning("%s is not a valid whole number: %r", key, value)
            return default
        return parsed
