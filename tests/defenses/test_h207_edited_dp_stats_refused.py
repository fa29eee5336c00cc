"""A resumed DP-SGD run's ε comes from its models' recorded σ, q, steps and δ: a checkpoint
whose figures were edited (a larger σ, fewer steps, an ε to match) is refused, naming it,
instead of reporting the smaller ε it claims."""

from __future__ import annotations

import re

import pytest

from mia_defense.cli.train import run
from mia_defense.defenses.accounting import epsilon_spent
from mia_defense.errors import DataError
from mia_defense.tracking import read_json
from mia_defense.training.checkpoints import load_checkpoint, save_checkpoint

TINY_DP = ["plan.num_models=4", "plan.population_size=200", "train.epochs=2", "defense=dp",
           "~attack.attacks.shokri", "attack.bootstrap=0", "attack.queries.num_augmented=0",
           "attack.white_box=false"]  # (the attacks' extras: not what is checked)


def _edit(path, change):
    payload = load_checkpoint(path)
    change(payload["history"]["stats"])
    save_checkpoint(path, payload)


def _more_noise_fewer_steps(stats):
    stats["noise_multiplier"] *= 3
    stats["steps"] = max(1.0, stats["steps"] // 2)
    stats["epsilon"] = epsilon_spent(
        "rdp", ((stats["noise_multiplier"], stats["sample_rate"], int(stats["steps"])),),
        stats["delta"])


def test_edited_dp_figures_in_a_checkpoint_are_refused_on_resume(make_cfg, tmp_path):
    run(make_cfg(*TINY_DP), tmp_path)
    claimed = read_json(tmp_path / "results.json")["privacy"]["epsilon"]
    (tmp_path / "results.json").unlink()
    run(make_cfg(*TINY_DP), tmp_path)  # an untouched resume reports the same ε
    assert read_json(tmp_path / "results.json")["privacy"]["epsilon"] == claimed
    (tmp_path / "results.json").unlink()
    path = tmp_path / "checkpoints" / "model_0002.pt"
    _edit(path, _more_noise_fewer_steps)
    with pytest.raises(DataError, match=rf"checkpoint {re.escape(str(path))} .*records DP-SGD "
                       r"figures this run's settings do not give \(noise_multiplier .*; steps "
                       rf".*Delete {re.escape(str(path))} to retrain"):
        run(make_cfg(*TINY_DP), tmp_path)
    assert not (tmp_path / "results.json").exists()
    _edit(path, lambda stats: stats.pop("noise_multiplier"))  # a figure deleted: refused too
    with pytest.raises(DataError, match=r"noise_multiplier None, this run's settings give"):
        run(make_cfg(*TINY_DP), tmp_path)
