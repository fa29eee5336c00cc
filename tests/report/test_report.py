import csv
import math

import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.errors import DataError
from mia_defense.report import write_report
from mia_defense.report.table import short_labels
from tests.report.fake_runs import make_run

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def sweep(tmp_path):
    root = tmp_path / "sweep"
    runs = {
        "lr=0.1,x=none": make_run(root / "lr=0.1,x=none", test_accuracy=0.95, signal=3.0),
        "lr=0.1,x=dp1": make_run(
            root / "lr=0.1,x=dp1", test_accuracy=0.80, signal=0.2, defense="dp",
            defense_hparams={"dp.target_epsilon": 1.0}, hparams={"defense.dp.target_epsilon": 1.0},
            epsilon=1.0, seed=1,
        ),
        "lr=0.1,x=dp8": make_run(
            root / "lr=0.1,x=dp8", test_accuracy=0.70, signal=1.5, defense="dp",
            defense_hparams={"dp.target_epsilon": 8.0}, hparams={"defense.dp.target_epsilon": 8.0},
            epsilon=8.0, seed=2,
        ),
        "lr=0.1,x=topk": make_run(
            root / "lr=0.1,x=topk", test_accuracy=0.95, signal=2.0, release="topk", seed=3,
            hparams={"seed": 5},
        ),
    }  # fmt: skip
    (root / "lr=0.1,x=broken").mkdir()
    (root / "lr=0.1,x=broken" / "results.json").write_text("{")
    return root, runs


