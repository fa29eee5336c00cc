"""`mia-attack PATH` (issue 20, point 2): the attack suite on a finished mia-train run or an
observations file, results in mia-train's layout in a new directory, the source untouched;
on a mia-train run it reproduces the run's attack figures exactly."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_module
from threadpoolctl import threadpool_limits

from mia_defense.cli import attack as attack_cli
from mia_defense.cli.build import run as train_run
from mia_defense.constraints import hydra_quoted
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import load_npz
from mia_defense.observations import Observations
from mia_defense.tracking import read_json
from tests.helpers import built_once, mia_attack, synthetic_observations, trained_privacy

BIN = Path(sys.executable).parent
# One tiny run's attack settings, given to mia-train and mia-attack alike.
ATTACK = ["attack.bootstrap=50", "attack.queries.num_augmented=2"]
TRAIN = ["plan.num_models=4", "train.epochs=2", "plan.population_size=200", "progress=false",
         "figures=false"]  # (mia-train's; mia-attack takes its own figures=)


def _compose(config: str, overrides: list[str]):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose(config, overrides=overrides)


def _attack_cfg(source: Path, *overrides: str):
    return _compose(attack_cli.CONFIG_NAME, [f"source={hydra_quoted(str(source))}",
                                             "progress=false", *overrides])  # fmt: skip


def _digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes (to show nothing changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A finished mia-train run (K=4, 2 epochs, 200 records, white-box and queries on)."""
    return built_once(tmp_path_factory, "attack_cli_trained_run", _trained_run)


def _trained_run(folder: Path) -> Path:
    with threadpool_limits(1):
        train_run(_compose("config", [*TRAIN, *ATTACK]), folder / "run")
    return folder / "run"


def _without_seconds(attacks: dict) -> dict:
    return {name: {k: v for k, v in figures.items() if k != "seconds"}
            for name, figures in attacks.items()}  # fmt: skip


def test_a_mia_train_run_is_reproduced_exactly_and_left_untouched(trained_run, tmp_path):
    before = _digest(trained_run)
    out = tmp_path / "attacked"
    with threadpool_limits(1):
        attack_cli.run(_attack_cfg(trained_run, *ATTACK), out)
    assert _digest(trained_run) == before
    old, new = read_json(trained_run / "results.json"), read_json(out / "results.json")
    assert new["status"] == "complete" and len(old["attacks"]) == 12
    assert _without_seconds(new["attacks"]) == _without_seconds(old["attacks"])
    for key in ("strongest_attack", "strongest_white_box_attack", "slices", "most_vulnerable",
                "privacy", "headline", "utility", "training", "defense", "config", "seed",
                "dataset", "data_fingerprint", "num_models", "hparams"):  # fmt: skip
        assert (trained_privacy(new) if key == "privacy" else new[key]) == old[key], key
    assert new["source"] == {"kind": "run_directory", "path": str(trained_run.resolve())}
    old_scores, new_scores = load_npz(trained_run / "scores.npz"), load_npz(out / "scores.npz")
    assert sorted(new_scores) == sorted(old_scores)
    for name, scores in old_scores.items():
        np.testing.assert_array_equal(new_scores[name], scores, err_msg=name)
    assert np.array_equal(load_npz(out / "observations.npz")["log_probs"],
                          load_npz(trained_run / "observations.npz")["log_probs"])
    assert list((out / "tb").glob("events.out.tfevents.*"))


