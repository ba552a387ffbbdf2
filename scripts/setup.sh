#!/usr/bin/env bash
# make setup: everything crm_sync needs on a fresh machine.
#   - Python dependencies (test and lint tools included)
#   - PostgreSQL running, with a role for the current user
#   - Chromium for the browser tours
#   - Odoo 18: the one python3 imports; else ODOO_SRC=<source tree>; else the official 18.0 source
# Idempotent: a second run reuses what is there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
ODOO_SRC=${ODOO_SRC:-}
ODOO_DOWNLOAD_URL=${ODOO_DOWNLOAD_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
ODOO_HOME=${ODOO_HOME:-$HOME/.cache/crm_sync/odoo-18.0}
SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nmake setup: %s\n' "$*" >&2; exit 1; }

apt_install() {
    # Debian packages, installed only when missing.
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing system packages ${missing[*]} and no apt-get: install them by hand."
    say "installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

odoo_version() { $PY -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null || true; }

# --- Odoo 18 -----------------------------------------------------------------
install_odoo_tree() {
    local src=$1
    [ -f "$src/odoo/release.py" ] && [ -f "$src/requirements.txt" ] || die "ODOO_SRC=$src is not an Odoo source tree (no odoo/release.py or requirements.txt)."
    grep -q "version_info = (18, 0" "$src/odoo/release.py" || die "ODOO_SRC=$src is not Odoo 18.0."
    apt_install libldap2-dev libsasl2-dev libpq-dev
    say "installing Odoo 18 requirements from $src"
    # cbor2==5.4.2 only builds with setuptools<81 in its build environment.
    local constraint; constraint=$(mktemp)
    echo "setuptools<81" > "$constraint"
    PIP_CONSTRAINT=$constraint $PY -m pip install -q -r "$src/requirements.txt"
    say "installing Odoo 18 (editable) from $src"
    PIP_CONSTRAINT=$constraint $PY -m pip install -q --no-deps -e "$src"
    rm -f "$constraint"
}

if [ "$(odoo_version)" = "18" ]; then
    say "Odoo 18 already importable: $($PY -c 'import odoo,os; print(os.path.dirname(odoo.__file__))')"
elif [ -n "$ODOO_SRC" ]; then
    install_odoo_tree "$ODOO_SRC"
else
    if [ ! -f "$ODOO_HOME/odoo/release.py" ]; then
        say "downloading the official Odoo 18.0 source into $ODOO_HOME"
        mkdir -p "$ODOO_HOME"
        if ! curl -fsSL --max-time 600 "$ODOO_DOWNLOAD_URL" | tar -xz -C "$ODOO_HOME" --strip-components=1; then
            rm -rf "$ODOO_HOME"
            die "Odoo 18 is not importable by $PY, no ODOO_SRC was given, and the official source could not be downloaded from $ODOO_DOWNLOAD_URL.
Get an Odoo 18.0 community source tree (e.g. git clone -b 18.0 --depth 1 https://github.com/odoo/odoo) and run:
    make setup ODOO_SRC=/path/to/odoo-18.0"
        fi
    fi
    install_odoo_tree "$ODOO_HOME"
fi
[ "$(odoo_version)" = "18" ] || die "Odoo 18 is still not importable by $PY after installing it."

# --- Python dependencies -------------------------------------------------------
say "installing Python dependencies (requirements-dev.txt)"
$PY -m pip install -q -r "$here/requirements-dev.txt"

# --- PostgreSQL --------------------------------------------------------------
if ! command -v psql >/dev/null; then
    apt_install postgresql
fi
if ! pg_isready -q 2>/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
    say "starting the local PostgreSQL cluster"
    if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1; then
        ver=$(ls /etc/postgresql | sort -V | tail -n1)
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    elif command -v service >/dev/null; then
        $SUDO service postgresql start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q 2>/dev/null && break; sleep 1; done
    pg_isready -q 2>/dev/null || die "PostgreSQL is not running and could not be started: start it, then run make setup again."
fi
me=$(id -un)
if ! psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
    say "creating the PostgreSQL role $me"
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -c "createuser -s $me" || die "could not create the PostgreSQL role $me."
    else
        sudo -u postgres createuser -s "$me" || die "could not create the PostgreSQL role $me (needs sudo)."
    fi
fi
psql -d postgres -tAc "select rolcreatedb or rolsuper from pg_roles where rolname = current_user" | grep -q t \
    || die "the PostgreSQL role $me cannot create databases: grant it CREATEDB."

# --- Chromium (browser tours) ------------------------------------------------
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
    apt_install chromium
fi

say "setup done: Odoo $($PY -c 'import odoo.release as r; print(r.version)'), $(psql -d postgres -tAc 'show server_version'), $(chromium --version 2>/dev/null || true)"
