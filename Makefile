# dmp-survey: every target is documented; `make` alone lists them.
# On a fresh clone only python3 is needed: the first target that needs the
# package creates .venv and installs it there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DMP    := $(BIN)/dmp-survey
RAW    := data/raw/responses.xlsx
STAMP  := $(VENV)/.installed
SOURCES   := $(shell find src -name '*.py' -o -name '*.yaml')
PUBLISHED := $(wildcard data/published/*.csv)

.DEFAULT_GOAL := help
.PHONY: help install run test lint clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.\/-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP) ## Create .venv and install the package with its dev tools

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy src

clean: ## Remove generated outputs (data/processed, figures, reports) and caches
	rm -rf data/processed figures reports .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
