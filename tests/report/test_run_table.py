"""The end-of-run table (`format_table`, printed by mia-train and mia-attack): its rows
ended in the padding of the last column ("0.12   "), trailing spaces a diff, a copy into a
Markdown file or an editor flags; the columns stay aligned without them."""

from __future__ import annotations

from mia_defense.pipeline.evaluate import RunResult
from mia_defense.report.run_table import format_table


def _summary(auc: float, tpr: float, eps: float, access: str = "outputs") -> dict:
    return {"access": access, "auc": auc, "tpr@0.1%fpr": tpr, "tpr@1%fpr": tpr,
            "empirical_epsilon": eps}  # fmt: skip


def _result() -> RunResult:
    # eps_emp's cells ("0.12") are shorter than its header, and a white-box attack's access
    # ("weights") longer than "outputs": each column is padded somewhere
    attacks = {"loss": _summary(0.61, 0.004, 0.12), "lira_offline": _summary(0.7, 0.02, 1.5),
               "gradient_norm": _summary(0.55, 0.001, 12.25, "weights")}  # fmt: skip
    return RunResult(
        utility={"train_accuracy": 1.0, "test_accuracy": 0.8, "generalization_gap": 0.2,
                 "chance_accuracy": 0.1},
        attacks=attacks, strongest_attack="lira_offline", defense={"defense": "none"},
        privacy={}, wall_seconds=1.0, strongest_white_box_attack="gradient_norm",
    )  # fmt: skip


def test_no_line_of_the_table_ends_in_spaces():
    lines = format_table(_result(), [0.001, 0.01]).splitlines()
    assert [line for line in lines if line != line.rstrip()] == []


def test_the_columns_stay_aligned():
    lines = format_table(_result(), [0.001, 0.01]).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("attack "))
    header, rule, *rows = lines[start : start + 5]
    assert header.split() == ["attack", "access", "AUC", "TPR@0.1%FPR", "TPR@1%FPR", "eps_emp"]
    columns = [header.index(name) for name in header.split()]
    assert [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")] == (
        columns
    )
    assert rows == [
        "loss           outputs  0.610  0.004        0.004      0.12",
        "lira_offline   outputs  0.700  0.020        0.020      1.50",
        "gradient_norm  weights  0.550  0.001        0.001      12.25",
    ]
    for row in rows:
        assert [i for i, c in enumerate(row) if c != " " and (i == 0 or row[i - 1] == " ")] == (
            columns
        )


def test_a_run_without_test_outputs_says_so_not_nan():
    # observations without test outputs (mia-attack on a file, api.audit of arrays without
    # test_outputs): the first line read "test accuracy nan (train 1.000, gap nan, ...)",
    # which a user takes for a broken run
    result = _result()
    for missing in (float("nan"), None):  # (NaN in the run, null read back from results.json)
        result.utility.update(test_accuracy=missing, generalization_gap=missing)
        first = format_table(result, [0.001, 0.01]).splitlines()[0]
        assert first.startswith("test accuracy: not measured (train 1.000, chance 0.100): "
                                "the observations hold no test outputs")  # fmt: skip
        assert "nan" not in first and "attack a mia-train run's directory" in first
        # both ways to measure it: an API caller's arrays, and mia-attack's run directory
        assert "observations_from_arrays' test_outputs and test_labels" in first


def test_a_measured_test_accuracy_keeps_its_line():
    first = format_table(_result(), [0.001, 0.01]).splitlines()[0]
    assert first == "test accuracy 0.800 (train 1.000, gap 0.200, chance 0.100)"


def test_the_empirical_epsilon_line_reads_as_its_column():
    """The line above the table printed the bound at 4 significant digits, trailing zeros
    dropped (empirical_epsilon 2.467, 1.8, 0.02516, 0) beside the column's 2.47 (h326)."""
    for bound, said in ((2.467, "2.47"), (1.8, "1.80"), (0.02516, "0.03"), (0.0, "0.00")):
        result = _result()
        result.attacks["lira_offline"]["empirical_epsilon"] = bound
        result.privacy["empirical_epsilon"] = bound
        lines = format_table(result, [0.001, 0.01]).splitlines()
        assert f"empirical_epsilon {said}" in lines
        assert any(line.startswith("lira_offline") and line.endswith(f"  {said}")
                   for line in lines)
