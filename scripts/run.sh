#!/usr/bin/env bash
# make run: Odoo at http://127.0.0.1:8069 on crm_sync_demo with crm_sync and its demo data.
#   RUN_DB=name (default crm_sync_demo), RUN_PORT=port (default 8069), RESET=1 to start from scratch.
source "$(dirname "$0")/odoo_env.sh"
DB=${RUN_DB:-crm_sync_demo}
PORT=${RUN_PORT:-8069}
if [ "${RESET:-0}" = 1 ] || ! psql -d postgres -tAc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    fresh_db "$DB"
    odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$PORT" --log-level=warn || die "crm_sync failed to install on $DB"
else
    odoo -d "$DB" -u crm_sync --stop-after-init --http-port="$PORT" --log-level=warn || die "crm_sync failed to upgrade on $DB"
fi
echo "==> Odoo on http://127.0.0.1:$PORT (database $DB, login admin / password admin)"
exec $PY -m odoo --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR" -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT"
