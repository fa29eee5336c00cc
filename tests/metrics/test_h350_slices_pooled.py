"""A class slice's TPR at an FPR its non-member scores resolve only pooled over the targets
(fewer distinct non-member records than 1/FPR) went unmarked in the per-class heatmap, as the
run's own figures are marked since `pooled_only_fprs`: a slice records its distinct
non-member records too, and the heatmap's title counts such classes."""

from __future__ import annotations

import numpy as np

from mia_defense.metrics.records import slice_metrics
from mia_defense.tracking.figures import class_figure


def test_a_class_pooled_over_the_targets_is_marked_in_the_heatmap():
    members = np.zeros((16, 300), dtype=bool)
    members[:, :20] = True  # (20 records a member of every target: no non-member score)
    members[::2, 20:40] = True
    rows = slice_metrics(np.random.default_rng(0).random((16, 300)), members,
                         {"class_0": np.arange(300) < 150, "class_1": np.arange(300) >= 150},
                         fprs=[0.001])  # fmt: skip
    assert [(r["nonmember_scores"], r["nonmember_records"]) for r in rows.values()] == [
        (1920, 130), (2400, 150)]
    fig = class_figure({"loss": rows})
    assert fig.axes[2].get_title().replace("\n", " ") == (  # (over lines that fit: h352)
        "TPR@0.1%FPR (2 of 2: pooled, under 1000 distinct records)")
