# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""/my/account: customers' own updates become proposals to review (setting on).

The portal keeps Odoo's flow: after saving the form the customer goes where
Odoo sends them (the portal home, or the ``redirect`` asked for). The portal
home and the details page say which changes await review.
"""

from odoo.exceptions import AccessError
from odoo.http import request, route

from odoo.addons.portal.controllers.portal import CustomerPortal


class CrmSyncCustomerPortal(CustomerPortal):
    def _crm_sync_pending_proposals(self):
        """The customer's own portal changes that await review."""
        # Searched as the user (record rule: own partner), sudo to display labels.
        proposals = request.env["crm.sync.proposal"].search(
            [
                ("partner_id", "=", request.env.user.partner_id.id),
                ("state", "=", "pending"),
                ("source_model", "=", "res.users"),
                ("source_res_id", "=", request.env.uid),
            ]
        )
        return proposals.sudo()

    def _crm_sync_show_pending(self, response):
        if getattr(response, "qcontext", None) is not None:
            response.qcontext["crm_sync_pending_proposals"] = (
                self._crm_sync_pending_proposals()
            )
        return response

    @route()
    def home(self, **kw):
        return self._crm_sync_show_pending(super().home(**kw))

    @route()
    def account(self, redirect=None, **post):
        return self._crm_sync_show_pending(super().account(redirect=redirect, **post))

    def on_account_update(self, values, partner):
        super().on_account_update(values, partner)
        Proposal = request.env["crm.sync.proposal"]
        if not Proposal._review_portal_updates() or request.env.user._is_internal():
            return
        user = request.env.user
        if partner != user.partner_id:
            raise AccessError(
                request.env._("You may only change your own contact details.")
            )
        # Only the reviewable fields become proposals; whatever else the portal
        # form writes (fields added by other modules, e.g. account's invoice
        # preferences) keeps the standard path.
        reviewable = set(partner._crm_sync_portal_fields())
        proposed = {
            fname: values.pop(fname) for fname in list(values) if fname in reviewable
        }
        if not proposed:
            return
        label = request.env._("Customer portal (%(user)s)", user=user.name)
        # Reviewable fields are not written directly: the CRM keeps its values
        # until reviewed; the portal home and the details page list them.
        partner._crm_sync_propose(proposed, (user, label))
