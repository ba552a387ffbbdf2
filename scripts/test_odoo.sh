#!/usr/bin/env bash
# make test-odoo: Odoo's own crm test suite, with crm_sync installed (we break nothing in the host app).
source "$(dirname "$0")/odoo_env.sh"
DB=${TEST_DB:-crm_sync_test_odoo}
fresh_db "$DB"
echo "==> installing crm_sync on $DB"
odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$(free_port)" --log-level=warn \
    || die "crm_sync failed to install on $DB"
echo "==> running Odoo's crm tests (at_install and post_install) with crm_sync installed"
set +e
odoo -d "$DB" -u crm --test-enable --test-tags /crm --stop-after-init --http-port="$(free_port)" --log-level=test 2>&1 \
    | tee "$BUILD/test-odoo.log" | grep -E "( ERROR | CRITICAL |FAIL:|tests in|failed, | of [0-9]+ tests)" 
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -Eo "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$BUILD/test-odoo.log" | tail -n1 || true)
echo "==> Odoo crm suite: ${summary:-no summary line} (exit $rc; full log $BUILD/test-odoo.log)"
[ "${KEEP_DB:-0}" = 1 ] || { dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"; }
exit $rc
