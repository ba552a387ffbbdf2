# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Convert to Contact: leads become contacts under an account the user picks
(the window suggests one, ``_crm_sync_suggest_account``)."""

from odoo import models
from odoo.exceptions import UserError

from ..utils.account_suggestion import company_domain, email_domain, is_generic_domain
from ..utils.normalize import normalize_name


class CrmLead(models.Model):
    _inherit = "crm.lead"

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
        contacts = self._crm_sync_partner_model().create(vals_list)
        self._crm_sync_link_converted(
            [
                (lead, "contact", {"partner_id": contact.id})
                for lead, contact in zip(leads, contacts, strict=True)
            ]
        )
        leads._crm_sync_contact_post_notes(contacts, account)
        return contacts.ids

    def _crm_sync_contact_check_leads(self):
        """Raise unless these leads may be converted to contacts by this user."""
        if not self:
            raise UserError(self.env._("Select at least one lead to convert."))
        # lost (archived) leads may become contacts too
        self._crm_sync_check_convertible(archived=True)

    def _crm_sync_contact_check(self, account_id):
        """Validate a Convert to Contact request before anything is written.

        Locks the leads, so that a concurrent conversion of the same lead
        waits and then fails instead of creating a second contact.

        :return: the account (res.partner)
        """
        self._crm_sync_contact_check_leads()
        self._crm_sync_lock_for_conversion()
        if not isinstance(account_id, int) or isinstance(account_id, bool):
            raise UserError(
                self.env._("Choose the account (a company) the contacts belong to.")
            )
        account = self.env["res.partner"].browse(account_id).exists()
        if not account:
            raise UserError(
                self.env._("The account %(id)s does not exist.", id=account_id)
            )
        account.check_access("read")
        if not account.is_company:
            raise UserError(
                self.env._(
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
                self.env._(
                    "The account %(account)s belongs to the company %(company)s, "
                    "unlike these leads: %(leads)s.",
                    account=account.display_name,
                    company=account.company_id.display_name,
                    leads=", ".join(other_company.mapped("display_name")),
                )
            )
        self.env["res.partner"].check_access("create")
        return account

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

    def _crm_sync_contact_post_notes(self, contacts, account):
        for lead, contact in zip(self, contacts, strict=True):
            lead.message_post(
                body=self.env._(
                    "Converted to the contact %(contact)s under the account "
                    "%(account)s.",
                    contact=contact._get_html_link(),
                    account=account._get_html_link(),
                ),
                subtype_xmlid="mail.mt_note",
            )
            contact.message_post(
                body=self.env._(
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
        by_name = Partner._crm_sync_accounts_by_name(
            {normalize_name(lead.partner_name) for lead in self} - {None}
        )
        by_domain = Partner._crm_sync_accounts_by_domain(
            {company_domain(lead.email_from) for lead in self} - {""}
        )
        return {
            lead.id: lead._crm_sync_suggest_by_customer()
            or lead._crm_sync_suggest_by_name(by_name)
            or lead._crm_sync_suggest_by_domain(by_domain)
            for lead in self
        }

    def _crm_sync_allowed_accounts(self, partners):
        """The ``partners`` that may be linked to this lead (multi-company)."""
        self.ensure_one()
        return partners.filtered(
            lambda p: not p.company_id
            or not self.company_id
            or p.company_id == self.company_id
        )

    def _crm_sync_suggest_by_customer(self):
        """The account of the lead's customer, with the reason (None if none)."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        if not commercial.is_company:
            return None
        return commercial, self.env._(
            "The lead's customer %(customer)s belongs to this account.",
            customer=self.partner_id.display_name,
        )

    def _crm_sync_suggest_by_name(self, by_name):
        """The account named as the lead's company, with the reason (None if
        none).

        :param dict by_name: as :meth:`res.partner._crm_sync_accounts_by_name`
        """
        self.ensure_one()
        Partner = self.env["res.partner"]
        key = normalize_name(self.partner_name)
        named = self._crm_sync_allowed_accounts(by_name.get(key, Partner))
        if len(named) == 1:
            return named, self.env._(
                "Same name as the lead's company (%(name)s).", name=self.partner_name
            )
        if len(named) > 1:
            return Partner, self.env._(
                "%(count)s accounts are named %(name)s: choose one.",
                count=len(named),
                name=self.partner_name,
            )
        return None

    def _crm_sync_suggest_by_domain(self, by_domain):
        """The account using the domain of the lead's email, or why there is none.

        :param dict by_domain: as :meth:`res.partner._crm_sync_accounts_by_domain`
        """
        self.ensure_one()
        Partner = self.env["res.partner"]
        domain = company_domain(self.email_from)
        found = self._crm_sync_allowed_accounts(by_domain.get(domain, Partner))
        if len(found) == 1:
            return found, self.env._(
                "Same domain as the lead's email (%(domain)s).", domain=domain
            )
        if len(found) > 1:
            return Partner, self.env._(
                "%(count)s accounts use the domain %(domain)s: choose one.",
                count=len(found),
                domain=domain,
            )
        if is_generic_domain(email_domain(self.email_from)):
            return Partner, self.env._(
                "No account has the lead's company name, and %(domain)s is a "
                "free mail provider: choose the account or create it.",
                domain=email_domain(self.email_from),
            )
        return Partner, self.env._(
            "No account matches the lead's company name or email "
            "domain: choose the account or create it."
        )
