"""h535: a config of one's own built on mia-attack's (``defaults: [mia_attack, _self_]`` in
--config-dir DIR, as 6901e386 and 57640ff0 tell a user to write) was refused by mia-attack:
"hydra config: hydra.callbacks.check_config: mia-defense's own callback
(mia_defense.cli.train.CheckConfigCallback) is missing; ...", since `refuse_code_in_hydra`
held any primary config but config and mia_attack to mia-train's callbacks, whichever tool
ran. A config is held to the callbacks of the tool running (`tool_running`) now: it runs
under mia-attack, one that drops mia-attack's callbacks is still refused, and mia-train's
own configs keep theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_attack, mia_train, synthetic_observations


def _refusal(done) -> str:
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    return lines[0]


def _own(tmp_path: Path, text: str) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "own.yaml").write_text(text)


# (joblib's workers compose each job where no tool runs: held to the tool whose own
# callbacks the job's config names, mia-attack's source_check)
@pytest.mark.parametrize("args", [(), ("-m", "seed=1,2"), ("-m", "seed=1,2",
                                                          "hydra/launcher=joblib")],
                         ids=["run", "sweep", "joblib-sweep"])
def test_an_own_config_on_mia_attack_runs(tmp_path: Path, args: tuple[str, ...]):
    _own(tmp_path, "defaults: [mia_attack, _self_]\n")
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    out = tmp_path / "out"
    done = mia_attack("o.npz", "--config-dir", "f", "--config-name", "own", *args,
                      f"hydra.run.dir={out}", f"hydra.sweep.dir={out}", cwd=tmp_path)
    assert done.returncode == 0 and "ConfigError" not in done.stderr, done.stderr[-2000:]
    assert len(list(out.rglob("results.json"))) == (2 if args else 1), done.stderr[-2000:]


@pytest.mark.parametrize("dropped", ["source_check", "run_dir_check"])
def test_an_own_config_dropping_mia_attacks_callbacks_is_refused(tmp_path: Path, dropped):
    _own(tmp_path, f"defaults: [mia_attack, _self_]\nhydra:\n  callbacks:\n    {dropped}: null\n")
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    said = _refusal(mia_attack("o.npz", "--config-dir", "f", "--config-name", "own",
                               f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert f"hydra.callbacks.{dropped}: mia-defense's own callback" in said, said
    assert "is missing" in said and "check_config" not in said, said
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text", [
    "defaults: [config, _self_]\nhydra:\n  callbacks:\n    check_config: null\n",
    "defaults: [mia_attack, _self_]\n",  # (mia-attack's callbacks, not mia-train's)
], ids=["dropped", "attack-config"])
def test_mia_trains_own_configs_keep_its_callbacks(tmp_path: Path, text: str):
    _own(tmp_path, text)
    said = _refusal(mia_train("--config-dir", "f", "--config-name", "own",
                              f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert "hydra.callbacks.check_config: mia-defense's own callback" in said, said
    assert "is missing" in said, said
    assert not (tmp_path / "run").exists()


def test_an_own_config_on_mia_attack_names_its_keys(tmp_path: Path):
    """A key too long for a file name, under an own config on mia_attack, points to
    mia-attack's keys (`_long_choice_refusal`), as with mia_attack itself (h519)."""
    _own(tmp_path, "defaults: [mia_attack, _self_]\n")
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    said = _refusal(mia_attack("o.npz", "--config-dir", "f", "--config-name", "own",
                               f"attack.{'x' * 300}=1", cwd=tmp_path))
    assert said.endswith("Correct the key (keys: mia-attack --cfg job)"), said
