# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic fixtures: the fake e-conomic server on loopback (real HTTP) and
a backend pointing at it, its reference data fetched."""

from .fake_economic import FakeEconomic


class EconomicBackendMixin:
    @classmethod
    def _economic_setup(cls, enabled=True, push_policy="on_create"):
        cls.fake = FakeEconomic().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.backend = cls.env["crm.sync.economic.backend"].create(
            {
                "name": "Fake agreement",
                "api_url": cls.fake.url,
                "openapi_url": cls.fake.openapi_url,
                "app_secret_token": cls.fake.app_secret_token,
                "agreement_grant_token": cls.fake.agreement_grant_token,
                "currency_id": cls.env.ref("base.DKK").id,
                "push_policy": push_policy,
            }
        )
        cls.backend.action_crm_sync_economic_fetch_options()
        cls.backend.enabled = enabled
        cls.Push = cls.env["crm.sync.push"]

    def _process_pushes(self):
        """What the push cron does after the user's transaction commits."""
        self.env.flush_all()
        return self.Push._cron_process()

    def _link(self, partner):
        return self.env["crm.sync.economic.customer"].search(
            [("record_id", "=", partner.id), ("backend_id", "=", self.backend.id)]
        )

    def _queued(self, links):
        return self.Push.search(
            [
                ("res_model", "=", links._name),
                ("res_id", "in", links.ids),
                ("state", "=", "pending"),
            ]
        )
