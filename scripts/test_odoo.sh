#!/usr/bin/env bash
# make test-odoo: Odoo's own test suites of the apps crm_sync touches, with crm_sync installed
# (we break nothing in the host apps): crm, portal, contacts and sales_team, at_install and
# post_install, plus mail's post_install tests.
#   TEST_DB=name   database to use (default crm_sync_test_odoo)
#   KEEP_DB=1      keep the database afterwards
source "$(dirname "$0")/odoo_env.sh"
DB=${TEST_DB:-crm_sync_test_odoo}
# The suites: a module's at_install tests run while it is updated, post_install tests once
# every updated module is loaded; so every module whose tests run is updated.
MODULES=crm,portal,contacts,sales_team,mail
TAGS=/crm,/portal,/contacts,/sales_team,post_install/mail
start=$(date +%s)
fresh_db "$DB"
echo "==> installing crm_sync on $DB"
odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$(free_port)" --log-level=warn \
    || die "crm_sync failed to install on $DB"
# Odoo's portal test_02_portal_load_tour_cant_edit_vat checks that a customer's own phone change
# is written at once: what crm_sync's "Review customers' own updates" (on by default) holds back
# for review on purpose. The host suites run with it off; tests/test_portal_flow.py runs Odoo's
# portal tour with it on (Odoo's redirects, the notice where the customer lands).
psql -d "$DB" -qc "insert into ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
    values ('crm_sync.review_portal_updates', 'False', 1, 1, now(), now())
    on conflict (key) do update set value = excluded.value"
echo "==> running Odoo's tests ($TAGS) with crm_sync installed"
set +e
odoo -d "$DB" -u "$MODULES" --test-enable --test-tags "$TAGS" --stop-after-init --http-port="$(free_port)" \
    --log-level=test 2>&1 \
    | tee "$BUILD/test-odoo.log" | grep -E "( ERROR | CRITICAL |FAIL:|tests in|failed, | of [0-9]+ tests)"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -Eo "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$BUILD/test-odoo.log" | tail -n1 || true)
# A run that ran nothing, or whose summary is missing, is a failure too.
[[ $summary =~ ^0\ failed,\ 0\ error\(s\)\ of\ [1-9][0-9]*\ tests$ ]] || rc=$(( rc ? rc : 1 ))
echo "==> Odoo's suites ($TAGS): ${summary:-no summary line} in $(( $(date +%s) - start )) s" \
    "(exit $rc; full log $BUILD/test-odoo.log)"
[ "${KEEP_DB:-0}" = 1 ] || { dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"; }
exit $rc
