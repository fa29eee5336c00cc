"""mia-report named a run's strongest attack as if it had won where every black-box attack's
TPR at the lowest FPR was 0: a release=label_only run (mia-train plan.num_models=4
train.epochs=2 plan.reference_size=300 release=label_only) whose run table says 'strongest
attack at 0.1% FPR: none, every black-box attack's TPR there is 0.0000 ...; its figures are
label_only's ...' (h470) had 'label_only' in tradeoff.csv's and tradeoff.md's
strongest_attack column and 'r1 [label_only]' in roc.png's legend. The report now names it
in the run table's words (`no_strongest`, one place); results.json keeps the name."""

from __future__ import annotations

import csv
import json

from mia_defense.report import write_report
from mia_defense.report.charts import runs_roc_figure
from tests.report.fake_runs import make_run


def _sweep(tmp_path):
    root = tmp_path / "sweep"
    # (seed 0, no signal: both attacks' TPR at 0.1% FPR is 0, loss the first of the tied)
    flat = make_run(root / "flat", test_accuracy=0.8, signal=0.0, seed=0)
    leaky = make_run(root / "leaky", test_accuracy=0.8, signal=3.0, seed=1,
                     config={"train.lr": 0.5})  # (its own row)
    assert all(m["tpr@0.1%fpr"] == 0 for m in flat["attacks"].values())
    assert leaky["attacks"][leaky["strongest_attack"]]["tpr@0.1%fpr"] > 0
    return root, flat, leaky


def test_the_tables_say_none_where_every_attack_is_at_tpr_0(tmp_path) -> None:
    root, flat, leaky = _sweep(tmp_path)
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    with (tmp_path / "out" / "tradeoff.csv").open() as handle:
        cells = {row["runs"]: row["strongest_attack"] for row in csv.DictReader(handle)}
    name = flat["strongest_attack"]
    assert cells["flat"] == (
        f"none, every black-box attack's TPR at 0.1% FPR is 0.0000; its figures are {name}'s, "
        "the first of the tied by the TPR at the next FPR, then the AUC"
    )
    assert cells["leaky"] == leaky["strongest_attack"]
    markdown = (tmp_path / "out" / "tradeoff.md").read_text()
    assert f"| none, every black-box attack's TPR at 0.1% FPR is 0.0000; its figures are {name}'s" \
        in markdown  # fmt: skip
    # results.json's recorded name is left as it is (the headline's figures)
    recorded = json.loads((root / "flat" / "results.json").read_text())
    assert recorded["strongest_attack"] == name


def test_the_roc_legend_says_none_where_every_attack_is_at_tpr_0(tmp_path) -> None:
    root, flat, leaky = _sweep(tmp_path)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    labels = [s.name for s in report.summaries]
    fig = runs_roc_figure(report.summaries, labels=labels)
    entries = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    name = flat["strongest_attack"]
    assert any(e.startswith(f"flat [none at TPR 0: {name}'s figures]") for e in entries)
    assert any(e.startswith(f"leaky [{leaky['strongest_attack']}]") for e in entries)


def test_seed_replicates_of_both_kinds_are_counted_in_short(tmp_path) -> None:
    root = tmp_path / "sweep"
    flat = make_run(root / "s0", test_accuracy=0.8, signal=0.0, seed=0)
    leaky = make_run(root / "s1", test_accuracy=0.8, signal=3.0, seed=1)
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    with (tmp_path / "out" / "tradeoff.csv").open() as handle:
        (row,) = csv.DictReader(handle)
    shown = {f"none at TPR 0: {flat['strongest_attack']}'s figures ×1",
             f"{leaky['strongest_attack']} ×1"}  # fmt: skip
    assert set(row["strongest_attack"].split(", ")) == shown
