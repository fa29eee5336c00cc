"""``attack.fprs=[0.999999]`` (or [0.5]) ended 'strongest attack at 99.9999% FPR: rmia (TPR
1.0000)' with no word that a random guess (TPR = FPR) scores the same there: the headline,
the TPR at the lowest of attack.fprs, carried no evidence of a leak. mia-train and
mia-attack now warn before any work where the lowest FPR is 0.5 or more, naming what a
guesser scores and suggesting 0.001; a high FPR beside a low one passes unsaid (h449)."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module

from mia_defense.cli import attack as attack_cli
from mia_defense.cli import build
from mia_defense.constraints import hydra_quoted
from mia_defense.metrics.roc import chance_level_headline
from tests.helpers import LEAN_ATTACKS, synthetic_observations


def _warned(caplog) -> list[str]:
    return [m for m in caplog.messages if m.startswith("attack.fprs: its lowest")]


@pytest.mark.parametrize(("fprs", "guess"), [([0.999999], "0.999999"), ([0.9, 0.5], "0.5")])
def test_a_lowest_fpr_of_one_half_or_more_is_said_to_be_a_guessers_tpr(fprs, guess):
    said = chance_level_headline(fprs)
    assert said is not None
    assert f"random guessing scores a TPR of {guess} there" in said
    assert "0.001" in said


@pytest.mark.parametrize("fprs", [[0.001, 0.999999], [0.1], [0.4999]])
def test_a_low_fpr_among_them_passes_unsaid(fprs):
    assert chance_level_headline(fprs) is None


@pytest.mark.parametrize(("fprs", "warned"), [("[0.5]", True), ("[0.001,0.5]", False)])
def test_mia_train_warns_before_training(make_cfg, tmp_path, caplog, fprs, warned):
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with build.claimed_run(make_cfg(f"attack.fprs={fprs}"), tmp_path / "run"):
            pass  # (the claim: checked and warned, nothing trained)
    assert bool(_warned(caplog)) is warned


@pytest.mark.parametrize(("fprs", "warned"), [("[0.999999]", True), ("[0.001,0.999999]", False)])
def test_mia_attack_warns_before_attacking(tmp_path, caplog, fprs, warned, monkeypatch):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={hydra_quoted(str(tmp_path / 'o.npz'))}", "progress=false",
            f"attack.fprs={fprs}", *LEAN_ATTACKS])  # fmt: skip

    def stop(*_args, **_kwargs):
        raise _Stopped

    monkeypatch.setattr(attack_cli, "_from_launch_dir", stop)  # (the source: after the check)
    with caplog.at_level(logging.WARNING, logger="mia_defense"), pytest.raises(_Stopped):
        attack_cli.run(cfg, tmp_path / "out")
    assert bool(_warned(caplog)) is warned


class _Stopped(Exception):
    """Raised where mia-attack's run reads its source: the warning came before."""
