# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import itertools
import re

from odoo.tests import BaseCase, tagged

from ..utils import three_way
from ..utils.three_way import CONFLICT, EQUAL, MISSING, TAKE_LOCAL, TAKE_REMOTE

EMPTIES = (None, False, "")
VALUES = (*EMPTIES, "a", "b", "c")


def _digits_equal(left, right):
    """A phone-like equality: formatting is no change."""
    return re.sub(r"\D", "", left or "") == re.sub(r"\D", "", right or "")


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "crm_sync_sync")
class TestThreeWay(BaseCase):
    def test_table(self):
        """Every row of the rule, as documented."""
        cases = [
            # base, local, remote, decision
            ("a", "a", "a", EQUAL),
            ("a", "b", "b", EQUAL),  # both changed the same way
            ("a", "a", "b", TAKE_REMOTE),
            ("a", "b", "a", TAKE_LOCAL),
            ("a", "b", "c", CONFLICT),
            ("a", None, "a", TAKE_LOCAL),  # emptied locally
            ("a", "a", None, TAKE_REMOTE),  # emptied remotely
            ("a", None, "b", CONFLICT),  # emptied here, changed there
            (None, "a", None, TAKE_LOCAL),  # set locally after an agreed empty
            (None, None, "a", TAKE_REMOTE),
            (None, "a", "b", CONFLICT),
            (MISSING, "a", "a", EQUAL),
            (MISSING, None, "a", TAKE_REMOTE),  # first link fills the empty side
            (MISSING, "a", None, TAKE_LOCAL),
            (MISSING, "a", "b", CONFLICT),  # nothing set is overwritten
            (MISSING, None, "", EQUAL),
        ]
        for base, local, remote, expected in cases:
            with self.subTest(base=base, local=local, remote=remote):
                self.assertEqual(three_way.decide_field(base, local, remote), expected)

    def test_exhaustive(self):
        """Every combination of base (or none), local and remote values."""
        seen = set()
        for base, local, remote in itertools.product(
            (MISSING, *VALUES), VALUES, VALUES
        ):
            decision = three_way.decide_field(base, local, remote)
            seen.add(decision)
            with self.subTest(base=base, local=local, remote=remote):
                self.assertIn(decision, three_way.DECISIONS)
                mirrored = three_way.decide_field(base, remote, local)
                swap = {TAKE_LOCAL: TAKE_REMOTE, TAKE_REMOTE: TAKE_LOCAL}
                self.assertEqual(mirrored, swap.get(decision, decision))
                same = three_way.default_equal(local, remote)
                self.assertEqual(decision == EQUAL, same)
                if base is MISSING:
                    if decision == CONFLICT:
                        self.assertNotIn(local, EMPTIES)
                        self.assertNotIn(remote, EMPTIES)
                    # A value set on a side is only replaced when that side is empty.
                    if decision == TAKE_REMOTE:
                        self.assertIn(local, EMPTIES)
                    continue
                local_changed = not three_way.default_equal(local, base)
                remote_changed = not three_way.default_equal(remote, base)
                if decision == TAKE_REMOTE:
                    self.assertFalse(local_changed, "a local change is never lost")
                    self.assertTrue(remote_changed)
                if decision == TAKE_LOCAL:
                    self.assertFalse(remote_changed, "a remote change is never lost")
                if decision == CONFLICT:
                    self.assertTrue(local_changed and remote_changed)
        self.assertEqual(seen, set(three_way.DECISIONS))

    def test_empty_values_are_one_value(self):
        for left, right in itertools.product(EMPTIES, EMPTIES):
            self.assertTrue(three_way.default_equal(left, right))
        self.assertFalse(three_way.default_equal(0, None), "0 is a number")
        self.assertFalse(three_way.default_equal(0, ""))
        self.assertTrue(three_way.default_equal(0, 0.0))
        self.assertEqual(three_way.decide_field(0, 0, None), TAKE_REMOTE)
        self.assertEqual(three_way.decide_field(MISSING, 0, None), TAKE_LOCAL)

    def test_equality_function(self):
        """Formatting is neither a change nor a conflict."""
        decide = three_way.decide_field
        self.assertEqual(
            decide("+45 33 12 34 56", "+4533123456", "+45-33-12-34-56", _digits_equal),
            EQUAL,
        )
        self.assertEqual(
            decide("+45 33 12 34 56", "+4533123456", "+45 70 00", _digits_equal),
            TAKE_REMOTE,
        )
        self.assertEqual(
            decide("+45 33 12 34 56", "+45 70 00", "+45 33123456", _digits_equal),
            TAKE_LOCAL,
        )
        # Without it, formatting alone looks like a conflict.
        self.assertEqual(
            decide("+45 33 12 34 56", "+4533123456", "+45-33-12"), CONFLICT
        )

    def test_decide_and_split(self):
        base = {"name": "Zylker", "phone": "+45 33 12 34 56", "city": "Aarhus"}
        local = {
            "name": "Zylker A/S",
            "phone": "+4533123456",
            "city": "Aarhus",
            "zip": "8000",
        }
        remote = {"name": "Zylker", "phone": "33 12 34 56", "city": "Odense"}
        equal_calls = []

        def equal(field, left, right):
            equal_calls.append(field)
            if field == "phone":
                return _digits_equal(left, right)
            return three_way.default_equal(left, right)

        decisions = three_way.decide(base, local, remote, equal=equal)
        self.assertEqual(
            decisions,
            {
                "name": TAKE_LOCAL,
                "phone": TAKE_REMOTE,  # reformatted here, changed there
                "city": TAKE_REMOTE,
                "zip": TAKE_LOCAL,  # no base, remote empty
            },
        )
        self.assertIn("phone", equal_calls)
        to_local, to_remote, conflicts, agreed = three_way.split(
            decisions, local, remote
        )
        self.assertEqual(to_local, {"city": "Odense", "phone": "33 12 34 56"})
        self.assertEqual(to_remote, {"name": "Zylker A/S", "zip": "8000"})
        self.assertEqual(conflicts, {})
        self.assertEqual(
            agreed,
            {
                "name": "Zylker A/S",
                "zip": "8000",
                "city": "Odense",
                "phone": "33 12 34 56",
            },
        )
        remote["name"] = "Zylker Danmark"
        decisions = three_way.decide(base, local, remote, equal=equal)
        self.assertEqual(decisions["name"], CONFLICT)
        conflicts = three_way.split(decisions, local, remote)[2]
        self.assertEqual(conflicts, {"name": ("Zylker A/S", "Zylker Danmark")})
        # Only the fields asked for.
        self.assertEqual(
            three_way.decide(base, local, remote, fields=["city"]),
            {"city": TAKE_REMOTE},
        )
