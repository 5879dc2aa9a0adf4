# Sales-training workbench tasks. `make help` lists them; every listed target works
# on a machine with only Python 3.11+ and pip (the first target run creates .venv).
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.workbench-setup
KERNEL := sales-training-workbench
PIP_VERSION := 26.3
JOBS ?=
RENDER_ARGS ?=
LAB_ARGS ?=

.PHONY: help setup reports test test-slow test-fast lint format snapshots lab bench examples clean distclean

help: ## list the targets
	@echo "Targets (the first run of any of them sets up .venv):"
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==$(PIP_VERSION)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lint]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Sales training workbench" >/dev/null
	@touch $@

setup: $(STAMP) ## create .venv, install pinned dependencies, register the Jupyter kernel

reports: setup ## render every client's reports into reports/ (unchanged ones are skipped); JOBS=N, RENDER_ARGS=--force
	$(BIN)/workbench render $(if $(JOBS),--jobs $(JOBS)) $(RENDER_ARGS)

test: setup ## run the unit tests and nbval over every notebook (the long simulations: make test-slow)
	@$(BIN)/python -m pytest -m "not slow" --durations=15; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests (exit 5): CI would check nothing" >&2; exit 1; fi; \
	exit $$status

test-slow: setup ## the long simulations and the kill/timeout render tests (CI runs them too)
	@$(BIN)/python -m pytest -m slow; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: no slow tests collected (exit 5)" >&2; exit 1; fi; \
	exit $$status

test-fast: setup ## unit tests without the rendering, notebook and browser tests
	$(BIN)/python -m pytest tests -m "not render and not browser"

lint: setup ## ruff (rules and format), mypy and the import-linter layer contracts, as CI runs them
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup ## apply ruff's fixes and formatting (then review the diff)
	$(BIN)/ruff check --fix src tests benchmarks notebooks
	$(BIN)/ruff format src tests benchmarks

snapshots: setup ## re-record the rendered reports' structure (headings, table headers, images) after a deliberate layout change
	UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest tests/test_render.py -k shipped_study -p no:cacheprovider
	git status --short tests/snapshots

lab: setup ## open JupyterLab on the project (kernel "Sales training workbench")
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: setup ## benchmarks: rendering (naive loop vs workbench vs scripts) two-way FE (vs pyfixest, linearmodels, dummies) the imputation event study (vs pyfixest's did2s) and simulated rollouts (vs a fit per draw)
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_twfe.py
	$(BIN)/python benchmarks/bench_imputation.py
	$(BIN)/python benchmarks/bench_study_scale.py
	$(BIN)/python benchmarks/bench_planning.py

examples: setup ## regenerate the example clients' data in data/clients/ (keeps existing files)
	$(BIN)/workbench examples

clean: ## remove rendered reports, benchmark output and caches (keeps .venv)
	rm -rf reports/*/ reports/index.html benchmarks/output .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## also remove .venv
	rm -rf $(VENV)
