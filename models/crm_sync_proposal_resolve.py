# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Resolving: Keep / Accept / New value on pending proposals.

One planner for both entry points (``res.partner.crm_sync_resolve`` over
XML-RPC and the Check data window): each turns its decisions into a plan of
``(proposal, decision, value)``, and :meth:`_resolve` checks the plan, locks the
partners, refuses (or, for Accept all, skips) stale Accepts, writes each
partner once, logs one chatter note per partner and finally calls the resolve
hook of every source model once (docs/ARCHITECTURE.md, "the source contract").
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..utils import desync

DECISIONS = ("keep", "accept", "value")
SHORTCUTS = {"accept_all": "accept", "keep_all": "keep"}


class CrmSyncProposal(models.Model):
    _inherit = "crm.sync.proposal"

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------

    @api.model
    def _plan_decisions(self, pending, decisions):
        """Plan the field decisions of ``crm_sync_resolve`` on ``pending``.

        :param decisions: ``"accept_all"``, ``"keep_all"`` or a mapping of field
            name to ``"keep"``, ``"accept"`` or ``{"value": new value}``.
        :return: ``(plan, skip_stale)``: Accept all skips stale proposals.
        """
        skip_stale = decisions == "accept_all"
        if isinstance(decisions, str) and decisions in SHORTCUTS:
            if not pending:
                raise UserError(
                    self.env._("There is no data to check on these contacts.")
                )
            decisions = dict.fromkeys(
                pending.mapped("field_name"), SHORTCUTS[decisions]
            )
        if not isinstance(decisions, dict) or not decisions:
            raise UserError(
                self.env._(
                    'Decisions must be "accept_all", "keep_all" or a mapping of '
                    'fields to "keep", "accept" or {"value": ...}.'
                )
            )
        by_field = pending.grouped("field_name")
        plan = []
        for fname, decision in decisions.items():
            proposals = by_field.get(fname)
            if not proposals:
                raise UserError(
                    self.env._(
                        "There is no pending change for the field %(field)s.",
                        field=fname,
                    )
                )
            plan.extend(proposals._plan_field(fname, decision))
        return plan, skip_stale

    def _plan_field(self, fname, decision):
        """One field decision applied to these proposals (of that field)."""
        if isinstance(decision, dict) and set(decision) == {"value"}:
            field = self._check_proposable_field(fname)
            value = self._coerce(field, decision["value"])
            return [(proposal, "value", value) for proposal in self]
        if decision in ("keep", "accept"):
            return [(proposal, decision, None) for proposal in self]
        raise UserError(
            self.env._(
                'Invalid decision %(decision)r for %(field)s: use "keep", '
                '"accept" or {"value": ...}.',
                decision=decision,
                field=fname,
            )
        )

    def _parse_text_input(self, text):
        """Turn free text typed in the "Check data" window into a typed value."""
        self.ensure_one()
        field = self._field()
        if field.type == "many2one":
            text = (text or "").strip()
            if not text:
                return False
            matches = self.env[field.comodel_name].name_search(
                text, operator="ilike", limit=20
            )
            exact = [match for match in matches if match[1].lower() == text.lower()]
            if len(exact) == 1 or len(matches) == 1:
                return (exact or matches)[0][0]
            if not matches:
                raise ValidationError(
                    self.env._(
                        "No record named %(text)r for the field %(field)s.",
                        text=text,
                        field=field._description_string(self.env),
                    )
                )
            raise ValidationError(
                self.env._(
                    "Several records match %(text)r for the field %(field)s: "
                    "type the exact name.",
                    text=text,
                    field=field._description_string(self.env),
                )
            )
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        try:
            value = desync.parse_text(
                field.type,
                text,
                date_format=lang.date_format if lang else None,
                selection=field._description_selection(self.env)
                if field.type == "selection"
                else None,
            )
        except desync.DesyncValueError:
            raise ValidationError(
                self.env._(
                    "%(value)r is not a valid value for the field %(field)s.",
                    value=text,
                    field=field._description_string(self.env),
                )
            ) from None
        return self._coerce(field, value)

    # ------------------------------------------------------------------
    # Resolving
    # ------------------------------------------------------------------

    def _resolve(self, plan, skip_stale=False):
        """Apply decisions on pending proposals, writing each partner once.

        :param plan: list of ``(proposal, decision, value)`` with decision one of
            ``keep``, ``accept``, ``value`` (``value`` is the typed new value,
            already coerced, for ``value`` only).
        :param skip_stale: leave pending the Accepts of proposals whose CRM value
            changed since they were made (Accept all) instead of refusing them.
        :return: the resolved proposals
        """
        plan = self._resolve_check_plan(plan)
        partners = self.env["res.partner"].union(*(p.partner_id for p, _d, _v in plan))
        partners.check_access("write")
        self._resolve_lock(partners)
        plan = self._resolve_drop_stale(plan, skip_stale)
        if not plan:
            return self.browse()
        writes = self._resolve_writes(plan)
        notes = self._resolve_notes(plan)  # before writing: the values replaced
        resolved = self.browse().union(*(p for p, _d, _v in plan))
        with self.env.cr.savepoint():
            for partner, vals in writes.items():
                partner_vals = {
                    fname: value
                    for fname, value in vals.items()
                    if self._partner_typed_value(partner, partner._fields[fname])
                    != value
                }
                if partner_vals:
                    partner.write(partner_vals)
            self._resolve_mark(plan)
            self._resolve_log(notes)
            resolved._resolve_notify_sources()
        return resolved

    def _resolve_check_plan(self, plan):
        # Decide as the current user, whatever environment the proposals came with.
        plan = [
            (proposal.with_env(self.env), decision, value)
            for proposal, decision, value in plan
        ]
        proposals = self.browse().union(*(p for p, _d, _v in plan))
        if len(proposals) != len(plan):
            raise UserError(
                self.env._("Each proposed change can only be decided once.")
            )
        if proposals.filtered(lambda p: p.state != "pending"):
            raise UserError(
                self.env._(
                    "Some of these changes were already decided. "
                    "Reload and check again."
                )
            )
        for _proposal, decision, _value in plan:
            if decision not in DECISIONS:
                raise UserError(
                    self.env._("Unknown decision %(decision)r.", decision=decision)
                )
        return plan

    @api.model
    def _resolve_lock(self, partners):
        """Lock the partners' rows (waiting for a concurrent writer), then read
        their values again: what is compared is what will be overwritten."""
        partners._crm_sync_lock_rows()  # forgets their cached values too
        self.invalidate_model(["current_value_display", "is_stale"])

    def _resolve_drop_stale(self, plan, skip_stale):
        """No stale Accept: refused, or left pending with ``skip_stale``."""
        kept_plan = []
        for proposal, decision, value in plan:
            if decision == "accept" and proposal._is_stale_now():
                if skip_stale:
                    continue
                raise UserError(
                    self.env._(
                        "%(field)s of %(partner)s changed in the CRM since "
                        "%(origin)s proposed %(proposed)s (it was %(old)s, it is now "
                        "%(current)s): choose Keep or New value.",
                        field=proposal.field_label,
                        partner=proposal.partner_id.display_name,
                        origin=proposal.source_display,
                        proposed=proposal.value_display or self.env._("(empty)"),
                        old=proposal.old_value_display or self.env._("(empty)"),
                        current=proposal.current_value_display or self.env._("(empty)"),
                    )
                )
            kept_plan.append((proposal, decision, value))
        return kept_plan

    def _resolve_writes(self, plan):
        """``{partner: {fname: value}}`` to write; one value per field, or an error
        (the same one from the window and from XML-RPC)."""
        writes = defaultdict(dict)
        chosen = defaultdict(list)  # (partner, fname) -> proposals written from
        checked_fields = {}
        for proposal, decision, value in plan:
            if decision == "keep":
                continue
            # Checked again at decision time: the field must still be one a source
            # may propose and the user may write, and the value must fit it.
            fname = proposal.field_name
            if fname not in checked_fields:
                checked_fields[fname] = self._check_proposable_field(fname)
            field = checked_fields[fname]
            if decision == "accept":
                value = self._coerce(field, proposal._get_typed_value("value"))
            key = (proposal.partner_id, fname)
            if chosen[key] and not proposal._equal(writes[key[0]][fname], value):
                disagreeing = self.browse().union(*chosen[key], proposal)
                raise UserError(
                    self.env._(
                        "Sources disagree on %(field)s for %(partner)s "
                        "(%(sources)s): choose one value.",
                        field=proposal.field_label,
                        partner=proposal.partner_id.display_name,
                        sources=", ".join(sorted(disagreeing.mapped("source_display"))),
                    )
                )
            chosen[key].append(proposal)
            writes[key[0]][fname] = value
        return writes

    def _resolve_notify_sources(self):
        """The resolve hook: each source model whose proposals were resolved is
        called once, after the partner write, with its proposals grouped:
        ``Source.browse(ids)._crm_sync_on_proposals_resolved(proposals)``.
        The hook may record agreed values and queue pushes (crm.sync.push); it
        must not call remote systems (this is still the user's transaction)."""
        for model, proposals in sorted(
            self.grouped("source_model").items(), key=lambda item: item[0] or ""
        ):
            if not model or model not in self.env:
                continue
            Source = self.env[model]
            if not hasattr(Source, "_crm_sync_on_proposals_resolved"):
                continue
            sources = Source.browse(sorted(set(proposals.mapped("source_res_id"))))
            sources._crm_sync_on_proposals_resolved(proposals)

    def _resolve_mark(self, plan):
        # sudo: proposals are read-only to everyone; _resolve checked the decisions
        now = fields.Datetime.now()
        common = {"resolved_by_id": self.env.uid, "resolved_on": now}
        by_state = defaultdict(list)
        for proposal, decision, value in plan:
            if decision == "value":
                proposal.sudo().write(
                    {
                        **common,
                        "state": "replaced",
                        "resolved_value_display": proposal._display(value),
                    }
                )
            else:
                by_state["accepted" if decision == "accept" else "kept"].append(
                    proposal.id
                )
        for state, ids in by_state.items():
            self.sudo().browse(ids).write({**common, "state": state})

    def _resolve_notes(self, plan):
        """``{partner_id: [line]}`` describing each decision, for the chatter."""
        lines = defaultdict(list)
        for proposal, decision, value in plan:
            field_label = proposal.field_label
            if decision == "keep":
                line = self.env._(
                    "%(field)s: kept %(current)s "
                    "(proposed by %(origin)s: %(proposed)s)",
                    field=field_label,
                    current=proposal.current_value_display or self.env._("(empty)"),
                    origin=proposal.source_display,
                    proposed=proposal.value_display or self.env._("(empty)"),
                )
            elif decision == "accept":
                line = self.env._(
                    "%(field)s: %(old)s → %(new)s (accepted from %(origin)s)",
                    field=field_label,
                    old=proposal.current_value_display or self.env._("(empty)"),
                    new=proposal.value_display or self.env._("(empty)"),
                    origin=proposal.source_display,
                )
            else:
                line = self.env._(
                    "%(field)s: %(old)s → %(new)s "
                    "(new value instead of %(proposed)s from %(origin)s)",
                    field=field_label,
                    old=proposal.current_value_display or self.env._("(empty)"),
                    new=proposal._display(value) or self.env._("(empty)"),
                    proposed=proposal.value_display or self.env._("(empty)"),
                    origin=proposal.source_display,
                )
            lines[proposal.partner_id.id].append(line)
        return lines

    def _resolve_log(self, lines):
        """One chatter note per partner: what changed, from which source, by whom."""
        header = self.env._("Data checked by %(user)s:", user=self.env.user.name)
        bodies = {
            partner_id: Markup("<p>%s</p><ul>%s</ul>")
            % (
                header,
                Markup().join(Markup("<li>%s</li>") % line for line in partner_lines),
            )
            for partner_id, partner_lines in lines.items()
        }
        self.env["res.partner"].browse(list(bodies))._message_log_batch(
            bodies, author_id=self.env.user.partner_id.id
        )
