#!/usr/bin/env bash
# make test: the whole crm_sync suite (unit, TransactionCase, HttpCase, tours, XML-RPC)
# through pytest-odoo on a throwaway copy of the cached template database.
#   TEST_DB=name   database to use (default crm_sync_test)
#   TESTS=paths    test files or folders, relative to the repo (default: tests)
#   PYTEST_ARGS    extra pytest arguments, e.g. "-k sync_company -x"
#   KEEP_DB=1      keep the database afterwards
source "$(dirname "$0")/odoo_env.sh"
DB=${TEST_DB:-crm_sync_test}
PORT=$(free_port)
start=$(date +%s)
fresh_db "$DB"
echo "==> installing crm_sync on $DB"
odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$PORT" --log-level=warn \
    || die "crm_sync failed to install on $DB"
rc_file="$BUILD/odoorc-$DB"
cat > "$rc_file" <<RC
[options]
addons_path = $ADDONS_PATH
data_dir = $DATA_DIR
http_port = $PORT
log_level = warn
RC
echo "==> running the tests (pytest-odoo, http port $PORT)"
# Run from the link so that pytest-odoo imports the tests as odoo.addons.crm_sync.tests.
cd "$BUILD/addons/crm_sync"
targets=()
for t in ${TESTS:-tests}; do targets+=("$BUILD/addons/crm_sync/${t#./}"); done
# pytest-odoo crashes when PYTEST_DB_USE_ENV_VARS is set.
set +e
env -u PYTEST_DB_USE_ENV_VARS $PY -m pytest --odoo-config="$rc_file" --odoo-database="$DB" --odoo-http \
    --rootdir="$BUILD/addons/crm_sync" -rs -p no:cacheprovider -p no:benchmark \
    ${PYTEST_ARGS:-} "${targets[@]}"
rc=$?
set -e
echo "==> make test took $(( $(date +%s) - start )) s"
[ "${KEEP_DB:-0}" = 1 ] || { dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"; }
exit $rc
