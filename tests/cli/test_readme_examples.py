"""The README's examples work with the defaults (issue 18, point 8): `defense=none` (alone,
in lists, in a sweep), `dataset=breast_cancer model=logistic` (a population larger than the
dataset), and a user's own module from the user's folder without PYTHONPATH."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from mia_defense.cli.train import build_experiment, run
from mia_defense.cli.user_code import add_launch_dir
from mia_defense.config import check_config
from mia_defense.data import load_breast_cancer, load_digits
from mia_defense.errors import ConfigError
from mia_defense.library_call import caller_state_kept
from mia_defense.plan import default_population, make_plan
from mia_defense.tracking import read_json
from tests.helpers import Done, mia_train

# figures=false: TensorBoard's figures are most of a tiny run (out of the run folders' names)
FAST = ["plan.num_models=2", "train.epochs=1", "attack.bootstrap=0", "progress=false",
        "figures=false"]


def _mia_train(cwd: Path, *args: str) -> Done:
    """``mia-train ARGS`` started in ``cwd`` (in this process: `tests.helpers.mia_train`)."""
    done = mia_train(*args, cwd=cwd)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


# -- defense=none -----------------------------------------------------------------------------


def test_defense_none_is_the_default_run(make_cfg):
    default = OmegaConf.to_container(make_cfg(), resolve=True)
    for override in ("defense=none", "defense=[none]", "+defense=none"):
        assert OmegaConf.to_container(make_cfg(override), resolve=True) == default, override
    assert len(build_experiment(make_cfg("defense=none")).build_defenses()) == 0


def test_none_adds_nothing_inside_a_list(make_cfg):
    dp = OmegaConf.to_container(make_cfg("defense=dp"), resolve=True)
    assert OmegaConf.to_container(make_cfg("defense=[none,dp]"), resolve=True) == dp
    assert OmegaConf.to_container(make_cfg("defense=[dp,none]"), resolve=True) == dp
    assert set(make_cfg("defense=[none,dp,relaxloss]").defense) == {"dp", "relaxloss"}


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_sweep_over_none_and_defenses_names_runs_and_results(tmp_path):
    _mia_train(tmp_path, "-m", "defense=none,dp,relaxloss", "plan.population_size=200", *FAST,
               "hydra.sweep.dir=sweep")  # fmt: skip
    runs = sorted(p for p in (tmp_path / "sweep").iterdir()
                  if p.is_dir() and p.name not in (".model_store", "sweep_hparams"))  # fmt: skip
    tail = "plan.num_models=2,plan.population_size=200,train.epochs=1"
    assert [p.name for p in runs] == [
        f"attack.bootstrap=0,defense={name},{tail}" for name in ("dp", "none", "relaxloss")]
    for run_dir, name in zip(runs, ("dp", "none", "relaxloss"), strict=True):
        payload = read_json(run_dir / "results.json")
        assert payload["status"] == "complete"
        assert payload["defense"]["defense"] == name


# -- a population larger than the dataset -----------------------------------------------------


def test_default_population_leaves_a_quarter_of_a_small_dataset_for_testing(caplog):
    data = load_breast_cancer()
    with caplog.at_level(logging.INFO, logger="mia_defense.plan"):
        plan = make_plan(data, num_models=4, population_size=None, test_size=None, seed=0)
    assert (plan.population_size, len(plan.test_idx)) == (426, 143)
    assert not set(plan.population_idx) & set(plan.test_idx)
    assert "plan: population 426, test set 143 of the 569 samples" in caplog.text
    assert [default_population(n) for n in (3, 4, 100, 1333, 1334, 10_000)] == [
        2, 3, 75, 999, 1000, 1000]  # fmt: skip


def test_digits_default_split_is_unchanged():
    """The packaged default gives the split the default run always had (1000 and 797)."""
    data = load_digits()
    plan = make_plan(data, num_models=16, population_size=None, test_size=None, seed=0)
    explicit = make_plan(data, num_models=16, population_size=1000, test_size=None, seed=0)
    assert plan.population_size == 1000 and len(plan.test_idx) == 797
    assert np.array_equal(plan.population_idx, explicit.population_idx)
    assert np.array_equal(plan.test_idx, explicit.test_idx)
    assert np.array_equal(plan.masks, explicit.masks)


def test_packaged_plan_default_is_the_adaptive_one(make_cfg):
    cfg = make_cfg(tiny=False)
    assert cfg.plan.population_size is None and cfg.plan.test_size is None


def test_canaries_are_checked_against_the_default_population(make_cfg):
    assert check_config(make_cfg("attack.canaries.num=500", tiny=False)) is None
    with pytest.raises(ConfigError, match=r"attack.canaries.num=501: more than half of "
                                          r"plan.population_size=1000"):  # fmt: skip
        check_config(make_cfg("attack.canaries.num=501", tiny=False))


@pytest.mark.parametrize(("population", "test"), [(1000, None), (1000, 100), (None, 600)])
def test_explicit_sizes_that_do_not_fit_still_stop(population, test):
    data = load_breast_cancer()
    with pytest.raises(ConfigError, match=r"too few samples for the plan; .*the 569 samples in "
                                          r"dataset 'breast_cancer'"):  # fmt: skip
        make_plan(data, num_models=4, population_size=population, test_size=test, seed=0)


def test_readme_breast_cancer_example_runs_with_the_plan_defaults(make_cfg, tmp_path):
    cfg = make_cfg("dataset=breast_cancer", "model=logistic", *FAST, tiny=False)
    result = run(cfg, tmp_path / "run")
    payload = read_json(tmp_path / "run" / "results.json")
    assert payload["status"] == "complete" and result.utility["test_accuracy"] > 0.5
    assert (payload["population_size"], payload["test_size"]) == (426, 143)


# -- a user's own module ----------------------------------------------------------------------

USER_MODEL = """
from torch import nn


