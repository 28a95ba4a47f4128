# dmp-survey: every target is documented; `make` alone lists them.
# On a fresh clone only python3 is needed: the first target that needs the
# package creates .venv and installs it there. Output targets are real files,
# remade when the export, the code or the study data change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DMP    := $(BIN)/dmp-survey
RAW    := data/raw/responses.xlsx
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
SOURCES   := $(shell find src -name '*.py' -o -name '*.yaml')
PUBLISHED := $(wildcard src/dmp_survey/studies/*/published/*.csv)
CHROMIUM  ?= chromium

.DEFAULT_GOAL := help
.PHONY: help install lock run figures report report-check check reconstruct test lint bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.\/-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Every dependency (runtime and dev) at the version and hashes of requirements.lock,
# then the package itself without resolving anything (its build backend,
# setuptools, is in the lock too).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP) ## Create .venv and install the package with its dev tools, versions from requirements.lock

lock: ## Regenerate requirements.lock (pinned, hashed; Python 3.11, Linux x86_64) after pyproject.toml's dependencies change
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o $(LOCK)

data/processed/manifest.json: $(STAMP) $(RAW) $(SOURCES) $(PUBLISHED)
	$(DMP) run $(RAW)

run: data/processed/manifest.json ## Regenerate every output (data/processed, figures, reports) from the export

figures/figure_16.png: $(STAMP) $(RAW) $(SOURCES)
	$(DMP) figures $(RAW)

figures: figures/figure_16.png ## Regenerate figures 1-16 only

reports/report.html: $(STAMP) $(RAW) $(SOURCES) $(PUBLISHED)
	$(DMP) report $(RAW)

report: reports/report.html ## Regenerate the HTML report only

report-check: reports/report.html ## Render the report in headless Chromium (installed with apt-get if missing); screenshot in reports/report.png
	@command -v $(CHROMIUM) >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium)
	$(BIN)/python scripts/render_report.py reports/report.html reports/report.png --chromium $(CHROMIUM)

check: $(STAMP) ## Check the annex p-values against the published ones (exit 1 on any unexpected result)
	$(DMP) check $(RAW)

reconstruct: $(STAMP) ## Rebuild data/raw/responses.xlsx from the published aggregates
	$(DMP) reconstruct

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy src

bench: $(STAMP) ## Benchmark 64 to 10^6 respondents into bench/results.json (about 1 h); BENCH_ARGS=--quick for a smoke test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean: ## Remove generated outputs (data/processed, figures, reports) and caches
	rm -rf data/processed figures reports .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
