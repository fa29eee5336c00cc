"""A DP-SGD run on data whose records repeat (60 digits, each 10 times, as a CSV; ε 0.995)
was told 'DP CLAIM REFUTED: measured ε >= 1.87 ... the DP claim does not hold for this
run; look for data-dependent preprocessing, ... or a bug'. The claim held: copies train the
same models (the plan's copy_leaders), so an attack's decision on one record is one on its
group of 10 copies, whose ε under DP-SGD is up to 10 times the per-record ε. The attacks'
bound is now not held to the accountant's ε when the population holds copies; the run says
why (privacy.epsilon_untested) and keeps the bound (empirical_epsilon)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.pipeline.evaluate import attack_observations
from tests.helpers import synthetic_observations


def _attacked(copy_groups: np.ndarray | None) -> dict:
    obs = synthetic_observations(num_models=8, num_samples=300, signal=6.0, seed=0)
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(8),
        evaluation=EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0),
        is_canary=np.zeros(300, bool), population_idx=np.arange(300),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.1},
        privacy={"epsilon": 0.5, "delta": 1e-5}, defense={}, training={},
        copy_groups=copy_groups,
    )  # fmt: skip
    return result.privacy


def test_a_bound_over_copies_does_not_refute_the_per_record_claim():
    alone = _attacked(None)
    assert alone["epsilon_refuted"] is True  # the leak is far above ε 0.5: refuted
    assert alone["empirical_epsilon"] > 0.5
    copied = _attacked(np.arange(300) // 2 * 2)  # records copied in pairs
    assert copied["epsilon_refuted"] is False
    assert "epsilon_refuted_reason" not in copied
    assert copied["empirical_epsilon"] == pytest.approx(alone["empirical_epsilon"])
    assert copied["epsilon_untested"].startswith("300 of the records judged have an exact copy")
    assert "attack.audit=one_run" in copied["epsilon_untested"]


@pytest.mark.slow
def test_mia_train_on_repeated_rows_under_dp_refutes_nothing(tmp_path):
    from sklearn.datasets import load_digits

    from tests.helpers import mia_train

    digits = load_digits()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(digits.target), 60, replace=False)
    x = np.repeat(digits.data[pick] / 16, 10, axis=0)
    y = np.repeat(digits.target[pick], 10)
    order = rng.permutation(600)
    rows = [",".join(f"{v:g}" for v in row) + f",{label}" for row, label in
            zip(x[order], y[order], strict=True)]
    (tmp_path / "rows.csv").write_text(
        ",".join(f"f{i}" for i in range(64)) + ",label\n" + "\n".join(rows) + "\n")
    run = tmp_path / "run"
    done = mia_train(
        "dataset=csv", f"dataset.path={tmp_path / 'rows.csv'}", "dataset.label_column=label",
        "dataset.standardize=false", "plan.num_models=8", "plan.population_size=500",
        "train.batch_size=32", "train.epochs=40", "train.lr=0.01", "defense=dp",
        "defense.dp.target_epsilon=1", "defense.dp.max_grad_norm=5",
        "attack.bootstrap=0", "attack.queries.num_augmented=0", "attack.white_box=false",
        "~attack.attacks.shokri", "figures=false", "progress=false", f"hydra.run.dir={run}",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    privacy = json.loads((run / "results.json").read_text())["privacy"]
    assert privacy["empirical_epsilon"] > privacy["epsilon"]  # the copies' group leak
    assert privacy["epsilon_refuted"] is False, privacy["epsilon_refuted_reason"]
    assert privacy["epsilon_untested"].startswith("500 of the records judged have an exact")


def test_the_bootstrap_draws_copies_together():
    # every record twice: drawing groups of copies is drawing the records once over (the
    # same draws, the same intervals); drawing the copies apart narrowed the intervals
    from mia_defense.metrics.bootstrap import bootstrap_intervals

    obs = synthetic_observations(num_models=4, num_samples=150, signal=1.0, seed=2)
    scores, truth = obs.log_probs[:, :, 0], obs.masks
    twice_scores, twice_truth = np.hstack([scores, scores]), np.hstack([truth, truth])
    groups = np.tile(np.arange(150), 2)
    options = {"fprs": (0.1,), "num_resamples": 300, "seed": 5}
    once = bootstrap_intervals(scores, truth, **options)
    grouped = bootstrap_intervals(twice_scores, twice_truth, groups=groups, **options)
    apart = bootstrap_intervals(twice_scores, twice_truth, **options)
    assert grouped.auc == once.auc and grouped.tpr_at_fpr == once.tpr_at_fpr
    width = once.auc[1] - once.auc[0]
    assert apart.auc[1] - apart.auc[0] < 0.85 * width
    # no groups: the draws of before (each record its own group, in any labels)
    own = bootstrap_intervals(scores, truth, groups=np.arange(150) * 7, **options)
    assert own.auc == once.auc
