"""mia-report on a terminal that cannot encode the front's ``·`` and ``–`` (an ASCII or
Latin-1 locale, PYTHONIOENCODING=ascii) prints them as escapes: the report was written,
then printing its front ended in a UnicodeEncodeError traceback."""

import io
import sys

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import two_run_sweep


def test_a_stdout_that_cannot_encode_the_front_gets_escapes_not_a_traceback(
    tmp_path, monkeypatch
):
    root = two_run_sweep(tmp_path / "sweep")
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    code = report_main([str(root), "--out", str(tmp_path / "out"), "--no-charts",
                        "--no-tensorboard"])  # fmt: skip
    ascii_out.flush()
    assert code == 0
    assert "Pareto front of digits \\xb7 MLP" in raw.getvalue().decode("ascii")
