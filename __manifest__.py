# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "CRM Sync",
    "summary": "Keep accounts, contacts, leads, companies, users, accounting and "
    "address books consistent inside Odoo CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-sync/crm_sync",
    "author": "crm_sync authors, Odoo Community Association (OCA)",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["crm", "contacts", "portal"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/crm_sync_groups.xml",
        "security/ir.model.access.csv",
    ],
    "demo": ["demo/crm_sync_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "crm_sync/static/tests/tours/*.js",
        ],
    },
}
