#!/usr/bin/env python3
# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the e-conomic connector (issue 10, section 9), against the fake
e-conomic (tests/fake_economic/) with a simulated latency per call (50 ms) and
the real rate limit (10,000 tokens / 60 s).

1. Transfer: 20,000 customers with 40,000 contacts into a database holding
   20,000 partners, 10% of the customers matching one of them (same CVR):
   API calls (target <= ceil(20000/1000) + ceil(40000/1000) + 10), customers/s,
   and the ratio of its time to the floor, a batched ``create`` of the same
   partners and contacts with no API and no matching (target <= 1.5).
2. Form reads: reading 1,000 linked partners with every field of the partner
   form (status block included) makes no e-conomic call (target 0).
   Parts 1 and 2 run in one transaction that is rolled back.
3. Webhook burst (``--burst``; it commits, so use a throwaway database): Odoo
   started as production runs it (``--workers=2 --max-cron-threads=2``), 2,000
   webhook calls for 200 distinct linked customers from 8 concurrent clients:
   every call answered 2xx, the handler's p95, the GETs the processing made
   (target <= 200: one per distinct customer, none twice), partners changed
   exactly once, no event lost or left pending.

Run it from the repository root on a database where crm_sync is installed::

    KEEP_DB=1 TEST_DB=crm_sync_t_eco TESTS=tests/test_economic_mapping.py \\
        bash scripts/test.sh
    python3 bench/bench_economic.py --db crm_sync_t_eco [--burst]

Options: ``--customers`` (20000), ``--contacts`` per customer (2),
``--existing`` (20000), ``--match`` (0.1), ``--latency`` (0.05),
``--form-reads`` (1000), ``--burst-calls`` (2000), ``--burst-customers`` (200),
``--burst-clients`` (8), ``-c/--config``, ``--addons-path``.
"""

import argparse
import atexit
import concurrent.futures
import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

import odoo.addons.base

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "utils"))

import economic_mapping as mapping  # noqa: E402
from fake_economic import FakeEconomic  # noqa: E402


@contextlib.contextmanager
def timer(results, key):
    start = time.perf_counter()
    yield
    results[key] = time.perf_counter() - start


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database with crm_sync installed")
    parser.add_argument("-c", "--config", help="Odoo configuration file")
    parser.add_argument("--addons-path", help="Odoo addons path holding crm_sync")
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--contacts", type=int, default=2, help="per customer")
    parser.add_argument("--existing", type=int, default=20000)
    parser.add_argument("--match", type=float, default=0.1)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--form-reads", type=int, default=1000)
    parser.add_argument("--burst", action="store_true", help="run part 3 (commits)")
    parser.add_argument("--burst-calls", type=int, default=2000)
    parser.add_argument("--burst-customers", type=int, default=200)
    parser.add_argument("--burst-clients", type=int, default=8)
    return parser.parse_args()


def setup_odoo(args):
    addons_path = args.addons_path
    if not addons_path:
        link_dir = tempfile.mkdtemp(prefix="crm_sync_bench_")
        atexit.register(shutil.rmtree, link_dir, True)
        os.symlink(REPO, os.path.join(link_dir, "crm_sync"))
        odoo_addons = os.path.dirname(os.path.dirname(odoo.addons.base.__file__))
        addons_path = ",".join([odoo_addons, link_dir])
    args.addons_path = addons_path
    options = ["-d", args.db, "--log-level=warn", f"--addons-path={addons_path}"]
    if args.config:
        options += ["-c", args.config]
    odoo.tools.config.parse_config(options)


def admin_env(cr):
    """The administrator (jobs run as their launching user; OdooBot is
    archived)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    return api.Environment(cr, env.ref("base.user_admin").id, {})


def make_backend(env, fake, name="Bench e-conomic"):
    return env["crm.sync.economic.backend"].create(
        {
            "name": name,
            "api_url": fake.url,
            "openapi_url": fake.url,
            "app_secret_token": fake.app_secret_token,
            "agreement_grant_token": fake.agreement_grant_token,
            "enabled": True,
            "push_policy": "on_active",
        }
    )


def partner_values(env, customer):
    """What a batched create of this customer's partner would write."""
    values = mapping.customer_to_odoo(customer)
    code = mapping.country_code(values.pop("country_id") or "")
    values["country_id"] = env.ref(f"base.{code.lower()}").id if code else False
    values["is_company"] = True
    return values


