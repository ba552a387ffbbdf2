#!/usr/bin/env python3
# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""make fake-economic: a fake e-conomic on loopback with Danish demo customers,
to try the connector without an e-conomic account.

    python3 scripts/fake_economic.py [--port 8780] [--customers 300]
        [--contacts 2] [--latency 0.05] [--webhook URL ...]

Point the e-conomic backend's API URL and OpenAPI URL at the printed URL and
use the printed tokens. A webhook URL may hold [OLDNUMBER] and [NEWNUMBER].
Ctrl-C stops it; nothing is stored.
"""

import argparse
import os
import sys
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests")
)

from fake_economic import FakeEconomic  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("FAKE_ECONOMIC_PORT", 8780))
    )
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--contacts", type=int, default=2, help="contacts per customer")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per call")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--app-secret-token", default="fake-app-secret")
    parser.add_argument("--agreement-grant-token", default="fake-agreement-grant")
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        help="URL to POST on every customer change (repeatable)",
    )
    args = parser.parse_args()
    fake = FakeEconomic(
        app_secret_token=args.app_secret_token,
        agreement_grant_token=args.agreement_grant_token,
        port=args.port,
        latency=args.latency,
    )
    try:
        fake.start()
    except OSError as exc:
        sys.exit(f"cannot listen on 127.0.0.1:{args.port}: {exc} (try --port)")
    for url in args.webhook:
        fake.add_webhook(url)
    fake.seed(args.customers, contacts_per_customer=args.contacts, seed=args.seed)
    print(f"Fake e-conomic on {fake.url} (loopback only)")
    print(f"  API URL and OpenAPI URL: {fake.url}")
    print(f"  App secret token:        {fake.app_secret_token}")
    print(f"  Agreement grant token:   {fake.agreement_grant_token}")
    print(f"  {args.customers} Danish demo customers, {args.contacts} contacts each")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
        print(f"stopped after {fake.requests} requests")


if __name__ == "__main__":
    main()
