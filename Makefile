# The two commands (see README): `make run` and `make test`. Everything else here serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
export DAILYPAPERS_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint typecheck pytest chromium services bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(RUN_STAMP)

## run: migrate, load the bundled demo data into an empty database, serve http://$(HOST):$(PORT)
run: $(RUN_STAMP)
	$(BIN)/dailypapers db upgrade
	$(BIN)/dailypapers import demo
	$(BIN)/dailypapers serve --host $(HOST) --port $(PORT)

## test: lint, type-check and the whole pytest suite (SQLite, then PostgreSQL when reachable)
test: $(DEV_STAMP) chromium services lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check dailypapers tests benchmarks
	$(BIN)/ruff format --check dailypapers tests benchmarks
	$(BIN)/lint-imports

typecheck: $(DEV_STAMP)
	$(BIN)/mypy --strict dailypapers

pytest: $(DEV_STAMP)
	$(BIN)/pytest

# Browser tests drive Debian's chromium (never `playwright install`: it downloads a browser build).
chromium:
	@test -x /usr/bin/chromium || scripts/install_chromium.sh

# PostgreSQL and Redis are started when installed but stopped; tests skip them (or fail, with
# DAILYPAPERS_REQUIRE_POSTGRES=1 / DAILYPAPERS_REQUIRE_REDIS=1) when they cannot be reached.
services:
	@scripts/ensure_postgres.sh
	@scripts/ensure_pgvector.sh
	@scripts/ensure_redis.sh

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/web_pages.py
	$(BIN)/python benchmarks/ingest_oai.py
	$(BIN)/python benchmarks/ingest_jsonl.py
	$(BIN)/python benchmarks/embed_workers.py
	$(BIN)/python benchmarks/search_quality.py
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/digests.py
	$(BIN)/python benchmarks/personalization.py
	$(BIN)/python benchmarks/link_extraction.py
	$(BIN)/python benchmarks/filters.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
