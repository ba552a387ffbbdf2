# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Desync on partners: values proposed by outside sources, and their API.

- indicators: how many fields have pending proposals, from which sources (the
  stored, indexed "Desynchronized" flag);
- the API of the source contract (docs/ARCHITECTURE.md): ``_crm_sync_propose``
  for server code (connectors, the portal), ``crm_sync_propose`` and
  ``crm_sync_resolve`` for XML-RPC callers, the Check data window's action;
- the one phone region every comparison uses.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.sql import create_index

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

PROPOSE_GROUP = "crm_sync.crm_sync_group_propose"


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    def init(self):
        res = super().init()
        # Partial index for the "Desynchronized" filter: few rows among many, in the
        # default order of res.partner, so that the first page and the count both
        # read the index only (see bench/bench_desync.py).
        create_index(
            self.env.cr,
            "res_partner_crm_sync_desync_index",
            self._table,
            ["complete_name", "id DESC"],
            where="crm_sync_desync",
        )
        return res

    # ------------------------------------------------------------------
    # Indicators
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

    def _crm_sync_desync_region(self):
        """Region of phone numbers written without a country, for every value
        comparison of proposals and bindings: the partner's country, else the
        main company's; never the current user's company, so that a cron and a
        user agree on whether a number changed."""
        self.ensure_one()
        return self.country_id.code or self._crm_sync_main_region()

    # ------------------------------------------------------------------
    # Actions
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
    # API for connectors, the portal and XML-RPC callers
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_portal_fields(self):
        """Fields a portal user may propose on their own partner."""
        return PORTAL_FIELDS

    def _crm_sync_propose(self, values, source):
        """Propose ``values`` ({field: value}) on these partners from ``source``.

        For server code only: a record source is trusted as given.

        :param source: the record the values come from (a connector binding, the
            portal user...), optionally as ``(record, label)``, or a label (then
            stored with the current user, who is the real source).
        :return: the created ``crm.sync.proposal`` records (none for values equal
            to the CRM value after normalisation, or kept before).
        """
        return self.env["crm.sync.proposal"]._propose(
            {partner: values for partner in self}, source
        )

    def crm_sync_propose(self, values, source_label):
        """XML-RPC: propose ``values`` on these partners; returns the proposal ids.

        The caller is the source: ``source_label`` only describes it and is
        stored with the caller. Needs write access to the partners, or the group
        "CRM Sync / May propose changes" (integration users); customers propose
        from their account page only.
        """
        if self.env.user.share and not self.env.su:
            raise AccessError(
                self.env._(
                    "Customers propose changes to their details from their account "
                    "page."
                )
            )
        if not isinstance(source_label, str) or not source_label.strip():
            raise UserError(
                self.env._("Give the source of the proposed values as a label.")
            )
        if not self.env.su and not self.env.user.has_group(PROPOSE_GROUP):
            self.check_access("write")
        return self._crm_sync_propose(values, source_label.strip()).ids

    def crm_sync_resolve(self, decisions, details=False):
        """Decide the pending proposals of these partners, per field.

        :param decisions: ``"accept_all"``, ``"keep_all"`` or a mapping of field
            name to ``"keep"``, ``"accept"`` or ``{"value": new value}``. Accept
            of a proposal whose CRM value changed since is refused; Accept all
            leaves such proposals pending.
        :param details: return ``{"resolved": ids, "stale": ids}`` instead.
        :return: ids of the resolved proposals.
        """
        self.check_access("write")
        Proposal = self.env["crm.sync.proposal"]
        # sudo: the user may write these partners, hence decide on their proposals
        # (employees outside CRM Sync only read their own proposals)
        pending = (
            Proposal.sudo()
            .search([("partner_id", "in", self.ids), ("state", "=", "pending")])
            .with_env(self.env)
        )
        plan, skip_stale = Proposal._plan_decisions(pending, decisions)
        resolved = Proposal._resolve(plan, skip_stale=skip_stale)
        if not details:
            return resolved.ids
        planned = Proposal.union(*(proposal for proposal, _d, _v in plan))
        return {"resolved": resolved.ids, "stale": (planned - resolved).ids}
