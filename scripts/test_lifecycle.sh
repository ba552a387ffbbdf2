#!/usr/bin/env bash
# make test-lifecycle: crm_sync installs, upgrades and uninstalls cleanly, with and without demo data;
# uninstalling gives crm's Leads action back as crm ships it.
source "$(dirname "$0")/odoo_env.sh"
DB=${TEST_DB:-crm_sync_test_lifecycle}
check_log() {
    # Odoo logs ERROR/CRITICAL lines on a bad install/upgrade/uninstall: any of them fails the check.
    if grep -E " (ERROR|CRITICAL) " "$1" >/dev/null; then
        grep -E " (ERROR|CRITICAL) " "$1" | head -20 >&2
        die "$2 logged errors (full log: $1)"
    fi
}
leads_context() {
    # The context of crm's Leads action, which crm_sync changes and its uninstall restores.
    psql -d "$DB" -tAc "select a.context from ir_act_window a join ir_model_data d
        on d.model = 'ir.actions.act_window' and d.res_id = a.id
        where d.module = 'crm' and d.name = 'crm_lead_all_leads'"
}
uninstall() {
    $PY - "$DB" "$ADDONS_PATH" "$DATA_DIR" <<'PY'
import sys
import odoo
from odoo.tools import config
db, addons_path, data_dir = sys.argv[1:4]
config.parse_config(["--addons-path", addons_path, "--data-dir", data_dir, "--log-level", "warn"])
registry = odoo.modules.registry.Registry.new(db)
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env["ir.module.module"].search([("name", "=", "crm_sync")]).button_immediate_uninstall()
with odoo.modules.registry.Registry.new(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    state = env["ir.module.module"].search([("name", "=", "crm_sync")]).state
    left = env["ir.model"].search_count([("model", "like", "crm.sync.%")])
    cols = cr.execute("select count(*) from information_schema.columns "
                      "where table_name = 'res_partner' and column_name like 'crm_sync_%'") or cr.fetchone()[0]
    print(f"crm_sync state after uninstall: {state}; models left: {left}; res_partner columns left: {cols}")
    assert state == "uninstalled" and not left and not cols, "uninstall left crm_sync behind"
PY
}
for demo in with without; do
    log="$BUILD/lifecycle-$demo.log"
    : > "$log"
    dropdb --if-exists "$DB" >/dev/null; rm -rf "${FILESTORE:?}/$DB"
    flags=(); [ "$demo" = without ] && flags=(--without-demo=all)
    echo "==> $demo demo data: install crm, then crm_sync"
    odoo -d "$DB" -i crm "${flags[@]}" --stop-after-init --http-port="$(free_port)" --log-level=warn >>"$log" 2>&1 \
        || { tail -30 "$log"; die "crm install failed ($demo demo)"; }
    crm_context=$(leads_context)
    odoo -d "$DB" -i crm_sync "${flags[@]}" --stop-after-init --http-port="$(free_port)" --log-level=warn >>"$log" 2>&1 \
        || { tail -30 "$log"; die "install failed ($demo demo)"; }
    [ "$(leads_context)" != "$crm_context" ] || echo "    (crm_sync leaves crm's Leads action as it is)"
    check_log "$log" "install ($demo demo)"
    echo "==> $demo demo data: upgrade"
    odoo -d "$DB" -u crm_sync --stop-after-init --http-port="$(free_port)" --log-level=warn >>"$log" 2>&1 \
        || { tail -30 "$log"; die "upgrade failed ($demo demo)"; }
    check_log "$log" "upgrade ($demo demo)"
    echo "==> $demo demo data: uninstall"
    uninstall >>"$log" 2>&1 || { tail -30 "$log"; die "uninstall failed ($demo demo)"; }
    check_log "$log" "uninstall ($demo demo)"
    [ "$(leads_context)" = "$crm_context" ] \
        || die "uninstall left crm's Leads action changed ($demo demo): $(leads_context)"
    echo "    crm's Leads action is as crm ships it"
    grep "state after uninstall" "$log"
done
dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"
echo "==> lifecycle: install, upgrade and uninstall clean, with and without demo data"
