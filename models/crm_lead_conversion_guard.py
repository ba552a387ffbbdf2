# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The conversion state of a lead, shared by every crm_sync conversion path
(Convert to Contact, the lead conversion, the mass conversion):

- ``_crm_sync_check_convert_access()``: who may convert;
- ``_crm_sync_check_convertible()``: which leads may be converted (the one
  definition), ``_crm_sync_check_not_converted()``: a lead is converted once;
- ``_crm_sync_lock_for_conversion()``: two conversions of a lead never both
  write; ``_crm_sync_lock_convertible()``: check, lock, then read the state;
- ``_crm_sync_link_converted()`` and ``_crm_sync_mark_converted()``: the only
  way to set the state.

``write`` and ``create`` guard the state on the server, whatever the path (UI,
XML-RPC, import): a converted lead can neither be un-converted nor turned back
into what it was before the conversion.
"""

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import str2bool
from odoo.tools.misc import clean_context

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
                        self.env._(
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
        if "crm_sync_converted" in vals and not vals["crm_sync_converted"]:
            if converted:
                raise UserError(
                    self.env._(
                        "A converted lead cannot be reverted: %(leads)s.",
                        leads=", ".join(converted.mapped("display_name")),
                    )
                )
        if changed_state and not self._crm_sync_conversion_allowed():
            self._crm_sync_check_state_unchanged(changed_state, vals)
        if "type" in vals and converted:
            new_type = vals["type"]
            reverted = converted.filtered(
                lambda lead: lead.type != new_type
                and (lead.crm_sync_conversion_type != "deal" or new_type == "lead")
            )
            if reverted:
                raise UserError(
                    self.env._(
                        "These leads were converted and cannot change type any more: "
                        "%(leads)s.",
                        leads=", ".join(reverted.mapped("display_name")),
                    )
                )

    def _crm_sync_check_state_unchanged(self, fnames, vals):
        """Refuse a write outside a conversion that changes the conversion
        fields ``fnames`` of a lead (rewriting the same values is allowed)."""
        changed = [
            fname
            for fname in fnames
            if any(lead._crm_sync_differs(fname, vals[fname]) for lead in self)
        ]
        if changed:
            raise UserError(
                self.env._(
                    "The conversion status of a lead (%(fields)s) is set by "
                    "its conversion only; it cannot be written directly.",
                    fields=", ".join(
                        self._fields[f].get_description(self.env)["string"]
                        for f in changed
                    ),
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
        # sudo: reading a setting, not a record of the user's
        param = self.env["ir.config_parameter"].sudo()
        value = param.get_param("crm_sync.restrict_conversion") or ""
        # Settings store "True"; administrators also type "1" or " yes " by hand.
        restricted = str2bool(value.strip(), default=False)
        if restricted and not self.env.user.has_group(
            "crm_sync.crm_sync_group_convert_leads"
        ):
            raise AccessError(
                self.env._(
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
                self.env._(
                    "These leads were converted already and cannot be converted "
                    "again: %(leads)s.",
                    leads=", ".join(converted.mapped("display_name")),
                )
            )

    def _crm_sync_convertible(self, archived=False):
        """The leads of ``self`` that may be converted: leads (not
        opportunities) that were not converted yet, and open unless
        ``archived`` (Convert to Contact also takes lost leads)."""
        return self.filtered(
            lambda lead: lead.type == "lead"
            and not lead.crm_sync_converted
            and (archived or lead.active)
        )

    def _crm_sync_check_convertible(self, archived=False):
        """Raise unless the user may convert every lead of ``self`` (see
        :meth:`_crm_sync_convertible`, ``archived`` alike)."""
        self._crm_sync_check_convert_access()
        self._crm_sync_check_not_converted()
        refused = self - self._crm_sync_convertible(archived=archived)
        if not refused:
            return
        names = ", ".join(refused.mapped("display_name"))
        if archived:
            raise UserError(
                self.env._(
                    "Only leads can be converted to a contact; these are "
                    "opportunities: %(leads)s.",
                    leads=names,
                )
            )
        raise UserError(
            self.env._(
                "Only open leads can be converted; these are opportunities or "
                "archived: %(leads)s.",
                leads=names,
            )
        )

    def _crm_sync_lock_for_conversion(self):
        """Lock the leads' rows until the end of the transaction
        (:meth:`_crm_sync_lock_rows`, waiting).

        Of two concurrent conversions of a lead, the second waits here, then
        fails on a serialisation error (Odoo retries the request, which then
        reports "converted already") before it creates anything.
        """
        self._crm_sync_lock_rows()

    def _crm_sync_lock_convertible(self, archived=False):
        """Check that the user may convert these leads, lock them
        (:meth:`_crm_sync_lock_for_conversion`), then read which of them may
        be converted (:meth:`_crm_sync_convertible`, ``archived`` alike).

        The state is read after the lock: of two concurrent conversions of a
        lead, the second waits, then fails before creating anything.

        :return: the convertible leads
        """
        self._crm_sync_check_convert_access()
        self._crm_sync_lock_for_conversion()
        return self._crm_sync_convertible(archived=archived)

    def _crm_sync_mark_converted(self, conversion_type, values=None):
        """Mark the leads converted, in one write; the only way past the guard.

        :param str conversion_type: a key of ``crm_sync_conversion_type``
        :param dict values: other lead values to write in the same write
        """
        selection = dict(self._fields["crm_sync_conversion_type"].selection)
        if conversion_type not in selection:
            raise UserError(
                self.env._(
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

    # ------------------------------------------------------------
    # NATIVE CONVERSION (Convert to Opportunity)
    # ------------------------------------------------------------

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        # Odoo's own Convert to Opportunity (single and mass wizards) obeys the
        # "Only the Convert leads group may convert leads" setting as well.
        self._crm_sync_check_convert_access()
        return super().convert_opportunity(partner, user_ids=user_ids, team_id=team_id)
