# uhc-analysis: `make analysis` rebuilds everything, `make test` runs the tests.
# Both create/update the virtual environment in .venv and install what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHARED_MIRROR := $(abspath ../shared/data/mirror)
SHARED_FACTS := $(abspath ../shared/data/facts)
# The boundaries come from the offline mirror when one sits beside the clone.
ifneq ($(wildcard $(SHARED_MIRROR)/boundaries),)
export UHC_ANALYSIS_MIRROR ?= $(SHARED_MIRROR)
endif
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.DEFAULT_GOAL := help
.PHONY: help install data build metrics project status figures notebooks findings analysis test lint \
        format \
        benchmark determinism clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(BIN)/.installed ## create/update .venv with the package and its dependencies

data: install ## take new figures from ../shared/data/facts, then raw -> processed
	$(BIN)/uhc-analysis sync-raw --facts-dir $(SHARED_FACTS)
	$(BIN)/uhc-analysis build

build: install ## raw -> processed (no sync)
	$(BIN)/uhc-analysis build

metrics: install ## coverage gaps, budgets, ranks -> data/processed/metrics.csv
	$(BIN)/uhc-analysis metrics

project: install ## time-to-UHC projections and backtest -> data/processed/
	$(BIN)/uhc-analysis project

status: install ## every region against every UHC criterion (evidence and its age)
	$(BIN)/uhc-analysis status

figures: install ## maps and charts -> reports/figures/
	$(BIN)/uhc-analysis figures --lang en
	$(BIN)/uhc-analysis figures --lang id

notebooks: install ## execute notebooks/0*.ipynb headless -> reports/
	$(BIN)/uhc-analysis notebooks

findings: install ## findings table -> reports/findings.md and the README's findings block
	$(BIN)/uhc-analysis findings --update-readme

analysis: data metrics project status figures notebooks findings ## rebuild the whole analysis

test: install ## lint, check the layer contracts, run every test and doctest (notebooks included)
	$(BIN)/ruff check uhc_analysis tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: install ## ruff
	$(BIN)/ruff check uhc_analysis tests benchmarks scripts

format: install ## ruff format
	$(BIN)/ruff format uhc_analysis tests benchmarks scripts

benchmark: install ## national-size synthetic benchmark (prints a table, writes JSON)
	$(BIN)/python benchmarks/national.py --json reports/benchmark.json

determinism: install ## rerun twice and compare file hashes
	$(BIN)/python scripts/check_determinism.py

clean: ## remove generated files (processed data, reports, caches)
	find data/processed -type f ! -name .gitkeep -delete
	rm -rf reports/figures reports/*.html reports/*.ipynb .pytest_cache .ruff_cache
