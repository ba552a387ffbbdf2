#!/usr/bin/env bash
# make bench: every benchmark in bench/, each on its own throwaway database. Prints ratios measured in one run.
source "$(dirname "$0")/odoo_env.sh"
for b in "$REPO"/bench/bench_*.py; do
    name=$(basename "$b" .py)
    DB="crm_sync_$name"
    fresh_db "$DB"
    odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$(free_port)" --log-level=warn || die "install failed"
    echo "==> $name"
    $PY "$b" --db "$DB" --addons-path "$ADDONS_PATH" ${BENCH_ARGS:-}
    dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"
done
