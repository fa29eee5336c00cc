"""The end-of-run table shows 95% intervals where the bootstrap made them, none otherwise."""

from __future__ import annotations

from mia_defense.cli.train import format_table


def test_the_table_shows_intervals_from_the_bootstrap(tiny_run):
    table = format_table(tiny_run.result, [0.001, 0.01])
    assert "AUC [95% CI]" in table
    assert "nan" not in table
    best = tiny_run.result.strongest_attack
    assert f"strongest attack at 0.1% FPR: {best} (TPR " in table and ", 95% CI [" in table


def test_without_a_bootstrap_the_table_has_no_nan_intervals(fast_run):
    # attack.bootstrap=0 printed "[nan, nan]" beside every figure
    table = format_table(fast_run.result, [0.001, 0.01])  # (attack.bootstrap=0)
    assert "nan" not in table
    assert "95% CI" not in table
    header = next(line for line in table.splitlines() if line.startswith("attack "))
    assert header.split()[:3] == ["attack", "access", "AUC"]


def test_the_table_note_of_one_non_member_score_reads_as_a_percentage():
    from mia_defense.report.run_table import _unresolved_lines

    (line,) = _unresolved_lines(1, [0.001])
    assert "about FPR 100% on fresh data" in line  # was "1e+02%"
