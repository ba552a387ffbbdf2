# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two transactions proposing for the same field from the same source at once:
they merge (newest value wins, one pending proposal), no database error reaches
anyone. Real cursors on committed data, synchronised explicitly, cleaned up."""

import threading
from functools import partial
from unittest.mock import patch

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

TIMEOUT = 30


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_desync")
class TestDesyncConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cls.partner_id = (
                env["res.partner"]
                .create({"name": "Concurrent Proposals ApS", "city": "Aarhus"})
                .id
            )
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.sync.proposal"].search(
                [("partner_id", "=", cls.partner_id)]
            ).unlink()
            env["res.partner"].browse(cls.partner_id).unlink()

    def setUp(self):
        super().setUp()
        self.addCleanup(self._drop_proposals)

    def _drop_proposals(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.sync.proposal"].search(
                [("partner_id", "=", self.partner_id)]
            ).unlink()

    def _propose(self, env, city):
        partner = env["res.partner"].browse(self.partner_id)
        return partner._crm_sync_propose({"city": city}, "Feed").ids

    def _race(self, isolation=None):
        """Second looks for the source's pending proposal, then first proposes
        Odense and commits, then second proposes Vejle (the worst interleaving)."""
        second_searched = threading.Event()
        first_committed = threading.Event()
        outcome = {}
        Proposal = self.registry["crm.sync.proposal"]
        original = Proposal._last_of_source

        def last_of_source(proposal, *args):
            result = original(proposal, *args)
            if threading.current_thread().name == "second":
                second_searched.set()
                first_committed.wait(TIMEOUT)
            return result

        def first():
            second_searched.wait(TIMEOUT)
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    outcome["first"] = self._propose(env, "Odense")
            except Exception as exc:  # noqa: BLE001 - reported by the test
                outcome["first"] = exc
            finally:
                first_committed.set()

        def second():
            try:
                with self.registry.cursor() as cr:
                    if isolation is not None:
                        cr.connection.set_isolation_level(isolation)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    # Run as Odoo runs a request: replayed on a concurrency error.
                    outcome["second"] = retrying(
                        partial(self._propose, env, "Vejle"), env
                    )
            except Exception as exc:  # noqa: BLE001 - reported by the test
                outcome["second"] = exc
            finally:
                second_searched.set()

        threads = [
            threading.Thread(target=first, name="first"),
            threading.Thread(target=second, name="second"),
        ]
        with patch.object(Proposal, "_last_of_source", last_of_source):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        return outcome

    def _assert_merged(self, outcome):
        for name in ("first", "second"):
            self.assertIsInstance(outcome[name], list, f"{name}: {outcome[name]!r}")
            self.assertEqual(len(outcome[name]), 1)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            pending = env["crm.sync.proposal"].search(
                [("partner_id", "=", self.partner_id), ("state", "=", "pending")]
            )
            self.assertEqual(pending.mapped("value_char"), ["Vejle"], "newest wins")
            self.assertEqual(pending.ids, outcome["second"])
            partner = env["res.partner"].browse(self.partner_id)
            self.assertEqual(partner.city, "Aarhus")
            self.assertEqual(partner.crm_sync_desync_count, 1)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_concurrent_proposals_merge(self):
        """REPEATABLE READ (Odoo's cursors): the late transaction cannot see the
        other proposal; PostgreSQL reports a serialization failure, Odoo replays
        the transaction as it replays a request, and the replay replaces it."""
        self._assert_merged(self._race())

    @mute_logger("odoo.sql_db")
    def test_concurrent_proposals_merge_read_committed(self):
        """READ COMMITTED: the late insert merges into the other proposal at once."""
        outcome = self._race(ISOLATION_LEVEL_READ_COMMITTED)
        self._assert_merged(outcome)
        self.assertEqual(outcome["first"], outcome["second"], "one row, updated")
