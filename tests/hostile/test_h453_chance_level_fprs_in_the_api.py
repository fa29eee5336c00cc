"""h449's warning for attack.fprs whose lowest is 0.5 or more (the headline, the TPR at the
lowest FPR, is one random guessing scores there) was given by mia-train and mia-attack but
not by api.audit(obs, overrides=['attack.fprs=[0.999999]']) or api.run_audit: a library
caller's table was headed by a guesser's figure without a word. Both now log
`chance_level_headline` (one path); observe_models refuses attack.fprs (not its setting),
and mia-attack, which warned before reading its source, says it once (h453)."""

from __future__ import annotations

import logging

import pytest

from mia_defense import api, api_models
from mia_defense.cli import attack as attack_cli
from tests.helpers import LEAN_ATTACKS, synthetic_observations

LEAN = [o for o in LEAN_ATTACKS if o.startswith("attack.") or o.startswith("~attack.")]


def _warned(caplog) -> list[str]:
    return [m for m in caplog.messages if m.startswith("attack.fprs: its lowest")]


@pytest.fixture(scope="module")
def obs():
    return synthetic_observations(num_models=4, num_samples=60, num_classes=3)


@pytest.mark.parametrize(("fprs", "warned"), [("[0.999999]", 1), ("[0.9,0.5]", 1),
                                              ("[0.001,0.999999]", 0)])  # fmt: skip
def test_audit_warns_of_a_chance_level_headline(obs, caplog, fprs, warned):
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        api.audit(obs, overrides=[*LEAN, f"attack.fprs={fprs}"])
    assert len(_warned(caplog)) == warned


@pytest.mark.parametrize(("fprs", "warned"), [("[0.5]", 1), ("[0.1]", 0)])
def test_run_audit_warns_of_a_chance_level_headline(obs, caplog, fprs, warned):
    cfg = api.attack_config([*LEAN, f"attack.fprs={fprs}"])
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        api.run_audit(obs, cfg, defended=True)
    assert len(_warned(caplog)) == warned


def test_observe_models_refuses_attack_fprs():
    with pytest.raises(api.ConfigError, match=r"attack\.fprs=\[0\.999999\].*api\.audit"):
        api_models._query_config(["attack.fprs=[0.999999]"], num_augmented=0, repeats=None, seed=0)


def test_mia_attack_says_it_once(obs, tmp_path, caplog):
    from hydra import compose, initialize_config_module

    from mia_defense.constraints import hydra_quoted

    obs.save(tmp_path / "o.npz")
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={hydra_quoted(str(tmp_path / 'o.npz'))}", "progress=false",
            "attack.fprs=[0.999999]", *LEAN_ATTACKS])  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        attack_cli.run(cfg, tmp_path / "out")
    assert len(_warned(caplog)) == 1