def test_report_table_matches_results_and_charts_are_written(sweep, tmp_path):
    root, runs = sweep
    report = write_report([root], out_dir=tmp_path / "out")
    assert [p.name for p, _ in report.skipped] == ["lr=0.1,x=broken"]
    with (tmp_path / "out" / "tradeoff.csv").open() as handle:
        rows = {row["run"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(runs)  # every run differs in x: one row each
    for name, payload in runs.items():
        row = rows[name]
        assert row["n"] == "1" and row["runs"] == name and row["seeds"] == str(payload["seed"])
        assert (row["dataset"], row["model"]) == ("digits", "MLP")
        assert float(row["test_accuracy"]) == payload["utility"]["test_accuracy"]
        assert float(row["generalization_gap"]) == payload["utility"]["generalization_gap"]
        for attack, metrics in payload["attacks"].items():
            for key in ("auc", "tpr@1%fpr", "tpr@0.1%fpr"):
                assert float(row[f"{attack}.{key}"]) == metrics[key]
                assert float(row[f"{attack}.{key}_ci_low"]) == metrics[f"{key}_ci_low"]
                assert float(row[f"{attack}.{key}_ci_high"]) == metrics[f"{key}_ci_high"]
        strongest = max(m["tpr@0.1%fpr"] for m in payload["attacks"].values())
        assert float(row["max_tpr@0.1%fpr"]) == strongest
        assert row["max_tpr@0.1%fpr_std"] == ""  # one run: no spread
    assert rows["lr=0.1,x=dp1"]["epsilon"] == "1.0" and rows["lr=0.1,x=none"]["epsilon"] == ""
    assert rows["lr=0.1,x=dp1"]["family"] == "dp"
    assert rows["lr=0.1,x=topk"]["family"] == "topk release"
    assert rows["lr=0.1,x=none"]["family"] == "no defense"
    # the defense's settings and the config keys that vary across rows (seeds have a column)
    # (x, an override of every run's folder name, is in each config, as Hydra puts it)
    assert rows["lr=0.1,x=dp8"]["hyperparameters"] == "dp.target_epsilon=8; x=dp8"
    assert rows["lr=0.1,x=topk"]["hyperparameters"] == "x=topk"
    with (tmp_path / "out" / "runs.csv").open() as handle:
        per_run = {row["runs"]: row for row in csv.DictReader(handle)}
    # one row per run: its seed too, the config's (its hparams' seed 5 is not read)
    assert per_run["lr=0.1,x=topk"]["hyperparameters"] == "seed=3; x=topk"
    assert set(per_run) == set(runs)

    # Pareto front: accurate-and-leaky baseline vs the private dp1 run; dp8 is dominated
    assert list(report.fronts) == [("digits", "MLP")]
    front_names = {report.groups[i].name for i in report.fronts[("digits", "MLP")]}
    assert "lr=0.1,x=dp8" not in front_names and "lr=0.1,x=dp1" in front_names
    assert {report.summaries[i].name for i in report.front} == front_names
    assert rows["lr=0.1,x=dp1"]["pareto"] == "yes" and rows["lr=0.1,x=dp8"]["pareto"] == ""
    assert per_run["lr=0.1,x=dp1"]["pareto"] == "yes" and per_run["lr=0.1,x=dp8"]["pareto"] == ""
    leak = [report.groups[i].leak_tpr.value for i in report.fronts[("digits", "MLP")]]
    assert leak == sorted(leak)

    for name in ("tradeoff_tpr", "tradeoff_auc", "roc"):
        assert report.files[name].read_bytes()[:8] == PNG
    markdown = (tmp_path / "out" / "tradeoff.md").read_text()
    assert markdown.startswith("Rows: runs that differ only in their seeds")
    assert "| lr=0.1,x=dp1 | digits | MLP | dp |" in markdown and "| 1 |" in markdown  # ε: 1
    dp1 = runs["lr=0.1,x=dp1"]["attacks"]["lira"]
    assert f"{dp1['auc']:.3f} [{dp1['auc_ci_low']:.3f}, {dp1['auc_ci_high']:.3f}]" in markdown
    summary = (tmp_path / "out" / "README.md").read_text()
    assert "![test accuracy vs TPR at 0.1% FPR](tradeoff_tpr.png)" in summary
    assert "### digits · MLP" in summary
    assert "`x=dp1`" in summary  # the front lists rows by their distinguishing items
    assert "lr=0.1,x=broken" in summary and "not valid JSON" in summary
    assert list((tmp_path / "out" / "tb").glob("events.out.tfevents.*"))
    assert "under `tb/`" in summary


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_report_without_tensorboard_names_no_tb_folder(sweep, tmp_path):
    root, _ = sweep
    out = tmp_path / "out"
    assert report_main([str(root), "-o", str(out), "--no-tensorboard"]) == 0
    summary = (out / "README.md").read_text()
    assert "(tradeoff_tpr.png)" in summary  # the charts are drawn and linked
    assert "tb/" not in summary and not (out / "tb").exists()


def test_roc_curves_are_recomputed_from_the_saved_scores(sweep, tmp_path):
    from mia_defense.report.charts import run_roc

    root, runs = sweep
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert "tensorboard" not in report.files
    for summary in report.summaries:
        result = run_roc(summary)
        expected = runs[summary.name]["attacks"][summary.strongest_attack]
        assert math.isclose(result.metrics.auc, expected["auc"])
        assert result.metrics.tpr_at_fpr[0.001] == expected["tpr@0.1%fpr"]


def test_no_finished_run_is_an_error_naming_the_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    expected = r"empty: no finished run to rank \(1 skipped, 0 not ranked; first: .*empty: no"
    with pytest.raises(DataError, match=expected):
        write_report([tmp_path / "empty"], out_dir=tmp_path / "out", charts=False)


def test_cli_writes_under_the_sweep_root_and_lists_the_front(sweep, capsys):
    root, _ = sweep
    assert report_main([str(root), "--roc-runs", "2", "--no-charts"]) == 0
    out = capsys.readouterr().out
    assert "4 runs reported, 1 skipped" in out and "Pareto front of digits · MLP" in out
    assert "4 rows. Rows: runs that differ only in their seeds" in out
    assert (root / "report" / "tradeoff.csv").exists()
    assert list((root / "report" / "tb").glob("events.out.tfevents.*"))
    assert f"tensorboard --logdir {root}" in out


def test_cli_exits_2_with_a_message_when_nothing_is_found(tmp_path, capsys):
    assert report_main([str(tmp_path), "--no-charts"]) == 2
    assert "no finished run" in capsys.readouterr().err


def test_short_labels_drop_shared_items_but_keep_list_values_whole():
    names = ["a=1,h=[64,64],x=2", "a=1,h=[64,64],x=3"]
    assert short_labels(names) == ["x=2", "x=3"]
    assert short_labels(["a=[1,2]", "a=[1,3]"]) == ["a=[1,2]", "a=[1,3]"]


def test_text_cells_a_spreadsheet_would_run_are_made_inert(tmp_path):
    # a run folder or hyperparameter value such as =HYPERLINK(...) reached runs.csv as is:
    # opened in a spreadsheet, it ran as a formula
    from mia_defense.report.table import write_csv

    path = tmp_path / "t.csv"
    write_csv(path, ["run", "=cmd"], [["=HYPERLINK(\"http://x\")", -0.5], ["@SUM(A1)", "-3"],
                                      ["+1+1", 2], ["plain", "-x"]])
    rows = list(csv.reader(path.open()))
    assert rows == [["run", "'=cmd"], ["'=HYPERLINK(\"http://x\")", "-0.5"],
                    ["'@SUM(A1)", "-3"], ["'+1+1", "2"], ["plain", "'-x"]]


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_no_charts_writes_the_tables_and_removes_an_earlier_reports_charts(sweep, tmp_path,
                                                                          capsys):
    root, _ = sweep
    out = tmp_path / "out"
    assert report_main([str(root), "-o", str(out)]) == 0
    charts = {"tradeoff_tpr.png", "tradeoff_auc.png", "roc.png"}
    assert charts <= {p.name for p in out.iterdir()}
    capsys.readouterr()
    assert report_main([str(root), "-o", str(out), "--no-charts"]) == 0
    # the first report's charts would show runs this report may no longer have: gone
    assert not charts & {p.name for p in out.iterdir()}
    assert (out / "tradeoff.csv").read_text() and ".png" not in (out / "README.md").read_text()
    assert ".png" not in capsys.readouterr().out
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert report_main([str(root), "-o", str(tmp_path / "new"), "--no-charts"]) == 0
    events = EventAccumulator(str(tmp_path / "new" / "tb"),
                              size_guidance={"images": 0, "tensors": 0})  # fmt: skip
    events.Reload()
    assert events.Tags()["images"] == []
    assert events.Tags()["tensors"] == ["report/pareto_front/text_summary"]
