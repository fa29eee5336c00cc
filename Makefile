# The two commands of the README: `make run` and `make test`.
# Each creates the virtual environment on its own the first time.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch, pinned first: a plain `pip install torch` pulls a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
ARGS ?=

.PHONY: install run test test-slow lint bench clean report

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install "$(TORCH_SPEC)"
	$(PY) -m pip install -e ".[dev]"
	touch $@

run: install  ## train, attack and record the default experiment
	$(VENV)/bin/mia-train $(ARGS)

report: install  ## the tradeoff table and charts of a sweep: make report SWEEP=multirun/...
	$(VENV)/bin/mia-report $(SWEEP)

test: install  ## the fast test suite (a few minutes on 2 cores)
	$(PY) -m pytest -q

test-slow: install  ## the slow tests only
	$(PY) -m pytest -q -m slow

lint: install
	$(VENV)/bin/ruff check mia_defense tests scripts

bench: install  ## speed ratios measured side by side
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
