"""A tradeoff chart of a sweep some of whose runs have no privacy verdict.

Measured (mia-report of a sweep of five runs, two of them at chance): tradeoff_tpr.png showed
three points and no word of the other two, which the report lists under "Runs not ranked";
a reader of the chart alone (TensorBoard's Images tab) took the sweep for three runs.
"""

from __future__ import annotations

from mia_defense.report import build
from mia_defense.report.charts import tradeoff_figure
from tests.report.fake_runs import make_run


def _unsaved(fig, path):
    """No PNG rendered (most of a report's time): the captions are read as drawn, before."""
    path.write_bytes(b"")
    return b""


def test_the_charts_count_the_runs_not_ranked(tmp_path, monkeypatch):
    root = tmp_path / "sweep"
    for i, acc in enumerate([0.9, 0.8, 0.7, 0.05, 0.06]):
        make_run(root / f"train.lr={i}", test_accuracy=acc, signal=1.0 + i, seed=i)
    captions: dict[str, str] = {}

    def drawn(groups, *, leakage, **kwargs):
        fig = tradeoff_figure(groups, leakage=leakage, **kwargs)
        captions[leakage] = fig.texts[-1].get_text()
        return fig

    monkeypatch.setattr(build, "tradeoff_figure", drawn)
    monkeypatch.setattr(build, "save_figure", _unsaved)
    build.write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    assert set(captions) == {"leak_tpr", "leak_auc"}
    for caption in captions.values():
        assert "Not on this chart: 2 runs without a privacy verdict (at chance, diverged or " \
            "unreadable; the report's \"Runs not ranked\" says why)." in caption  # fmt: skip


def test_a_sweep_all_ranked_gets_no_such_line(tmp_path, monkeypatch):
    root = tmp_path / "sweep"
    for i, acc in enumerate([0.9, 0.8]):
        make_run(root / f"train.lr={i}", test_accuracy=acc, signal=1.0 + i, seed=i)
    captions: list[str] = []

    def drawn(groups, **kwargs):
        fig = tradeoff_figure(groups, **kwargs)
        captions.append(fig.texts[-1].get_text())
        return fig

    monkeypatch.setattr(build, "tradeoff_figure", drawn)
    monkeypatch.setattr(build, "save_figure", _unsaved)
    build.write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    assert len(captions) == 2 and not any("Not on this chart" in c for c in captions)
