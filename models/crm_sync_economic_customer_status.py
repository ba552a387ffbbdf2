# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the customer link knows of the e-conomic side, for the status and Compare.

The link keeps the mapped fields of the e-conomic customer as last read
(``economic_values``, e-conomic field names): set by "Check now", Compare,
Apply and every incoming customer (webhook, poll, import:
``_crm_sync_economic_remember``), and for the fields both sides agree on
whenever agreed values are recorded (a push, a resolved proposal). The
partner's status is computed from it without calling e-conomic.
"""

from odoo import api, fields, models

from ..utils import economic_compare
from ..utils import economic_mapping as mapping
from ..utils.economic_client import EconomicError, EconomicNotFound


class CrmSyncEconomicCustomer(models.Model):
    _inherit = "crm.sync.economic.customer"

    economic_values = fields.Json(
        string="e-conomic Values",
        readonly=True,
        copy=False,
        help="The mapped fields of the e-conomic customer as last read or agreed, "
        "by e-conomic field name.",
    )
    economic_checked = fields.Datetime(
        string="Last Checked",
        readonly=True,
        copy=False,
        help="When the e-conomic customer was last read.",
    )
    economic_check_error = fields.Char(
        string="Check Error",
        readonly=True,
        copy=False,
        help="Why the last check of the e-conomic customer failed.",
    )

    # ------------------------------------------------------------------
    # Values in e-conomic form
    # ------------------------------------------------------------------

    @api.model
    def _crm_sync_status_to_customer(self, values, remote=None):
        """``{economic field: value}`` of Odoo values in JSON form (the country
        as an id): the mapped fields only, the country by its English name.
        With ``remote`` (the customer as read), e-conomic's other e-mail
        addresses are kept."""
        values = dict(values)
        if values.get("country_id"):
            names = self._crm_sync_status_country_names()
            values["country_id"] = names.get(values["country_id"], False)
        customer = mapping.odoo_to_customer(values, remote=remote)
        return {
            field: economic_compare.clean(customer.get(field))
            for field in economic_compare.ECONOMIC_FIELDS
        }

    @api.model
    def _crm_sync_status_country_names(self):
        """``{country id: English name}``, read once per transaction."""
        cache = self.env.cr.cache
        if "crm_sync_economic_country_names" not in cache:
            countries = self.env["res.country"].with_context(lang="en_US").search([])
            cache["crm_sync_economic_country_names"] = {
                country.id: country.name for country in countries
            }
        return cache["crm_sync_economic_country_names"]

    @api.model
    def _crm_sync_status_customer_values(self, customer):
        """The mapped fields of an e-conomic customer body."""
        return {
            field: economic_compare.clean(customer.get(field))
            for field in economic_compare.ECONOMIC_FIELDS
        }

    def _crm_sync_status_crm_values(self, remote=None, partner=None):
        """The partner's side, in e-conomic form (see ``_to_customer``).

        :param partner: the linked partner as given by a batch (its values
            are then read for the whole batch at once)."""
        self.ensure_one()
        partner = partner or self.record_id
        values = self._crm_sync_values_of(partner, self._crm_sync_field_names())
        return self._crm_sync_status_to_customer(values, remote=remote)

    def _crm_sync_status_remote_values(self, pending=None):
        """The e-conomic side as last known, no HTTP: as last read (or else as
        agreed), with the values this link proposed since (a field changed on
        both sides: the proposal holds e-conomic's value).

        :param pending: ``{link id: {odoo field: value}}`` prefetched by
            :meth:`_crm_sync_status_pending_values` for a batch.
        """
        self.ensure_one()
        if self.economic_values:
            remote = dict(self.economic_values)
        elif self.agreed_values:
            remote = self._crm_sync_status_to_customer(self.agreed_values)
        else:
            remote = {}
        if pending is None:
            pending = self._crm_sync_status_pending_values()
        proposed = pending.get(self.id)
        if proposed:
            values = {**(self.agreed_values or {}), **proposed}
            converted = self._crm_sync_status_to_customer(values)
            for fname in proposed:
                field = mapping.ECONOMIC_FIELD_OF.get(fname)
                if field:
                    remote[field] = converted.get(field, False)
        return remote

    def _crm_sync_status_pending_values(self):
        """``{link id: {odoo field: value}}``: the pending proposals of these
        links made after the customer was last read, in one query."""
        if not self:
            return {}
        # sudo: the links' own proposals, compared, never returned as such
        proposals = (
            self.env["crm.sync.proposal"]
            .sudo()
            .search(
                [
                    ("source_model", "=", self._name),
                    ("source_res_id", "in", self.ids),
                    ("state", "=", "pending"),
                ],
                order="proposed_on, id",
            )
        )
        checked = {link.id: link.economic_checked for link in self}
        result = {}
        for proposal in proposals:
            link_id = proposal.source_res_id
            if checked.get(link_id) and proposal.proposed_on <= checked[link_id]:
                continue
            result.setdefault(link_id, {})[proposal.field_name] = (
                proposal._get_typed_value("value")
            )
        return result

    # ------------------------------------------------------------------
    # Recording what e-conomic holds
    # ------------------------------------------------------------------

    def _crm_sync_economic_remember(self, customer):
        """Record ``customer`` (an e-conomic body just read or written) as the
        e-conomic side of these links, clear the last check error, and set the
        links' state from the comparison."""
        self.write(
            {
                "economic_values": self._crm_sync_status_customer_values(customer),
                "economic_checked": fields.Datetime.now(),
                "economic_check_error": False,
            }
        )
        for link in self.filtered("customer_number"):
            differences = link._crm_sync_status_differences()
            link.write(
                {
                    "state": "differs" if differences else "in_sync",
                    "difference_count": len(differences),
                }
            )

    def _crm_sync_status_check_failed(self, message):
        self.write(
            {
                "economic_check_error": message,
                "economic_checked": fields.Datetime.now(),
                "state": "error",
            }
        )

    def _crm_sync_status_differences(self, pending=None, partner=None):
        """``{economic field: {"crm", "economic"}}`` as last known, no HTTP.

        :param pending: see :meth:`_crm_sync_status_remote_values`
        :param partner: see :meth:`_crm_sync_status_crm_values`"""
        self.ensure_one()
        partner = partner or self.record_id
        return economic_compare.differences(
            self._crm_sync_status_crm_values(partner=partner),
            self._crm_sync_status_remote_values(pending),
            partner.sudo()._crm_sync_desync_region(),
        )

    def _crm_sync_status_client(self, timeout):
        """A client for a user waiting on the answer: short timeout, no retry
        (an unreachable or busy e-conomic is reported at once)."""
        self.ensure_one()
        return self.backend_id._crm_sync_economic_client(timeout=timeout, max_retries=0)

    def _crm_sync_status_refresh_one(self, client):
        """Read this link's customer with ``client`` and remember it, or why
        it could not be read."""
        self.ensure_one()
        try:
            customer = client.get_customer(self.customer_number)
        except EconomicNotFound:
            self._crm_sync_status_check_failed(
                self.env._(
                    "Customer %(number)s no longer exists in e-conomic.",
                    number=self.customer_number,
                )
            )
        except EconomicError as exc:
            self._crm_sync_status_check_failed(
                self.backend_id._crm_sync_economic_error_message(exc)
            )
        else:
            self._crm_sync_economic_remember(customer)

    def _crm_sync_record_agreed(self, values, remote_version=None):
        """Agreed values are e-conomic's too: update the known e-conomic side."""
        before = {link.id: dict(link.agreed_values or {}) for link in self}
        res = super()._crm_sync_record_agreed(values, remote_version=remote_version)
        touched = {
            mapping.ECONOMIC_FIELD_OF[fname]
            for fname in values
            if fname in mapping.ECONOMIC_FIELD_OF
        }
        for link in self.filtered("economic_values"):
            agreed = self._crm_sync_status_to_customer({**before[link.id], **values})
            link.economic_values = {
                **link.economic_values,
                **{field: agreed[field] for field in touched},
            }
        return res

    def _crm_sync_on_proposals_resolved(self, proposals):
        # Apply (crm_sync_economic_apply) sends and records the values itself,
        # synchronously: nothing to queue.
        if self.env.context.get("crm_sync_economic_apply"):
            return None
        return super()._crm_sync_on_proposals_resolved(proposals)


class CrmSyncEconomicBackend(models.Model):
    _inherit = "crm.sync.economic.backend"

    def _crm_sync_economic_update_links(self, links, by_number, remote, push=True):
        """Incoming customers (webhooks, poll, import) are what e-conomic holds
        now: the links remember them for the status."""
        results = super()._crm_sync_economic_update_links(
            links, by_number, remote, push=push
        )
        for link in links.exists():
            customer = by_number.get(link.customer_number)
            if customer:
                link._crm_sync_economic_remember(customer)
        return results
