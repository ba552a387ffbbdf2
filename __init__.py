# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo.tools import SQL, file_open
from odoo.tools.sql import drop_index

from . import models
from . import wizards
from . import controllers

# Records of other modules that crm_sync's data files change: {xmlid: (file of the
# owning module that defines the record, fields to restore)}. Uninstalling
# crm_sync restores them as their module ships them.
RESTORED_ON_UNINSTALL = {
    "crm.crm_lead_all_leads": ("crm/views/crm_lead_views.xml", ("context",)),
}


def _shipped_values(xmlid, path, fnames):
    """The plain-text values of ``fnames`` on record ``xmlid`` in ``path``."""
    module, name = xmlid.split(".")
    with file_open(path, "rb") as file:
        tree = etree.parse(file)
    for record in tree.iterfind(".//record"):
        if record.get("id") in (name, xmlid):
            return {
                fname: node.text or ""
                for node in record.iterfind("field")
                if (fname := node.get("name")) in fnames
            }
    raise ValueError(f"{xmlid} is not defined in {module}'s {path}")


def _drop_partner_key_indexes(env):
    """Drop the indexes crm_sync made on res_partner by hand: the match keys of
    custom unique fields (``crm.sync.unique.field._crm_sync_index``) and the
    e-mail lookup index are on columns that stay, so nothing else would drop
    them. The indexes of
    crm_sync's own columns go with the columns anyway."""
    env.cr.execute(
        SQL(
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'res_partner' AND indexname LIKE %s",
            r"res\_partner\_\_crm\_sync\_%",
        )
    )
    names = [name for (name,) in env.cr.fetchall()]
    # the e-mail lookup index (res_partner_match.py) is on mail's column
    names.append("res_partner_crm_sync_email_normalized_hash")
    for name in names:
        drop_index(env.cr, name, "res_partner")


def uninstall_hook(env):
    """Give back to the host apps what crm_sync changed in them."""
    for xmlid, (path, fnames) in RESTORED_ON_UNINSTALL.items():
        record = env.ref(xmlid, raise_if_not_found=False)
        if record:
            record.write(_shipped_values(xmlid, path, fnames))
    _drop_partner_key_indexes(env)
