# Two commands: `make run` (one flywheel round, then a summary) and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
ROUND  ?= 1
PLANS  ?= 24
PORT   ?= 3000
# the default install synthesizes and queries (`make run`); the test suite also needs the training,
# evaluation and cluster extras (pyproject [project.optional-dependencies]; gpu needs CUDA: never implied)
TEST_EXTRAS ?= train,eval,ray,test
comma      := ,
STAMP      := $(VENV)/.installed-default
STAMP_TEST := $(VENV)/.installed-$(subst $(comma),-,$(TEST_EXTRAS))

.PHONY: install install-test run test dev bench clean-data

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# not --quiet: a first install downloads for minutes, and pip's progress is the only sign of life
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -e .
	touch $(STAMP)

$(STAMP_TEST): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -e ".[$(TEST_EXTRAS)]"
	touch $(STAMP) $(STAMP_TEST)

install: $(STAMP)

install-test: $(STAMP_TEST)

run: install  ## materialise one flywheel round on the embedded default (no model, no GPU, no network)
	$(VENV)/bin/flywheel run --round $(ROUND) --plans $(PLANS)

test: install-test  ## the test suite (installs every extra but gpu)
	$(PY) -m pytest -q

dev: install  ## the Dagster UI on http://127.0.0.1:$(PORT) with the run history of `make run` (PORT=3001 for another)
	$(VENV)/bin/flywheel dev --port $(PORT)

bench: install  ## sandbox throughput vs a plain in-process matplotlib loop
	$(PY) bench/sandbox_throughput.py

clean-data:
	rm -rf data .dagster_home
