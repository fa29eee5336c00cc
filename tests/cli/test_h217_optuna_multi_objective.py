"""A multi-objective Optuna search (the presets': TPE, optuna 2) given what its sampler cannot
take. Measured: ``objectives=[utility.test_accuracy,privacy.epsilon]`` over
``defense: choice(none, dp)`` returned ε = inf for every undefended trial, which optuna 2's
multi-objective TPE scales by the objective's range to NaN and never counts as dominated:
3 of its 4 chosen trials were ``defense=none``, and an undefended trial came out on the
Pareto front at ε = inf (a mix of finite and infinite values can also stop the search:
"probabilities contain NaN"). ``hydra.sweeper.sampler.n_startup_trials=1`` hung the search
at its second trial, one core busy, nothing logged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mia_defense.tracking import read_json

MIA_TRAIN = str(Path(sys.executable).parent / "mia-train")
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip
BOTH = "objectives=[utility.test_accuracy,privacy.epsilon]"


def _search(cwd: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    # (its own process: an Optuna search in the test process leaves later caplog tests of the
    # same worker without records; and a hang is cut off here, not by the suite's end)
    return subprocess.run([MIA_TRAIN, "-m", "hparams_search=optuna_custom", *TINY, *args],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)  # fmt: skip


@pytest.mark.slow  # (an end-to-end search or sweep in subprocesses: 1.6-3.7 s)
@pytest.mark.parametrize("startup", [0, 1])
def test_too_few_startup_trials_for_a_multi_objective_tpe_search_are_refused(tmp_path, startup):
    sweep = tmp_path / "search"
    done = _search(tmp_path, "hydra.sweeper.n_trials=3", "hydra.sweeper.n_jobs=1",
                   f"hydra.sweeper.sampler.n_startup_trials={startup}",
                   '+hydra.sweeper.params={train.lr: "interval(0.01, 0.1)"}',
                   f"hydra.sweep.dir={sweep}", timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"ConfigError: hydra.sweeper.sampler.n_startup_trials={startup}: at least 2 for a "
            "search of 2 objectives") in done.stderr  # fmt: skip
    assert not sweep.exists()


@pytest.mark.slow  # (an end-to-end search or sweep in subprocesses: 1.6-3.7 s)
def test_two_startup_trials_or_one_objective_are_not_refused(tmp_path):
    # one objective: its TPE sorts the values (no hang); cut short by a diverged trial
    # (train.lr=1e30, one epoch: a value the run's config check refuses, model.dropout:
    # choice(fast), is refused before the search starts, 1f033521)
    done = _search(tmp_path, "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1",
                   "hydra.sweeper.sampler.n_startup_trials=1", "objectives=[utility.test_accuracy]",
                   "hydra.sweeper.direction=maximize", '+hydra.sweeper.params={train.lr: '
                   '"choice(1e30)"}', f"hydra.sweep.dir={tmp_path / 'one'}",
                   timeout=120)  # fmt: skip
    assert "n_startup_trials" not in done.stderr
    assert "DivergedError: training diverged" in done.stderr, done.stderr[-3000:]


@pytest.mark.slow  # a search of 6 tiny trials (about 8 s)
def test_an_infinite_objective_fails_its_trial_in_a_multi_objective_tpe_search(tmp_path):
    sweep = tmp_path / "search"
    done = _search(tmp_path, BOTH, "hydra.sweeper.n_trials=6", "hydra.sweeper.n_jobs=1",
                   "hydra.sweeper.sampler.n_startup_trials=2",
                   '+hydra.sweeper.params={defense: "choice(none, dp)", train.lr: '
                   '"interval(0.01, 0.1)"}', f"hydra.sweep.dir={sweep}", timeout=300)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    runs = [read_json(p) for p in sweep.glob("*/results.json")]
    assert len(runs) == 6  # every trial ran, and every run is kept
    undefended = [r for r in runs if not r["config"]["defense"]]
    assert undefended and len(undefended) < 6, [r["config"]["defense"] for r in runs]
    said = "objectives: 'privacy.epsilon' infinite in this run"
    assert done.stderr.count(said) == len(undefended)
    solutions = yaml.safe_load((sweep / "optimization_results.yaml").read_text())["solutions"]
    # the front holds only trials with an ε to report (an undefended one was on it at inf)
    assert solutions and all(s["params"]["defense"] == "dp" for s in solutions), solutions
    assert all(s["values"][1] < 100 for s in solutions)


@pytest.mark.slow  # two searches of 2 tiny trials (about 13 s)
def test_a_multi_objective_search_none_of_whose_trials_gave_values_exits_2(tmp_path,
                                                                          monkeypatch):
    # a search of one objective ends so ("no trial of this search finished", test_h130); one
    # of several ended as a success with an empty Pareto front, exit 0. (A figure no trial
    # records: a defense of one's own's, which it does not write; privacy.noise_multiplier
    # without DP-SGD is refused before the search, h385.)
    (tmp_path / "my_defense.py").write_text(
        "from mia_defense.defenses import WeightDecay\n\n\nclass MyDecay(WeightDecay):\n"
        "    pass\n")  # fmt: skip
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    sweep = tmp_path / "search"
    done = _search(tmp_path, "objectives=[utility.test_accuracy,privacy.my_bound]",
                   "+defense.mine._target_=my_defense.MyDecay",
                   "hydra.sweeper.n_trials=2", '+hydra.sweeper.params={train.lr: '
                   '"interval(0.01, 0.1)"}', f"hydra.sweep.dir={sweep}", timeout=300)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 2, done.stderr[-3000:]
    assert "no trial of this search of several objectives gave its values" in done.stderr
    assert len(list(sweep.glob("*/results.json"))) == 2  # the runs are kept
    # one that gave values ends as before
    done = _search(tmp_path, BOTH, "hydra.sweeper.n_trials=2", "defense=dp",
                   '+hydra.sweeper.params={train.lr: "interval(0.01, 0.1)"}',
                   f"hydra.sweep.dir={tmp_path / 'fine'}", timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "gave its values" not in done.stderr


def test_motpe_with_one_startup_trial_is_not_refused():
    # optuna 2's MOTPESampler (code of its own) went on past its second trial
    from hydra import compose, initialize_config_module

    from mia_defense.cli.plugin_checks import check_parallel_settings

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=["hparams_search=optuna_tradeoff",
                                           "hydra/sweeper/sampler=motpe",
                                           "hydra.sweeper.sampler.n_startup_trials=1"],
                      return_hydra_config=True)  # fmt: skip
    check_parallel_settings(cfg)  # (a refusal raises SystemExit)
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=["hparams_search=optuna_tradeoff",
                                           "hydra.sweeper.sampler.n_startup_trials=1"],
                      return_hydra_config=True)  # fmt: skip
    with pytest.raises(SystemExit):
        check_parallel_settings(cfg)
