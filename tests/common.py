# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared fixtures for the crm_sync tests.

``CrmSyncCommon`` gives every test class the same cast of users:

- ``user_salesman``: a plain salesman (Sales / User: Own Documents Only),
  hence a CRM Sync User;
- ``user_sales_manager``: a sales manager, hence a CRM Sync Manager (and
  "Convert leads");
- ``user_admin_settings``: a Settings administrator (may create companies and
  internal users);
- ``user_portal``: a portal user.

Passwords equal logins, so XML-RPC tests can authenticate as any of them
(see ``CrmSyncRpcMixin.rpc``).
"""

import re
from xmlrpc.client import Fault

from odoo import Command
from odoo.tests import HttpCase, new_test_user
from odoo.tools import mute_logger

from odoo.addons.base.controllers import rpc as base_rpc
from odoo.addons.base.tests.common import BaseCommon

#: The XML-RPC fault code of each exception kind (Odoo's /xmlrpc/2,
#: ``base/controllers/rpc.py``): UserError and its subclasses ValidationError and
#: MissingError share one code; any other exception is a crash (code 1, with
#: the traceback).
RPC_FAULT_CODES = {
    "UserError": base_rpc.RPC_FAULT_CODE_WARNING,
    "ValidationError": base_rpc.RPC_FAULT_CODE_WARNING,
    "MissingError": base_rpc.RPC_FAULT_CODE_WARNING,
    "AccessError": base_rpc.RPC_FAULT_CODE_ACCESS_ERROR,
    "AccessDenied": base_rpc.RPC_FAULT_CODE_ACCESS_DENIED,
}


class CrmSyncUsersMixin:
    @classmethod
    def _crm_sync_setup_users(cls):
        cls.company = cls.env.company
        cls.user_salesman = new_test_user(
            cls.env,
            login="crm_sync_salesman",
            name="Sally Salesman",
            email="sally.salesman@example.com",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="crm_sync_manager",
            name="Manfred Manager",
            email="manfred.manager@example.com",
            groups="sales_team.group_sale_manager",
        )
        cls.user_admin_settings = new_test_user(
            cls.env,
            login="crm_sync_admin",
            name="Ada Admin",
            email="ada.admin@example.com",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        cls.user_portal = new_test_user(
            cls.env,
            login="crm_sync_portal",
            name="Paula Portal",
            email="paula.portal@example.com",
            groups="base.group_portal",
        )

    @classmethod
    def _crm_sync_add_groups(cls, user, *xmlids):
        user.write({"groups_id": [Command.link(cls.env.ref(x).id) for x in xmlids]})

    @classmethod
    def _crm_sync_deny_write(cls, records, group="sales_team.group_sale_salesman"):
        """A record rule: the members of ``group`` may still read ``records``
        but no longer write them."""
        return cls.env["ir.rule"].create(
            {
                "name": f"{group} cannot write {records}",
                "model_id": cls.env["ir.model"]._get_id(records._name),
                "groups": [Command.link(cls.env.ref(group).id)],
                "domain_force": f"[('id', 'not in', {records.ids})]",
                "perm_read": False,
                "perm_create": False,
                "perm_unlink": False,
                "perm_write": True,
            }
        )


class CrmSyncCommon(BaseCommon, CrmSyncUsersMixin):
    """TransactionCase base: mail side effects off, the users above."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._crm_sync_setup_users()


class CrmSyncRpcMixin:
    """Call model methods through real XML-RPC against the test server (HttpCase)."""

    def rpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def assertRpcFault(
        self,
        user,
        model,
        method,
        *args,
        kinds=("UserError", "AccessError"),
        match=None,
        **kwargs,
    ):
        """Calling ``method`` over XML-RPC as ``user`` fails with an error of
        one of ``kinds`` (see ``RPC_FAULT_CODES``), meant for the user rather
        than a crash, whose message matches the regex ``match``; returns the
        fault's message."""
        with (
            mute_logger("odoo.http", "odoo.sql_db"),
            self.assertRaises(Fault) as caught,
        ):
            self.rpc(user, model, method, *args, **kwargs)
        return self.assertRpcFaultKind(caught.exception, kinds=kinds, match=match)

    def assertRpcFaultKind(self, fault, kinds=("UserError", "AccessError"), match=None):
        """``fault`` is an error of one of ``kinds`` whose message matches the
        regex ``match``; returns its message (for a fault raised elsewhere than
        by ``assertRpcFault``)."""
        self.assertIn(
            fault.faultCode,
            {RPC_FAULT_CODES[kind] for kind in kinds},
            f"expected {', '.join(kinds)}, got: {fault.faultString[-1500:]}",
        )
        if match is not None:
            self.assertRegex(fault.faultString, match)
        return fault.faultString


