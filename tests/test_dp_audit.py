"""DP audit sanity: on canaries, no attack may prove more privacy loss than DP-SGD allows."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.cli.train import run
from mia_defense.metrics.epsilon import empirical_epsilon
from mia_defense.metrics.roc import roc_metrics
from mia_defense.tracking import load_npz, read_json


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_canary_audit_of_a_dp_run_stays_below_the_accountant(make_cfg, tmp_path, engine):
    """Train with DP-SGD at ε = 1, attack mislabeled canaries, bound ε from below on them.

    A broken DP implementation (noise or clipping missing) lets the canaries be found with
    a TPR at low FPR that proves ε above the accountant's: this test then fails. Checked by
    forcing the noise to zero while the accountant still reports ε = 1 (monkeypatching
    ``gaussian_noise`` in ``mia_defense.defenses.dp`` (Opacus engine) and
    ``mia_defense.defenses.dp_stacked`` (stacked engine) to return zeros, then calling this
    test): the canary bounds reach 1.65 to 2.53 (loss 2.21, label_only 2.53) and the last
    assertion fails; with the noise every bound is 0.0. 10 epochs make the noiseless models
    memorise the canaries (3 did not: the audit then passed with zero noise too).
    """
    cfg = make_cfg(
        "defense=dp", "defense.dp.target_epsilon=1", "plan.num_models=8", "train.epochs=10",
        f"train.engine={engine}", "train.eval_every=10",  # (the curves: not read)
        "attack.canaries.num=64", "attack.canaries.kind=mislabeled", "attack.bootstrap=0",
        "attack.queries.num_augmented=0", "attack.white_box=false", "~attack.attacks.shokri",
    )  # fmt: skip
    run(cfg, tmp_path)
    privacy = read_json(tmp_path / "results.json")["privacy"]
    accountant, delta = privacy["epsilon"], privacy["delta"]
    assert 0 < accountant <= 1.05
    scores = load_npz(tmp_path / "scores.npz")
    is_canary = scores["is_canary"]
    assert is_canary.sum() == 64
    truth = load_npz(tmp_path / "observations.npz")["masks"][scores["targets"]][:, is_canary]
    bounds = {}
    for key in scores:
        if key.startswith("scores/"):
            canary_scores = scores[key][:, is_canary]
            roc = roc_metrics(canary_scores, truth, fprs=(0.01,))
            bounds[key] = empirical_epsilon(
                roc.fpr, roc.tpr, num_members=int(truth.sum()),
                num_nonmembers=int((~truth).sum()), delta=delta,
            )  # fmt: skip
    assert len(bounds) >= 5
    finite = {k: v for k, v in bounds.items() if np.isfinite(v)}
    assert finite, bounds
    assert all(0.0 <= v <= accountant for v in finite.values()), (accountant, bounds)
