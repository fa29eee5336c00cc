"""A run refused for a config error before it saved a model leaves its directory as it
found it: the corrected config then runs there (it was refused as 'a running run of
another config', the refused config's mark left behind)."""

from __future__ import annotations

import json

import pytest

from mia_defense import experiment
from mia_defense.cli.build import run
from mia_defense.errors import ConfigError


@pytest.mark.slow  # ~4 s: a DP config refused after its σ search, then a whole run
def test_a_config_refused_before_training_leaves_no_mark_and_the_fix_runs_there(make_cfg,
                                                                                tmp_path):
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"defense.dp.delta=0.5: at or above 1/N"):
        run(make_cfg("defense=dp", "defense.dp.delta=0.5"), run_dir)
    assert not (run_dir / "results.json").exists()
    run(make_cfg("plan.num_models=2", "train.epochs=1", "attack.bootstrap=0"), run_dir)
    assert json.loads((run_dir / "results.json").read_text())["status"] == "complete"


def test_an_error_after_models_were_saved_keeps_the_mark_a_resume_needs(make_cfg, tmp_path,
                                                                        monkeypatch):
    def refuse(*args, **kwargs):
        raise ConfigError("attack: refused after training")

    monkeypatch.setattr(experiment, "attack_observations", refuse)
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError, match="refused after training"):
        run(make_cfg("plan.num_models=2", "train.epochs=1", "attack.bootstrap=0"), run_dir)
    payload = json.loads((run_dir / "results.json").read_text())
    assert payload["status"] == "failed"  # (a mark that is not complete: the next launch resumes)
    assert payload["failed"] == {"error": "ConfigError",
                                 "message": "attack: refused after training"}
    assert list((run_dir / "checkpoints").glob("*.pt"))
