"""A run's scores.npz replaced by another run's of the same shape (a copy, a file swapped by
hand) gave the report's ROC figure another run's curve under this run's name; and a run
with canaries drew them into its curve, which its figures leave out. The curve now leaves
the canaries out and is refused, with a warning naming the file, where its AUC is not the
one results.json records."""

import shutil

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.report import write_report
from mia_defense.report.charts import run_roc
from mia_defense.tracking.artifacts import write_npz
from tests.report.fake_runs import make_run


def _summary(run, tmp_path, out="out"):
    report = write_report([run], out_dir=tmp_path / out, tensorboard=False, charts=False)
    (summary,) = report.summaries
    return summary


def test_a_curve_of_another_runs_scores_is_refused(tmp_path):
    make_run(tmp_path / "run", test_accuracy=0.9, signal=3.0)
    make_run(tmp_path / "other", test_accuracy=0.9, signal=0.1, seed=1)
    summary = _summary(tmp_path / "run", tmp_path)
    assert run_roc(summary).metrics.auc == pytest.approx(
        summary.attacks[summary.strongest_attack]["auc"])
    shutil.copy(tmp_path / "other" / "scores.npz", tmp_path / "run" / "scores.npz")
    summary = _summary(tmp_path / "run", tmp_path, "again")  # (the report reads them once)
    with pytest.raises(DataError, match=r"run/scores.npz: its \w+ scores give an AUC of "
                       r"0\.\d+, results.json records 0\.\d+: not the scores the run's figures "
                       r"were measured on"):
        run_roc(summary)


def test_the_curve_leaves_out_the_canaries_as_the_figures_do(tmp_path):
    run = tmp_path / "run"
    strongest = make_run(run, test_accuracy=0.9, signal=3.0)["strongest_attack"]
    with np.load(run / "scores.npz") as archive:
        arrays = dict(archive)
    targets, n = arrays["targets"], arrays[f"scores/{strongest}"].shape[1]
    with np.load(run / "observations.npz") as archive:
        masks = archive["masks"]
    flags = np.zeros(n + 5, dtype=bool)
    flags[n:] = True  # five canaries, every one scored as a sure member but not one
    for key in [k for k in arrays if k.startswith("scores/")]:
        arrays[key] = np.concatenate([arrays[key], np.full((len(targets), 5), 99.0)], axis=1)
    write_npz(run / "scores.npz", **{**arrays, "is_canary": flags})
    write_npz(run / "observations.npz", masks=np.concatenate(
        [masks, np.zeros((len(masks), 5), bool)], axis=1), labels=np.zeros(n + 5, np.int64))
    summary = _summary(run, tmp_path)
    assert run_roc(summary).metrics.auc == pytest.approx(
        summary.attacks[summary.strongest_attack]["auc"])
