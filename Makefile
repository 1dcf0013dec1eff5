# One command per job; each does its own set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: venv test lint demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

DOCS_STAMP := $(VENV)/.installed-docs
# -E: read every page again, so that no warning hides in a cached page; the gallery
# still re-runs only the examples that changed.
SPHINXBUILD = $(BIN)/sphinx-build -E -W --keep-going -b html docs docs/_build/html

$(DOCS_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

.PHONY: docs
## make docs: create the venv, install the package with its docs extra, build the
## documentation into docs/_build/html (warnings are errors; runs the gallery examples)
docs: $(DOCS_STAMP)
	$(SPHINXBUILD)

## make test: create the venv, install the package with its dev and docs extras, lint,
## run the tests, then build the documentation (warnings are errors)
test: $(STAMP) $(DOCS_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	$(SPHINXBUILD)

## make demo: create the venv, install the package, run the offline demo (iris MLP,
## digits CNN; figures in sknn-output/demo)
demo: $(STAMP)
	$(BIN)/sknn-estimators demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

$(BENCH_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $(BENCH_STAMP)

.PHONY: bench
## make bench: create the venv, install the package with its bench extra (scikeras),
## run the side-by-side benchmarks (about 30 min on 2 cores) and write
## benchmarks/results/latest.md and latest.json; BENCH_ARGS=--quick for a smoke run
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run --out benchmarks/results $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
