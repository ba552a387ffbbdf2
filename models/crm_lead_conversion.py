# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion into account + contact + optional deal: the public API.

- ``crm.lead.crm_sync_find_duplicates(ids)``: candidates per lead, with the rule
  that found each one, and the suggested decisions;
- ``crm.lead.crm_sync_convert(ids, options)``: convert now, return what was done;
- ``crm.lead.crm_sync_mass_convert(domain, options)``: convert a set of leads in
  background batches, return the id of the conversion job (its summary).

Everything is done a batch of leads at a time: one query finds the candidate
partners of the whole batch (``res.partner._crm_sync_match``, see
res_partner_match.py), the plan decides every lead before anything is written
(crm_lead_conversion_plan.py), then new accounts and contacts are created with
one ``create`` each (crm_lead_conversion_execute.py). How a conversion writes:
docs/ARCHITECTURE.md.
"""

from odoo import api, models
from odoo.exceptions import UserError

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


class CrmLead(models.Model):
    _inherit = "crm.lead"

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
            entry = {}
            for match, bucket in (
                (suggestion.account_match, "accounts"),
                (suggestion.contact_match, "contacts"),
            ):
                partners = Partner.browse(match.ids if match else ())
                entry[bucket] = [
                    self._crm_sync_candidate(partner, match)
                    for partner in partners.with_prefetch(prefetch)
                ]
            entry["suggestion"] = {
                "account": suggestion.account,
                "account_id": suggestion.account_id or False,
                "contact": suggestion.contact,
                "contact_id": suggestion.contact_id or False,
                "ambiguous": suggestion.ambiguous,
            }
            result[str(lead.id)] = entry
        return result

    @api.model
    def _crm_sync_candidate(self, partner, match):
        """A candidate of :meth:`crm_sync_find_duplicates`."""
        return {
            "id": partner.id,
            "name": partner.display_name,
            "rule": match.rule,
            "field": match.field or False,
            "reason": partner._crm_sync_rule_label(match),
            "active": partner.active,
        }

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
            "account_action", "contact_action", "kept_on_lead",
            "readonly_partner_ids"}}``, actions being "created", "merged" or
            "none"; ``kept_on_lead`` lists what stayed on the lead ("notes",
            "attachments") because the user may not write the partner it was
            going to, the ids of the partners the user may only read (linked,
            not updated) being ``readonly_partner_ids``.
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
            raise UserError(self.env._("Select at least one lead to convert."))
        options = leads._crm_sync_check_options(options)
        lead_options = {}
        for lead_id, decision in decisions.items():
            unknown = set(decision) - {"account", "contact", "deal_values"}
            if unknown:
                raise UserError(
                    self.env._(
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
        if leads._crm_sync_lock_convertible() != leads:
            # says which leads cannot be converted, and why
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
    # CONVERSION: options
    # ------------------------------------------------------------

    @api.model
    def _crm_sync_check_options(self, options):
        """Validate ``options`` and return them completed with defaults."""
        if options not in (None, False) and not isinstance(options, dict):
            raise UserError(
                self.env._(
                    "The conversion options must be a mapping of option to value."
                )
            )
        options = dict(options or {})
        unknown = set(options) - OPTION_KEYS
        if unknown:
            raise UserError(
                self.env._(
                    "Unknown conversion options: %(options)s.",
                    options=", ".join(sorted(unknown)),
                )
            )
        options.setdefault("account", "auto")
        options.setdefault("contact", "auto")
        options["create_deal"] = bool(options.get("create_deal"))
        options["move_tags"] = bool(options.get("move_tags", True))
        self._crm_sync_check_partner_options(options)
        options["attachments_target"] = self._crm_sync_check_attachments_target(
            options.get("attachments_target"), options["create_deal"]
        )
        options["deal_values"] = self._crm_sync_check_deal_values(
            options.get("deal_values") or {}, options["create_deal"]
        )
        options["owner_id"] = self._crm_sync_check_owner(options.get("owner_id"))
        return options

    @api.model
    def _crm_sync_check_owner(self, owner_id):
        """The ``owner_id`` option: a user id, or False (each lead's salesperson)."""
        owner_id = owner_id or False
        if owner_id and (
            not isinstance(owner_id, int) or isinstance(owner_id, bool) or owner_id < 0
        ):
            raise UserError(self.env._("The salesperson must be given by its user id."))
        if owner_id and not self.env["res.users"].browse(owner_id).exists():
            raise UserError(
                self.env._("The salesperson %(id)s does not exist.", id=owner_id)
            )
        return owner_id

    @api.model
    def _crm_sync_check_partner_options(self, options):
        """The ``account`` and ``contact`` options are "auto", "new", an id (or
        False: no account)."""
        account, contact = options["account"], options["contact"]
        if account not in ("auto", "new", False) and not (
            isinstance(account, int) and account is not True
        ):
            raise UserError(
                self.env._(
                    'The account option is "auto", "new", an account id or false.'
                )
            )
        if contact not in ("auto", "new") and not (
            isinstance(contact, int) and not isinstance(contact, bool)
        ):
            raise UserError(
                self.env._('The contact option is "auto", "new" or a contact id.')
            )

    @api.model
    def _crm_sync_check_attachments_target(self, target, create_deal):
        """Where the attachments go: ``target``, by default the deal if any,
        else the contact."""
        target = target or ("deal" if create_deal else "contact")
        if target not in ATTACHMENT_TARGETS:
            raise UserError(
                self.env._(
                    "Attachments go to the contact, the account or the deal, not "
                    "%(target)s.",
                    target=target,
                )
            )
        if target == "deal" and not create_deal:
            raise UserError(
                self.env._(
                    "Attachments cannot go to a deal: no deal is created. Choose "
                    "the contact or the account."
                )
            )
        return target

    @api.model
    def _crm_sync_check_deal_values(self, deal_values, create_deal):
        """Deal values are stored lead fields the conversion does not set itself.

        :return: a copy of ``deal_values``
        """
        if not isinstance(deal_values, dict):
            raise UserError(
                self.env._("The deal values must be a mapping of field to value.")
            )
        deal_values = dict(deal_values)
        if not isinstance(deal_values.get("name") or "", str):
            raise UserError(self.env._("The deal name must be a text."))
        if deal_values and not create_deal:
            raise UserError(self.env._("Deal values are given but no deal is created."))
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
                self.env._(
                    "These deal fields cannot be set on conversion: %(fields)s.",
                    fields=", ".join(sorted(bad)),
                )
            )
        return deal_values

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
            "name": self.env._("Convert Leads"),
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
