# Sourced by the other scripts: where Odoo is, where the build lives, shared helpers.
# Fails loudly (never skips) when Odoo 18 or PostgreSQL is missing.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
die() { printf '\n%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

$PY -c 'import odoo.release as r; assert r.version_info[0] == 18' 2>/dev/null \
    || die "Odoo 18 is not importable by $PY. Run 'make setup' (or 'make setup ODOO_SRC=/path/to/odoo-18.0')."
pg_isready -q 2>/dev/null || pg_isready -q -h 127.0.0.1 2>/dev/null \
    || die "PostgreSQL is not running. Run 'make setup' to start it."
psql -d postgres -tAc 'select 1' >/dev/null 2>&1 \
    || die "PostgreSQL refuses the role $(id -un). Run 'make setup' to create it."

# The repo root is the addon; Odoo finds it as crm_sync through a link in the build folder.
# The build folder lives outside the repo: a link to the repo inside the repo would make
# Odoo's file walkers (translation export, asset scan) loop.
BUILD=${CRM_SYNC_BUILD:-$HOME/.cache/crm_sync/build/$(printf %s "$REPO" | sha1sum | cut -c1-10)}
mkdir -p "$BUILD/addons"
ln -sfn "$REPO" "$BUILD/addons/crm_sync"
ODOO_ADDONS=$($PY -c 'import os, odoo.addons.base as b; print(os.path.dirname(os.path.dirname(b.__file__)))')
ADDONS_PATH="$ODOO_ADDONS,$BUILD/addons"
DATA_DIR=${CRM_SYNC_DATA_DIR:-$HOME/.local/share/Odoo}
FILESTORE="$DATA_DIR/filestore"

# The modules crm_sync depends on, read from the manifest.
DEPENDS=$($PY -c "import ast,sys; m=ast.literal_eval(open('$REPO/__manifest__.py').read()); print(','.join(m['depends']))")

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

odoo() {
    # odoo ARGS...: the Odoo 18 server command line with our addons path.
    $PY -m odoo --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR" "$@"
}

# template_db: a database with crm_sync's dependencies (and demo data) installed,
# cached by a key of Odoo's version and the dependency list.
template_db() {
    local key name
    key=$($PY -c "import hashlib, odoo.release as r; print(hashlib.sha1(('%s|%s' % (r.serie + r.version, '$DEPENDS')).encode()).hexdigest()[:10])")
    name="crm_sync_tmpl_$key"
    if ! psql -d postgres -tAc "select 1 from pg_database where datname = '$name'" | grep -q 1 \
        || ! psql -d "$name" -tAc "select 1 from ir_config_parameter where key = 'crm_sync.template_ready'" 2>/dev/null | grep -q 1; then
        echo "==> building the template database $name ($DEPENDS)" >&2
        dropdb --if-exists "$name" >/dev/null
        rm -rf "$FILESTORE/$name"
        odoo -d "$name" -i "$DEPENDS" --stop-after-init --http-port="$(free_port)" --log-level=warn >&2 \
            || die "could not build the template database $name"
        psql -d "$name" -qc "insert into ir_config_parameter (key, value) values ('crm_sync.template_ready', '1')"
    fi
    echo "$name"
}

# fresh_db NAME: a throwaway copy of the template (database and filestore).
fresh_db() {
    local name=$1 tmpl
    tmpl=$(template_db)
    dropdb --if-exists "$name" >/dev/null
    rm -rf "${FILESTORE:?}/$name"
    # CREATE DATABASE ... TEMPLATE fails while another copy of the template is being made: retry.
    local try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        createdb -T "$tmpl" "$name" 2>/dev/null && break
        [ "$try" = 10 ] && die "could not copy the template database $tmpl into $name"
        sleep $((RANDOM % 5 + 1))
    done
    if [ -d "$FILESTORE/$tmpl" ]; then
        mkdir -p "$FILESTORE"
        cp -a "$FILESTORE/$tmpl" "$FILESTORE/$name"
    fi
}
