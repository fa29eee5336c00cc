"""The '(read with care)' legend said of a row marked 'did not act in 2 of 4 models'
(20503fd3) that 'its defense did not act (its models trained ... as without it)', though
half its models trained with the defense: with such a row shown, it now says that a defense
may have not acted in some of a row's models only; a row idle in every model keeps the
legend's words exactly."""

from __future__ import annotations

from mia_defense.cli.report import _print_report
from mia_defense.report import write_report
from mia_defense.report.build import READ_WITH_CARE, careful_rows
from tests.hostile.test_h531_idle_in_some_models_marked import _relaxloss_run

WHOLE = ("or its defense did not act (its models trained, or their outputs were released, "
         "as without it), or its figures")
PART = "or did not act in some of its models only (marked 'did not act in i of m models'"


def _legends(tmp_path, capsys, lowest: list[float]) -> tuple[str, str]:
    runs = _relaxloss_run(tmp_path / "runs", lowest)
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    (rl,) = [i for i, g in enumerate(report.groups) if g.defense == "relaxloss"]
    assert rl in careful_rows(report)
    summary = report.files["summary"].read_text(encoding="utf-8")
    (row,) = [line for line in summary.splitlines() if line.startswith("| ") and "`rl`" in line
              and "| relaxloss" in line]
    assert READ_WITH_CARE in row
    _print_report(report)
    (legend,) = [line for line in capsys.readouterr().out.splitlines()
                 if line.startswith(READ_WITH_CARE)]
    return summary, legend


def test_the_legend_says_a_defense_idle_in_some_models_only(tmp_path, capsys):
    summary, legend = _legends(tmp_path, capsys, [0.3, 0.4, 0.55, 0.76])
    for text in (summary, legend):
        assert PART in text
        assert WHOLE not in text


def test_a_defense_idle_in_every_model_keeps_the_legend(tmp_path, capsys):
    summary, legend = _legends(tmp_path, capsys, [0.6, 0.7, 0.55, 0.76])
    for text in (summary, legend):
        assert WHOLE in text
        assert PART not in text
