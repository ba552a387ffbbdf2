# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion foundation and "Convert to Contact".

The conversion state of a lead (``crm_sync_converted`` and friends) is shared by
every crm_sync conversion path: Convert to Contact (this file) and the full
lead conversion (``crm_lead_conversion.py``). Both go through the same three
helpers:

- ``_crm_sync_check_convert_access()``: who may convert;
- ``_crm_sync_check_not_converted()``: a lead is converted once;
- ``_crm_sync_mark_converted(conversion_type)``: the only way to set the state.

``write`` and ``create`` guard the state on the server, whatever the path (UI,
XML-RPC, import): a converted lead can neither be un-converted nor turned
back into what it was before the conversion.
"""

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.misc import clean_context

from ..utils.account_suggestion import (
    company_domain,
    email_domain,
    is_generic_domain,
    normalize_name,
    website_domain,
)
from ..utils.parameters import is_truthy_parameter

# Proof that a write of the conversion state comes from _crm_sync_mark_converted.
# A context *value* that cannot be forged over RPC (it is not serialisable),
# unlike a plain boolean context key.
_CONVERSION_TOKEN = object()
_CONVERSION_CONTEXT_KEY = "crm_sync_conversion_token"

CONVERSION_FIELDS = (
    "crm_sync_converted",
    "crm_sync_conversion_date",
    "crm_sync_converted_by_id",
    "crm_sync_conversion_type",
)

# Lead fields that crm recomputes from ``partner_id``: when the lead is linked
# to the contact made from it, the lead keeps the data it came in with.
LEAD_FIELDS_KEPT_ON_LINK = (
    "contact_name",
    "partner_name",
    "title",
    "function",
    "mobile",
    "website",
    "lang_id",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "country_id",
)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_sync_converted = fields.Boolean(
        string="Converted",
        index=True,
        copy=False,
        readonly=True,
        tracking=True,
        help="Set once the lead has been converted by crm_sync; it cannot be undone.",
    )
    crm_sync_conversion_date = fields.Datetime(
        string="Converted On", copy=False, readonly=True
    )
    crm_sync_converted_by_id = fields.Many2one(
        "res.users", string="Converted By", copy=False, readonly=True
    )
    crm_sync_conversion_type = fields.Selection(
        [
            ("contact", "Contact"),
            ("account", "Account and contact"),
            ("deal", "Deal"),
        ],
        string="Converted Into",
        copy=False,
        readonly=True,
    )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self._crm_sync_conversion_allowed():
            for vals in vals_list:
                set_fields = [fname for fname in CONVERSION_FIELDS if vals.get(fname)]
                if set_fields:
                    raise UserError(
                        _(
                            "A lead cannot be created as already converted "
                            "(%(fields)s): convert it once it exists.",
                            fields=", ".join(set_fields),
                        )
                    )
        return super().create(vals_list)

    def write(self, vals):
        self._crm_sync_check_conversion_write(vals)
        return super().write(vals)

    # ------------------------------------------------------------
    # CONVERSION STATE (shared by every crm_sync conversion)
    # ------------------------------------------------------------

    def _crm_sync_conversion_allowed(self):
        return self.env.context.get(_CONVERSION_CONTEXT_KEY) is _CONVERSION_TOKEN

    def _crm_sync_check_conversion_write(self, vals):
        """Refuse writes that would revert or forge a conversion.

        - the conversion fields change only through ``_crm_sync_mark_converted``;
        - a converted lead stays converted;
        - a lead converted into a contact (or account and contact) stays a lead,
          a lead converted into a deal never becomes a lead again.
        """
        changed_state = [fname for fname in CONVERSION_FIELDS if fname in vals]
        if not changed_state and "type" not in vals:
            return
        converted = self.filtered("crm_sync_converted")
        if changed_state:
            if "crm_sync_converted" in vals and not vals["crm_sync_converted"]:
                if converted:
                    raise UserError(
                        _(
                            "A converted lead cannot be reverted: %(leads)s.",
                            leads=", ".join(converted.mapped("display_name")),
                        )
                    )
            if not self._crm_sync_conversion_allowed():
                field_map = self._fields
                really_changed = [
                    fname
                    for fname in changed_state
                    if any(
                        field_map[fname].convert_to_record(
                            field_map[fname].convert_to_cache(vals[fname], lead), lead
                        )
                        != lead[fname]
                        for lead in self
                    )
                ]
                if really_changed:
                    raise UserError(
                        _(
                            "The conversion status of a lead (%(fields)s) is set by "
                            "its conversion only; it cannot be written directly.",
                            fields=", ".join(
                                field_map[f].get_description(self.env)["string"]
                                for f in really_changed
                            ),
                        )
                    )
        if "type" in vals and converted:
            new_type = vals["type"]
            reverted = converted.filtered(
                lambda lead: lead.type != new_type
                and (lead.crm_sync_conversion_type != "deal" or new_type == "lead")
            )
            if reverted:
                raise UserError(
                    _(
                        "These leads were converted and cannot change type any more: "
                        "%(leads)s.",
                        leads=", ".join(reverted.mapped("display_name")),
                    )
                )

    def _crm_sync_check_convert_access(self):
        """Raise AccessError unless the current user may convert these leads.

        The user needs write access to the leads; when the system parameter
        ``crm_sync.restrict_conversion`` is on, also the "Convert leads" group.
        """
        self.check_access("write")
        if self.env.su:
            return
        restricted = is_truthy_parameter(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_sync.restrict_conversion")
        )
        if restricted and not self.env.user.has_group(
            "crm_sync.crm_sync_group_convert_leads"
        ):
            raise AccessError(
                _(
                    'Only members of the group "Convert leads" may convert leads '
                    '(setting "Only the Convert leads group may convert leads"). '
                    "%(user)s is not one of them.",
                    user=self.env.user.name,
                )
            )

    def _crm_sync_check_not_converted(self):
        """Raise UserError if any of these leads was converted already."""
        converted = self.filtered("crm_sync_converted")
        if converted:
            raise UserError(
                _(
                    "These leads were converted already and cannot be converted "
                    "again: %(leads)s.",
                    leads=", ".join(converted.mapped("display_name")),
                )
            )

    def _crm_sync_lock_for_conversion(self):
        """Lock the leads' rows until the end of the transaction.

        Of two concurrent conversions of a lead, the second waits here, then
        fails on a serialisation error (Odoo retries the request, which then
        reports "converted already") before it creates anything.
        """
        if self.ids:
            self.env.execute_query(
                SQL(
                    "SELECT id FROM crm_lead WHERE id IN %s FOR NO KEY UPDATE",
                    tuple(self.ids),
                )
            )

    def _crm_sync_mark_converted(self, conversion_type, values=None):
        """Mark the leads converted, in one write; the only way past the guard.

        :param str conversion_type: a key of ``crm_sync_conversion_type``
        :param dict values: other lead values to write in the same write
        """
        selection = dict(self._fields["crm_sync_conversion_type"].selection)
        if conversion_type not in selection:
            raise UserError(
                _(
                    "Unknown conversion type %(type)s.",
                    type=conversion_type,
                )
            )
        self._crm_sync_check_not_converted()
        vals = dict(values or {})
        vals.update(
            {
                "crm_sync_converted": True,
                "crm_sync_conversion_date": fields.Datetime.now(),
                "crm_sync_converted_by_id": self.env.uid,
                "crm_sync_conversion_type": conversion_type,
            }
        )
        return self.with_context(**{_CONVERSION_CONTEXT_KEY: _CONVERSION_TOKEN}).write(
            vals
        )

    # ------------------------------------------------------------
    # CONVERT TO CONTACT
    # ------------------------------------------------------------

    def crm_convert_to_contact(self, account_id):
        """Convert leads into contacts under one account (public, XML-RPC).

        For each lead: create a person under the account from the lead's
        person data, link the lead to it and close the lead as converted.

        :param int account_id: id of a company partner (the account)
        :return: ids of the new contacts, in the order of the leads
        :rtype: list
        """
        leads = self.browse(list(dict.fromkeys(self.ids)))
        account = leads._crm_sync_contact_check(account_id)
        vals_list = [lead._crm_sync_prepare_contact_values(account) for lead in leads]
        # The caller's default_* keys (e.g. default_type="lead") are not meant
        # for the partners.
        contacts = (
            self.env["res.partner"]
            .with_context(clean_context(self.env.context))
            .create(vals_list)
        )
        for lead, contact in zip(leads, contacts, strict=True):
            link_vals = {"partner_id": contact.id}
            link_vals.update(lead._crm_sync_values_kept_on_link())
            lead._crm_sync_mark_converted("contact", link_vals)
        leads._crm_sync_contact_post_notes(contacts, account)
        return contacts.ids

    def _crm_sync_contact_check_leads(self):
        """Raise unless these leads may be converted to contacts by this user."""
        if not self:
            raise UserError(_("Select at least one lead to convert."))
        self._crm_sync_check_convert_access()
        opportunities = self.filtered(lambda lead: lead.type == "opportunity")
        if opportunities:
            raise UserError(
                _(
                    "Only leads can be converted to a contact; these are "
                    "opportunities: %(leads)s.",
                    leads=", ".join(opportunities.mapped("display_name")),
                )
            )
        self._crm_sync_check_not_converted()

    def _crm_sync_contact_check(self, account_id):
        """Validate a Convert to Contact request before anything is written.

        Locks the leads, so that a concurrent conversion of the same lead
        waits and then fails instead of creating a second contact.

        :return: the account (res.partner)
        """
        self._crm_sync_contact_check_leads()
        self._crm_sync_lock_for_conversion()
        if not isinstance(account_id, int) or isinstance(account_id, bool):
            raise UserError(_("Choose the account (a company) the contacts belong to."))
        account = self.env["res.partner"].browse(account_id).exists()
        if not account:
            raise UserError(_("The account %(id)s does not exist.", id=account_id))
        account.check_access("read")
        if not account.is_company:
            raise UserError(
                _(
                    "%(partner)s is not a company: contacts can only be created "
                    "under an account that is a company.",
                    partner=account.display_name,
                )
            )
        other_company = self.filtered(
            lambda lead: lead.company_id
            and account.company_id
            and lead.company_id != account.company_id
        )
        if other_company:
            raise UserError(
                _(
                    "The account %(account)s belongs to the company %(company)s, "
                    "unlike these leads: %(leads)s.",
                    account=account.display_name,
                    company=account.company_id.display_name,
                    leads=", ".join(other_company.mapped("display_name")),
                )
            )
        self.env["res.partner"].check_access("create")
        return account

    def _crm_sync_contact_name(self):
        """The name of the contact made from this lead.

        The lead's contact name, else the name (or the address) in its email,
        else the lead's title.
        """
        self.ensure_one()
        if self.contact_name:
            return self.contact_name
        if self.email_from:
            name, email = tools.parse_contact_from_email(self.email_from)
            if name or email:
                return name or email
        return self.name

    def _crm_sync_prepare_contact_values(self, account):
        """Values of the contact (a person under ``account``) made from this lead.

        Reuses crm's ``_prepare_customer_values`` hook, so that modules which
        extend it (first/last name, VAT...) extend Convert to Contact too.
        """
        self.ensure_one()
        vals = self._prepare_customer_values(
            self._crm_sync_contact_name(), is_company=False, parent_id=account.id
        )
        vals["type"] = "contact"
        # The lead's sales team follows the customer, as on the lead form.
        if self.team_id and "team_id" in self.env["res.partner"]._fields:
            vals.setdefault("team_id", self.team_id.id)
        # The lead's website is most often the company's; the account has it.
        if account.website and vals.get("website") == account.website:
            vals.pop("website")
        return vals

    def _crm_sync_values_kept_on_link(self):
        """Current values of the lead fields that linking a partner recomputes."""
        self.ensure_one()
        return {
            fname: self._fields[fname].convert_to_write(self[fname], self)
            for fname in LEAD_FIELDS_KEPT_ON_LINK
        }

    def _crm_sync_contact_post_notes(self, contacts, account):
        for lead, contact in zip(self, contacts, strict=True):
            lead.message_post(
                body=_(
                    "Converted to the contact %(contact)s under the account "
                    "%(account)s.",
                    contact=contact._get_html_link(),
                    account=account._get_html_link(),
                ),
                subtype_xmlid="mail.mt_note",
            )
            contact.message_post(
                body=_(
                    "Contact created from the lead %(lead)s.",
                    lead=lead._get_html_link(),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _crm_sync_suggest_account(self):
        """Suggest the account of each lead, with the reason, for the user to confirm.

        In order: the company of the lead's customer; a company whose
        normalised name equals the lead's company name; a company whose
        website or email domain equals the lead's email domain (free mail
        providers excluded). Matches are exact; two or more equal candidates
        are ambiguous and suggest nothing.

        :return: {lead id: (res.partner with 0 or 1 record, reason)}
        """
        Partner = self.env["res.partner"]
        by_name = self._crm_sync_accounts_by_name(
            {lead.partner_name for lead in self if lead.partner_name}
        )
        by_domain = self._crm_sync_accounts_by_domain(
            {company_domain(lead.email_from) for lead in self} - {""}
        )
        result = {}
        for lead in self:

            def allowed(partners, lead=lead):
                """Partners that may be linked to the lead (multi-company)."""
                return partners.filtered(
                    lambda p, lead=lead: not p.company_id
                    or not lead.company_id
                    or p.company_id == lead.company_id
                )

            commercial = lead.partner_id.commercial_partner_id
            if commercial.is_company:
                result[lead.id] = (
                    commercial,
                    _(
                        "The lead's customer %(customer)s belongs to this account.",
                        customer=lead.partner_id.display_name,
                    ),
                )
                continue
            name_key = normalize_name(lead.partner_name)
            named = allowed(by_name.get(name_key, Partner)) if name_key else Partner
            if len(named) == 1:
                result[lead.id] = (
                    named,
                    _(
                        "Same name as the lead's company (%(name)s).",
                        name=lead.partner_name,
                    ),
                )
                continue
            if len(named) > 1:
                result[lead.id] = (
                    Partner,
                    _(
                        "%(count)s accounts are named %(name)s: choose one.",
                        count=len(named),
                        name=lead.partner_name,
                    ),
                )
                continue
            domain = company_domain(lead.email_from)
            same_domain = allowed(by_domain.get(domain, Partner)) if domain else Partner
            if len(same_domain) == 1:
                result[lead.id] = (
                    same_domain,
                    _(
                        "Same domain as the lead's email (%(domain)s).",
                        domain=domain,
                    ),
                )
            elif len(same_domain) > 1:
                result[lead.id] = (
                    Partner,
                    _(
                        "%(count)s accounts use the domain %(domain)s: choose one.",
                        count=len(same_domain),
                        domain=domain,
                    ),
                )
            elif is_generic_domain(email_domain(lead.email_from)):
                result[lead.id] = (
                    Partner,
                    _(
                        "No account has the lead's company name, and %(domain)s is a "
                        "free mail provider: choose the account or create it.",
                        domain=email_domain(lead.email_from),
                    ),
                )
            else:
                result[lead.id] = (
                    Partner,
                    _(
                        "No account matches the lead's company name or email "
                        "domain: choose the account or create it."
                    ),
                )
        return result

    @api.model
    def _crm_sync_accounts_by_name(self, names):
        """Readable company partners by normalised name, for the given names.

        Exact match on the indexed ``res.partner.crm_sync_name_key`` (trimmed,
        case- and accent-insensitive), never a substring search.

        :return: {normalised name: res.partner}
        """
        keys = {normalize_name(name) for name in names} - {None, ""}
        if not keys:
            return {}
        partners = self.env["res.partner"].search(
            [("is_company", "=", True), ("crm_sync_name_key", "in", list(keys))]
        )
        result = {}
        for partner in partners:
            key = partner.crm_sync_name_key
            result[key] = result.get(key, partner.browse()) | partner
        return result

    @api.model
    def _crm_sync_accounts_by_domain(self, domains):
        """Readable company partners whose website or email domain is one given.

        :return: {domain: res.partner}
        """
        domains = {d for d in domains if d}
        if not domains:
            return {}
        search_domain = []
        for domain in sorted(domains):
            search_domain = (
                (["|"] if search_domain else [])
                + search_domain
                + [
                    "|",
                    ("email_normalized", "=like", f"%@{domain}"),
                    ("website", "ilike", domain),
                ]
            )
        partners = self.env["res.partner"].search(
            [("is_company", "=", True), *search_domain]
        )
        result = {}
        for partner in partners:
            for key in {
                website_domain(partner.website),
                email_domain(partner.email_normalized),
            } & domains:
                result[key] = result.get(key, partner.browse()) | partner
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_crm_sync_open_contact(self):
        """Open the contact this lead was converted into."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
