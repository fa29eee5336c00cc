# The two commands of the README: `make run` and `make test`.
# Each creates the virtual environment on its own the first time.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch: a plain `pip install torch` pulls a multi-GB CUDA build. An input of
# the lock, which pins the exact file by its hash.
TORCH_SPEC ?= torch==2.13.0
# scipy held below 1.17, whose import of scipy.stats (which scikit-learn imports for every
# estimator) takes 0.2 s longer: 1.17 rewrites about 470 docstrings at import, and every run
# and test process pays it. pyproject.toml stays loose (scipy>=1.10).
SCIPY_SPEC ?= scipy==1.16.3
# Every package `make install` puts in .venv, exact versions and sha256 hashes; `make lock`
# refreshes it. pip reads it too: `pip install --require-hashes -r requirements.lock`.
LOCK := requirements.lock
# The lock's Python (make lock's --python-version): under another, no CPU torch wheel fits.
LOCK_PYTHON := 3.11
# $(call lock_python,PYTHON,ADVICE): stops with one line unless PYTHON runs LOCK_PYTHON.
lock_python = $(1) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(v != "$(LOCK_PYTHON)" and \
  "make: $(1) is Python " + v + ", and requirements.lock is for Python $(LOCK_PYTHON): $(2)")'
# The installer, pinned: uv installs the lock several times faster than pip. pip installs it.
UV_VERSION ?= 0.13.9
UV := $(VENV)/bin/uv
# Where pip finds local wheels (the CPU torch lies there on these machines). uv reads no
# pip.conf, so pip's own setting is handed to it.
FIND_LINKS ?= $(sort $(PIP_FIND_LINKS) $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
UV_FROM = $(addprefix --find-links ,$(FIND_LINKS))
# uv's cache where it can be written; else none, as pip does (a read-only HOME: uv stopped on
# 'Failed to initialize cache at ~/.cache/uv'). Found out once, on first use (uv is there then).
UV_CACHE = $(eval UV_CACHE := $(shell d="$$($(UV) cache dir 2>/dev/null)" || exit 0; mkdir -p "$$d" 2>/dev/null && \
  test -w "$$d" || { echo "make: uv's cache ($$d) cannot be written: installing without it" >&2; \
  echo --no-cache; }))$(UV_CACHE)
# `make lock` moves every package to the newest version pyproject.toml allows;
# `make lock LOCK_FLAGS=` keeps the current pins and only adds or drops what changed.
LOCK_FLAGS ?= --upgrade
ARGS ?=
# A variable's text as the user gave it, one shell word: $(call literal,SWEEP). Make expanded
# the '$' in `make report SWEEP='runs/$x'` ($x: empty), then the shell inside its quotes: the
# report went to runs/report, beside the run asked for. ARGS goes to the shell as given
# ($(value ARGS)): `ARGS='cache_dir=$HOME/m'` ran with cache_dir=OME/m ($H: empty).
literal = '$(subst ','\'',$(value $(1)))'
# make bench's options: study 1 and the test suite are timed too (--large adds the
# 50,000-record memory run, about 40 minutes).
BENCH_ARGS ?= --study --tests
# pytest-xdist workers of `make test` (auto: one per core; 0 runs the suite in this process).
TEST_WORKERS ?= auto
# What `make tb` shows: a run or sweep directory, or a folder of them.
RUN ?= outputs

.PHONY: install lock run test test-slow lint bench clean report tb
.PHONY: install-ray lock-ray slurm-local
.PHONY: study-digits study-purchase study-naive-vs-adaptive study-reference-models study-dp-audit

install: $(VENV)/.installed

# The package's own bytecode, written up front: an editable install compiles none, and with
# PYTHONDONTWRITEBYTECODE set (as on these machines) every process compiled the ~20k lines
# again (0.2-0.4 s a process; the test suite starts a few hundred). Refreshed before tests.
BYTECODE = $(PY) -m compileall -q mia_defense

# An install cut short (Ctrl-C) can leave a package counted as installed with files missing
# (uv writes its record beside them: torch without torch/_utils.py), which the next install
# trusted. STAMP.cut, there until an install ends, makes the next one install all anew.
REINSTALL_IF_CUT = $(if $(wildcard $@.cut),--reinstall)

# Exactly the lock's files, hash-checked, then the package itself (editable, no dependencies).
$(VENV)/.installed: pyproject.toml $(LOCK) | $(UV)
	@$(call lock_python,$(PY),remove $(VENV) (rm -rf $(VENV)) and run make again with PYTHON=python$(LOCK_PYTHON))
	@touch $@.cut
	$(UV) pip install --python $(PY) $(UV_FROM) --require-hashes --compile-bytecode -r $(LOCK) $(REINSTALL_IF_CUT) $(UV_CACHE)
	$(UV) pip install --python $(PY) --no-deps -e . $(UV_CACHE)
	$(BYTECODE)
	@rm -f $@.cut
	touch $@

# A venv whose creation was cut short (Ctrl-C) has a python but no pip: made again whole.
# PIP_USER=0: a user's PIP_USER=1 (or pip.conf's user = true) refuses any install in a venv.
# --force-reinstall: make deletes a bin/uv cut short (Ctrl-C), which pip still counts installed.
$(UV):
	@$(PY) -m pip --version >/dev/null 2>&1 || { \
	  $(call lock_python,$(PYTHON),run make again with PYTHON=python$(LOCK_PYTHON)) && \
	  echo "$(PYTHON) -m venv --clear $(VENV)" && $(PYTHON) -m venv --clear $(VENV); }
	PIP_USER=0 $(PY) -m pip install --quiet --force-reinstall "uv==$(UV_VERSION)"

