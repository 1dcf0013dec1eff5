# One command per job; each does its own set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: venv test lint demo clean
BASE_STAMP := $(VENV)/.installed-base

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

JAX_STAMP := $(VENV)/.installed-jax
$(JAX_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[jax]"
	touch $(JAX_STAMP)

#: pytest-xdist: one worker per core (TensorFlow's small ops leave cores idle);
#: a test file's shared module fixture stays in one worker (--dist loadgroup).
#: PARALLEL= runs the tests in one process.
PARALLEL ?= -n auto --dist loadgroup

#: The tests that run again under Keras' JAX and PyTorch backends: scikit-learn's
#: common checks, the engine's core, the compiled-model reuse, Ctrl-C and Dask
#: (docs/user_guide/backends.rst). make test runs the first two under JAX.
JAX_CI_TESTS = tests/test_common.py tests/test_engine.py
BACKEND_TESTS = $(JAX_CI_TESTS) tests/test_compiled_cache.py tests/test_interrupt.py \
	tests/test_core.py::test_incremental_and_parallel_post_fit_on_a_local_dask_cluster

## make test: create the venv, install the package with its dev, docs and jax extras,
## lint, run the tests (on TensorFlow, with tests/test_backends.py on every installed
## backend; then scikit-learn's common checks and the engine's tests on JAX), then
## build the documentation (warnings are errors)
test: $(STAMP) $(DOCS_STAMP) $(JAX_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PARALLEL)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -p no:cacheprovider $(PARALLEL) $(JAX_CI_TESTS)
	$(SPHINXBUILD)

.PHONY: test-jax
## make test-jax: the backend tests (common checks, engine, compiled-model reuse,
## Ctrl-C, Dask) under Keras' JAX backend; make test runs the first two
test-jax: $(STAMP) $(JAX_STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -p no:cacheprovider $(PARALLEL) $(BACKEND_TESTS)

#: PyTorch for make test-torch: the CPU build that lies on this workplace's disk
#: (a plain "torch" takes a CUDA build of several GB from PyPI).
TORCH_REQUIREMENT ?= torch==2.13.0
TORCH_STAMP := $(VENV)/.installed-torch
$(TORCH_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet "$(TORCH_REQUIREMENT)" -e ".[torch]"
	touch $(TORCH_STAMP)

.PHONY: test-torch
## make test-torch: the same backend tests under Keras' PyTorch backend (installs
## the torch extra: $(TORCH_REQUIREMENT))
test-torch: $(STAMP) $(TORCH_STAMP)
	KERAS_BACKEND=torch $(BIN)/python -m pytest -p no:cacheprovider $(PARALLEL) $(BACKEND_TESTS)

$(BASE_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(BASE_STAMP)

## make demo: create the venv, install the package alone (no extra), run the
## offline demo (iris MLP, digits CNN; figures in sknn-output/demo)
demo: $(BASE_STAMP)
	$(BIN)/sknn-estimators demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=
# asv runs the suite in this checkout's own venv and records the results under
# this commit; without --python=same it builds one venv per commit instead.
ASV = $(BIN)/asv
ASV_RUN = $(ASV) run --python=same --set-commit-hash $$(git rev-parse HEAD)

$(BENCH_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[bench,onnx,distributed]"
	$(ASV) machine --yes > /dev/null
	touch $(BENCH_STAMP)

.PHONY: bench bench-interleaved bench-quick bench-html
## make bench: create the venv, install the package with its bench, onnx and
## distributed extras, run the asv suite of benchmarks/ in it (each benchmark
## in fresh processes; results in benchmarks/results/asv), then check the
## targets and write README's targets table (python -m benchmarks.targets
## --readme); BENCH_ARGS="-b FitSuite" for some benchmarks only
bench: $(BENCH_STAMP)
	$(ASV_RUN) $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.targets --readme

## make bench-interleaved: the same with the rounds of all benchmarks taking
## turns, which asv only does in environments of its own (one per commit,
## built from asv.conf.json)
bench-interleaved: $(BENCH_STAMP)
	$(ASV) run --interleave-rounds $(BENCH_ARGS) HEAD^!
	$(BIN)/python -m benchmarks.targets --readme

## make bench-quick: a smoke run of every benchmark on tiny sizes, once each
## (SKNN_BENCH_PROFILE=quick, asv --quick, recorded as machine "quick"), then
## prints the targets table
bench-quick: $(BENCH_STAMP)
	$(ASV) machine --yes --machine quick >/dev/null
	SKNN_BENCH_PROFILE=quick $(ASV_RUN) --machine quick --quick $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.targets --profile quick

## make bench-html: asv publish, the site with a history plot per benchmark, into
## docs/_build/html/asv (linked from the docs' performance page)
bench-html: $(BENCH_STAMP)
	$(ASV) publish

MIN_VENV ?= .venv-min
.PHONY: test-min
## make test-min: a separate venv ($(MIN_VENV)) with the package, pytest and
## hypothesis at the oldest versions that pyproject.toml allows
## (.ci/min_versions.py; no extra), then the tests; PYTEST_ARGS to select
test-min:
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(PYTHON) .ci/min_versions.py dev > $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager \
	    -c $(MIN_VENV)/constraints.txt -e . "pytest>=8" "hypothesis>=6.100"
	$(MIN_VENV)/bin/python -m pip list --format=freeze > $(MIN_VENV)/installed.txt
	$(MIN_VENV)/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(MIN_VENV) .asv build *.egg-info .pytest_cache
