"""defense.advreg.attack_lr too high (1e20) without a warm-up: the inference models take
attack_steps steps of their own before the classifier's first loss, and their weights
overflow. The run was refused as 'ConfigError: defense AdversarialRegularization: its loss
is NaN or inf on the run's first batch ... so no learning rate causes it: look in its loss
for a log of 0' (status failed); it is a divergence naming attack_lr, as with a warm-up."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import DivergedError
from mia_defense.tracking import read_json
from tests.hostile.test_run_dir import FAST


@pytest.mark.parametrize("warmup", [0, 1])
def test_an_inference_model_lr_that_overflows_is_a_divergence_naming_it(
    tmp_path, make_cfg, warmup
):
    cfg = make_cfg(*FAST, "defense=advreg", "plan.reference_size=50", "train.epochs=2",
                   "defense.advreg.attack_lr=1e20", f"defense.advreg.warmup_epochs={warmup}")
    with pytest.raises(DivergedError, match=r"training diverged: .*"
                       r"likely cause: .*defense\.advreg\.attack_lr=1e\+20"):
        run(cfg, tmp_path)
    payload = read_json(tmp_path / "results.json")
    assert payload["status"] == "diverged"
    assert "defense.advreg.attack_lr=1e+20" in payload["diverged"]["reason"]
    if warmup == 0:
        assert "inference models' membership scores became NaN or inf" in (
            payload["diverged"]["reason"])


def test_the_default_game_is_not_stopped(tmp_path, make_cfg):
    cfg = make_cfg(*FAST, "defense=advreg", "plan.reference_size=50", "train.epochs=2")
    run(cfg, tmp_path)
    assert read_json(tmp_path / "results.json")["status"] == "complete"
