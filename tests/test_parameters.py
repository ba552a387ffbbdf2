# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import BaseCase, tagged

from odoo.addons.crm_sync.utils.parameters import parse_int_parameter


@tagged("post_install", "-at_install", "crm_sync")
class TestParameters(BaseCase):
    def test_parse_int_parameter(self):
        self.assertEqual(parse_int_parameter("200"), 200)
        self.assertEqual(parse_int_parameter(" 50 "), 50)
        self.assertEqual(parse_int_parameter("+7"), 7)
        self.assertEqual(parse_int_parameter(0), 0)
        self.assertEqual(parse_int_parameter("5", minimum=5), 5)
        for bad in (
            "abc",
            "-5",
            "1e9",
            "",
            "1.5",
            "++7",
            "\u00b2",
            "9" * 5000,
            None,
            False,
            True,
            2.0,
        ):
            with self.subTest(value=bad):
                self.assertIsNone(parse_int_parameter(bad))
        self.assertIsNone(parse_int_parameter("4", minimum=5))
