# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import base
from . import crm_sync_field_mapping
from . import res_company
from . import res_partner_sync_company
from . import res_partner_sync_user
from . import res_partner_sync_link
from . import res_partner_match
from . import res_partner_desync
from . import res_users
from . import crm_lead_conversion_guard
from . import crm_lead_convert_contact
from . import crm_lead_conversion
from . import crm_lead_conversion_plan
from . import crm_lead_conversion_execute
from . import crm_lead_conversion_notes
from . import crm_lost_reason
from . import crm_sync_job
from . import crm_sync_conversion_job
from . import crm_sync_unique_field
from . import crm_sync_proposal
from . import crm_sync_proposal_propose
from . import crm_sync_proposal_resolve
from . import crm_sync_binding
from . import crm_sync_push
from . import res_config_settings
from . import ir_config_parameter
