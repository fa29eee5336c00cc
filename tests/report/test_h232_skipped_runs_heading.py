"""mia-report printed '1 runs reported, 1 skipped, 0 not ranked' and then listed the skipped
run (a results.json cut short) under 'Runs not ranked (no privacy verdict):', as if it had
been judged and found without a verdict. Skipped runs have a heading of their own; runs not
ranked keep theirs."""

from __future__ import annotations

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_diverged_run, two_run_sweep


def test_skipped_runs_are_listed_apart_from_runs_not_ranked(tmp_path, capsys):
    sweep = two_run_sweep(tmp_path / "sweep")
    results = sweep / "a" / "results.json"
    results.write_text(results.read_text()[:200])
    make_diverged_run(sweep / "c", reason="loss is nan")
    assert report_main([str(sweep), "--out", str(tmp_path / "out"), "--no-tensorboard",
                        "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "1 run reported, 1 skipped, 1 not ranked" in printed
    not_ranked, skipped = printed.split("Runs not ranked (no privacy verdict):\n", 1)[1].split(
        "Runs skipped (unreadable, unfinished, or not the files the run wrote):\n", 1)
    assert not_ranked == "  c: training diverged: loss is nan; no privacy verdict\n"
    assert skipped.startswith(f"  {sweep / 'a'}: not valid JSON")


def test_a_skipped_run_alone_is_not_called_not_ranked(tmp_path, capsys):
    sweep = two_run_sweep(tmp_path / "sweep")
    (sweep / "a" / "results.json").write_text("{")
    assert report_main([str(sweep), "--out", str(tmp_path / "out"), "--no-tensorboard",
                        "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "1 skipped, 0 not ranked" in printed
    assert "Runs not ranked" not in printed
    heading = "Runs skipped (unreadable, unfinished, or not the files the run wrote):"
    assert f"{heading}\n  {sweep / 'a'}: " in printed
