# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import BaseCase, tagged

from odoo.addons.crm_sync.utils.field_compat import incompatibility, is_empty


def spec(ttype, name="f", **kwargs):
    return {"name": name, "ttype": ttype, "writable": True, **kwargs}


@tagged("post_install", "-at_install", "crm_sync", "crm_sync_unit", "field_mapping")
class TestFieldCompat(BaseCase):
    def assertCompatible(self, source, target):
        self.assertIsNone(incompatibility(source, target))

    def assertIncompatible(self, source, target, code):
        problem = incompatibility(source, target)
        self.assertIsNotNone(problem, f"{source} -> {target} should be refused")
        self.assertEqual(problem.code, code)

    def test_same_type(self):
        for ttype in (
            "char",
            "text",
            "html",
            "integer",
            "float",
            "boolean",
            "date",
            "binary",
        ):
            self.assertCompatible(spec(ttype), spec(ttype))

    def test_safe_widenings(self):
        self.assertCompatible(spec("char"), spec("text"))
        self.assertCompatible(spec("char"), spec("html"))
        self.assertCompatible(spec("text"), spec("html"))
        self.assertCompatible(spec("selection", selection=["a", "b"]), spec("char"))
        self.assertCompatible(spec("integer"), spec("float"))

    def test_narrowings_refused(self):
        self.assertIncompatible(spec("text"), spec("char"), "type_mismatch")
        self.assertIncompatible(spec("html"), spec("text"), "type_mismatch")
        self.assertIncompatible(spec("float"), spec("integer"), "type_mismatch")
        self.assertIncompatible(
            spec("char"), spec("selection", selection=["a"]), "type_mismatch"
        )
        self.assertIncompatible(
            spec("char"), spec("many2one", relation="res.country"), "type_mismatch"
        )
        self.assertIncompatible(spec("date"), spec("datetime"), "type_mismatch")

    def test_relations(self):
        self.assertCompatible(
            spec("many2one", relation="res.country"),
            spec("many2one", relation="res.country"),
        )
        self.assertIncompatible(
            spec("many2one", relation="res.country"),
            spec("many2one", relation="res.currency"),
            "relation_mismatch",
        )
        self.assertCompatible(
            spec("many2many", relation="res.partner.category"),
            spec("many2many", relation="res.partner.category"),
        )
        self.assertIncompatible(
            spec("many2many", relation="crm.tag"),
            spec("many2many", relation="res.partner.category"),
            "relation_mismatch",
        )
        self.assertIncompatible(
            spec("many2one", relation="res.partner.category"),
            spec("many2many", relation="res.partner.category"),
            "type_mismatch",
        )

    def test_selection_values(self):
        self.assertCompatible(
            spec("selection", selection=["a", "b"]),
            spec("selection", selection=["a", "b", "c"]),
        )
        problem = incompatibility(
            spec("selection", selection=["a", "b", "z"]),
            spec("selection", selection=["a", "b"]),
        )
        self.assertEqual(problem.code, "selection_values")
        self.assertEqual(problem.params["values"], ["z"])

    def test_sizes(self):
        self.assertCompatible(spec("char", size=10), spec("char", size=10))
        self.assertCompatible(spec("char", size=10), spec("char"))
        self.assertIncompatible(spec("char", size=20), spec("char", size=10), "size")
        # an unbounded source may not land in a bounded target
        self.assertIncompatible(spec("char"), spec("char", size=10), "size")
        # selection keys must fit a bounded char target
        self.assertCompatible(
            spec("selection", selection=["abc"]), spec("char", size=3)
        )
        self.assertIncompatible(
            spec("selection", selection=["abcd"]), spec("char", size=3), "size"
        )

    def test_selection_label_size(self):
        # the converter writes the label: a short key with a long label is refused
        self.assertIncompatible(
            spec("selection", selection=["a"], selection_labels=["Alpha"]),
            spec("char", size=3),
            "size",
        )
        self.assertCompatible(
            spec("selection", selection=["alpha"], selection_labels=["Al"]),
            spec("char", size=3),
        )

    def test_target_must_be_writable(self):
        self.assertIncompatible(
            spec("char"), spec("char", writable=False), "readonly_target"
        )

    def test_unsupported_types(self):
        self.assertIncompatible(
            spec("one2many", relation="res.partner"),
            spec("one2many", relation="res.partner"),
            "unsupported_type",
        )
        self.assertIncompatible(
            spec("properties"), spec("properties"), "unsupported_type"
        )

    def test_is_empty(self):
        self.assertTrue(is_empty("char", False))
        self.assertTrue(is_empty("char", "   "))
        self.assertFalse(is_empty("char", "x"))
        self.assertTrue(is_empty("html", "<p><br></p>"))
        self.assertFalse(is_empty("html", "<p>Hi</p>"))
        self.assertTrue(is_empty("many2many", []))
        # booleans and numbers: a value as a source, empty when falsy as a target
        self.assertFalse(is_empty("boolean", False))
        self.assertFalse(is_empty("integer", 0))
        self.assertTrue(is_empty("boolean", False, target=True))
        self.assertTrue(is_empty("float", 0.0, target=True))
        self.assertFalse(is_empty("integer", 3, target=True))