@pytest.mark.slow  # ~5 s: the installed mia-attack in a process of its own
def test_the_console_script_takes_a_sweep_folder_and_attack_overrides(trained_run, tmp_path):
    """A sweep's run folder has '=' and ',' in its name: still PATH, not an override."""
    source = tmp_path / "sweep" / "train.epochs=2,plan.num_models=4"
    shutil.copytree(trained_run, source)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [str(BIN / "mia-attack"), str(source), "hydra.run.dir=out", "attack.bootstrap=0",
         "~attack.attacks.shokri", "attack.num_targets=2", "progress=false"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "strongest attack at 0.1% FPR" in done.stdout and "run directory: out" in done.stdout
    payload = read_json(tmp_path / "out" / "results.json")
    assert "shokri" not in payload["attacks"] and payload["attacks"]["loss"]["auc_ci_low"] is None
    assert payload["config"]["attack"]["bootstrap"] == 0
    assert payload["config"]["attack"]["num_targets"] == 2
    assert len(load_npz(tmp_path / "out" / "scores.npz")["targets"]) == 2
    # the source's own white_box (its gradient norms), which gradient_norm attacked
    assert payload["config"]["attack"]["white_box"] is True
    assert "gradient_norm" in payload["attacks"]
    assert payload["source"]["path"] == str(source.resolve())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{run}", "hydra.run.dir={run}/again"],
         "ConfigError: hydra.run.dir=.*/again lies in the run attacked .*: choose another "
         "directory"),
        (["{run}", "hydra.run.dir={run}"], "lies in the run attacked"),
        (["{run}/nothere.npz", "hydra.run.dir=out"],
         "DataError: .*/nothere.npz: no such file or directory; give an observations .npz"),
        ([], "usage: mia-attack PATH"),
    ],
)
def test_refusals_exit_2_before_anything_is_written(trained_run, tmp_path, args, message):
    before = _digest(trained_run)
    argv = [a.format(run=trained_run) for a in args]
    # the command's main() in this process (the console script itself: the test above)
    done = mia_attack(*argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert re.search(message, done.stderr), done.stderr[-2000:]
    assert _digest(trained_run) == before and not list(tmp_path.iterdir())


def test_an_observations_file_of_your_own_is_attacked(tmp_path):
    obs = synthetic_observations(num_models=4, num_samples=120, num_classes=3, signal=3.0)
    obs = Observations(**{**vars(obs), "test_log_probs": obs.log_probs[:, :30],
                          "test_labels": obs.labels[:30], "metadata": {"dataset": "mine"}})
    obs.save(tmp_path / "mine.npz")
    with threadpool_limits(1):
        result = attack_cli.run(
            _attack_cfg(tmp_path / "mine.npz", "attack.bootstrap=0", "seed=3", "figures=false",
                        "attack.attacks.shokri.classifier=logistic"), tmp_path / "out"
        )  # (TensorBoard's figures and Shokri's gradient boosting: most of it, not read here)
    payload = read_json(tmp_path / "out" / "results.json")
    assert payload["training"] == {"engine": "external", "fallback_reason": None}
    assert payload["dataset"] == "mine" and payload["seed"] == 3
    assert payload["utility"]["test_accuracy"] == result.utility["test_accuracy"] > 0.3
    assert payload["attacks"]["lira_online"]["auc"] > 0.9  # signal 3: members stand out
    assert "gradient_norm" not in payload["attacks"]  # no grad_norms in the file: skipped
    assert payload["source"]["kind"] == "observations" and not payload["utility_below_chance"]


def test_settings_the_observations_cannot_support_are_refused(trained_run, tmp_path):
    with pytest.raises(ConfigError, match=r"attack.num_targets=5: must lie in \[1, 4\] \(the "
                                          r"observations' models\)"):  # fmt: skip
        attack_cli.run(_attack_cfg(trained_run, "attack.num_targets=5"), tmp_path / "a")
    obs = synthetic_observations(num_models=4, num_samples=20, num_classes=3)
    obs.save(tmp_path / "o.npz")
    with pytest.raises(ConfigError, match=r"attack.shadow_recipe=undefended: needs shadow "
                                          r"models trained without the defenses"):  # fmt: skip
        attack_cli.run(_attack_cfg(tmp_path / "o.npz", "attack.shadow_recipe=undefended"),
                       tmp_path / "b")  # fmt: skip
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "results.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"hydra.run.dir=.*/c holds a run already"):
        attack_cli.run(_attack_cfg(tmp_path / "o.npz"), tmp_path / "c")
    with pytest.raises(DataError, match=r"no observations.npz in it"):
        attack_cli.run(_attack_cfg(tmp_path / "c"), tmp_path / "d")


@pytest.mark.slow  # several runs or a subprocess (1.5-3 s): make test-slow
def test_outputs_that_miss_their_own_labels_get_no_verdict(tmp_path):
    """Observations without a test set whose labels do not belong to the outputs (here
    off by one class, as a wrong class mapping gives): the members' accuracy falls below
    chance, so the attacks' scores say nothing about privacy; the run is flagged instead
    of called private."""
    obs = synthetic_observations(num_models=4, num_samples=300, num_classes=3, signal=3.0)
    obs.save(tmp_path / "good.npz")
    Observations(log_probs=obs.log_probs, labels=(obs.labels + 1) % 3, masks=obs.masks).save(
        tmp_path / "shifted.npz"
    )
    flags = {}
    for name in ("good", "shifted"):
        result = attack_cli.run(_attack_cfg(tmp_path / f"{name}.npz", "attack.bootstrap=0",
                                            "~attack.attacks.shokri"), tmp_path / name)
        payload = read_json(tmp_path / name / "results.json")
        chance = payload["utility"]["chance_accuracy"]
        assert chance == pytest.approx(np.bincount(obs.labels).max() / len(obs.labels))
        assert payload["utility_below_chance"] is result.utility_below_chance
        flags[name] = result.utility_below_chance
    assert flags == {"good": False, "shifted": True}
