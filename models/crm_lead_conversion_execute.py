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
                    name=lead._crm_sync_contact_name(),
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
                self.env._(
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