class MyNet(nn.Sequential):
    def __init__(self, input_shape, num_classes, width=8):
        super().__init__(nn.Flatten(), nn.Linear(input_shape[-1], width), nn.ReLU(),
                         nn.Linear(width, num_classes))
"""


@pytest.fixture
def users_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path`` holding the user's package ``my_pkg``, importable only if mia-train puts
    the folder it was started from on ``sys.path``, as for the console script (whose
    ``sys.path`` starts with the venv's bin/, not the working directory): this process's
    ``''`` (the working directory) is taken off ``sys.path``, ``my_pkg`` forgotten after."""
    (tmp_path / "my_pkg").mkdir()
    (tmp_path / "my_pkg" / "__init__.py").write_text(USER_MODEL)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    monkeypatch.delitem(sys.modules, "my_pkg", raising=False)
    yield tmp_path
    sys.modules.pop("my_pkg", None)


def test_user_module_from_the_users_folder_without_pythonpath(users_folder):
    tmp_path = users_folder
    done = _mia_train(tmp_path, "model=custom", "model._target_=my_pkg.MyNet", "+model.width=8",
                      "plan.population_size=200", *FAST, "hydra.run.dir=run")  # fmt: skip
    payload = read_json(tmp_path / "run" / "results.json")
    assert payload["status"] == "complete"
    assert payload["config"]["model"]["_target_"] == "my_pkg.MyNet"
    assert "TPR@0.1%FPR" in done.stdout


def test_user_module_without_the_callback_is_not_importable(users_folder):
    """The same run with the launch-dir callback removed fails as before: the callback is
    what makes the folder importable."""
    tmp_path = users_folder
    done = mia_train("model=custom", "model._target_=my_pkg.MyNet", *FAST,
                     "~hydra.callbacks.launch_dir_on_path", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2
    assert "No module named 'my_pkg'" in done.stderr
    assert not (tmp_path / "run").exists()


def test_add_launch_dir_appends_once(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", ["/first", "/lib"])
    # (in a call, as a tool's main() makes it: its put-backs run as the block ends, not at
    # the end of a later test's call, where they took the finder off that test's sys.path_hooks)
    with caller_state_kept():
        add_launch_dir(str(tmp_path))
        add_launch_dir(str(tmp_path))
        assert sys.path == ["/first", "/lib", str(tmp_path)]  # after the installed packages
    assert sys.path == ["/first", "/lib"]