def make_existing(env, fake, args):
    """``args.existing`` company partners; every 1/match-th customer has one
    with its CVR (and another spelling of its name)."""
    step = max(1, round(1 / args.match)) if args.match else 0
    numbers = sorted(fake.agreement.customers)
    matching = numbers[::step] if step else []
    vals = []
    for number in matching[: args.existing]:
        customer = fake.agreement.customers[number]
        vals.append(
            {
                "name": customer["name"].upper(),
                "is_company": True,
                "company_registry": "DK " + customer["corporateIdentificationNumber"],
            }
        )
    for index in range(args.existing - len(vals)):
        vals.append(
            {
                "name": f"Bench Eksisterende {index} ApS",
                "is_company": True,
                "company_registry": f"9{index:09d}",
                "email": f"bench{index}@eksisterende.example",
            }
        )
    env["res.partner"].create(vals)
    env.flush_all()
    return len(matching)


def run_import(env, backend):
    backend.crm_sync_economic_import_all()
    job = env["crm.sync.economic.import"].search(
        [("backend_id", "=", backend.id)], limit=1
    )
    for _round in range(1000):
        if job.state not in ("queued", "running"):
            break
        job.sudo()._crm_sync_job_run()  # as the cron runs it
    env.flush_all()
    return job


def bench_transfer(env, fake, args, results):
    results["matching"] = make_existing(env, fake, args)
    backend = make_backend(env, fake)
    env.flush_all()
    fake.latency = args.latency
    fake.reset_counters()
    with timer(results, "transfer"):
        job = run_import(env, backend)
    fake.latency = 0
    results["calls"] = fake.count()
    results["calls_by_path"] = {k: v for k, v in fake.counts.items() if k != "total"}
    results["status"] = job._crm_sync_status()
    results["links"] = env["crm.sync.economic.customer"].search_count(
        [("backend_id", "=", backend.id)]
    )
    results["contact_links"] = env["crm.sync.economic.contact"].search_count(
        [("backend_id", "=", backend.id)]
    )

    # The floor: the same partners and contacts, one batched create each.
    customers = list(fake.agreement.customers.values())
    contacts = list(fake.agreement.contacts.values())
    country_vals = [partner_values(env, c) for c in customers]
    with timer(results, "floor"):
        parents = env["res.partner"].create(country_vals)
        parent_of = dict(zip(fake.agreement.customers, parents.ids, strict=True))
        env["res.partner"].create(
            [
                dict(
                    mapping.contact_to_odoo(contact),
                    parent_id=parent_of[contact["customerNumber"]],
                    type="contact",
                )
                for contact in contacts
            ]
        )
        env.flush_all()
    return backend


def form_fields(env):
    view = env["res.partner"].get_views([(False, "form")])
    return sorted(view["models"]["res.partner"]["fields"])


def bench_form_reads(env, fake, backend, args, results):
    links = env["crm.sync.economic.customer"].search(
        [("backend_id", "=", backend.id)], limit=args.form_reads
    )
    partners = links.mapped("record_id")
    names = form_fields(env)
    spec = {name: {} for name in names}
    env.invalidate_all()
    fake.reset_counters()
    with timer(results, "form_reads"):
        for partner in partners:
            partner.web_read(spec)
            env.invalidate_all()
    results["form_read_count"] = len(partners)
    results["form_read_calls"] = fake.count()


# -- part 3: webhook burst against Odoo in multi-process mode --------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_odoo(args, port):
    command = [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={args.addons_path}",
        "-d",
        args.db,
        f"--db-filter=^{args.db}$",
        "--workers=2",
        "--max-cron-threads=2",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--log-level=warn",
    ]
    if args.config:
        command += ["-c", args.config]
    process = subprocess.Popen(command, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2).ok:
                return process
        time.sleep(0.5)
    stop_odoo(process)
    raise RuntimeError("Odoo did not start")


def stop_odoo(process):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def prepare_burst(registry, fake, args):
    """Commit a backend with ``burst_customers`` linked customers."""
    with registry.cursor() as cr:
        env = admin_env(cr)
        backend = make_backend(env, fake, "Bench webhooks")
        job = run_import(env, backend)
        assert job.state == "done", job._crm_sync_status()
        cr.commit()
        return backend.id, backend.webhook_secret


def burst_state(registry, backend_id, numbers):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        events = env["crm.sync.economic.event"].search(
            [("backend_id", "=", backend_id)]
        )
        links = env["crm.sync.economic.customer"].search(
            [("backend_id", "=", backend_id), ("customer_number", "in", numbers)]
        )
        return {
            "events": len(events),
            "states": {
                s: events.mapped("state").count(s) for s in set(events.mapped("state"))
            },
            "cities": {link.customer_number: link.record_id.city for link in links},
            "partner_ids": links.mapped("record_id").ids,
        }


