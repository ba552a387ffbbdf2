# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""crm_sync on partners: the desync indicators (values proposed by outside
sources) and the propose / resolve API.

The other partner features have their own files: res_partner_sync_company.py,
res_partner_sync_user.py, res_partner_match.py.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

# What a portal user may change on their own partner (the /my/account form).
PORTAL_FIELDS = (
    "name",
    "email",
    "phone",
    "street",
    "street2",
    "city",
    "zip",
    "state_id",
    "country_id",
    "vat",
    "company_name",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Desync
    crm_sync_proposal_ids = fields.One2many(
        "crm.sync.proposal",
        "partner_id",
        string="Proposed Changes",
        groups="crm_sync.crm_sync_group_user",
    )
    crm_sync_desync_count = fields.Integer(
        string="Fields to Check",
        compute="_compute_crm_sync_desync",
        store=True,
        help="Number of fields with pending changes proposed by outside sources.",
    )
    crm_sync_desync = fields.Boolean(
        string="Desynchronized",
        compute="_compute_crm_sync_desync",
        store=True,
        help="Outside sources propose values that differ from the CRM: check the data.",
    )
    crm_sync_desync_sources = fields.Char(
        string="Sources to Check", compute="_compute_crm_sync_desync_sources"
    )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    def init(self):
        res = super().init()
        # Partial index for the "Desynchronized" filter: few rows among many, in the
        # default order of res.partner, so that the first page and the count both
        # read the index only (see bench/bench_desync.py).
        name = "res_partner_crm_sync_desync_index"
        if not index_exists(self.env.cr, name):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (complete_name, id DESC)"
                    " WHERE crm_sync_desync",
                    SQL.identifier(name),
                    SQL.identifier(self._table),
                )
            )
        return res

    # ------------------------------------------------------------------
    # DESYNC
    # ------------------------------------------------------------------

    @api.depends("crm_sync_proposal_ids.state", "crm_sync_proposal_ids.field_id")
    def _compute_crm_sync_desync(self):
        counts = self.env["crm.sync.proposal"]._pending_counts(self._origin.ids)
        for partner in self:
            count = counts.get(partner._origin.id, 0)
            partner.crm_sync_desync_count = count
            partner.crm_sync_desync = bool(count)

    @api.depends("crm_sync_desync_count")
    def _compute_crm_sync_desync_sources(self):
        sources = defaultdict(list)
        desync = self.filtered("crm_sync_desync")
        if desync:
            for partner, label in (
                self.env["crm.sync.proposal"]
                .sudo()
                ._read_group(
                    [
                        ("partner_id", "in", desync._origin.ids),
                        ("state", "=", "pending"),
                    ],
                    ["partner_id", "source_label"],
                    order="source_label",
                )
            ):
                sources[partner.id].append(label)
        for partner in self:
            partner.crm_sync_desync_sources = ", ".join(
                sources.get(partner._origin.id, [])
            )

    # ------------------------------------------------------------------
    # Desync: actions
    # ------------------------------------------------------------------

    def action_crm_sync_check_data(self):
        """Open the "Check data" window on these partners' pending proposals."""
        if not self.filtered("crm_sync_desync"):
            raise UserError(self.env._("There is no data to check on these contacts."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Check Data"),
            "res_model": "res.partner.check.data",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "res.partner", "active_ids": self.ids},
        }

    # ------------------------------------------------------------------
    # Desync: API for connectors, the portal and XML-RPC callers
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_portal_fields(self):
        """Fields a portal user may propose on their own partner."""
        return PORTAL_FIELDS

    def _crm_sync_propose(self, values, source):
        """Propose ``values`` ({field: value}) on these partners from ``source``.

        :param source: the record the values come from (connector link, portal
            submission, import...) or a label string.
        :return: the created ``crm.sync.proposal`` records (none for values equal
            to the CRM value after normalisation).
        """
        return self.env["crm.sync.proposal"]._propose(
            {partner: values for partner in self}, source
        )

    def crm_sync_propose(self, values, source_label):
        """XML-RPC: propose ``values`` on these partners; returns the proposal ids."""
        if not isinstance(source_label, str) or not source_label.strip():
            raise UserError(
                self.env._("Give the source of the proposed values as a label.")
            )
        return self._crm_sync_propose(values, source_label).ids

    def crm_sync_resolve(self, decisions):
        """Decide the pending proposals of these partners, per field.

        :param decisions: ``"accept_all"``, ``"keep_all"`` or a mapping of field
            name to ``"keep"``, ``"accept"`` or ``{"value": new value}``.
        :return: ids of the resolved proposals.
        """
        self.check_access("write")
        pending = (
            self.env["crm.sync.proposal"]
            .sudo()
            .search([("partner_id", "in", self.ids), ("state", "=", "pending")])
        )
        shortcuts = {"accept_all": "accept", "keep_all": "keep"}
        if isinstance(decisions, str) and decisions in shortcuts:
            if not pending:
                raise UserError(
                    self.env._("There is no data to check on these contacts.")
                )
            decisions = dict.fromkeys(
                pending.mapped("field_name"), shortcuts[decisions]
            )
        if not isinstance(decisions, dict) or not decisions:
            raise UserError(
                self.env._(
                    'Decisions must be "accept_all", "keep_all" or a mapping of '
                    "fields to "
                    '"keep", "accept" or {"value": ...}.'
                )
            )
        by_field = defaultdict(lambda: pending.browse())
        for proposal in pending:
            by_field[proposal.field_name] |= proposal
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
            plan.extend(self._crm_sync_plan_field(proposals, fname, decision))
        return self.env["crm.sync.proposal"]._resolve(plan).ids

    def _crm_sync_plan_field(self, proposals, fname, decision):
        """Turn a field decision into per-proposal decisions."""
        Proposal = self.env["crm.sync.proposal"]
        if isinstance(decision, dict) and set(decision) == {"value"}:
            field = Proposal._check_proposable_field(fname)
            value = Proposal._coerce(field, decision["value"])
            return [(proposal, "value", value) for proposal in proposals]
        if decision == "keep":
            return [(proposal, "keep", None) for proposal in proposals]
        if decision == "accept":
            plan = []
            for partner_proposals in proposals.grouped("partner_id").values():
                first = partner_proposals[0]
                first_value = first._get_typed_value("value")
                if any(
                    not first._equal(first_value, p._get_typed_value("value"))
                    for p in partner_proposals
                ):
                    raise UserError(
                        self.env._(
                            "Sources disagree on %(field)s for %(partner)s "
                            "(%(sources)s): "
                            "choose a value.",
                            field=first.field_label,
                            partner=first.partner_id.display_name,
                            sources=", ".join(partner_proposals.mapped("source_label")),
                        )
                    )
                plan.extend(
                    (proposal, "accept", None) for proposal in partner_proposals
                )
            return plan
        raise UserError(
            self.env._(
                'Invalid decision %(decision)r for %(field)s: use "keep", '
                '"accept" or {"value": ...}.',
                decision=decision,
                field=fname,
            )
        )
