#!/usr/bin/env bash
# make lint: ruff and pylint-odoo with the OCA 18.0 settings (.ruff.toml, .pylintrc-mandatory).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# pylint-odoo checks the addon's code; scripts/ and bench/ are command-line tools that print.
files=$( (git ls-files '*.py'; git ls-files --others --exclude-standard '*.py') | grep -vE '^(scripts|bench)/' | sort -u)
echo "==> ruff check"
$PY -m ruff check .
echo "==> ruff format --check"
$PY -m ruff format --check .
echo "==> pylint-odoo (mandatory checks)"
# shellcheck disable=SC2086
$PY -m pylint --rcfile=.pylintrc-mandatory --load-plugins=pylint_odoo $files __manifest__.py
echo "==> lint clean"
