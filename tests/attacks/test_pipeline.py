"""The attack suite on real trained models: strength ordering, canaries, recorded metrics."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from mia_defense.attacks import lira, loss_attack, rmia
from mia_defense.canaries import insert_canaries
from mia_defense.cli.train import run
from mia_defense.data.sklearn_datasets import load_digits
from mia_defense.errors import ConfigError
from mia_defense.metrics import roc_metrics
from mia_defense.observations import Observations
from mia_defense.plan import make_plan
from mia_defense.tracking import read_json
from tests.helpers import built_once

NUM_CANARIES = 40


@pytest.fixture(scope="module")
def overfit_run(tmp_path_factory):
    """The default experiment (16 MLPs on digits, train accuracy ~1, test ~0.95) with 40
    mislabeled canaries; a few seconds on one core, once per test session."""
    return built_once(tmp_path_factory, "pipeline_overfit_run", _overfit_run)


def _overfit_run(run_dir):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(
            "config",
            overrides=[
                "progress=false",
                "figures=false",  # TensorBoard's figures: not read here
                "train.eval_every=30",  # the curves (a sixth of the run): not read here
                "attack.bootstrap=50",
                "attack.queries.num_augmented=2",
                f"attack.canaries.num={NUM_CANARIES}",
                "~attack.attacks.shokri",
            ],
        )
    result = run(cfg, run_dir)
    data = np.load(run_dir / "observations.npz")
    obs = Observations(data["log_probs"], data["labels"], data["masks"])
    return result, obs, data["is_canary"], run_dir


def _pooled_tpr(attack, obs: Observations, refs_per_target: int | None, fpr: float) -> float:
    """TPR at ``fpr`` pooled over every target, each attacked with its own reference set."""
    scores, truth = [], []
    for t in range(obs.num_models):
        if refs_per_target is None:
            sub, target = obs, t
        else:
            refs = [(t + 1 + j) % obs.num_models for j in range(refs_per_target)]
            sub, target = obs.take([t, *refs]), 0
        scores.append(attack(sub, np.array([target]))[0])
        truth.append(sub.masks[target])
    return roc_metrics(np.array(scores), np.array(truth)).tpr_at_fpr[fpr]


def test_lira_and_rmia_beat_loss_with_16_models(overfit_run):
    """With 15 references per target, per-example calibration finds the records the loss
    threshold misses (hard records with high loss that the model still memorised)."""
    _, obs, is_canary, _ = overfit_run
    obs = Observations(obs.log_probs[:, ~is_canary], obs.labels[~is_canary],
                       obs.masks[:, ~is_canary])
    loss = _pooled_tpr(loss_attack, obs, None, 0.01)
    assert _pooled_tpr(lira, obs, None, 0.01) > 2 * loss
    assert _pooled_tpr(rmia, obs, None, 0.01) > 2 * loss


def test_rmia_beats_offline_lira_with_three_reference_models(overfit_run):
    """With 3 references an eighth of the records have no OUT reference and the others
    one to three: LiRA offline's Gaussian (mean of 1-3 logits, pooled variance) is then
    mostly noise, while RMIA's ratio to the references' average probability, scaled by
    ``a``, degrades gracefully. On this run the gap is 1.7x at 1% FPR (measured 0.0265 vs
    0.0158; 0.0305 vs 0.0159 before `ranked_within_strata`: the 4 models of a subset hold
    the records unevenly); asserting a 1.25x margin leaves room for seeds and platforms. (With 2
    references, 1.6x once, no closed record keeps any: each holds as many IN as OUT
    references for one membership of the target and not for the other, see
    `balanced_references`.)"""
    _, obs, is_canary, _ = overfit_run
    obs = Observations(obs.log_probs[:, ~is_canary], obs.labels[~is_canary],
                       obs.masks[:, ~is_canary])
    offline_lira = _pooled_tpr(lambda o, t: lira(o, t, online=False), obs, 3, 0.01)
    assert _pooled_tpr(rmia, obs, 3, 0.01) > 1.25 * offline_lira


def test_results_record_intervals_epsilon_slices_and_canaries(overfit_run):
    _, obs, is_canary, run_dir = overfit_run
    payload = read_json(run_dir / "results.json")
    assert is_canary.sum() == NUM_CANARIES and payload["canaries"] == NUM_CANARIES
    for name, m in payload["attacks"].items():
        for key in ("auc", "tpr@1%fpr", "tpr@0.1%fpr"):
            assert m[f"{key}_ci_low"] <= m[key] <= m[f"{key}_ci_high"], (name, key)
        assert m["empirical_epsilon"] >= 0.0
    assert payload["privacy"]["empirical_epsilon"] == max(
        m["empirical_epsilon"] for m in payload["attacks"].values()
    )
    assert payload["privacy"]["empirical_epsilon_delta"] == 1e-5  # no DP: conventional δ
    lira_slices = payload["slices"]["lira_online"]
    assert {f"class_{c}" for c in range(10)} <= set(lira_slices)
    # mislabeled canaries are memorised by the models that train on them: far more exposed
    assert lira_slices["canaries"]["records"] == NUM_CANARIES
    assert lira_slices["canaries"]["auc"] > payload["attacks"]["lira_online"]["auc"] + 0.1
    assert lira_slices["canaries"]["tpr@1%fpr"] > payload["attacks"]["lira_online"]["tpr@1%fpr"]
    # the headline metrics pool the regular records only
    scores = np.load(run_dir / "scores.npz")
    regular = roc_metrics(scores["scores/lira_online"][:, ~is_canary], obs.masks[:, ~is_canary])
    assert payload["attacks"]["lira_online"]["auc"] == pytest.approx(regular.auc)
    vuln = scores["vulnerability/lira_online"]
    assert vuln.shape == (obs.labels.shape[0],)
    worst = payload["most_vulnerable"]
    assert len(worst) == 10 and worst[0]["record_auc"] == np.nanmax(
        scores[f"vulnerability/{payload['strongest_attack']}"]
    )


def test_canary_insertion_leaves_the_rest_of_the_plan_intact():
    data = load_digits()
    plan = make_plan(data, num_models=8, population_size=500, test_size=300, seed=3)
    for kind in ("mislabeled", "outlier"):
        out = insert_canaries(data, plan, num=25, kind=kind, seed=3)
        n = plan.population_size
        np.testing.assert_array_equal(out.plan.population_idx[:n], plan.population_idx)
        np.testing.assert_array_equal(out.plan.masks[:, :n], plan.masks)
        np.testing.assert_array_equal(out.plan.test_idx, plan.test_idx)
        np.testing.assert_array_equal(out.dataset.x[: len(data)], data.x)
        np.testing.assert_array_equal(out.dataset.y[: len(data)], data.y)
        assert out.is_canary.sum() == 25 and out.is_canary[n:].all()
        assert (out.plan.masks[:, n:].sum(axis=0) == 4).all()  # each in exactly K/2 models
        canaries = out.plan.population_idx[n:]
        assert (canaries >= len(data)).all()
    # mislabeled canaries take the features of rows outside the splits, under another label
    out = insert_canaries(data, plan, num=25, kind="mislabeled", seed=3)
    x, y = out.dataset.x[len(data):], out.dataset.y[len(data):]
    outside = np.setdiff1d(np.arange(len(data)), np.r_[plan.population_idx, plan.test_idx])
    for xi, yi in zip(x, y, strict=True):
        same = np.flatnonzero((data.x == xi).all(axis=1))
        assert len(same) == 1 and same[0] in outside and data.y[same[0]] != yi
    with pytest.raises(ConfigError, match="choose from"):
        insert_canaries(data, plan, num=5, kind="typo", seed=0)


def test_empirical_epsilon_of_a_dp_run_stays_below_the_accountant(make_cfg, tmp_path):
    """DP-SGD at ε = 1: the audit bound, at the run's own δ, must not exceed it."""
    cfg = make_cfg("defense=dp", "defense.dp.target_epsilon=1", "attack.bootstrap=20",
                   "attack.queries.num_augmented=2")
    result = run(cfg, tmp_path)
    payload = read_json(tmp_path / "results.json")
    privacy = payload["privacy"]
    assert privacy["epsilon"] <= 1.05
    assert privacy["empirical_epsilon_delta"] == pytest.approx(privacy["delta"])
    assert 0.0 <= privacy["empirical_epsilon"] <= privacy["epsilon"]
    assert result.privacy["empirical_epsilon"] == privacy["empirical_epsilon"]
    assert privacy["epsilon_refuted"] is False and "epsilon_refuted_reason" not in privacy
