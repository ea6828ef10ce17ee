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
	@# setuptools prints an "Editable installation" notice box for every flat-layout project
	PYTHONWARNINGS="ignore:Editable installation:UserWarning" \
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
	$(BIN)/uhc-analysis figures --lang en id

notebooks: install ## execute notebooks/0*.ipynb headless -> reports/
	$(BIN)/uhc-analysis notebooks

findings: install ## findings table -> reports/findings.md and the README's findings block
	$(BIN)/uhc-analysis findings --update-readme

analysis: install ## rebuild what changed: sync raw, then every stage whose inputs changed (FORCE=1: all)
	$(BIN)/uhc-analysis sync-raw --facts-dir $(SHARED_FACTS)
	@$(MAKE) --no-print-directory $(if $(FORCE),-B) outputs

# --- the stages as file targets: Make reruns a stage only when one of its inputs (raw files,
# reference tables, the code of its layer, an earlier stage's output) is newer than its output.
P := data/processed
STAMPS := .cache/stamps
RAW_FILES := $(shell find data/raw -type f -iname '*.csv' 2>/dev/null | sort)
CODE_BASE := uhc_analysis/config.py uhc_analysis/io.py uhc_analysis/pipeline.py \
             uhc_analysis/cli.py $(shell find uhc_analysis/schemas -name '*.py') pyproject.toml
CODE_BUILD := $(CODE_BASE) $(shell find uhc_analysis/ingest uhc_analysis/transform \
              uhc_analysis/reference -type f ! -name '*.pyc' | sort)
CODE_ANALYSIS := $(CODE_BASE) $(shell find uhc_analysis/analysis -name '*.py' | sort)
CODE_PLOT := $(CODE_ANALYSIS) uhc_analysis/boundaries.py $(shell find uhc_analysis/plotting -name '*.py')
NOTEBOOK_FILES := $(wildcard notebooks/0*.ipynb) uhc_analysis/notebooks.py \
                  uhc_analysis/notebook_parameters.py

.PHONY: outputs
outputs: $(P)/metrics.csv $(P)/uhc_status.csv $(STAMPS)/figures $(STAMPS)/notebooks \
         reports/findings.md

$(P)/coverage_panel.csv: $(RAW_FILES) $(CODE_BUILD)
	$(BIN)/uhc-analysis build
$(P)/metrics.csv: $(P)/coverage_panel.csv $(CODE_ANALYSIS)
	$(BIN)/uhc-analysis metrics
$(P)/time_to_uhc.csv: $(P)/coverage_panel.csv data/raw/national/uhc_criteria.csv $(CODE_ANALYSIS)
	$(BIN)/uhc-analysis project
$(P)/uhc_status.csv: $(P)/time_to_uhc.csv $(CODE_ANALYSIS)
	$(BIN)/uhc-analysis status
$(STAMPS)/figures: $(P)/uhc_status.csv $(P)/metrics.csv $(CODE_PLOT)
	$(BIN)/uhc-analysis figures --lang en id
	@mkdir -p $(STAMPS) && touch $@
$(STAMPS)/notebooks: $(STAMPS)/figures $(NOTEBOOK_FILES) $(CODE_PLOT)
	$(BIN)/uhc-analysis notebooks
	@mkdir -p $(STAMPS) && touch $@
reports/findings.md: $(P)/uhc_status.csv $(CODE_ANALYSIS)
	$(BIN)/uhc-analysis findings --update-readme

test: install ## lint, check the layer contracts, run every test and doctest (notebooks included)
	$(BIN)/ruff check uhc_analysis tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: install ## ruff
	$(BIN)/ruff check uhc_analysis tests benchmarks scripts

format: install ## ruff format
	$(BIN)/ruff format uhc_analysis tests benchmarks scripts

benchmark: install ## national-size benchmark, and the real rerun beside its floor (README timings)
	$(BIN)/python benchmarks/national.py --json reports/benchmark.json
	$(BIN)/python benchmarks/rerun.py --make --json reports/rerun_benchmark.json --readme README.md

determinism: install ## rerun twice and compare file hashes
	$(BIN)/python scripts/check_determinism.py

clean: ## remove generated files (processed data, reports, caches)
	find data/processed -type f ! -name .gitkeep -delete
	rm -rf reports/figures reports/*.html reports/*.ipynb reports/findings.md .pytest_cache \
	       .ruff_cache $(STAMPS)
