# The two commands of the README: `make run` and `make test`.
# Each creates the virtual environment on its own the first time.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch, pinned first: a plain `pip install torch` pulls a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
ARGS ?=
# What `make tb` shows: a run or sweep directory, or a folder of them.
RUN ?= outputs

.PHONY: install run test test-slow lint bench clean report tb
.PHONY: study-digits study-purchase study-naive-vs-adaptive study-reference-models study-dp-audit

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install "$(TORCH_SPEC)"
	$(PY) -m pip install -e ".[dev]"
	touch $@

run: install  ## train, attack and record the default experiment
	$(VENV)/bin/mia-train $(ARGS)

report: install  ## the tradeoff table and charts of a sweep: make report SWEEP=multirun/...
	@test -n "$(SWEEP)" || { echo "usage: make report SWEEP=DIR (a sweep or run directory, e.g. multirun/DATE/TIME)" >&2; exit 2; }
	$(VENV)/bin/mia-report $(SWEEP)

tb: install  ## TensorBoard on runs: make tb RUN=multirun/... (default: outputs, every single run)
	$(VENV)/bin/tensorboard --logdir $(RUN)

test: install  ## the fast test suite (a few minutes on 2 cores)
	$(PY) -m pytest -q

test-slow: install  ## the slow tests only
	$(PY) -m pytest -q -m slow

lint: install
	$(VENV)/bin/ruff check mia_defense tests scripts

bench: install  ## speed ratios measured side by side
	$(PY) scripts/bench.py

# The studies of experiments/ (each folder's README states its question and wall time).
study-digits: install  ## study 1: tradeoff of every defense on digits
	experiments/digits_tradeoff/run.sh

study-purchase: install  ## study 2: the same tradeoff on the Purchase100-like task
	experiments/purchase_tradeoff/run.sh

study-naive-vs-adaptive: install  ## study 3: undefended vs defended shadows, records vs canaries
	experiments/naive_vs_adaptive/run.sh

study-reference-models: install  ## study 4: LiRA and RMIA vs the number of reference models
	experiments/reference_models/run.sh

study-dp-audit: install  ## study 5: accountant epsilon vs empirical lower bound
	experiments/dp_audit/run.sh

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
