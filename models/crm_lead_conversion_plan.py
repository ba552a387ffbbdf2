# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion, first step: find the candidates of a batch of leads and
decide the account and contact of each lead; nothing is written here."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..utils import dedup
from ..utils.normalize import normalize_email, normalize_name


class CrmLead(models.Model):
    _inherit = "crm.lead"

    vat = fields.Char(
        string="Tax ID",
        help="Tax ID of the lead's company. Mapped to the account on conversion "
        "and used to find an existing account (unique field).",
    )

    # ------------------------------------------------------------
    # DUPLICATE DETECTION
    # ------------------------------------------------------------

    def _crm_sync_lead_keys(self, specs):
        """Normalised keys of each lead: ``{lead_id: utils.dedup.LeadKeys}``.

        Phone numbers without a country are read in the lead's country, else
        its company's, else the main company's: never the current user's, so
        that keys do not depend on who computes them.
        """
        Partner = self.env["res.partner"]
        main_region = Partner._crm_sync_main_region()
        keys = {}
        for lead in self:
            # sudo: the country code of the lead's company, whoever reads it
            company_region = lead.company_id.sudo().country_id.code
            unique = Partner._crm_sync_unique_keys(
                lead._crm_sync_unique_values(specs),
                specs,
                region=lead.country_id.code or company_region or main_region,
            )
            keys[lead.id] = dedup.LeadKeys(
                email=lead.email_normalized or normalize_email(lead.email_from),
                company=normalize_name(lead.partner_name),
                contact_name=normalize_name(lead.contact_name),
                contact_unique=unique["contact"],
                account_unique=unique["account"],
            )
        return keys

    def _crm_sync_unique_values(self, specs):
        """Raw values of the lead fields mapped to the unique fields:
        ``{usage: {partner field: value}}`` (records as ids)."""
        self.ensure_one()
        values = {}
        for usage in ("contact", "account"):
            values[usage] = {}
            for spec in specs[usage]:
                value = self[spec["source"]]
                if isinstance(value, models.BaseModel):
                    value = value.id
                values[usage][spec["field"]] = value
        return values

    def _crm_sync_dedup(self, specs=None):
        """Run the cascade for the batch: ``{lead_id: (keys, suggestion, index)}``.

        :param dict specs: the unique fields (``crm.sync.unique.field.
            _crm_sync_matching_specs()``), read here when not given
        """
        if specs is None:
            specs = self.env["crm.sync.unique.field"]._crm_sync_matching_specs()
        lead_keys = self._crm_sync_lead_keys(specs)
        suggestions, index = self.env["res.partner"]._crm_sync_match(lead_keys, specs)
        return {
            lead_id: (keys, suggestions[lead_id], index)
            for lead_id, keys in lead_keys.items()
        }

    # ------------------------------------------------------------
    # CONVERSION: checks and plan (nothing written)
    # ------------------------------------------------------------

    def _crm_sync_plan(self, options, strict=True, lead_options=None):
        """Decide account and contact of each lead; write nothing.

        :param bool strict: raise on the first lead that cannot be converted as
            asked (interactive conversion); otherwise report it and go on
            (mass conversion)
        :param dict lead_options: ``{lead_id: options}`` for leads converted
            with their own options (the Convert window), checked already
        :return: ``(plans, skipped)``: plans are dicts ``{"lead", "account":
            (action, partner), "contact": (action, partner), "deal_values"}``
            with action "existing", "new" or "none"; skipped is ``{lead_id:
            reason}``
        """
        lead_options = lead_options or {}
        Partner = self.env["res.partner"].with_context(active_test=False)
        specs = self.env["crm.sync.unique.field"]._crm_sync_matching_specs()
        found = self._crm_sync_dedup(specs)
        account_fields = [spec["field"] for spec in specs["account"]]
        inputs = {}
        for lead in self:
            keys, suggestion, index = found[lead.id]
            account_match = self._crm_sync_auto_account_match(
                keys, suggestion, index, account_fields
            )
            lead_opts = lead_options.get(lead.id, options)
            inputs[lead.id] = (lead_opts, suggestion, account_match)
        checked = self._crm_sync_check_plan_partners(Partner, inputs.values())
        plans, skipped = [], {}
        for lead in self:
            lead_opts, suggestion, account_match = inputs[lead.id]
            try:
                plan = lead._crm_sync_plan_lead(
                    lead_opts, suggestion, account_match, Partner, checked
                )
                plan["deal_values"] = lead_opts["deal_values"]
                plans.append(plan)
            except (UserError, AccessError) as error:
                if strict:
                    raise
                skipped[lead.id] = str(error.args[0] if error.args else error)
        if any(
            plan[role][0] == "new" for plan in plans for role in ("account", "contact")
        ):
            self.env["res.partner"].check_access("create")
        return plans, skipped

    @api.model
    def _crm_sync_auto_account_match(self, keys, suggestion, index, account_fields):
        """The account match the "auto" account option takes (None if nothing
        matched): the suggested one, unless it is the suggested contact's
        account (that contact was not taken when "auto" decides the account):
        then the lead's company decides."""
        match = suggestion.account_match
        if not match or match.rule == dedup.RULE_CONTACT_ACCOUNT:
            match = (
                dedup.find_account(keys, index, account_fields)
                if keys.company or keys.account_unique
                else None
            )
        return match

    @api.model
    def _crm_sync_check_plan_partners(self, Partner, inputs):
        """Which of the partners the plans of a batch may use exist, and which
        the user may read, in one check of the whole batch.

        :param inputs: ``(options, suggestion, account match)`` of each lead
        :return: ``{"existing": ids, "readable": ids, "prefetch": prefetch ids}``
            for :meth:`_crm_sync_plan_existing`
        """
        ids = set()
        for opts, suggestion, account_match in inputs:
            for option, suggested_id in (
                (opts["contact"], suggestion.contact_id),
                (opts["account"], account_match and account_match.partner_id),
            ):
                if option == "auto":
                    ids.add(suggested_id)
                elif option not in ("new", False):
                    ids.add(option)
        existing = Partner.browse(sorted(pid for pid in ids if pid)).exists()
        readable = existing._filtered_access("read")
        return {
            "existing": set(existing.ids),
            "readable": set(readable.ids),
            "prefetch": readable._prefetch_ids,
        }

    def _crm_sync_plan_lead(self, options, suggestion, account_match, Partner, checked):
        """The plan of this lead: the contact first, then the account (a
        contact that has an account keeps it)."""
        self.ensure_one()
        contact = self._crm_sync_plan_contact(
            options["contact"], suggestion, Partner, checked
        )
        if options["account"] is False:
            account = ("none", Partner)
        elif contact[0] == "existing" and contact[1].parent_id:
            account = self._crm_sync_plan_contact_account(
                options["account"], contact[1]
            )
        elif options["account"] == "auto":
            account = self._crm_sync_plan_auto_account(account_match, Partner, checked)
        elif options["account"] == "new":
            account = ("new", Partner)
        else:
            account = (
                "existing",
                self._crm_sync_plan_existing(
                    Partner, checked, options["account"], self.env._("account")
                ),
            )
        self._crm_sync_check_plan_lead(account, contact)
        return {"lead": self, "account": account, "contact": contact}

    def _crm_sync_plan_contact(self, contact_opt, suggestion, Partner, checked):
        """``(action, partner)`` of the contact, for the ``contact`` option."""
        if contact_opt == "new":
            return ("new", Partner)
        if contact_opt != "auto":
            what = self.env._("contact")
            return (
                "existing",
                self._crm_sync_plan_existing(Partner, checked, contact_opt, what),
            )
        match = suggestion.contact_match
        if match and match.ambiguous:
            raise self._crm_sync_ambiguous_error(Partner, match, self.env._("contacts"))
        if not suggestion.contact_id:
            return ("new", Partner)
        what = self.env._("contact")
        contact = self._crm_sync_plan_existing(
            Partner, checked, suggestion.contact_id, what
        )
        return ("existing", self._crm_sync_automatic(contact, what))

    def _crm_sync_plan_contact_account(self, account_opt, contact):
        """An existing ``contact`` that already has an account keeps it."""
        parent = contact.parent_id
        if account_opt not in ("auto", parent.id):
            raise UserError(
                self.env._(
                    "Lead %(lead)s: the contact %(contact)s belongs to the "
                    "account %(account)s; it keeps it.",
                    lead=self.display_name,
                    contact=contact.display_name,
                    account=parent.display_name,
                )
            )
        return ("existing", parent)

    def _crm_sync_plan_auto_account(self, match, Partner, checked):
        """``(action, partner)`` of the account found by the cascade (``match``,
        None if nothing matched): a new one when the lead names a company."""
        if match and match.ambiguous:
            raise self._crm_sync_ambiguous_error(Partner, match, self.env._("accounts"))
        if match:
            what = self.env._("account")
            account = self._crm_sync_plan_existing(
                Partner, checked, match.partner_id, what
            )
            return ("existing", self._crm_sync_automatic(account, what))
        return ("new", Partner) if self.partner_name else ("none", Partner)

    def _crm_sync_automatic(self, partner, what):
        """``partner`` (a ``what``), found by the duplicate rules for this lead:
        never an archived one (it is offered; the user chooses it explicitly,
        and the mass conversion skips the lead with this reason)."""
        if not partner.active:
            raise UserError(
                self.env._(
                    "Lead %(lead)s: the matching %(what)s %(name)s is archived. "
                    "Choose it explicitly in the Convert window (it stays "
                    "archived) or create a new one.",
                    lead=self.display_name,
                    what=what,
                    name=partner.display_name,
                )
            )
        return partner

    def _crm_sync_plan_existing(self, Partner, checked, partner_id, what):
        """The existing partner ``partner_id`` (a ``what``) the user may read,
        as ``checked`` for the batch (:meth:`_crm_sync_check_plan_partners`)."""
        if partner_id not in checked["existing"]:
            raise UserError(
                self.env._(
                    "Lead %(lead)s: the %(what)s %(id)s does not exist.",
                    lead=self.display_name,
                    what=what,
                    id=partner_id,
                )
            )
        partner = Partner.browse(partner_id).with_prefetch(checked["prefetch"])
        if partner_id not in checked["readable"]:
            # raises the access error the user gets for this partner
            partner.check_access("read")
        return partner

    def _crm_sync_ambiguous_error(self, Partner, match, what):
        """The error for a lead whose ``match`` (of ``what``) is ambiguous."""
        names = ", ".join(Partner.browse(match.ids).mapped("display_name"))
        return UserError(
            self.env._(
                "Lead %(lead)s: several %(what)s match (%(reason)s): "
                "%(names)s. Choose one in the Convert window.",
                lead=self.display_name,
                what=what,
                reason=Partner._crm_sync_rule_label(match),
                names=names,
            )
        )

    def _crm_sync_check_plan_lead(self, account, contact):
        """Refuse an account/contact combination that cannot be converted."""
        lead_label = self.display_name
        contact_partner = contact[1]
        if account[0] == "new" and not (self.partner_name or "").strip():
            raise UserError(
                self.env._(
                    "Lead %(lead)s has no company name: no account can be created "
                    "for it.",
                    lead=lead_label,
                )
            )
        if account[0] == "existing" and not account[1].is_company:
            raise UserError(
                self.env._(
                    "Lead %(lead)s: %(partner)s is not a company and cannot be the "
                    "account.",
                    lead=lead_label,
                    partner=account[1].display_name,
                )
            )
        if (
            contact[0] == "existing"
            and account[0] == "existing"
            and contact_partner == account[1]
        ):
            raise UserError(
                self.env._(
                    "Lead %(lead)s: the contact and the account must be two "
                    "different partners.",
                    lead=lead_label,
                )
            )
