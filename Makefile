# 三先 sanxian — `make run` serves the demo sub-district; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run setup demo test lint types security unit e2e messages assets clean

setup: $(VENV)/.installed node_modules/.installed assets messages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages come from npm and are copied into static files, never committed.
assets: node_modules/.installed
	mkdir -p sanxian/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js sanxian/static/vendor/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js sanxian/static/vendor/echarts.min.js

messages: $(VENV)/.installed
	$(BIN)/python scripts/compile_translations.py

demo: setup
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py seed_holidays
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py refresh_rollups

run: demo
	@echo "Task worker and scheduler starting; serving at http://$(HOST):$(PORT)/"
	@DJANGO_DEBUG=1 $(BIN)/python manage.py db_worker --queue-name default --no-reload & WORKER=$$!; \
	$(BIN)/python manage.py run_scheduler & SCHEDULER=$$!; \
	trap 'kill $$WORKER $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.installed
	$(BIN)/mypy sanxian

unit: setup
	$(BIN)/python -m pytest -q tests

e2e: setup
	$(BIN)/python -m pytest -q e2e

# Static security analysis of the code (medium and high findings fail), and known
# vulnerabilities of the installed dependencies (PyPI's advisory data; needs PyPI).
security: $(VENV)/.installed
	$(BIN)/bandit -q -r sanxian -x 'sanxian/*/migrations' --severity-level medium
	$(BIN)/pip-audit --vulnerability-service pypi --progress-spinner off --skip-editable

test: setup lint types security
	$(BIN)/python -m pytest -q

# Speed as ratios to a floor view in the same run (quality.md): T0 data on SQLite and on
# PostgreSQL (postgresql://postgres@127.0.0.1:5432, or BENCH_PG_URL), short runs; tables in
# bench/results/. Longer runs and the T0→T2 latency slope: see bench/README.md.
.PHONY: bench
bench: $(VENV)/.installed
	$(BIN)/python -m bench.run --db both --tier T0 --seconds 4 --rounds 2 --warmup 0.5

clean:
	rm -rf $(VENV) node_modules sanxian/static/vendor staticfiles
