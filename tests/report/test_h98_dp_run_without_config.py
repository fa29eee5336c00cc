"""A DP run whose results.json lost its ``config`` (or ``config.defense``) by hand: its ε
cannot be checked against the settings that spent it (shuffled batches, gdp, scaled
features, defenses of one's own all make it no guarantee), yet mia-report and mia-attack
read ``epsilon_valid: true`` as a guarantee. Now both mark it as none, saying why."""

import json

import pytest
from hydra import compose, initialize_config_module

from mia_defense.cli import attack as attack_cli
from mia_defense.constraints import hydra_quoted
from mia_defense.report import load_runs, summarise
from mia_defense.tracking import SCHEMA_VERSION
from tests.helpers import LEAN_ATTACKS, synthetic_observations
from tests.report.fake_runs import make_run, rewrite_results

CLAIM = {"epsilon": 2.0, "delta": 1e-5, "noise_multiplier": 1.1, "accountant": "rdp",
         "epsilon_valid": True, "epsilon_refuted": False}  # fmt: skip


def _delete_config(payload):
    del payload["config"]


def _delete_defense(payload):
    del payload["config"]["defense"]


@pytest.mark.parametrize(("change", "said"), [
    (_delete_config, "results.json records no config"),
    (_delete_defense, "results.json records no config.defense"),
])  # fmt: skip
def test_mia_report_shows_the_epsilon_of_a_run_without_its_config_as_no_guarantee(
    tmp_path, change, said
):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.8, signal=0.3, defense="dp")
    rewrite_results(run, lambda p: (p.update(privacy=dict(CLAIM)), change(p)))
    loaded = load_runs([run])
    (note,) = [n for _, n in loaded.caveats if n.startswith("its ε 2 is not a guarantee")]
    assert said in note and "rerun the run with mia-train" in note
    (summary,) = summarise(loaded.runs)
    assert summary.epsilon == 2.0 and summary.epsilon_valid is False


@pytest.mark.parametrize("config", ["absent", None, {"seed": 0}])
def test_mia_attack_carries_the_epsilon_of_a_run_without_its_config_as_no_guarantee(
    tmp_path, config
):
    """mia-attack reads ``config: null`` as empty (tests/hostile/test_inputs_redteam.py),
    and still attacks such a run; its ε is carried as none."""
    run = tmp_path / "run"
    run.mkdir()
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(
        run / "observations.npz")
    payload = {
        "schema_version": SCHEMA_VERSION, "status": "complete", "seed": 0, "dataset": "digits",
        "num_models": 4, "utility": {"test_accuracy": 0.9, "train_accuracy": 0.95,
                                     "generalization_gap": 0.05, "chance_accuracy": 0.34},
        "attacks": {"loss": {"access": "outputs", "auc": 0.6}}, "defense": {"defense": "dp"},
        "privacy": dict(CLAIM), "hparams": {}, "training": {"engine": "stacked"},
    }  # fmt: skip
    if config != "absent":
        payload["config"] = config
    (run / "results.json").write_text(json.dumps(payload))
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={hydra_quoted(str(run))}", "progress=false", *LEAN_ATTACKS])
    attack_cli.run(cfg, tmp_path / "out")
    privacy = json.loads((tmp_path / "out" / "results.json").read_text())["privacy"]
    assert privacy["epsilon"] == 2.0 and privacy["epsilon_valid"] is False
    assert "results.json records no config" in privacy["epsilon_invalid_reason"]
