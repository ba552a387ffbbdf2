# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""/my/account: customers' own updates become proposals to review (setting on)."""

from odoo.exceptions import AccessError
from odoo.http import request, route

from odoo.addons.portal.controllers.portal import CustomerPortal


class CrmSyncCustomerPortal(CustomerPortal):
    @route()
    def account(self, redirect=None, **post):
        response = super().account(redirect=redirect, **post)
        if request.env.context.get("crm_sync_review_pending") and not redirect:
            # Come back to the details page, which says what awaits review.
            return request.redirect("/my/account")
        if getattr(response, "qcontext", None) is not None:
            # Searched as the user (record rule: own partner), sudo to display labels.
            proposals = request.env["crm.sync.proposal"].search(
                [
                    ("partner_id", "=", request.env.user.partner_id.id),
                    ("state", "=", "pending"),
                    ("source_model", "=", "res.users"),
                    ("source_res_id", "=", request.env.uid),
                ]
            )
            response.qcontext["crm_sync_pending_proposals"] = proposals.sudo()
        return response

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
        proposals = partner._crm_sync_propose(proposed, (user, label))
        # Reviewable fields are not written directly: the CRM keeps its values
        # until reviewed.
        if proposals:
            request.update_context(crm_sync_review_pending=True)
