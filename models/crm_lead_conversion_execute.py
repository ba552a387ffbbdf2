# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lead conversion, second step: write the plan (partners created or
filled, the lead linked, turned into the deal or closed as converted)."""

from markupsafe import Markup

from odoo import Command, api, models

from ..utils.field_compat import is_empty
from ..utils.normalize import normalize_name

#: partner address: filled as one block on an existing partner, never mixed
ADDRESS_FIELDS = ("street", "street2", "zip", "city", "state_id", "country_id")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _crm_sync_mapping_lines(self):
        """Active lead mapping lines per usage, read once per batch."""
        # sudo: mapping lines are configuration, only read here
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

        ``crm.sync.field.mapping._crm_sync_mapped_values`` with the lines read
        once per batch (``lines``, see :meth:`_crm_sync_mapping_lines`) instead
        of once per lead, and the lead's language on a new partner. ``only_empty``
        keeps only fields that are empty on ``target`` (an existing account or
        contact).
        """
        self.ensure_one()
        Mapping = self.env["crm.sync.field.mapping"]
        values = Mapping._crm_sync_raw_mapped_values(lines[usage], self, target)
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
            values = self._crm_sync_only_empty(values, target)
        return values

    @api.model
    def _crm_sync_only_empty(self, values, target):
        """The ``values`` of fields that are empty on ``target``; the address
        is one block: never mixed with an address ``target`` has."""

        def empty(fname):
            return is_empty(target._fields[fname].type, target[fname], target=True)

        values = {
            fname: value
            for fname, value in values.items()
            if fname in target._fields and empty(fname)
        }
        if not all(empty(fname) for fname in ADDRESS_FIELDS):
            for fname in ADDRESS_FIELDS:
                values.pop(fname, None)
        return values

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
        """Write the conversion of ``plans`` (see ``_crm_sync_plan``).

        :return: as :meth:`crm_sync_convert`
        """
        if not plans:
            return {}
        batch = self._crm_sync_batch_data(plans, options)
        # 1. new accounts, 2. new contacts: one create each
        self._crm_sync_create_partners(plans, "account", batch)
        self._crm_sync_create_partners(plans, "contact", batch)
        # 3. existing accounts and contacts: fill only empty fields
        self._crm_sync_merge_existing(plans, batch)
        self._crm_sync_log_partner_notes(plans)
        # 4. the leads: the deal (the lead itself), or closed as converted
        self._crm_sync_link_converted(
            self._crm_sync_lead_links(plans, options, batch["lines"])
        )
        # 5. notes, attachments: only to partners the user may write
        for plan in plans:
            plan["kept_on_lead"] = []
        self._crm_sync_move_notes(plans, options)
        self._crm_sync_move_attachments(plans, options)
        self._crm_sync_log_kept_on_lead(plans)
        return self._crm_sync_execution_result(plans, options)

    @api.model
    def _crm_sync_batch_data(self, plans, options):
        """What the writes of a batch share, read once: the mapping lines, the
        salesperson of the new records, the partner tags of the leads' tags."""
        leads = self.browse([plan["lead"].id for plan in plans])
        move_tags = options["move_tags"]
        return {
            "lines": self._crm_sync_mapping_lines(),
            "owner_id": options["owner_id"],
            "tag_map": self._crm_sync_categories(leads.tag_ids) if move_tags else {},
        }

    def _crm_sync_tag_commands(self, tag_map):
        """Commands linking the partner tags of this lead's tags."""
        self.ensure_one()
        return [
            Command.link(tag_map[tag.id]) for tag in self.tag_ids if tag.id in tag_map
        ]

    def _crm_sync_create_partners(self, plans, role, batch):
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
        vals_list = [
            group[0]["lead"]._crm_sync_new_partner_values(role, group[0], batch)
            for group in groups.values()
        ]
        partners = self._crm_sync_partner_model().create(vals_list)
        for group, partner in zip(groups.values(), partners, strict=True):
            for position, plan in enumerate(group):
                plan[role] = ("created" if position == 0 else "merged", partner)

    def _crm_sync_new_partner_values(self, role, plan, batch):
        """Values of the new account or contact (``role``) made from this lead."""
        self.ensure_one()
        lines = batch["lines"]
        if role == "account":
            vals = self._crm_sync_mapped("lead_account", lines)
            vals.update(name=self.partner_name.strip(), is_company=True)
        else:
            vals = self._crm_sync_mapped("lead_contact", lines)
            vals.update(
                name=self._crm_sync_contact_name(),
                is_company=False,
                type="contact",
                parent_id=plan["account"][1].id or False,
            )
        vals["user_id"] = batch["owner_id"] or self.user_id.id or self.env.uid
        # with no account, the account's tags go to the contact
        vals["category_id"] = self._crm_sync_tag_commands(batch["tag_map"])
        return vals

    @api.model
    def _crm_sync_merge_existing(self, plans, batch):
        """Link the existing accounts and contacts of ``plans`` and fill their
        empty fields (those the user may write, listed in ``plan["readonly"]``
        otherwise). An archived partner (chosen explicitly) is linked as it
        is: never reactivated, filled or moved under an account."""
        writable_ids = self._crm_sync_writable_partner_ids(plans)
        for plan in plans:
            lead = plan["lead"]
            for role, usage in (
                ("account", "lead_account"),
                ("contact", "lead_contact"),
            ):
                action, partner = plan[role]
                if action != "existing":
                    continue
                plan[role] = ("merged", partner)
                plan.setdefault("readonly", [])
                writable = partner.id in writable_ids
                if not writable:
                    plan["readonly"].append(partner.id)
                if not writable or not partner.active:
                    continue
                extra = {}
                if role == "contact":
                    extra = lead._crm_sync_parent_values(partner, plan)
                lead._crm_sync_merge_into(
                    partner,
                    usage,
                    batch["lines"],
                    extra,
                    lead._crm_sync_tag_commands(batch["tag_map"]),
                    plan,
                )

    @api.model
    def _crm_sync_writable_partner_ids(self, plans):
        """Ids of the existing partners of ``plans`` the user may write, in one
        access check (a read-only partner is linked only)."""
        ids = {
            plan[role][1].id
            for plan in plans
            for role in ("account", "contact")
            if plan[role][0] == "existing"
        }
        Partner = self._crm_sync_partner_model()
        return set(Partner.browse(sorted(ids))._filtered_access("write").ids)

    def _crm_sync_parent_values(self, contact, plan):
        """Values giving the plan's account to an existing ``contact`` the user
        may write, when it has none (nothing when it has one, or when there is
        no account)."""
        self.ensure_one()
        account = plan["account"][1]
        if contact.parent_id or not account:
            return {}
        values = {"parent_id": account.id}
        values.update(self._crm_sync_link_contact_values(contact, account, plan))
        return values

    @api.model
    def _crm_sync_log_partner_notes(self, plans):
        """Log what the conversion filled or changed on existing partners, one
        note per partner, in one batch."""
        notes = {}
        for plan in plans:
            for key in ("link_notes", "filled_notes"):
                for partner_id, body in plan.get(key, {}).items():
                    notes.setdefault(partner_id, []).append(body)
        if notes:
            self._crm_sync_partner_model().browse(list(notes))._message_log_batch(
                bodies={
                    partner_id: Markup("<br/>").join(bodies)
                    for partner_id, bodies in notes.items()
                }
            )

    @api.model
    def _crm_sync_lead_links(self, plans, options, lines):
        """What each lead of ``plans`` becomes: ``(lead, conversion type,
        values)`` for :meth:`_crm_sync_link_converted`."""
        create_deal = options["create_deal"]
        first_stages = self._crm_sync_first_stages(plans) if create_deal else {}
        links = []
        for plan in plans:
            lead = plan["lead"]
            contact = plan["contact"][1]
            account = plan["account"][1]
            vals = {"partner_id": contact.id}
            if not create_deal:
                links.append((lead, "account" if account else "contact", vals))
                continue
            vals.update(
                lead._crm_sync_deal_values(
                    contact,
                    account,
                    plan.get("deal_values", options["deal_values"]),
                    lines,
                    options["owner_id"],
                    first_stages=first_stages,
                )
            )
            links.append((lead, "deal", vals))
        return links

    @api.model
    def _crm_sync_execution_result(self, plans, options):
        """The result of :meth:`crm_sync_convert` for ``plans``, once written."""
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
                "kept_on_lead": sorted(plan.get("kept_on_lead", [])),
                "readonly_partner_ids": sorted(set(plan.get("readonly", []))),
            }
        return result

    def _crm_sync_merge_into(self, partner, usage, lines, extra, tags, plan):
        """Fill the empty fields of an existing, active ``partner`` the user
        may write from this lead (``_crm_sync_merge_existing`` links a partner
        the user may only read, or an archived one, as it is)."""
        self.ensure_one()
        vals = self._crm_sync_mapped(usage, lines, target=partner, only_empty=True)
        filled = list(vals)
        vals.update(extra)
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
            plan.setdefault("filled_notes", {})[partner.id] = self.env._(
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
                self.env._(
                    "Linked to the account %(account)s by the lead %(lead)s; it "
                    "keeps its own address (now an Other Address).",
                    account=account._get_html_link(),
                    lead=self._get_html_link(),
                )
            )
        parts += self._crm_sync_commercial_notes(contact, account)
        if parts:
            plan.setdefault("link_notes", {})[contact.id] = Markup("<br/>").join(parts)
        return vals

    @api.model
    def _crm_sync_commercial_notes(self, contact, account):
        """Notes quoting the commercial fields (Tax ID...) of ``contact`` that
        the ``account`` will replace (they always follow the account in Odoo)."""
        notes = []
        for fname in contact._commercial_fields():
            if fname not in contact._fields:
                continue
            value = contact[fname]
            if not value or value == account[fname]:
                continue
            notes.append(
                self.env._(
                    "%(field)s was %(value)s: it now follows the account "
                    "%(account)s.",
                    field=contact._fields[fname].get_description(self.env)["string"],
                    value=value.display_name
                    if isinstance(value, models.BaseModel)
                    else str(value),
                    account=account._get_html_link(),
                )
            )
        return notes

    def _crm_sync_deal_values(
        self, contact, account, deal_values, lines, owner_id, first_stages
    ):
        """Values turning this lead into the deal, through crm's own conversion data.

        The deal name of ``deal_values`` may hold the placeholders
        ``%(company)s`` (the lead's company name) and ``%(lead)s`` (the lead's
        title); an empty name is the lead's company name (else its title).

        A stage given in ``deal_values``, or the lead's stage when the deal
        goes to another team, must belong to the team's pipeline; otherwise
        the deal gets the pipeline's first stage.

        :param dict first_stages: as returned by :meth:`_crm_sync_first_stages`
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
        known = stage_id in first_stages["existing"]
        stage = self.env["crm.stage"].browse(stage_id if known else ())
        if not stage or (stage.team_id and stage.team_id.id != team_id):
            # not a stage of the team's pipeline: its first stage
            if team_id in first_stages["first"]:
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