class CrmSyncHttpCommon(HttpCase, CrmSyncUsersMixin, CrmSyncRpcMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._crm_sync_setup_users()

    def _portal_post(self, path="/my/account", **changes):
        """Submit the portal details form as the portal user: its current data
        plus ``changes``, to ``path`` (the form's own URL, or with a redirect)."""
        self.authenticate(self.user_portal.login, self.user_portal.login)
        page = self.url_open("/my/account")
        self.assertEqual(page.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        partner = self.user_portal.partner_id
        data = {
            "csrf_token": csrf,
            "name": partner.name,
            "email": partner.email,
            "phone": partner.phone,
            "street": partner.street,
            "city": partner.city,
            "zipcode": partner.zip,
            "country_id": str(partner.country_id.id),
            **changes,
        }
        return self.url_open(path, data=data)


class LeadConvertMixin:
    """Lead conversion fixtures, for ``CrmSyncCommon`` or ``CrmSyncHttpCommon``."""

    @classmethod
    def _lead_convert_setup_team(cls):
        """The salesman's sales team; both sales users may convert leads."""
        # Default internal users may create contacts ("Contact Creation"), and
        # the Leads menu needs leads enabled.
        for user in (cls.user_salesman, cls.user_sales_manager):
            cls._crm_sync_add_groups(
                user, "base.group_partner_manager", "crm.group_use_lead"
            )
        cls.team = cls.env["crm.team"].create(
            {"name": "Convert Team", "member_ids": [Command.link(cls.user_salesman.id)]}
        )

    @classmethod
    def _lead_convert_setup(cls):
        """The team, plus stages, tags and a campaign for the conversions."""
        cls._lead_convert_setup_team()
        cls.stage_team_first = cls.env["crm.stage"].create(
            {"name": "Team First", "sequence": 0, "team_id": cls.team.id}
        )
        cls.stage_other_team = cls.env["crm.stage"].create(
            {
                "name": "Other Team Stage",
                "team_id": cls.env["crm.team"].create({"name": "Other"}).id,
            }
        )
        cls.tag_vip = cls.env["crm.tag"].create({"name": "VIP crm_sync"})
        cls.tag_fair = cls.env["crm.tag"].create({"name": "Trade fair crm_sync"})
        cls.campaign = cls.env["utm.campaign"].create({"name": "Spring crm_sync"})

    @classmethod
    def _create_lead(cls, user=None, **values):
        vals = {
            "name": "Lead",
            "type": "lead",
            "team_id": cls.team.id,
            "user_id": (user or cls.user_salesman).id,
        }
        vals.update(values)
        return cls.env["crm.lead"].with_user(user or cls.user_salesman).create(vals)

    @classmethod
    def _create_leads(cls, count, prefix, team=None, as_user=None, **values):
        """``count`` leads of the salesman in ``team`` (default: his team), in
        one batch created as ``as_user`` (default: the salesman): lead ``i`` is
        "<prefix> lead <i>" of "<prefix> Person <i>" (p<i>@<prefix>.example) at
        "<prefix> Co <i>", plus ``values``."""
        team = team or cls.team
        return (
            cls.env["crm.lead"]
            .with_user(as_user or cls.user_salesman)
            .create(
                [
                    {
                        "name": f"{prefix} lead {i}",
                        "type": "lead",
                        "team_id": team.id,
                        "company_id": team.company_id.id or cls.env.company.id,
                        "user_id": cls.user_salesman.id,
                        "partner_name": f"{prefix} Co {i}",
                        "contact_name": f"{prefix} Person {i}",
                        "email_from": f"p{i}@{prefix.lower()}.example",
                        **values,
                    }
                    for i in range(count)
                ]
            )
        )


class DesyncMixin:
    """Desync fixtures, for ``CrmSyncCommon`` or ``CrmSyncHttpCommon``."""

    @classmethod
    def _desync_setup_account(cls, name, **values):
        """``cls.partner``: a Danish account in Aarhus that sources propose on."""
        cls.denmark = cls.env.ref("base.dk")
        cls.partner = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "phone": "+45 33 12 34 56",
                "city": "Aarhus",
                "country_id": cls.denmark.id,
                **values,
            }
        )

    def _desync_forged_proposal_values(self):
        """A proposal on ``self.partner`` created directly, bypassing the API."""
        return {
            "partner_id": self.partner.id,
            "field_id": self.env["ir.model.fields"]._get("res.partner", "city").id,
            "source_label": "forged",
            "value_char": "Lyon",
        }
