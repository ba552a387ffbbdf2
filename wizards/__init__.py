# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import crm_sync_wizard_access
from . import crm_lead_convert_contact
from . import crm_lead_convert_mixin
from . import crm_lead_convert
from . import crm_lead_mass_convert
from . import res_partner_company_sync
from . import res_partner_user_sync
from . import res_partner_check_data
from . import res_partner_economic_compare
