# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Row locking shared by every crm_sync feature (sync, conversion, jobs)."""

import psycopg2.errors

from odoo import models
from odoo.tools import SQL


class Base(models.AbstractModel):
    _inherit = "base"

    def _crm_sync_lock_rows(self, nowait=False):
        """Lock the rows of ``self`` until the end of the transaction, then
        forget what this transaction had cached of them.

        One semantic: ``FOR NO KEY UPDATE``, the lock an ``UPDATE`` takes.
        It stops concurrent writers and lockers of these rows, not the
        creation of records that reference them. Rows are locked in id order,
        so that two transactions locking overlapping sets cannot deadlock.

        - By default, waits for another transaction holding one of the rows;
          a row that another transaction changed since this one began then
          raises a serialisation error (Odoo retries the request, which then
          sees the committed state).
        - With ``nowait``, never waits: returns False at once, with nothing
          locked and the transaction still usable, when a row is locked by
          another transaction or was changed by one meanwhile; the caller
          reports it.

        :return: True when every row is locked
        """
        if not self.ids:
            return True
        query = SQL(
            "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE%s",
            SQL.identifier(self._table),
            tuple(self.ids),
            SQL(" NOWAIT") if nowait else SQL(),
        )
        if not nowait:
            self.env.execute_query(query)
        else:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(query, log_exceptions=False)
            except (
                psycopg2.errors.LockNotAvailable,
                psycopg2.errors.SerializationFailure,
            ):
                return False
        self.invalidate_recordset()
        return True
