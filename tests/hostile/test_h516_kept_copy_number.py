"""mia-report on a run folder without a results.json holding a file named
results.json.unreadable-² (a superscript two) ended in a traceback: `report.runs._is_kept`
took it for a copy mia-train kept aside (str.isdigit holds for '²'), and `_kept_note`'s
int('²') raised ValueError. A kept copy's number is now decimal digits (what int reads);
such a file is no copy of mia-train's and is not named."""

from __future__ import annotations

from mia_defense.report.runs import load_runs


def test_a_superscript_number_is_no_kept_copy(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    (run / "results.json.unreadable-²").touch()
    ((_, reason),) = load_runs([run]).skipped
    assert reason.startswith("no results.json") and "unreadable" not in reason, reason


def test_a_kept_copy_is_still_named(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    for number in ("", "-2", "-²"):
        (run / f"results.json.unreadable{number}").touch()
    ((_, reason),) = load_runs([run]).skipped
    assert "; the folder holds results.json.unreadable-2 (and 1 earlier such copies)" in reason
