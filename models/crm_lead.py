# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm_sync on leads: the conversion state, Convert to Contact and the lead
conversion into account + contact + optional deal (the Zoho brief).

The conversion state of a lead (``crm_sync_converted`` and friends) is shared by
every crm_sync conversion path: Convert to Contact and the full lead conversion.
Both go through the same three helpers:

- ``_crm_sync_check_convert_access()``: who may convert;
- ``_crm_sync_check_not_converted()``: a lead is converted once;
- ``_crm_sync_mark_converted(conversion_type)``: the only way to set the state.

``write`` and ``create`` guard the state on the server, whatever the path (UI,
XML-RPC, import): a converted lead can neither be un-converted nor turned
back into what it was before the conversion.

Public API of the lead conversion (XML-RPC):

- ``crm.lead.crm_sync_find_duplicates(ids)``: candidates per lead, with the rule
  that found each one, and the suggested decisions;
- ``crm.lead.crm_sync_convert(ids, options)``: convert now, return what was done;
- ``crm.lead.crm_sync_mass_convert(domain, options)``: convert a set of leads in
  background batches, return the id of the conversion job (its summary).

Everything is done a batch of leads at a time: one query finds the candidate
partners of the whole batch (on indexed, normalised keys, see the DUPLICATE
KEYS section of ``res_partner.py``), new accounts and contacts are created with
one ``create`` each, and nothing is written before every lead of the batch has
been checked.
"""

from markupsafe import Markup

from odoo import Command, _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.misc import clean_context

from ..utils import dedup
from ..utils.account_suggestion import (
    company_domain,
    email_domain,
    is_generic_domain,
)
from ..utils.field_compat import is_empty
from ..utils.normalize import normalize, normalize_email, normalize_name
from ..utils.parameters import is_truthy_parameter
from .crm_sync_unique_field import text_key_sql

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

OPTION_KEYS = frozenset(
    {
        "account",
        "contact",
        "create_deal",
        "deal_values",
        "attachments_target",
        "move_tags",
        "owner_id",
    }
)
ATTACHMENT_TARGETS = ("contact", "account", "deal")
#: lead fields the conversion sets itself: not accepted in ``deal_values``
DEAL_PROTECTED_FIELDS = frozenset(
    {
        "type",
        "active",
        "partner_id",
        "company_id",
        "date_conversion",
        "crm_sync_converted",
        "crm_sync_conversion_date",
        "crm_sync_converted_by_id",
        "crm_sync_conversion_type",
    }
)
#: partner address: filled as one block on an existing partner, never mixed
ADDRESS_FIELDS = ("street", "street2", "zip", "city", "state_id", "country_id")


def _rule_label(env, match):
    """Human reason for a dedup match (``utils.dedup.Match``)."""
    field_label = match.field or ""
    if match.field and match.field in env["res.partner"]._fields:
        field_label = (
            env["res.partner"]._fields[match.field].get_description(env)["string"]
        )
    labels = {
        dedup.RULE_CONTACT_UNIQUE: _(
            "Same %(field)s as this contact (unique field)", field=field_label
        ),
        dedup.RULE_ACCOUNT_UNIQUE: _(
            "Same %(field)s as this account (unique field)", field=field_label
        ),
        dedup.RULE_CONTACT_EMAIL: _("Same e-mail address as this contact"),
        dedup.RULE_ACCOUNT_NAME: _("Same company name as this account"),
        dedup.RULE_CONTACT_NAME: _(
            "Same name as this contact (the lead has no e-mail and no company)"
        ),
        dedup.RULE_CONTACT_ACCOUNT: _("Account of the matching contact"),
        dedup.RULE_ACCOUNT_CONTACT_EMAIL: _(
            "Contact of the matching account with the same e-mail address"
        ),
        dedup.RULE_ACCOUNT_CONTACT_NAME: _(
            "Contact of the matching account with the same name"
        ),
    }
    return labels[match.rule]


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

    vat = fields.Char(
        string="Tax ID",
        help="Tax ID of the lead's company. Mapped to the account on conversion "
        "and used to find an existing account (unique field).",
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
        # Turning a lead into an opportunity is a conversion, whatever the path
        # (a wizard, XML-RPC, an import): the conversion permission applies.
        if vals.get("type") == "opportunity" and any(
            lead.type == "lead" for lead in self
        ):
            self._crm_sync_check_convert_access()
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
                    if any(lead._crm_sync_differs(fname, vals[fname]) for lead in self)
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

    def _crm_sync_differs(self, fname, value):
        """Whether writing ``value`` (a ``write`` value) into ``fname`` would
        change this lead; x2many commands always count as a change."""
        self.ensure_one()
        field = self._fields[fname]
        if field.type in ("one2many", "many2many"):
            return True
        return (
            field.convert_to_record(field.convert_to_cache(value, self), self)
            != (self[fname])
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

    @api.model
    def _crm_sync_partner_model(self):
        """``res.partner`` for the partners a conversion creates, without the
        caller's ``default_*`` context keys: those are meant for the leads (e.g.
        ``default_type="lead"`` from the Leads menu), not for the partners.

        The context is replaced, not extended (``with_context(**ctx)`` would
        keep the ``default_*`` keys).
        """
        return self.env(context=clean_context(self.env.context))["res.partner"]

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

    @api.model
    def _crm_sync_link_converted(self, links):
        """Link each lead to its partner (``vals["partner_id"]``) and mark the
        leads converted.

        The values shared by all the leads of a conversion type (type,
        conversion date...) are written in one write per type, which also
        marks them converted; only what differs (partner, deal name...) is
        written lead by lead, and only when it changes. crm recomputes some
        lead fields from the partner (``LEAD_FIELDS_KEPT_ON_LINK``): they are
        protected during the writes, so the lead keeps the data it came in
        with.

        :param list links: ``(lead, conversion_type, vals)`` triples
        """
        leads = self.browse([lead.id for lead, _type, _vals in links])
        groups = {}
        for lead, conversion_type, vals in links:
            changed = {
                fname: value
                for fname, value in vals.items()
                if lead._crm_sync_differs(fname, value)
            }
            groups.setdefault(conversion_type, []).append((lead, changed))
        kept = [self._fields[fname] for fname in LEAD_FIELDS_KEPT_ON_LINK]
        with self.env.protecting(kept, leads):
            for conversion_type, items in groups.items():
                shared = dict(items[0][1])
                for _lead, changed in items[1:]:
                    shared = {
                        fname: value
                        for fname, value in shared.items()
                        if fname in changed and changed[fname] == value
                    }
                for lead, changed in items:
                    own = {
                        fname: value
                        for fname, value in changed.items()
                        if fname not in shared
                    }
                    if own:
                        lead.write(own)
                # also refuses leads converted already (nothing is committed)
                group = self.browse([lead.id for lead, _changed in items])
                group._crm_sync_mark_converted(conversion_type, shared)

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

        Exact match on the indexed ``res.partner.crm_sync_website_key`` and
        ``crm_sync_email_domain_key``, never a substring search.

        :return: {domain: res.partner}
        """
        domains = sorted({d.lower() for d in domains if d})
        if not domains:
            return {}
        partners = self.env["res.partner"].search(
            [
                ("is_company", "=", True),
                "|",
                ("crm_sync_website_key", "in", domains),
                ("crm_sync_email_domain_key", "in", domains),
            ]
        )
        result = {}
        for partner in partners:
            for key in {
                partner.crm_sync_website_key,
                partner.crm_sync_email_domain_key,
            } & set(domains):
                result[key] = result.get(key, partner.browse()) | partner
        return result

    # ------------------------------------------------------------
    # LEAD CONVERSION: PUBLIC API
    # ------------------------------------------------------------

    def crm_sync_find_duplicates(self):
        """Candidate accounts and contacts of each lead (public, XML-RPC).

        :return: ``{str(lead_id): {"accounts": [...], "contacts": [...],
            "suggestion": {...}}}``; a candidate is ``{"id", "name", "rule",
            "reason", "active"}``; the suggestion holds ``account`` ("existing",
            "new" or "none"), ``account_id``, ``contact`` ("existing" or "new"),
            ``contact_id`` and ``ambiguous`` (the user must pick a candidate).
        """
        self.check_access("read")
        found = self._crm_sync_dedup()
        Partner = self.env["res.partner"].with_context(active_test=False)
        # one prefetch set for every candidate of the batch
        candidate_ids = {
            pid
            for value in found.values()
            for match in (value[1].account_match, value[1].contact_match)
            if match
            for pid in match.ids
        }
        prefetch = Partner.browse(sorted(candidate_ids))._prefetch_ids
        result = {}
        for lead in self:
            suggestion = found[lead.id][1]
            entry = {"accounts": [], "contacts": []}
            for match, bucket in (
                (suggestion.account_match, "accounts"),
                (suggestion.contact_match, "contacts"),
            ):
                if not match:
                    continue
                for partner in Partner.browse(match.ids).with_prefetch(prefetch):
                    entry[bucket].append(
                        {
                            "id": partner.id,
                            "name": partner.display_name,
                            "rule": match.rule,
                            "field": match.field or False,
                            "reason": _rule_label(self.env, match),
                            "active": partner.active,
                        }
                    )
            entry["suggestion"] = {
                "account": suggestion.account,
                "account_id": suggestion.account_id or False,
                "contact": suggestion.contact,
                "contact_id": suggestion.contact_id or False,
                "ambiguous": suggestion.ambiguous,
            }
            result[str(lead.id)] = entry
        return result

    def crm_sync_convert(self, options=None):
        """Convert the leads into account, contact and optional deal (XML-RPC).

        :param dict options: all optional:

            - ``account``: "auto" (duplicate rules, default), "new", an id, or
              ``False`` (no account);
            - ``contact``: "auto" (default), "new" or an id;
            - ``create_deal`` (bool, default False): the lead becomes the deal
              (an opportunity) instead of being closed as converted;
            - ``deal_values`` (dict): deal fields (name, date_deadline,
              stage_id, expected_revenue, campaign_id, team_id, user_id, ...);
              the name may hold ``%(company)s`` and ``%(lead)s``, replaced by
              each lead's company name and title (empty: the company name);
            - ``attachments_target``: "contact", "account" or "deal" (default:
              the deal if any, else the contact);
            - ``move_tags`` (bool, default True): the lead's tags go to the
              account and the contact;
            - ``owner_id``: salesperson of the new records (default: each
              lead's salesperson).

        "auto" fails with a clear error when the match is ambiguous.

        :return: ``{str(lead_id): {"account_id", "contact_id", "deal_id",
            "account_action", "contact_action"}}``, actions being "created",
            "merged" or "none".
        """
        return self._crm_sync_convert_each(options, {})

    def _crm_sync_convert_each(self, options, decisions):
        """Convert the leads in one batch, each with its own decisions (the
        Convert window): one duplicate search, one plan, one execution.

        :param dict options: as for :meth:`crm_sync_convert`, shared by every lead
        :param dict decisions: ``{lead_id: {"account", "contact",
            "deal_values"}}`` (every key optional): what differs per lead;
            a lead's ``deal_values`` complete the shared ones
        :return: as :meth:`crm_sync_convert`
        """
        leads = self.browse(list(dict.fromkeys(self.ids)))
        if not leads:
            raise UserError(_("Select at least one lead to convert."))
        options = leads._crm_sync_check_options(options)
        lead_options = {}
        for lead_id, decision in decisions.items():
            unknown = set(decision) - {"account", "contact", "deal_values"}
            if unknown:
                raise UserError(
                    _(
                        "Unknown conversion decisions: %(keys)s.",
                        keys=", ".join(sorted(unknown)),
                    )
                )
            lead_opts = leads._crm_sync_check_options(
                {
                    **options,
                    **decision,
                    "deal_values": {
                        **options["deal_values"],
                        **(decision.get("deal_values") or {}),
                    },
                    # checked once above
                    "owner_id": False,
                }
            )
            lead_opts["owner_id"] = options["owner_id"]
            lead_options[lead_id] = lead_opts
        # Lock, then read the state: of two concurrent conversions of a lead,
        # the second waits here and fails before creating anything.
        leads._crm_sync_check_convert_access()
        leads._crm_sync_lock_for_conversion()
        leads.invalidate_recordset(["type", "active", "crm_sync_converted"])
        leads._crm_sync_check_convertible()
        plans, _skipped = leads._crm_sync_plan(
            options, strict=True, lead_options=lead_options
        )
        return leads._crm_sync_execute(plans, options)

    @api.model
    def crm_sync_mass_convert(self, domain, options=None):
        """Convert every lead of ``domain`` in background batches (XML-RPC).

        Ambiguous matches are not guessed: such leads are skipped and reported.

        :param list domain: search domain on crm.lead (leads not converted yet)
        :param dict options: as for :meth:`crm_sync_convert`, except that
            ``account`` and ``contact`` are always "auto"
        :return: id of the ``crm.sync.conversion.job`` summarising the run
        """
        job = self.env["crm.sync.conversion.job"]._crm_sync_create_job(domain, options)
        return job.id

    # ------------------------------------------------------------
    # NATIVE CONVERSION (Convert to Opportunity)
    # ------------------------------------------------------------

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        # Odoo's own Convert to Opportunity (single and mass wizards) obeys the
        # "Only the Convert leads group may convert leads" setting as well.
        self._crm_sync_check_convert_access()
        return super().convert_opportunity(partner, user_ids=user_ids, team_id=team_id)

    # ------------------------------------------------------------
    # DUPLICATE DETECTION
    # ------------------------------------------------------------

    def _crm_sync_default_region(self):
        """Region of phone numbers without country: the main company's.

        Match keys must not depend on who computes them (see
        ``res.partner._crm_sync_main_region``).
        """
        return self.env["res.partner"]._crm_sync_main_region()

    def _crm_sync_lead_keys(self, specs):
        """Normalised keys of each lead: ``{lead_id: utils.dedup.LeadKeys}``."""
        default_region = self._crm_sync_default_region()
        keys = {}
        for lead in self:
            region = (
                lead.country_id.code
                or lead.company_id.sudo().country_id.code
                or default_region
            )
            unique = {}
            for usage in ("contact", "account"):
                unique[usage] = {}
                for spec in specs[usage]:
                    value = lead[spec["source"]]
                    if isinstance(value, models.BaseModel):
                        value = value.id
                    unique[usage][spec["field"]] = normalize(
                        spec["kind"], value, region=region
                    )
            keys[lead.id] = dedup.LeadKeys(
                email=lead.email_normalized or normalize_email(lead.email_from),
                company=normalize_name(lead.partner_name),
                contact_name=normalize_name(lead.contact_name),
                contact_unique=unique["contact"],
                account_unique=unique["account"],
            )
        return keys

    @api.model
    def _crm_sync_fetch_candidates(self, lead_keys, specs):
        """One query: the partners any lead of the batch may match, as dedup rows."""
        emails, names = set(), set()
        searched = {}  # partner column -> values searched
        for keys in lead_keys.values():
            emails.add(keys.email)
            names.update((keys.company, keys.contact_name))
            for usage, unique in (
                ("contact", keys.contact_unique),
                ("account", keys.account_unique),
            ):
                for spec in specs[usage]:
                    key = unique.get(spec["field"])
                    if key:
                        searched.setdefault(spec["column"], set()).add(key)
        emails.discard(None)
        names.discard(None)
        if emails:
            searched.setdefault("email_normalized", set()).update(emails)
        if names:
            searched.setdefault("crm_sync_name_key", set()).update(names)
        if not searched:
            return []
        Partner = self.env["res.partner"].with_context(active_test=False)
        unique_fields = {
            spec["field"]: spec for usage in specs for spec in specs[usage]
        }
        text_keys = {
            spec["column"] for spec in unique_fields.values() if spec.get("text_key")
        }
        # One query, each condition backed by an index: the key columns' own,
        # or for custom text fields the expression index on their text key
        # (crm.sync.unique.field._crm_sync_index), compared in the same form
        # as the lead's key.
        query = Partner._search([])
        alias = Partner._table
        conditions = [
            SQL(
                "%s IN %s",
                text_key_sql(SQL.identifier(alias, column)),
                tuple(sorted(values)),
            )
            if column in text_keys
            else Partner._condition_to_sql(alias, column, "in", sorted(values), query)
            for column, values in searched.items()
        ]
        query.add_where(SQL("(%s)", SQL(" OR ").join(conditions)))
        fnames = {
            "is_company",
            "parent_id",
            "active",
            "email_normalized",
            "crm_sync_name_key",
        } | {spec["column"] for spec in unique_fields.values()}
        partners = Partner._fetch_query(
            query, Partner._determine_fields_to_fetch(list(fnames))
        )
        default_region = self._crm_sync_default_region()
        rows = []
        for partner in partners:
            unique = {}
            for fname, spec in unique_fields.items():
                value = partner[spec["column"]]
                if isinstance(value, models.BaseModel):
                    value = value.id
                if spec["column"] == spec["field"]:
                    value = normalize(spec["kind"], value, region=default_region)
                unique[fname] = value or None
            rows.append(
                dedup.Partner(
                    id=partner.id,
                    is_company=partner.is_company,
                    parent_id=partner.parent_id.id or None,
                    active=partner.active,
                    email=partner.email_normalized or None,
                    name=partner.crm_sync_name_key or None,
                    unique=unique,
                )
            )
        return rows

    def _crm_sync_dedup(self, specs=None):
        """Run the cascade for the batch: ``{lead_id: (keys, suggestion, index)}``.

        :param dict specs: the unique fields (``crm.sync.unique.field.
            _crm_sync_matching_specs()``), read here when not given
        """
        if specs is None:
            specs = self.env["crm.sync.unique.field"]._crm_sync_matching_specs()
        lead_keys = self._crm_sync_lead_keys(specs)
        index = dedup.PartnerIndex(self._crm_sync_fetch_candidates(lead_keys, specs))
        contact_fields = [spec["field"] for spec in specs["contact"]]
        account_fields = [spec["field"] for spec in specs["account"]]
        return {
            lead_id: (
                keys,
                dedup.suggest(keys, index, contact_fields, account_fields),
                index,
            )
            for lead_id, keys in lead_keys.items()
        }

    # ------------------------------------------------------------
    # CONVERSION: checks and plan (nothing written)
    # ------------------------------------------------------------

    @api.model
    def _crm_sync_check_options(self, options):
        """Validate ``options`` and return them completed with defaults."""
        options = dict(options or {})
        unknown = set(options) - OPTION_KEYS
        if unknown:
            raise UserError(
                _(
                    "Unknown conversion options: %(options)s.",
                    options=", ".join(sorted(unknown)),
                )
            )
        options.setdefault("account", "auto")
        options.setdefault("contact", "auto")
        options["create_deal"] = bool(options.get("create_deal"))
        options["move_tags"] = bool(options.get("move_tags", True))
        if options["account"] not in ("auto", "new", False) and not (
            isinstance(options["account"], int) and options["account"] is not True
        ):
            raise UserError(
                _('The account option is "auto", "new", an account id or false.')
            )
        if options["contact"] not in ("auto", "new") and not (
            isinstance(options["contact"], int)
            and not isinstance(options["contact"], bool)
        ):
            raise UserError(_('The contact option is "auto", "new" or a contact id.'))
        target = options.get("attachments_target") or (
            "deal" if options["create_deal"] else "contact"
        )
        if target not in ATTACHMENT_TARGETS:
            raise UserError(
                _(
                    "Attachments go to the contact, the account or the deal, not "
                    "%(target)s.",
                    target=target,
                )
            )
        if target == "deal" and not options["create_deal"]:
            raise UserError(
                _(
                    "Attachments cannot go to a deal: no deal is created. Choose "
                    "the contact or the account."
                )
            )
        options["attachments_target"] = target
        deal_values = dict(options.get("deal_values") or {})
        if deal_values and not options["create_deal"]:
            raise UserError(_("Deal values are given but no deal is created."))
        bad = [
            fname
            for fname in deal_values
            if fname in DEAL_PROTECTED_FIELDS
            or fname not in self._fields
            or not self._fields[fname].store
            or self._fields[fname].readonly
            and not self._fields[fname].compute
        ]
        if bad:
            raise UserError(
                _(
                    "These deal fields cannot be set on conversion: %(fields)s.",
                    fields=", ".join(sorted(bad)),
                )
            )
        options["deal_values"] = deal_values
        owner_id = options.get("owner_id") or False
        if owner_id:
            owner = self.env["res.users"].browse(owner_id).exists()
            if not owner:
                raise UserError(
                    _("The salesperson %(id)s does not exist.", id=owner_id)
                )
        options["owner_id"] = owner_id
        return options

    def _crm_sync_check_convertible(self):
        """Access and state checks shared by every lead conversion."""
        self._crm_sync_check_convert_access()
        self._crm_sync_check_not_converted()
        not_leads = self.filtered(lambda lead: lead.type != "lead" or not lead.active)
        if not_leads:
            raise UserError(
                _(
                    "Only open leads can be converted; these are opportunities or "
                    "archived: %(leads)s.",
                    leads=", ".join(not_leads.mapped("display_name")),
                )
            )

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
        plans, skipped = [], {}
        for lead in self:
            keys, suggestion, index = found[lead.id]
            lead_opts = lead_options.get(lead.id, options)
            try:
                plan = lead._crm_sync_plan_lead(
                    lead_opts, keys, suggestion, index, account_fields, Partner
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

    def _crm_sync_plan_lead(
        self, options, keys, suggestion, index, account_fields, Partner
    ):
        self.ensure_one()
        lead_label = self.display_name

        def ambiguous_error(match, what):
            names = ", ".join(Partner.browse(match.ids).mapped("display_name"))
            return UserError(
                _(
                    "Lead %(lead)s: several %(what)s match (%(reason)s): "
                    "%(names)s. Choose one in the Convert window.",
                    lead=lead_label,
                    what=what,
                    reason=_rule_label(self.env, match),
                    names=names,
                )
            )

        def existing(partner_id, what):
            partner = Partner.browse(partner_id).exists()
            if not partner:
                raise UserError(
                    _(
                        "Lead %(lead)s: the %(what)s %(id)s does not exist.",
                        lead=lead_label,
                        what=what,
                        id=partner_id,
                    )
                )
            partner.check_access("read")
            return partner

        # contact
        contact_opt = options["contact"]
        if contact_opt == "auto":
            if suggestion.contact_match and suggestion.contact_match.ambiguous:
                raise ambiguous_error(suggestion.contact_match, _("contacts"))
            contact = (
                ("existing", existing(suggestion.contact_id, _("contact")))
                if suggestion.contact_id
                else ("new", Partner)
            )
        elif contact_opt == "new":
            contact = ("new", Partner)
        else:
            contact = ("existing", existing(contact_opt, _("contact")))
        contact_partner = contact[1]

        # account
        account_opt = options["account"]
        if account_opt is False:
            account = ("none", Partner)
        elif contact[0] == "existing" and contact_partner.parent_id:
            # a contact that already has an account keeps it
            parent = contact_partner.parent_id
            if account_opt not in ("auto", parent.id):
                raise UserError(
                    _(
                        "Lead %(lead)s: the contact %(contact)s belongs to the "
                        "account %(account)s; it keeps it.",
                        lead=lead_label,
                        contact=contact_partner.display_name,
                        account=parent.display_name,
                    )
                )
            account = ("existing", parent)
        elif account_opt == "new":
            account = ("new", Partner)
        elif account_opt == "auto":
            match = suggestion.account_match
            if not match or match.rule == dedup.RULE_CONTACT_ACCOUNT:
                # the suggested contact was not taken: the company decides
                match = (
                    dedup.find_account(keys, index, account_fields)
                    if keys.company or keys.account_unique
                    else None
                )
            if match and match.ambiguous:
                raise ambiguous_error(match, _("accounts"))
            if match:
                account = ("existing", existing(match.partner_id, _("account")))
            else:
                account = ("new", Partner) if self.partner_name else ("none", Partner)
        else:
            account = ("existing", existing(account_opt, _("account")))
        self._crm_sync_check_plan_lead(account, contact)
        return {"lead": self, "account": account, "contact": contact}

    def _crm_sync_check_plan_lead(self, account, contact):
        """Refuse an account/contact combination that cannot be converted."""
        lead_label = self.display_name
        contact_partner = contact[1]
        if account[0] == "new" and not (self.partner_name or "").strip():
            raise UserError(
                _(
                    "Lead %(lead)s has no company name: no account can be created "
                    "for it.",
                    lead=lead_label,
                )
            )
        if account[0] == "existing" and not account[1].is_company:
            raise UserError(
                _(
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
                _(
                    "Lead %(lead)s: the contact and the account must be two "
                    "different partners.",
                    lead=lead_label,
                )
            )

    # ------------------------------------------------------------
    # CONVERSION: execution
    # ------------------------------------------------------------

    @api.model
    def _crm_sync_mapping_lines(self):
        """Active lead mapping lines per usage, read once per batch."""
        lines = (
            self.env["crm.sync.field.mapping"]
            .sudo()
            .search([("usage", "in", ("lead_account", "lead_contact", "lead_deal"))])
        )
        return {
            usage: lines.filtered(lambda line, u=usage: line.usage == u)
            for usage in ("lead_account", "lead_contact", "lead_deal")
        }

    def _crm_sync_mapped(self, usage, lines, target=None, only_empty=False):
        """Mapped values of this lead for ``usage``.

        Same semantics as ``crm.sync.field.mapping._crm_sync_mapped_values``
        (whose value conversion and extension hook are reused), with the lines
        read once per batch instead of once per lead. ``only_empty`` keeps only
        fields that are empty on ``target`` (an existing account or contact).
        """
        self.ensure_one()
        Mapping = self.env["crm.sync.field.mapping"]
        values = {}
        for line in lines[usage]:
            source_name = line.source_field_id.name
            target_name = line.target_field_id.name
            if source_name not in self._fields:
                continue
            value = self[source_name]
            if is_empty(self._fields[source_name].type, value):
                continue
            if (
                target
                and target_name in target._fields
                and (line.mode == "if_empty" or only_empty)
                and not is_empty(
                    target._fields[target_name].type, target[target_name], target=True
                )
            ):
                continue
            values[target_name] = line._crm_sync_convert_value(self, value)
        if (
            usage in ("lead_account", "lead_contact")
            and not target
            and "lang" not in values
            and self.lang_id.active
        ):
            # as crm's _prepare_customer_values: a Many2one to res.lang on the
            # lead, a selection of codes on the partner (no mapping line fits)
            values["lang"] = self.lang_id.code
        values = Mapping._crm_sync_extend_mapped_values(usage, self, target, values)
        if only_empty and target:
            values = {
                fname: value
                for fname, value in values.items()
                if fname in target._fields
                and is_empty(target._fields[fname].type, target[fname], target=True)
            }
            if any(
                not is_empty(target._fields[f].type, target[f], target=True)
                for f in ADDRESS_FIELDS
            ):
                # the address is one block: never mix two addresses
                for fname in ADDRESS_FIELDS:
                    values.pop(fname, None)
        return values

    def _crm_sync_contact_display_name(self):
        self.ensure_one()
        return (
            self.contact_name
            or (self.email_from and tools.parse_contact_from_email(self.email_from)[0])
            or self.name
        )

    @api.model
    def _crm_sync_categories(self, tags):
        """``res.partner.category`` of the same names as ``tags`` (find or create)."""
        names = list(dict.fromkeys(tags.mapped("name")))
        if not names:
            return {}
        Category = self.env["res.partner.category"]
        found = {}
        for category in Category.search([("name", "in", names)], order="id"):
            found.setdefault(category.name, category.id)
        missing = [name for name in names if name not in found]
        if missing:
            # Partner tags are configuration (Contact Creation rights); moving
            # the lead's tags is part of the conversion the user may do.
            created = Category.sudo().create([{"name": name} for name in missing])
            found.update(zip(missing, created.ids, strict=True))
        return {tag.id: found[tag.name] for tag in tags}

    def _crm_sync_execute(self, plans, options):
        """Write the conversion of ``plans`` (see ``_crm_sync_plan``)."""
        if not plans:
            return {}
        Partner = self._crm_sync_partner_model()
        lines = self._crm_sync_mapping_lines()
        owner_id = options["owner_id"]
        leads = self.browse([plan["lead"].id for plan in plans])
        tag_map = (
            self._crm_sync_categories(leads.tag_ids) if options["move_tags"] else {}
        )

        def tag_commands(lead):
            return [
                Command.link(tag_map[tag.id])
                for tag in lead.tag_ids
                if tag.id in tag_map
            ]

        # 1. new accounts, 2. new contacts: one create each
        self._crm_sync_create_partners(plans, "account", lines, owner_id, tag_commands)
        self._crm_sync_create_partners(plans, "contact", lines, owner_id, tag_commands)

        # 3. existing accounts and contacts: fill only empty fields
        existing = [
            plan[role][1]
            for plan in plans
            for role in ("account", "contact")
            if plan[role][0] == "existing"
        ]
        # one access check for all of them (a read-only partner is linked only)
        writable_ids = set(
            Partner.browse(sorted({p.id for p in existing}))
            ._filtered_access("write")
            .ids
        )
        for plan in plans:
            for role, usage in (
                ("account", "lead_account"),
                ("contact", "lead_contact"),
            ):
                action, partner = plan[role]
                if action != "existing":
                    continue
                plan[role] = ("merged", partner)
                plan.setdefault("readonly", [])
                extra = {}
                if role == "contact" and not partner.parent_id:
                    account = plan["account"][1]
                    if account:
                        extra["parent_id"] = account.id
                        if partner.id in writable_ids:
                            extra.update(
                                plan["lead"]._crm_sync_link_contact_values(
                                    partner, account, plan
                                )
                            )
                plan["lead"]._crm_sync_merge_into(
                    partner,
                    usage,
                    lines,
                    extra,
                    tag_commands(plan["lead"]),
                    plan,
                    writable=partner.id in writable_ids,
                )

        notes = {}
        for plan in plans:
            for key in ("link_notes", "filled_notes"):
                for partner_id, body in plan.get(key, {}).items():
                    notes.setdefault(partner_id, []).append(body)
        if notes:
            # one batch for every partner whose empty fields were filled
            Partner.browse(list(notes))._message_log_batch(
                bodies={
                    partner_id: Markup("<br/>").join(bodies)
                    for partner_id, bodies in notes.items()
                }
            )

        # 4. the leads: the deal (the lead itself), or closed as converted
        first_stages = (
            self._crm_sync_first_stages(plans) if options["create_deal"] else {}
        )
        links = []
        for plan in plans:
            lead = plan["lead"]
            contact = plan["contact"][1]
            account = plan["account"][1]
            vals = {"partner_id": contact.id}
            if options["create_deal"]:
                vals.update(
                    lead._crm_sync_deal_values(
                        contact,
                        account,
                        plan.get("deal_values", options["deal_values"]),
                        lines,
                        owner_id,
                        first_stages=first_stages,
                    )
                )
                links.append((lead, "deal", vals))
            else:
                links.append((lead, "account" if account else "contact", vals))
        self._crm_sync_link_converted(links)

        # 5. notes, attachments
        self._crm_sync_move_notes(plans, options)
        self._crm_sync_move_attachments(plans, options)

        result = {}
        for plan in plans:
            account_action, account = plan["account"]
            contact_action, contact = plan["contact"]
            result[str(plan["lead"].id)] = {
                "account_id": account.id or False,
                "contact_id": contact.id,
                "deal_id": plan["lead"].id if options["create_deal"] else False,
                "account_action": account_action if account else "none",
                "contact_action": contact_action,
            }
        return result

    def _crm_sync_create_partners(self, plans, role, lines, owner_id, tag_commands):
        """Create the new accounts (``role`` "account") or contacts of the batch
        in one ``create``. Leads of the batch with the same company name (for
        contacts: the same e-mail under the same account) share one new partner:
        the first one creates it, the others merge into it."""
        groups = {}
        for plan in plans:
            if plan[role][0] != "new":
                continue
            lead = plan["lead"]
            if role == "account":
                key = normalize_name(lead.partner_name)
            elif lead.email_normalized:
                key = (plan["account"][1].id, lead.email_normalized)
            else:
                key = ("lead", lead.id)
            groups.setdefault(key, []).append(plan)
        if not groups:
            return
        vals_list = []
        for group in groups.values():
            lead = group[0]["lead"]
            if role == "account":
                vals = lead._crm_sync_mapped("lead_account", lines)
                vals.update(name=lead.partner_name.strip(), is_company=True)
            else:
                vals = lead._crm_sync_mapped("lead_contact", lines)
                vals.update(
                    name=lead._crm_sync_contact_display_name(),
                    is_company=False,
                    type="contact",
                    parent_id=group[0]["account"][1].id or False,
                )
            vals["user_id"] = owner_id or lead.user_id.id or self.env.uid
            # with no account, the account's tags go to the contact
            vals["category_id"] = tag_commands(lead)
            vals_list.append(vals)
        Partner = self._crm_sync_partner_model()
        partners = Partner.create(vals_list)
        for group, partner in zip(groups.values(), partners, strict=True):
            for position, plan in enumerate(group):
                plan[role] = ("created" if position == 0 else "merged", partner)

    def _crm_sync_merge_into(
        self, partner, usage, lines, extra, tags, plan, writable=None
    ):
        """Fill the empty fields of an existing ``partner`` from this lead.

        A partner the user may only read is linked but not updated (brief,
        note 3). Archived partners are reactivated.

        :param bool writable: whether the user may write ``partner`` (checked
            here when not given)
        """
        self.ensure_one()
        if writable is None:
            writable = partner.has_access("write")
        if not writable:
            plan["readonly"].append(partner.id)
            return
        vals = self._crm_sync_mapped(usage, lines, target=partner, only_empty=True)
        filled = list(vals)
        vals.update(extra)
        if not partner.active:
            vals["active"] = True
        if tags:
            vals["category_id"] = tags
        if not vals:
            return
        partner.write(vals)
        if filled:
            labels = [
                partner._fields[fname].get_description(self.env)["string"]
                for fname in filled
            ]
            # logged in one batch by _crm_sync_execute
            plan.setdefault("filled_notes", {})[partner.id] = _(
                "Filled from the lead %(lead)s: %(fields)s.",
                lead=self._get_html_link(),
                fields=", ".join(labels),
            )

    def _crm_sync_link_contact_values(self, contact, account, plan):
        """Extra values linking an existing ``contact`` with no account to
        ``account``, so that linking loses none of its own data.

        Odoo copies the account's address onto a contact of type "contact"
        (``res.partner._fields_sync``): a contact with an address of its own,
        different from the account's, becomes an "Other Address" instead and
        keeps it. Commercial fields (Tax ID...) always follow the account in
        Odoo: the contact's own values are quoted in the chatter note.
        """
        self.ensure_one()
        address_fields = contact._address_fields()
        vals = {}
        parts = []
        if (
            contact.type == "contact"
            and any(contact[fname] for fname in address_fields)
            and any(account[fname] for fname in address_fields)
            and any(contact[fname] != account[fname] for fname in address_fields)
        ):
            vals["type"] = "other"
            parts.append(
                _(
                    "Linked to the account %(account)s by the lead %(lead)s; it "
                    "keeps its own address (now an Other Address).",
                    account=account._get_html_link(),
                    lead=self._get_html_link(),
                )
            )
        replaced = [
            fname
            for fname in contact._commercial_fields()
            if fname in contact._fields
            and contact[fname]
            and contact[fname] != account[fname]
        ]
        for fname in replaced:
            field = contact._fields[fname]
            value = contact[fname]
            parts.append(
                _(
                    "%(field)s was %(value)s: it now follows the account "
                    "%(account)s.",
                    field=field.get_description(self.env)["string"],
                    value=value.display_name
                    if isinstance(value, models.BaseModel)
                    else str(value),
                    account=account._get_html_link(),
                )
            )
        if parts:
            plan.setdefault("link_notes", {})[contact.id] = Markup("<br/>").join(parts)
        return vals

    def _crm_sync_deal_values(
        self, contact, account, deal_values, lines, owner_id, first_stages=None
    ):
        """Values turning this lead into the deal, through crm's own conversion data.

        The deal name of ``deal_values`` may hold the placeholders
        ``%(company)s`` (the lead's company name) and ``%(lead)s`` (the lead's
        title); an empty name is the lead's company name (else its title).

        A stage given in ``deal_values``, or the lead's stage when the deal
        goes to another team, must belong to the team's pipeline; otherwise
        the deal gets the pipeline's first stage.

        :param dict first_stages: as returned by :meth:`_crm_sync_first_stages`
            (searched here when not given)
        """
        self.ensure_one()
        vals = self._convert_opportunity_data(contact)
        vals.update(self._crm_sync_mapped("lead_deal", lines, target=self))
        vals.update(deal_values)
        company = (self.partner_name or "").strip()
        name = (deal_values.get("name") or "").strip()
        if name:
            name = name.replace("%(company)s", company or self.name).replace(
                "%(lead)s", self.name
            )
        vals["name"] = name.strip() or company or self.name
        if owner_id and "user_id" not in deal_values:
            vals["user_id"] = owner_id
        team_id = vals.get("team_id", self.team_id.id) or False
        stage_id = deal_values.get("stage_id")
        if not stage_id and team_id != self.team_id.id:
            stage_id = vals.get("stage_id", self.stage_id.id)
        if not stage_id:
            return vals
        Stage = self.env["crm.stage"]
        if first_stages is None:
            stage = Stage.browse(stage_id).exists()
        else:
            known = stage_id in first_stages["existing"]
            stage = Stage.browse(stage_id if known else ())
        if not stage or (stage.team_id and stage.team_id.id != team_id):
            # not a stage of the team's pipeline: its first stage
            if first_stages and team_id in first_stages["first"]:
                vals["stage_id"] = first_stages["first"][team_id].id
            else:
                vals["stage_id"] = self._stage_find(team_id=team_id).id
        return vals

    @api.model
    def _crm_sync_first_stages(self, plans):
        """Stages the deals of ``plans`` may need, in one search.

        :return: ``{"first": {team id or False: first stage of its pipeline},
            "existing": ids of the stages asked for that exist}``
        """
        team_ids = set()
        stage_ids = set()
        for plan in plans:
            lead = plan["lead"]
            deal_values = plan.get("deal_values") or {}
            team_ids.add(deal_values.get("team_id") or lead.team_id.id or False)
            stage_ids.add(deal_values.get("stage_id") or lead.stage_id.id)
        teams = [team_id for team_id in team_ids if team_id]
        domain = [("team_id", "=", False)]
        if teams:
            domain = ["|", ("team_id", "=", False), ("team_id", "in", teams)]
        domain = ["|", ("id", "in", [sid for sid in stage_ids if sid]), *domain]
        stages = self.env["crm.stage"].search(domain, order="sequence, id")
        first = {
            team_id: stages.filtered(
                lambda stage, t=team_id: not stage.team_id or stage.team_id.id == t
            )[:1]
            for team_id in team_ids
        }
        return {"first": first, "existing": set(stages.ids)}

    @api.model
    def _crm_sync_move_notes(self, plans, options):
        """Notes: on the deal (the lead) with copies on account and contact, or
        moved to the contact when there is no deal."""
        lead_ids = [plan["lead"].id for plan in plans]
        note_subtype = self.env.ref("mail.mt_note")
        # sudo: chatter bookkeeping of leads the user was allowed to convert
        Message = self.env["mail.message"].sudo()
        notes = Message.search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "in", lead_ids),
                ("message_type", "=", "comment"),
                ("subtype_id", "=", note_subtype.id),
            ],
            order="id",
        )
        if not notes:
            return
        by_lead = {}
        for note in notes:
            by_lead.setdefault(note.res_id, Message)
            by_lead[note.res_id] |= note
        copies = []
        moved = {}
        for plan in plans:
            lead_notes = by_lead.get(plan["lead"].id)
            if not lead_notes:
                continue
            contact = plan["contact"][1]
            account = plan["account"][1]
            if options["create_deal"]:
                for target in (account, contact):
                    if not target:
                        continue
                    copies += [
                        {
                            "model": "res.partner",
                            "res_id": target.id,
                            "body": note.body,
                            "author_id": note.author_id.id,
                            "date": note.date,
                            "message_type": "comment",
                            "subtype_id": note_subtype.id,
                        }
                        for note in lead_notes
                    ]
            else:
                moved[contact.id] = moved.get(contact.id, Message) | lead_notes
        # one write per contact (leads merged into one contact share it)
        for contact_id, contact_notes in moved.items():
            contact_notes.write({"model": "res.partner", "res_id": contact_id})
        if copies:
            Message.create(copies)

    @api.model
    def _crm_sync_move_attachments(self, plans, options):
        """The lead's attachments go to the chosen target."""
        lead_ids = [plan["lead"].id for plan in plans]
        # sudo: attachments of leads the user was allowed to convert
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", "crm.lead"), ("res_id", "in", lead_ids)])
        )
        if not attachments:
            return
        target_kind = options["attachments_target"]
        if target_kind == "deal":
            return  # the deal is the lead itself
        by_target = {}
        plan_by_lead = {plan["lead"].id: plan for plan in plans}
        for attachment in attachments:
            plan = plan_by_lead[attachment.res_id]
            # no account: the attachments go to the contact
            target = plan["account"][1] if target_kind == "account" else None
            target = target or plan["contact"][1]
            by_target.setdefault(target.id, attachments.browse())
            by_target[target.id] |= attachment
        for target_id, group in by_target.items():
            group.write({"res_model": "res.partner", "res_id": target_id})

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

    def action_crm_sync_convert(self):
        """Open the Convert window for the leads."""
        self._crm_sync_check_convert_access()
        return {
            "type": "ir.actions.act_window",
            "name": _("Convert Leads"),
            "res_model": "crm.lead.convert",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": "crm.lead",
                "active_ids": self.ids,
                "active_id": self[:1].id,
                "dialog_size": "extra-large",
            },
        }
