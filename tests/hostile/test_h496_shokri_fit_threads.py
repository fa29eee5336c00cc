"""The up-front time check of Shokri's attack classifier (h467's `shokri.fit_seconds`, h488's
for mia-attack) divided its one-thread fit time by the machine's usable cores, as though
the fit shared them, but `shokri` fits under threadpool_limits(1) (and mia-train and
mia-attack run their attacks under `mia_defense.threads.one_thread` too): gradient boosting
gets one OpenMP thread, so on 64 cores a fit of 150 s was counted as 2.3 s and a run over
the limit let through (helper h496). The estimate now counts the threads the fit gets
(`shokri.FIT_THREADS`, the one its limit sets), one code path for both tools
(`shokri.budget_work`). No timing: the estimate's inputs are checked, the machine is made
to report 8 usable cores, and the fit's threads are read during the fit itself."""

from __future__ import annotations

import functools
import importlib
import os
import re

import pytest
from hydra import compose, initialize_config_module

from mia_defense.cli import attack as attack_cli
from mia_defense.constraints import hydra_quoted
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg
from tests.helpers import synthetic_observations
from tests.hostile.test_h458_shokri_features_in_budget import (
    MANY_CLASSES,
    stop_after_the_budget_check,
)

shokri_module = importlib.import_module("mia_defense.attacks.shokri")
CORES = 8
CLASSES = 5
ROWS = re.compile(r"fitting its attack classifier on (\d+) rows of ")


@pytest.fixture
def many_cores(monkeypatch) -> None:
    """A machine of `CORES` usable cores (`budget.usable_cores` reads the affinity)."""
    from mia_defense.budget import usable_cores

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(CORES)), raising=False)
    assert usable_cores() == CORES


def _one_thread_seconds(rows: int, classes: int) -> float:
    """The fit's `fit_work` at one thread's `FIT_SECONDS` (the constant's measurements)."""
    return shokri_module.fit_work(rows, classes) * shokri_module.FIT_SECONDS


def test_mia_attacks_estimate_counts_the_threads_the_fit_gets(many_cores, monkeypatch,
                                                              tmp_path):
    """mia-attack's task (a sweep's point's, api.audit's path: `check_observed_budget`):
    the estimate it is given, times the OpenMP threads gradient boosting then really gets
    (sklearn's own count, read inside the fit), is the one-thread time."""
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    from mia_defense import attack_setup

    asked, threads = [], []
    check = attack_setup.check_attack_budget
    monkeypatch.setattr(attack_setup, "check_attack_budget",
                        lambda work, **kw: (asked.append(list(work)), check(work, **kw)))
    fitted = shokri_module._fitted

    def counting(*args, **kwargs):
        threads.append(_openmp_effective_n_threads())  # (what HistGradientBoosting sizes by)
        return fitted(*args, **kwargs)

    monkeypatch.setattr(shokri_module, "_fitted", counting)
    source = tmp_path / "o.npz"
    synthetic_observations(num_models=4, num_samples=60, num_classes=CLASSES).save(source)
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, [
            f"source={hydra_quoted(str(source))}", "progress=false", "figures=false",
            "attack.bootstrap=0", "attack.white_box=false", "attack.queries.num_augmented=0"])
    attack_cli.run(cfg, tmp_path / "out")
    assert threads and len(set(threads)) == 1, threads
    (work,) = [w for w in asked[0] if w.cpu_seconds]
    rows = int(ROWS.search(work.what)[1])
    assert work.cpu_seconds * threads[0] == pytest.approx(_one_thread_seconds(rows, CLASSES))


def test_mia_trains_refusal_counts_one_thread_on_many_cores(many_cores, monkeypatch,
                                                            tmp_path):
    """mia-train's up-front refusal (h467's run, 300 classes, the limit at 2 s, below the
    fit's one-thread floor of some 3 s) on 8 cores: refused with the one-thread time (it
    let the run through, its fit counted at 0.4 s)."""
    from mia_defense import budget
    from mia_defense.cli.build import run
    from mia_defense.pipeline import data

    monkeypatch.setattr(budget, "available_memory", lambda: 10**13)  # (the time alone)
    monkeypatch.setattr(data, "check_budget",
                        functools.partial(budget.check_budget, max_hours=2.0 / 3600))
    stop_after_the_budget_check(monkeypatch)
    settings = ["dataset.num_classes=300" if o.startswith("dataset.num_classes=") else o
                for o in MANY_CLASSES]  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*settings), tmp_path)
    found = re.search(r"on (\d+) rows of 601 features \(2 x 300 classes \+ 1\) would take "
                      r"about (\S+) min after", str(refused.value))
    assert found, refused.value
    minutes = float(found[2])
    assert minutes * 60 * shokri_module.FIT_THREADS == pytest.approx(
        _one_thread_seconds(int(found[1]), 300), rel=0.01)
