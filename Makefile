# Two commands: `make run` (one flywheel round, then a summary) and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
ROUND  ?= 1
PLANS  ?= 24

.PHONY: install run test dev bench clean-data

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install  ## materialise one flywheel round on the embedded default (no model, no GPU, no network)
	$(VENV)/bin/flywheel run --round $(ROUND) --plans $(PLANS)

test: install  ## the test suite
	$(PY) -m pytest -q

dev: install  ## the Dagster UI on http://127.0.0.1:3000 with the run history of `make run`
	mkdir -p .dagster_home && touch .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000

bench: install  ## sandbox throughput vs a plain in-process matplotlib loop
	$(PY) bench/sandbox_throughput.py

clean-data:
	rm -rf data .dagster_home
