# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic status of a partner, and its API (issue 10, §6 and §7).

- stored status fields (state, number of differing fields, customer number,
  message) computed from the customer link without calling e-conomic: opening
  or listing partners never sends a request; the "Differs from e-conomic"
  filter and the list badge read them;
- ``crm_sync_economic_status(refresh=False)``: the status per partner;
  ``refresh=True`` reads the customers from e-conomic now (short timeout, an
  unreachable e-conomic is an "error" state, never a traceback);
- the form's buttons (Create / Update e-conomic, Check now, Compare).

Applying a comparison (``crm_sync_economic_apply``) is in
``res_partner_economic_apply.py``.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..utils import economic_compare

#: Seconds to wait for e-conomic in an interactive check (Check now, Compare, Apply).
CHECK_TIMEOUT = 5

STATES = [
    ("not_linked", "Not in e-conomic"),
    ("in_sync", "In Sync"),
    ("differs", "Differs"),
    ("error", "Error"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_sync_economic_state = fields.Selection(
        STATES,
        string="e-conomic Status",
        compute="_compute_crm_sync_economic_status",
        store=True,
        index="btree_not_null",
        help="Whether this customer exists in e-conomic and holds the same data, "
        "as last known (Check now asks e-conomic).",
    )
    crm_sync_economic_difference_count = fields.Integer(
        string="Fields Differing from e-conomic",
        compute="_compute_crm_sync_economic_status",
        store=True,
    )
    crm_sync_economic_customer_number = fields.Integer(
        string="e-conomic Customer Number",
        compute="_compute_crm_sync_economic_status",
        store=True,
    )
    crm_sync_economic_message = fields.Char(
        string="e-conomic Error",
        help="Why the last check of, or push to, e-conomic failed.",
        compute="_compute_crm_sync_economic_status",
        store=True,
    )
    crm_sync_economic_last_sync = fields.Datetime(
        string="Last e-conomic Sync", compute="_compute_crm_sync_economic_last_sync"
    )
    crm_sync_economic_available = fields.Boolean(
        compute="_compute_crm_sync_economic_available",
        help="An e-conomic integration exists for this customer's company.",
    )

    # ------------------------------------------------------------------
    # Stored status (no HTTP)
    # ------------------------------------------------------------------

    @api.depends(
        *economic_compare.mapping.CUSTOMER_FIELDS,
        "economic_link_ids.customer_number",
        "economic_link_ids.agreed_values",
        "economic_link_ids.economic_values",
        "economic_link_ids.economic_check_error",
        "economic_link_ids.last_error",
        "crm_sync_proposal_ids.state",
    )
    def _compute_crm_sync_economic_status(self):
        # sudo: the links are bookkeeping, read for the stored status only
        links = self._origin.sudo().economic_link_ids
        pending = links._crm_sync_status_pending_values()
        for partner in self:
            status = partner._crm_sync_economic_known_status(pending)
            partner.crm_sync_economic_state = status["state"]
            partner.crm_sync_economic_customer_number = status["customer_number"]
            partner.crm_sync_economic_difference_count = len(status["differences"])
            partner.crm_sync_economic_message = (
                status["message"] if status["state"] == "error" else False
            )

    def _compute_crm_sync_economic_last_sync(self):
        for partner in self:
            link = partner._crm_sync_economic_status_link()
            partner.crm_sync_economic_last_sync = (
                link.last_sync or link.economic_checked
            )

    def _compute_crm_sync_economic_available(self):
        Backend = self.env["crm.sync.economic.backend"]
        for partner in self:
            partner.crm_sync_economic_available = bool(
                partner._origin
                and (
                    partner._origin._crm_sync_economic_status_link()
                    or Backend._crm_sync_economic_backends_for(partner._origin)
                )
            )

    def _crm_sync_economic_status_link(self):
        """The customer link of this partner (the first backend's), as superuser."""
        self.ensure_one()
        # sudo: the link is bookkeeping; callers checked the partner's access
        return self.sudo().economic_link_ids.sorted("id")[:1]

    def _crm_sync_economic_known_status(self, pending=None):
        """The status from what the link knows: no call to e-conomic.

        :param pending: see ``_crm_sync_status_remote_values``."""
        self.ensure_one()
        link = self._origin._crm_sync_economic_status_link() if self._origin else None
        if not link:
            return {
                "state": "not_linked",
                "customer_number": False,
                "differences": {},
                "message": self.env._("Not in e-conomic."),
            }
        if not link.customer_number:
            return {
                "state": "error" if link.last_error else "not_linked",
                "customer_number": False,
                "differences": {},
                "message": link.last_error
                or self.env._("Not in e-conomic yet: waiting to be sent."),
            }
        differences = link._crm_sync_status_differences(pending, self._origin)
        error = link.economic_check_error or link.last_error
        if error:
            state, message = "error", error
        elif differences:
            state = "differs"
            message = self.env._(
                "Differs from e-conomic on %(count)s field(s): %(fields)s.",
                count=len(differences),
                fields=", ".join(differences),
            )
        else:
            state, message = "in_sync", self.env._("Same data as in e-conomic.")
        return {
            "state": state,
            "customer_number": link.customer_number or False,
            "differences": differences,
            "message": message,
        }

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------

    def crm_sync_economic_status(self, refresh=False):
        """XML-RPC: the e-conomic status of these partners.

        :param refresh: read the customers from e-conomic now (short timeout);
            otherwise no request is sent and the status is the last known one.
        :return: ``{str(partner_id): {"state", "customer_number", "differences",
            "message"}}``, ``differences`` keyed by e-conomic field name:
            ``{field: {"crm": value, "economic": value}}``.
        """
        self.check_access("read")
        if refresh:
            self._crm_sync_economic_refresh()
        # sudo: the links are bookkeeping; the caller may read these partners
        pending = self.sudo().economic_link_ids._crm_sync_status_pending_values()
        return {
            str(partner.id): partner._crm_sync_economic_known_status(pending)
            for partner in self
        }

    def _crm_sync_economic_refresh(self):
        """Read the linked customers from e-conomic now and record what they hold
        (or why they could not be read) on their links."""
        # sudo: the links are bookkeeping; the caller may read these partners
        links = (
            self.env["crm.sync.economic.customer"]
            .sudo()
            .union(*(partner._crm_sync_economic_status_link() for partner in self))
        )
        for backend, backend_links in links.grouped("backend_id").items():
            if not backend.enabled:
                backend_links._crm_sync_status_check_failed(
                    self.env._("The e-conomic integration is disabled.")
                )
                continue
            try:
                client = backend_links[0]._crm_sync_status_client(CHECK_TIMEOUT)
            except UserError as exc:  # no tokens yet
                backend_links._crm_sync_status_check_failed(str(exc.args[0]))
                continue
            with client:
                for link in backend_links.filtered("customer_number"):
                    link._crm_sync_status_refresh_one(client)

    # ------------------------------------------------------------------
    # Buttons of the status block
    # ------------------------------------------------------------------

    def _crm_sync_economic_notify(self, message, kind="info"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_crm_sync_economic_check(self):
        """Check now: ask e-conomic for this customer."""
        self.ensure_one()
        status = self.crm_sync_economic_status(refresh=True)[str(self.id)]
        kind = {"in_sync": "success", "error": "danger"}.get(status["state"], "warning")
        return self._crm_sync_economic_notify(status["message"], kind=kind)

    def action_crm_sync_economic_compare(self):
        """Open the Compare window (reads the customer from e-conomic)."""
        self.ensure_one()
        self.check_access("read")
        if not self._crm_sync_economic_status_link():
            raise UserError(
                self.env._(
                    "%(partner)s is not in e-conomic: create it there first.",
                    partner=self.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Compare with e-conomic"),
            "res_model": "res.partner.economic.compare",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }
