"""A class of 2 records (plan.population_size=40 on digits: classes of 3 and 4 records) got
an AUC and TPRs in results.json's slices and TensorBoard's per-class heatmap as if they were
the class's leak, where they are those two records' own (at 2 targets an AUC of 0, 0.5 or 1).
A class slice of fewer than MIN_SLICE_RECORDS records now carries its counts and
``too_few_records: true``, no figures; the heatmap names its count. Larger slices' figures
and the canaries' (their count is the user's, said beside them) are as before."""

from __future__ import annotations

import math

import numpy as np

from mia_defense.api import audit
from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.metrics.records import MIN_SLICE_RECORDS, slice_metrics
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import _record_views
from mia_defense.tracking.figures import _column_label, class_figure
from tests.helpers import synthetic_observations

_FPRS = [0.1, 0.01]


def _slices(obs: Observations, is_canary: np.ndarray):
    targets = np.arange(obs.num_models)
    results = run_attacks(obs, {"loss": loss_attack}, targets=targets,
                          evaluation=EvaluationConfig(fprs=_FPRS, bootstrap=0))  # fmt: skip
    _, slices, _ = _record_views(
        results, obs, is_canary=is_canary, population_idx=np.arange(len(obs.labels)),
        fprs=_FPRS, strongest_name="loss",
    )
    return results, slices["loss"]


def test_a_class_of_two_records_gets_its_count_and_no_figure():
    obs = synthetic_observations(num_models=4, num_samples=200, num_classes=3, signal=2.0)
    labels = obs.labels.copy()
    labels[labels == 2] = 1
    labels[[5, 9]] = 2  # class 2: two records
    obs = Observations(log_probs=obs.log_probs, labels=labels, masks=obs.masks)
    results, got = _slices(obs, np.zeros(200, bool))
    assert got["class_2"]["records"] == 2 and got["class_2"]["too_few_records"] is True
    assert got["class_2"]["nonmember_scores"] == int((~obs.masks[:, [5, 9]]).sum())
    assert all(math.isnan(got["class_2"][k]) for k in ("auc", "tpr@10%fpr", "tpr@1%fpr"))
    # the other classes' figures are those slice_metrics gives, unmarked
    scores, truth = results["loss"].scores, obs.masks
    for c in (0, 1):
        want = slice_metrics(scores, truth, {"x": labels == c}, fprs=_FPRS)["x"]
        assert got[f"class_{c}"] == want and "too_few_records" not in got[f"class_{c}"]


def test_the_threshold_and_the_canaries():
    obs = synthetic_observations(num_models=4, num_samples=120, num_classes=4, signal=2.0)
    labels = obs.labels % 2
    labels[:MIN_SLICE_RECORDS] = 2  # class 2: exactly MIN_SLICE_RECORDS records, a figure
    labels[MIN_SLICE_RECORDS:2 * MIN_SLICE_RECORDS - 1] = 3  # class 3: one fewer, none
    obs = Observations(log_probs=obs.log_probs, labels=labels, masks=obs.masks)
    is_canary = np.zeros(120, bool)
    is_canary[-2:] = True  # two canaries: the user asked for two, and sees the count
    _, got = _slices(obs, is_canary)
    assert "too_few_records" not in got["class_2"] and not math.isnan(got["class_2"]["auc"])
    assert got["class_3"]["too_few_records"] is True
    assert got["canaries"]["records"] == 2 and "too_few_records" not in got["canaries"]
    assert list(got)[-1] == "canaries"


def test_slice_metrics_keeps_its_figures_unless_asked():
    truth = np.array([[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0]], dtype=bool)
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.5], [0.8, 0.4, 0.5], [0.1, 0.2, 0.5]])
    first = {"first": np.array([True, False, False])}
    assert slice_metrics(scores, truth, first, fprs=(0.1,))["first"]["auc"] == 1.0
    out = slice_metrics(scores, truth, first, fprs=(0.1,), min_records=2)["first"]
    assert out["records"] == 1 and out["too_few_records"] is True and math.isnan(out["auc"])


def test_the_heatmap_names_the_count_of_a_slice_without_figures():
    slices = {"loss": {"class_0": {"records": 50, "auc": 0.6, "tpr@1%fpr": 0.02},
                       "class_1": {"records": 2, "auc": math.nan, "tpr@1%fpr": math.nan,
                                   "too_few_records": True}}}  # fmt: skip
    assert _column_label("class_0", slices) == "0"
    assert _column_label("class_1", slices) == "1 (n=2)"
    fig = class_figure(slices)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["0", "1 (n=2)"]
    assert "too few records" in fig.axes[0].get_xlabel()


def test_a_heatmap_of_only_tiny_classes_draws_without_a_warning():
    import warnings

    few = {"records": 3, "auc": math.nan, "tpr@1%fpr": math.nan, "too_few_records": True}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "All-NaN slice encountered" on stderr
        fig = class_figure({"loss": {"class_0": few, "class_1": dict(few)}})
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0 (n=3)", "1 (n=3)"]


def test_the_heatmap_says_which_classes_tpr_is_the_tpr_at_fpr_zero():
    # a digits class of ~100 records at 2 targets: ~100 non-member scores, so its TPR at
    # 0.1% FPR is the TPR at FPR 0; the heatmap titled it TPR@0.1%FPR as for any class
    row = {"records": 100, "nonmember_scores": 100, "auc": 0.55, "tpr@0.1%fpr": 0.01}
    wide = {**row, "nonmember_scores": 5000}
    fig = class_figure({"loss": {"class_0": row, "class_1": wide}})
    assert fig.axes[2].get_title().replace("\n", " ") == (  # (over lines that fit: h352)
        "TPR@0.1%FPR (1 of 2: TPR at FPR 0, under 1000 non-member scores)"
    )
    assert fig.axes[0].get_title() == "AUC"
    fig = class_figure({"loss": {"class_0": wide, "class_1": wide}})
    assert fig.axes[2].get_title() == "TPR@0.1%FPR"


def test_one_to_four_canaries_keep_their_figures_with_a_caveat_in_results_and_table():
    obs = synthetic_observations(num_models=4, num_samples=120, num_classes=3, signal=2.0)
    is_canary = np.zeros(120, bool)
    is_canary[-2:] = True
    _, got = _slices(obs, is_canary)
    assert got["canaries"]["weak"].startswith("only 2 canaries: the canaries' AUC and TPRs are "
                                              "those 2 records' own")  # fmt: skip
    assert not math.isnan(got["canaries"]["auc"])  # the figure stays, said to be anecdotal
    is_canary[-MIN_SLICE_RECORDS:] = True
    assert _column_label("canaries", {"loss": got}) == "canaries (n=2)"  # the heatmap's
    assert "weak" not in _slices(obs, is_canary)[1]["canaries"]
    table = audit(obs, overrides=["attack.bootstrap=0", "~attack.attacks.shokri"],
                  is_canary=np.arange(120) >= 119).table()  # fmt: skip
    assert "  (canaries: only 1 canary: the canaries' AUC and TPRs are that record's own" in table
