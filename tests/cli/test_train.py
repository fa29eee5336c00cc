"""End to end: the real config and entry point train, attack and record a run."""

import pytest

from mia_defense.cli.train import run
from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS

ATTACKS = {"loss", "shokri", "lira_online", "lira_offline"}


def test_small_run_writes_results_and_tensorboard(tiny_run):
    result, tmp_path, payload = tiny_run.result, tiny_run.run_dir, tiny_run.payload
    assert payload == read_json(tmp_path / "results.json")
    assert payload["status"] == "complete"
    assert ATTACKS <= set(payload["attacks"])
    for metrics in payload["attacks"].values():
        assert set(metrics) >= {"auc", "advantage", "tpr@10%fpr", "tpr@1%fpr", "tpr@0.1%fpr"}
        assert 0.0 <= metrics["auc"] <= 1.0
    assert set(payload["utility"]) >= {"test_accuracy", "train_accuracy", "generalization_gap"}
    assert payload["utility"]["test_accuracy"] == result.utility["test_accuracy"]
    assert payload["utility"]["test_accuracy"] > 0.5  # 3 epochs at lr 0.01 already learn digits
    assert payload["seed"] == 0 and payload["num_models"] == 4
    assert {"torch", "opacus", "numpy"} <= set(payload["versions"])
    assert payload["config"]["plan"]["num_models"] == 4
    # the verdict comes from a black-box attack (gradient_norm is reported apart)
    assert payload["attacks"][payload["strongest_attack"]]["access"] in ("label", "outputs")
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert (tmp_path / "observations.npz").exists() and (tmp_path / "scores.npz").exists()
    assert len(list((tmp_path / "checkpoints").glob("model_*.pt"))) == 4
    assert payload["training"] == {
        "engine": "stacked", "fallback_reason": None, "stacked_draws": None,
        "parameters_without_gradient": None, "reused": 0,
        "store": None, "defenses_idle": [],
    }
    stages = ["training", "observation", "attacker's models", "attacks and bootstrap",
              "scores.npz", "tensorboard"]
    assert all(payload["timings"][stage] > 0 for stage in stages)
    assert sum(payload["timings"].values()) <= payload["wall_seconds"]


@pytest.mark.slow  # a property of trained models (8 x 60 epochs, ~3 s with test_regularization's)
def test_overfit_setting_is_vulnerable_to_lira(overfit_run):
    """`tests.helpers.OVERFIT`, trained once for this test and test_regularization's."""
    result = overfit_run.result
    assert result.utility["train_accuracy"] > 0.99
    assert result.attacks["lira_online"]["auc"] > 0.65


def test_curves_are_logged_at_the_recorded_epochs(make_cfg, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = run(make_cfg("train.epochs=5", "train.eval_every=2", *LEAN_ATTACKS, "figures=true"),
                 tmp_path)
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    # epochs 2, 4 and the last, 5 (TensorBoard steps count epochs from 1)
    for tag in ("accuracy/train", "accuracy/test", "loss/train", "loss/test"):
        assert [e.step for e in events.Scalars(tag)] == [2, 4, 5]
    assert result.utility["epochs_trained"] == 5
    # one per-class figure for all attacks, beside the ROC
    assert {"per_class", "roc"} <= set(events.Tags()["images"])
