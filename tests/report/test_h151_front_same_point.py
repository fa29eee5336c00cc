"""Rows of one Pareto front at the same point of a chart get one label naming all their
numbers, not one number drawn over another.

Measured (mia-report of a digits sweep, defense=none,weight_decay, K=4, 2 epochs): both rows
measured test accuracy 0.741 and TPR 0.0020 at 0.1% FPR, so both were on the front, listed
as 1 and 2; tradeoff_tpr.png drew "2" over "1" at the one point (and the baseline's star over
weight_decay's marker), showing a front of one row.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report import pareto_front
from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import LEAK_TPR


def _group(family: str, acc: float, tpr: float) -> RunGroup:
    metrics = {"test_accuracy": Estimate(acc), LEAK_TPR: Estimate(tpr), "max_auc": Estimate(0.55)}
    return RunGroup(name=family, label=family, dataset="digits", model="MLP", runs=(),
                    family=family, defense=family, release="full", metrics=metrics)  # fmt: skip


def _labels(groups: list[RunGroup], careful: tuple[int, ...] = ()) -> dict[tuple, str]:
    front = pareto_front([g.test_accuracy.value for g in groups],
                         [g.leak_tpr.value for g in groups])  # fmt: skip
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): front}, careful=careful)
    texts = [t for t in fig.axes[0].texts if not t.get_text().startswith("n=")]
    labels = {tuple(t.xy): t.get_text() for t in texts}
    assert len(labels) == len(texts)  # one label per point
    return labels


def test_rows_at_one_point_share_one_label():
    groups = [_group("no defense", 0.741, 0.002), _group("weight_decay", 0.741, 0.002),
              _group("dp", 0.5, 0.001)]  # fmt: skip
    assert _labels(groups) == {(0.001, 0.5): "1", (0.002, 0.741): "2, 3"}
    assert _labels(groups, careful=(1,)) == {(0.001, 0.5): "1", (0.002, 0.741): "2, 3*"}


def test_rows_at_other_points_keep_their_own_labels():
    groups = [_group("no defense", 0.9, 0.004), _group("dp", 0.5, 0.001)]
    assert _labels(groups) == {(0.001, 0.5): "1", (0.004, 0.9): "2"}


def test_many_rows_at_one_point_read_as_a_range():
    groups = [_group(f"wd{i}", 0.741, 0.002) for i in range(12)] + [_group("dp", 0.5, 0.001)]
    assert _labels(groups) == {(0.001, 0.5): "1", (0.002, 0.741): "2–13"}
    assert _labels(groups, careful=(5,)) == {(0.001, 0.5): "1", (0.002, 0.741): "2–13*"}


def test_a_row_without_an_auc_is_named_under_the_auc_chart(tmp_path):
    # a run whose results.json records no AUC (a tool of your own) is ranked by its TPR; the
    # AUC chart drew no point for it, its family still in the legend, and said nothing
    from mia_defense.report import write_report
    from tests.report.fake_runs import make_run, rewrite_results

    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=3.0)
    make_run(root / "b$x", test_accuracy=0.8, signal=0.5, defense="dp", epsilon=1.0, seed=1)

    def drop_auc(payload):
        for metrics in payload["attacks"].values():
            for key in [k for k in metrics if k.startswith("auc")]:
                del metrics[key]

    rewrite_results(root / "b$x", drop_auc)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    auc = tradeoff_figure(report.groups, leakage="leak_auc")
    assert ("Not drawn here: 1 row without an AUC of a black-box attack or a test accuracy "
            r"(b\$x); see the report's table.") in auc.texts[-1].get_text()  # fmt: skip
    FigureCanvasAgg(auc).draw()  # ($ escaped: no mathtext error)
    tpr = tradeoff_figure(report.groups, leakage="leak_tpr")
    assert "Not drawn" not in tpr.texts[-1].get_text()


def test_a_run_without_a_roc_curve_is_named_under_the_roc_chart(tmp_path):
    # a front row whose scores.npz is gone: its curve was left out of roc.png, said only in
    # a warning on the terminal
    from mia_defense.report import write_report
    from mia_defense.report.charts import runs_roc_figure
    from tests.report.fake_runs import two_run_sweep

    root = two_run_sweep(tmp_path / "sweep")
    (root / "b" / "scores.npz").unlink()
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    figure = runs_roc_figure(report.summaries, labels=["#1 a", "#2 b"])
    assert [t.get_text() for t in figure.texts] == [
        "No curve for #2 b: its scores.npz or observations.npz could not be read or does not "
        "fit (the report's log says why)."
    ]
    whole = runs_roc_figure(report.summaries[:1], labels=["#1 a"])
    assert whole.texts == []


def test_runs_whose_legends_are_alike_in_their_first_characters_get_a_curve_each(tmp_path):
    # with several fronts each legend starts with its dataset and model: a long dataset name
    # (a CSV's file name, a loader of your own) filled the 80 characters a legend keeps, and
    # the second run's curve replaced the first's under the same clipped legend
    from mia_defense.report import write_report
    from mia_defense.report.charts import runs_roc_figure
    from tests.report.fake_runs import two_run_sweep

    root = two_run_sweep(tmp_path / "sweep")
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    long = "csv (" + "d" * 80 + ".csv)·MLP"
    figure = runs_roc_figure(report.summaries, labels=[f"{long} #1 a", f"{long} #2 b"])
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert len(labels) == 3 and len(set(labels)) == 3  # two curves and chance