lock: $(UV)  ## refresh requirements.lock from pyproject.toml (the dev extra), TORCH_SPEC and SCIPY_SPEC
	printf '%s\n' "$(TORCH_SPEC)" "$(SCIPY_SPEC)" | $(UV) pip compile pyproject.toml - --extra dev $(LOCK_FLAGS) \
	  --python-version $(LOCK_PYTHON) --python-platform x86_64-manylinux_2_28 $(UV_FROM) \
	  --generate-hashes --custom-compile-command "make lock" --output-file $(LOCK)

# The ray extra (hydra-ray-launcher, Ray) on top of the lock: requirements.lock's pins, plus
# what Ray needs (cloudpickle<3 takes joblib back to 1.5), hash-checked. .ci/run installs it.
RAY_LOCK := requirements-ray.lock

install-ray: $(VENV)/.installed-ray  ## the ray extra into .venv (sweeps with launcher=ray)

$(VENV)/.installed-ray: $(VENV)/.installed $(RAY_LOCK)
	@touch $@.cut
	$(UV) pip install --python $(PY) $(UV_FROM) --require-hashes --compile-bytecode -r $(RAY_LOCK) $(REINSTALL_IF_CUT) $(UV_CACHE)
	@rm -f $@.cut
	touch $@

# boto3 (which hydra-ray-launcher asks for without a version) from this decade: without the
# floor uv's backtracking settles on boto3 0.0.3.
lock-ray: $(UV)  ## refresh requirements-ray.lock from requirements.lock and the ray extra
	cp $(LOCK) $(RAY_LOCK)
	printf '%s\n' "$(TORCH_SPEC)" "$(SCIPY_SPEC)" "boto3>=1.26" | $(UV) pip compile pyproject.toml - \
	  --extra dev --extra ray --python-version $(LOCK_PYTHON) --python-platform x86_64-manylinux_2_28 $(UV_FROM) \
	  --generate-hashes --custom-compile-command "make lock-ray" --output-file $(RAY_LOCK)

# A one-node SLURM cluster on this machine (Debian's slurm-wlm and munge; root): see README.
slurm-local:  ## start it (scripts/slurm_local.sh start); `scripts/slurm_local.sh stop` ends it
	scripts/slurm_local.sh start

run: install  ## train, attack and record the default experiment
	$(BYTECODE)
	$(VENV)/bin/mia-train $(value ARGS)

report: install  ## the tradeoff table and charts of a sweep: make report SWEEP=multirun/...
	@test -n $(call literal,SWEEP) || { echo "usage: make report SWEEP=DIR (a sweep or run directory, e.g. multirun/DATE/TIME)" >&2; exit 2; }
	$(VENV)/bin/mia-report $(call literal,SWEEP)

tb: install  ## TensorBoard on runs: make tb RUN=multirun/... (default: outputs, every single run)
	$(VENV)/bin/tensorboard --logdir $(call literal,RUN)

# pytest keeps the test modules it rewrites (assert introspection) as bytecode under
# tests/**/__pycache__ and reads them back next time, unless PYTHONDONTWRITEBYTECODE is set:
# then each worker of each run rewrote all ~160 test modules (about 3 s of its collection).
PYTEST = PYTHONDONTWRITEBYTECODE= $(PY) -m pytest

test: install  ## the fast test suite (a few minutes on 2 cores), one worker per core
	$(BYTECODE)
	$(PYTEST) -q -n $(TEST_WORKERS) --durations=15

test-slow: install  ## the slow tests only
	$(PYTEST) -q -m slow

lint: install
	$(VENV)/bin/ruff check mia_defense tests scripts

# $(BYTECODE) first, as make run: with PYTHONDONTWRITEBYTECODE set, each mia-train the bench
# times compiled each module edited since the last make test or run (up to 0.25 s CPU a run).
bench: install  ## speed ratios measured side by side, every target with pass/miss
	$(BYTECODE)
	$(PY) scripts/bench.py $(BENCH_ARGS)

# The studies of experiments/ (each folder's README states its question and wall time).
# ARGS is make run's: `make study-digits ARGS='train.epochs=1'` (or a key misspelt in it) ran
# the whole study as shipped without a word. Refused before anything runs or installs; a
# study's script takes overrides after its folder.
study-digits.dir = digits_tradeoff
study-purchase.dir = purchase_tradeoff
study-naive-vs-adaptive.dir = naive_vs_adaptive
study-reference-models.dir = reference_models
study-dp-audit.dir = dp_audit
study_goal := $(firstword $(filter study-%,$(MAKECMDGOALS)))
ifneq ($(and $($(study_goal).dir),$(strip $(value ARGS))),)
$(error make $(study_goal): ARGS is make run's and no study reads it; nothing was run. Give the study's overrides to its script after a folder of their own: experiments/$($(study_goal).dir)/run.sh multirun/$(subst -,_,$(study_goal))_mine OVERRIDE... (e.g. train.epochs=5))
endif

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
