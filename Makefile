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
EXAMPLE   := examples/pharmacists
AXE       := .cache/axe-core-4.14.1/axe.min.js
CHECK     := $(BIN)/python scripts/report_check.py --chromium $(CHROMIUM)
# Every file `dmp-survey run` writes for the shipped study, by part, named from
# the study folder by scripts/outputs_mk.py (dmp_survey.pipeline.planned_outputs):
# RUN_OUTPUTS (data/processed), FIGURE_OUTPUTS (figures), REPORT_OUTPUTS (reports).
# Remade when the code or the study changes; read by every goal but these:
OUTPUTS_MK := $(VENV)/outputs.mk
NO_OUTPUTS := help lock clean

.DEFAULT_GOAL := help
.PHONY: help install lock run figures report report-check report-pdf check reconstruct test lint bench clean

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

$(OUTPUTS_MK): $(STAMP) $(SOURCES) scripts/outputs_mk.py
	$(BIN)/python scripts/outputs_mk.py > $@.tmp && mv $@.tmp $@

ifneq ($(filter-out $(NO_OUTPUTS),$(or $(MAKECMDGOALS),help)),)
include $(OUTPUTS_MK)
endif

ifneq ($(RUN_OUTPUTS),)
# One command writes each group (GNU make >= 4.3 grouped targets). `dmp-survey
# run` also rewrites figures/ and reports/: `run` lists RUN_OUTPUTS first, so
# after it the figures and report are newer than their prerequisites and are
# not redrawn; when only a figure is missing or stale, only `dmp-survey figures` runs.
$(RUN_OUTPUTS) &: $(STAMP) $(RAW) $(SOURCES) $(PUBLISHED)
	$(DMP) run $(RAW)

$(FIGURE_OUTPUTS) &: $(STAMP) $(RAW) $(SOURCES)
	$(DMP) figures $(RAW)

$(REPORT_OUTPUTS) &: $(STAMP) $(RAW) $(SOURCES) $(PUBLISHED)
	$(DMP) report $(RAW)
endif

run: $(RUN_OUTPUTS) $(FIGURE_OUTPUTS) $(REPORT_OUTPUTS) ## Regenerate every output (data/processed, figures, reports) from the export, only if stale

figures: $(FIGURE_OUTPUTS) ## Regenerate the figures only (PNG, SVG, PDF, word/ PNG without title), only if stale

report: $(REPORT_OUTPUTS) ## Regenerate the HTML report only

# The example study's reports and the English DMP one, for the accessibility check.
CHECKED := reports/report.html build/report-check/dmp-en/reports/report.html \
	build/report-check/example-fr/reports/report.html build/report-check/example-en/reports/report.html

build/report-check/dmp-en/reports/report.html: $(STAMP) $(RAW) $(SOURCES) $(PUBLISHED)
	$(DMP) report $(RAW) --lang en --out build/report-check/dmp-en

build/report-check/example-%/reports/report.html: $(STAMP) $(SOURCES) $(wildcard $(EXAMPLE)/*.csv $(EXAMPLE)/study/*)
	$(DMP) report $(EXAMPLE)/responses.csv --study $(EXAMPLE)/study --lang $* --out build/report-check/example-$*

# axe-core, pinned and checked against npm's sha512 (MPL-2.0: fetched, never committed)
$(AXE):
	$(BIN)/python scripts/report_check.py fetch-axe $(dir $(AXE))

report-check: $(CHECKED) $(AXE) ## Chromium checks of the reports (DMP fr/en, example fr/en): console errors, axe-core WCAG 2.2 AA + best practices, fits a 390 px phone
	@command -v $(CHROMIUM) >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium)
	$(BIN)/python scripts/render_report.py reports/report.html reports/report.png --chromium $(CHROMIUM)
	$(CHECK) axe --axe $(AXE) $(CHECKED)
	$(CHECK) phone $(CHECKED)

reports/report.pdf: $(REPORT_OUTPUTS)
	$(CHECK) pdf reports/report.html $@
	$(CHECK) rows reports/report.html $@

report-pdf: reports/report.pdf ## Print the report to reports/report.pdf (Chromium, A4) and check that no table row is cut across pages

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
	rm -rf data/processed figures reports build/report-check .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
