"""roc.png of a run with a very long name: its legend entry lost the attack.

Measured (mia-report of a run named ``x=`` and 200 letters): the entry, ``#3 x=lll...l``
cut at 80 characters, ended '…(AUC 0.766)': the ``[lira]`` naming the curve's attack was cut
with the name.
"""

from __future__ import annotations

from mia_defense.report import write_report
from mia_defense.report.charts import _LABEL_CHARS, runs_roc_figure
from tests.report.fake_runs import two_run_sweep


def test_a_long_run_name_is_cut_before_its_attack(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    labels = ["#1 x=" + "l" * 200, "#2 short"]
    fig = runs_roc_figure(report.summaries, labels=labels)
    entries = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    attacks = [s.strongest_attack for s in report.summaries]
    long_entry = next(e for e in entries if e.startswith("#1 x=lll"))
    assert f"… [{attacks[0]}]" in long_entry
    assert len(long_entry.split(" (AUC")[0]) <= _LABEL_CHARS
    assert any(e.startswith(f"#2 short [{attacks[1]}]") for e in entries)
