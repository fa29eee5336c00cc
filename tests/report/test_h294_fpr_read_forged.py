"""The FPR a TPR was read at (``attacks.<name>.fpr_read@0.1%fpr``) raised by hand from 0 to
0.001 took away the caveat that tied scores span 0.1% (and the row's read-with-care mark):
the check of the strongest attack's TPRs against scores.npz now holds the FPRs they were
read at to the same scores (h294)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.metrics import roc_metrics
from mia_defense.metrics.roc import fpr_key, fpr_read_at, fpr_read_key
from mia_defense.report.runs import load_runs
from mia_defense.tracking import write_npz
from tests.report.fake_runs import FPRS, make_run, rewrite_results


@pytest.mark.parametrize("forged", [None, 0.001])
def test_forged_fpr_read(tmp_path, forged) -> None:
    run = tmp_path / "run"
    name = make_run(run, test_accuracy=0.8, signal=1.0)["strongest_attack"]
    with np.load(run / "scores.npz") as data:
        arrays = dict(data)
    with np.load(run / "observations.npz") as data:
        members = data["masks"][arrays["targets"]]
    scores = arrays[f"scores/{name}"]
    # the highest non-member score tied with a member's: the ROC's first step spans 0.1%
    top = scores[~members].max()
    scores[~members & (scores == top)] = scores[members & (scores < top)].max()
    write_npz(run / "scores.npz", **arrays)
    m = roc_metrics(scores, members, fprs=FPRS)
    figures = {"auc": m.auc, **{fpr_key(f): m.tpr_at_fpr[f] for f in FPRS},
               **{fpr_read_key(f): fpr_read_at(m.fpr, m.tpr, f) for f in FPRS}}  # fmt: skip
    assert figures["fpr_read@0.1%fpr"] == 0.0
    if forged is not None:
        figures["fpr_read@0.1%fpr"] = forged
    rewrite_results(run, lambda p: p["attacks"][name].update(figures))
    loaded = load_runs([tmp_path])
    if forged is None:
        assert [note for _, note in loaded.caveats if "is read at FPR 0%" in note]
    else:
        (skipped,) = loaded.skipped
        assert "scores give a fpr_read@0.1%fpr of 0, results.json records 0.001" in skipped[1]
