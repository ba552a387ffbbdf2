#!/usr/bin/env python3
# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of desync reconciliation (issue 4, section 6).

On a database where crm_sync is installed, in ONE transaction that is rolled
back at the end (the database is left untouched):

1. propose 10,000 field changes (city + phone) across 5,000 partners through
   ``crm.sync.proposal._propose`` (the batch form of ``res.partner._crm_sync_propose``),
   against a plain ``write`` of the same values on 5,000 twin partners;
2. apply "accept all" (``res.partner.crm_sync_resolve``) on 1,000 of them,
   against a plain ``write`` of the same values, partner by partner;
3. add 100,000 partners (random names) and show the query plans (EXPLAIN
   ANALYZE) and the time of the "Desynchronized" filter: its first page (in
   res.partner's default order) and its count must both use the partial index
   ``res_partner_crm_sync_desync_index`` on ``(complete_name, id DESC) WHERE
   crm_sync_desync``. The exit status is 1 when they do not.

Run it from the repository root, e.g. on a throwaway test database kept by
the test script (``KEEP_DB=1``)::

    KEEP_DB=1 TEST_DB=crm_sync_t_bench TESTS=tests/test_desync_utils.py \\
        bash scripts/test.sh

    python3 bench/bench_desync.py --db crm_sync_t_bench

Options: ``--partners`` (5000), ``--accept`` (1000), ``--filler`` (100000),
``-c/--config`` an Odoo configuration file. The addons path is Odoo's plus a
temporary folder linking this repository as ``crm_sync``.
"""

import argparse
import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import SQL

import odoo.addons.base

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    parser.add_argument("--partners", type=int, default=5000)
    parser.add_argument("--accept", type=int, default=1000)
    parser.add_argument("--filler", type=int, default=100000)
    return parser.parse_args()


def setup_odoo(args):
    addons_path = args.addons_path
    if not addons_path:
        link_dir = tempfile.mkdtemp(prefix="crm_sync_bench_")
        atexit.register(shutil.rmtree, link_dir, True)
        os.symlink(REPO, os.path.join(link_dir, "crm_sync"))
        odoo_addons = os.path.dirname(os.path.dirname(odoo.addons.base.__file__))
        addons_path = ",".join([odoo_addons, link_dir])
    options = ["-d", args.db, "--log-level=warn", f"--addons-path={addons_path}"]
    if args.config:
        options += ["-c", args.config]
    odoo.tools.config.parse_config(options)


def make_partners(env, count, prefix):
    return env["res.partner"].create(
        [
            {
                "name": f"{prefix} {i}",
                "city": "Aarhus",
                "phone": f"+45 33 {i // 100 % 100:02d} {i % 100:02d} 00",
                "country_id": env.ref("base.dk").id,
            }
            for i in range(count)
        ]
    )


def proposed_values(index):
    return {
        "city": f"Odense {index}",
        "phone": f"+45 70 {index // 100 % 100:02d} {index % 100:02d} 11",
    }


def bench_propose_and_accept(env, args, results):
    partners = make_partners(env, args.partners, "Bench desync")
    twins = make_partners(env, args.partners, "Bench write")
    env.flush_all()
    values = {partner: proposed_values(i) for i, partner in enumerate(partners)}

    with timer(results, "propose"):
        proposals = env["crm.sync.proposal"]._propose(values, "Bench source")
        env.flush_all()
    assert len(proposals) == 2 * args.partners, len(proposals)
    assert all(partners.mapped("crm_sync_desync"))
    with timer(results, "write_all"):
        for i, twin in enumerate(twins):
            twin.write(proposed_values(i))
        env.flush_all()

    accepted = partners[: args.accept]
    with timer(results, "accept_all"):
        accepted.crm_sync_resolve("accept_all")
        env.flush_all()
    assert not any(accepted.mapped("crm_sync_desync"))
    assert accepted[0].city == "Odense 0"
    # Plain write of the same values on partners still holding the old ones.
    fresh = make_partners(env, args.accept, "Bench write again")
    env.flush_all()
    with timer(results, "write_accept"):
        for i, partner in enumerate(fresh):
            partner.write(proposed_values(i))
        env.flush_all()


def bench_filter(env, args, results):
    cr = env.cr
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, active, type, is_company,
                                     crm_sync_desync, crm_sync_desync_count,
                                     create_date, write_date, create_uid, write_uid)
            SELECT md5(n::text), md5(n::text), TRUE, 'contact', FALSE,
                   FALSE, 0, now(), now(), %s, %s
              FROM generate_series(1, %s) AS n
            """,
            SUPERUSER_ID,
            SUPERUSER_ID,
            args.filler,
        )
    )
    cr.execute("ANALYZE res_partner")
    cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE crm_sync_desync) FROM res_partner"
    )
    results["partners_total"], results["partners_desync"] = cr.fetchone()

    Partner = env["res.partner"]
    domain = [("crm_sync_desync", "=", True)]
    query = Partner._search(domain, order=Partner._order, limit=80)
    cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query.select()))
    results["plan_page"] = "\n".join(row[0] for row in cr.fetchall())
    cr.execute(SQL("EXPLAIN (ANALYZE) %s", Partner._search(domain).select("COUNT(*)")))
    results["plan_count"] = "\n".join(row[0] for row in cr.fetchall())
    env.invalidate_all()
    with timer(results, "filter_search"):
        for _i in range(10):
            Partner.search_fetch(domain, ["display_name", "crm_sync_desync"], limit=80)
            Partner.search_count(domain)
            env.invalidate_all()
    results["filter_search"] /= 10


def main():
    args = parse_args()
    setup_odoo(args)
    registry = Registry(args.db)
    results = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        try:
            bench_propose_and_accept(env, args, results)
            bench_filter(env, args, results)
        finally:
            cr.rollback()

    n, k = args.partners, args.accept
    print(f"Propose {2 * n} field changes on {n} partners: {results['propose']:.2f} s")
    print(f"Plain write of the same values ({n} writes): {results['write_all']:.2f} s")
    print(f"  ratio propose / write: {results['propose'] / results['write_all']:.2f}")
    print(
        f"Accept all on {k} partners ({2 * k} changes): {results['accept_all']:.2f} s"
    )
    print(
        f"Plain write of the same values ({k} writes): {results['write_accept']:.2f} s"
    )
    print(
        "  ratio accept all / write: "
        f"{results['accept_all'] / results['write_accept']:.2f}"
    )
    print(
        f"Desynchronized filter on {results['partners_total']} partners "
        f"({results['partners_desync']} desynchronized): "
        f"{results['filter_search'] * 1000:.1f} ms (first page of 80 + count)"
    )
    print("Query plan (first page):")
    print(results["plan_page"])
    print("Query plan (count):")
    print(results["plan_count"])
    index = "res_partner_crm_sync_desync_index"
    print(
        f"First page uses {index}: {'yes' if index in results['plan_page'] else 'no'}"
    )
    print(f"Count uses {index}: {'yes' if index in results['plan_count'] else 'no'}")
    print("Rolled back: the database is unchanged.")
    return 0 if index in results["plan_page"] and index in results["plan_count"] else 1


if __name__ == "__main__":
    sys.exit(main())
