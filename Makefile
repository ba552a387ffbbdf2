# crm_sync: the three commands that do everything on a fresh machine.
#   make setup   Python deps, PostgreSQL, Chromium, Odoo 18 (ODOO_SRC=/path/to/odoo-18.0 to install from a tree)
#   make run     Odoo at http://127.0.0.1:8069 on crm_sync_demo, with crm_sync and its demo data
#   make test    the whole crm_sync suite (pytest-odoo, browser tours included)
#   make fake-economic   a fake e-conomic on 127.0.0.1:8780 with demo customers (FAKE_ECONOMIC_ARGS="--port 8781")
.PHONY: setup run test test-odoo test-lifecycle lint bench pot clean screenshots fake-economic

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

test-odoo:
	bash scripts/test_odoo.sh

test-lifecycle:
	bash scripts/test_lifecycle.sh

lint:
	bash scripts/lint.sh

bench:
	bash scripts/bench.sh

pot:
	bash scripts/pot.sh

clean:
	rm -rf "$(HOME)/.cache/crm_sync/build"

screenshots:
	python3 scripts/screenshots.py

fake-economic:
	python3 scripts/fake_economic.py $(FAKE_ECONOMIC_ARGS)
