#!/usr/bin/env bash
# make pot: export i18n/crm_sync.pot from a database with crm_sync installed and merge it into the .po files.
source "$(dirname "$0")/odoo_env.sh"
DB=${POT_DB:-crm_sync_pot}
fresh_db "$DB"
odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$(free_port)" --log-level=warn || die "crm_sync failed to install"
odoo -d "$DB" --i18n-export="$REPO/i18n/crm_sync.pot" --modules=crm_sync --stop-after-init \
    --http-port="$(free_port)" --log-level=warn || die "export failed"
for po in "$REPO"/i18n/*.po; do
    [ -f "$po" ] || continue
    if command -v msgmerge >/dev/null; then
        msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$REPO/i18n/crm_sync.pot"
    fi
done
dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"
echo "==> i18n/crm_sync.pot: $(grep -c '^msgid ' "$REPO/i18n/crm_sync.pot") messages"