def city_tracking_count(registry, partner_ids):
    """Tracked changes of ``city`` per partner since the burst, or None when
    the partner model does not track it."""
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT m.res_id, count(*)
              FROM mail_tracking_value v
              JOIN mail_message m ON m.id = v.mail_message_id
              JOIN ir_model_fields f ON f.id = v.field_id
             WHERE m.model = 'res.partner' AND m.res_id = ANY(%s) AND f.name = 'city'
             GROUP BY m.res_id
            """,
            [partner_ids],
        )
        return dict(cr.fetchall())


def bench_burst(registry, args, results):
    fake = FakeEconomic(latency=args.latency)
    fake.start()
    try:
        numbers = fake.seed(args.burst_customers, contacts_per_customer=1)
        backend_id, secret = prepare_burst(registry, fake, args)
        before = city_tracking_count(registry, [])
        del before
        for number in numbers:
            fake.change_customer(number, city=f"Burstby {number}")
        port = free_port()
        process = start_odoo(args, port)
        try:
            fake.reset_counters()
            url = f"http://127.0.0.1:{port}/crm_sync/economic/webhook/{secret}"

            def call(index):
                number = numbers[index % len(numbers)]
                start = time.perf_counter()
                answer = requests.post(
                    url, params={"old": number, "new": number}, timeout=30
                )
                return answer.status_code, time.perf_counter() - start

            with timer(results, "burst_send"):
                with concurrent.futures.ThreadPoolExecutor(args.burst_clients) as pool:
                    answers = list(pool.map(call, range(args.burst_calls)))
            deadline = time.monotonic() + 600
            with timer(results, "burst_processed"):
                while time.monotonic() < deadline:
                    state = burst_state(registry, backend_id, numbers)
                    if state["events"] and not state["states"].get("pending"):
                        break
                    time.sleep(1)
        finally:
            stop_odoo(process)
        durations = sorted(d for _status, d in answers)
        results["burst_2xx"] = sum(1 for status, _d in answers if 200 <= status < 300)
        results["burst_p95"] = durations[max(0, math.ceil(0.95 * len(durations)) - 1)]
        results["burst_state"] = state
        gets = [path for method, path, _status, _cached in fake.log if method == "GET"]
        results["burst_gets"] = len(gets)
        per_path = {path: gets.count(path) for path in set(gets)}
        results["burst_max_gets_per_customer"] = max(per_path.values(), default=0)
        results["burst_updated"] = sum(
            1 for n, city in state["cities"].items() if city == f"Burstby {n}"
        )
        tracked = city_tracking_count(registry, state["partner_ids"])
        results["burst_changes"] = sorted(set(tracked.values())) if tracked else None
    finally:
        fake.stop()


def report(args, results):
    n = args.customers
    floor = math.ceil(n / 1000) + math.ceil(n * args.contacts / 1000) + 10
    print(
        f"Transfer of {n} customers, {n * args.contacts} contacts, "
        f"{args.existing} existing partners ({results['matching']} matching), "
        f"{args.latency * 1000:.0f} ms per call:"
    )
    print(
        f"  API calls: {results['calls']} (target <= {floor}) "
        f"{results['calls_by_path']}"
    )
    print(
        f"  time: {results['transfer']:.1f} s, "
        f"{n / results['transfer']:.0f} customers/s"
    )
    print(
        f"  result: {results['status']}; links {results['links']}, "
        f"contact links {results['contact_links']}"
    )
    print(
        f"  floor (batched create, no API, no matching): {results['floor']:.1f} s; "
        f"ratio {results['transfer'] / results['floor']:.2f} (target <= 1.5)"
    )
    print(
        f"Form reads of {results['form_read_count']} linked partners: "
        f"{results['form_read_calls']} e-conomic calls (target 0), "
        f"{results['form_reads']:.1f} s"
    )
    if "burst_2xx" in results:
        print(
            f"Webhook burst: {args.burst_calls} calls for {args.burst_customers} "
            f"customers from {args.burst_clients} clients, --workers=2:"
        )
        print(
            f"  2xx: {results['burst_2xx']}/{args.burst_calls}; handler p95 "
            f"{results['burst_p95'] * 1000:.0f} ms; sent in "
            f"{results['burst_send']:.1f} s, processed in "
            f"{results['burst_processed']:.1f} s"
        )
        print(
            f"  GETs by the processing: {results['burst_gets']} (target <= "
            f"{args.burst_customers}), at most {results['burst_max_gets_per_customer']}"
            " per customer"
        )
        print(
            f"  partners updated: {results['burst_updated']}/{args.burst_customers}; "
            f"tracked city changes per partner: {results['burst_changes']}; "
            f"events: {results['burst_state']['states']}"
        )


def main():
    args = parse_args()
    setup_odoo(args)
    registry = Registry(args.db)
    results = {}
    fake = FakeEconomic()
    fake.start()
    try:
        fake.seed(args.customers, contacts_per_customer=args.contacts)
        with registry.cursor() as cr:
            env = admin_env(cr)
            try:
                backend = bench_transfer(env, fake, args, results)
                bench_form_reads(env, fake, backend, args, results)
            finally:
                cr.rollback()
    finally:
        fake.stop()
    if args.burst:
        bench_burst(registry, args, results)
    report(args, results)


if __name__ == "__main__":
    main()
