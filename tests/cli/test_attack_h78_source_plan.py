"""mia-attack on a run whose results.json was edited: config.plan.num_models, which trained
the models, changed by hand. Accepted, it gave a new record mia-report then skipped as edited
("num_models is 4, but config.plan.num_models ... is 8"): the attack ran for nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError


def test_a_plan_num_models_edited_in_the_runs_config_is_refused(fast_run, tmp_path: Path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    payload = json.loads((run / "results.json").read_text())
    count = payload["num_models"]
    payload["config"]["plan"]["num_models"] = count + 2
    (run / "results.json").write_text(json.dumps(payload))
    with pytest.raises(DataError, match=rf"results.json: num_models is {count}, but "
                       rf"config.plan.num_models, which trained them, is {count + 2}: a figure "
                       "was changed after the run; mia-attack reads the run's facts from it"):
        read_source(run)


def test_two_paths_are_refused_naming_both(tmp_path: Path, monkeypatch, capsys):
    """``mia-attack outputs/sweep/*`` (a shell glob: several run folders) ended in Hydra's
    "Error parsing override '/.../b'" and its stack-trace hint."""
    import sys

    from mia_defense.cli.attack import main

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["mia-attack", "a", "b", "hydra.run.dir=out"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    assert ("ConfigError: two PATHs, a and b: mia-attack attacks one source per run; attack "
            "each in turn, or sweep them: mia-attack -m 'source=A,B'") in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("override", ["release=topk", "+release=topk", "defense=dp",
                                      "plan.num_models=8", "train.epochs=3"])
def test_a_training_setting_is_refused_naming_mia_train(override, tmp_path: Path, monkeypatch,
                                                        capsys):
    """release=topk got Hydra's "No match in the defaults list. To append ... use
    +release=topk", and +release=topk was then refused as an unknown key: neither said that
    a release (or a defense, the plan, training) is fixed in the run attacked."""
    import sys

    from mia_defense.cli.attack import main

    (tmp_path / "run").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["mia-attack", "run", override, "hydra.run.dir=out"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    group = override.lstrip("+").split("=")[0].split(".")[0]
    assert (f"ConfigError: {override}: mia-attack attacks what the run's models already "
            f"released (its observations); {group} is fixed when they are trained and "
            f"queried: run mia-train with {override.lstrip('+')} instead"
            ) in capsys.readouterr().err  # fmt: skip
    assert not (tmp_path / "out").exists()
