# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Confirmation window of Sync User (person contact -> res.users)."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class ResPartnerUserSync(models.TransientModel):
    _name = "res.partner.user.sync"
    _inherit = "crm.sync.wizard.access.mixin"
    _description = "Sync User Confirmation"
    _crm_sync_access_fields = {"partner_id": "write"}

    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        readonly=True,
        ondelete="cascade",
        domain=[("is_company", "=", False)],
    )
    email = fields.Char(related="partner_id.email", related_sudo=False)
    login = fields.Char(
        compute="_compute_matches",
        compute_sudo=True,
        help="The login of the new user: the contact's normalised email.",
    )
    email_state = fields.Selection(
        [
            ("ok", "Valid"),
            ("ko", "Missing Or Invalid"),
            ("exist", "Used By An Existing User"),
        ],
        compute="_compute_matches",
        compute_sudo=True,
    )
    matching_user_ids = fields.Many2many(
        "res.users",
        string="Matching Users",
        compute="_compute_matches",
        compute_sudo=True,
        context={"active_test": False},
    )
    match_summary = fields.Text(compute="_compute_matches", compute_sudo=True)
    can_create = fields.Boolean(compute="_compute_matches", compute_sudo=True)
    resolution = fields.Selection(
        [("create", "Create a new user"), ("link", "Link to an existing user")],
        compute="_compute_resolution",
        store=True,
        readonly=False,
    )
    existing_user_id = fields.Many2one(
        "res.users",
        string="User To Link",
        compute="_compute_resolution",
        store=True,
        readonly=False,
        context={"active_test": False},
        domain="[('id', 'in', matching_user_ids)]",
    )
    user_type = fields.Selection(
        [("portal", "Portal user"), ("internal", "Internal user")],
        required=True,
        default="portal",
        help="A portal user sees their own documents on the customer portal. An "
        "internal user is a member of staff and a paid seat; it gets the plain "
        "Internal User rights only, an administrator grants more in Settings.",
    )
    send_invitation = fields.Boolean(
        default=True,
        help="Queue an email inviting the person to choose a password.",
    )

    @api.depends("partner_id", "partner_id.email")
    def _compute_matches(self):
        for wizard in self:
            # Computed as superuser (users the user may not read), but only for a
            # contact the user may still read.
            partner = wizard.partner_id.sudo(False)._filtered_access("read").sudo()
            if not partner:
                wizard.update(
                    {
                        "login": False,
                        "email_state": "ko",
                        "matching_user_ids": False,
                        "match_summary": False,
                        "can_create": False,
                    }
                )
                continue
            login = partner._crm_sync_user_login()
            matches = partner._crm_sync_user_matches()[partner.id]
            wizard.login = login
            wizard.matching_user_ids = [user.id for user, __ in matches]
            wizard.match_summary = "\n".join(
                partner._crm_sync_user_describe(user, reasons)
                for user, reasons in matches
            )
            if not login:
                wizard.email_state = "ko"
            elif any("login" in reasons for __, reasons in matches):
                wizard.email_state = "exist"
            else:
                wizard.email_state = "ok"
            wizard.can_create = bool(login) and not matches

    @api.depends("matching_user_ids")
    def _compute_resolution(self):
        for wizard in self:
            if wizard.matching_user_ids:
                wizard.resolution = "link"
                if wizard.existing_user_id not in wizard.matching_user_ids:
                    wizard.existing_user_id = wizard.matching_user_ids[:1]
            else:
                wizard.resolution = "create"
                wizard.existing_user_id = False

    def action_confirm(self):
        """Yes: call the public method with the explicit choice."""
        self.ensure_one()
        partner = self.partner_id
        if self.resolution == "link":
            if not self.existing_user_id:
                raise UserError(self.env._("Choose the existing user to link."))
            partner.crm_sync_user(existing_user_id=self.existing_user_id.id)
        else:
            partner.crm_sync_user(
                internal=self.user_type == "internal",
                send_invitation=self.send_invitation,
            )
        return {"type": "ir.actions.act_window_close"}
