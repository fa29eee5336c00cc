"""mia-train and mia-attack on a terminal that cannot encode a table's characters (a DP run's
``ε``; a Latin-1 locale, PYTHONIOENCODING=ascii) print them as escapes, as mia-report does
(tests/report/test_red_cli_encoding.py): the run was written, then printing its table ended
in a UnicodeEncodeError traceback, exit 1."""

from __future__ import annotations

import io
import sys


def test_run_entry_prints_what_stdout_cannot_encode_as_escapes(monkeypatch):
    from mia_defense.cli.entry import run_entry

    raw = io.BytesIO()
    latin_1 = io.TextIOWrapper(raw, encoding="latin-1", errors="strict")
    monkeypatch.setattr(sys, "stdout", latin_1)
    run_entry(lambda: print("dp_sgd  accountant ε 8.00  é"), started=lambda: True,
              interrupted="x")  # fmt: skip
    latin_1.flush()
    assert raw.getvalue() == "dp_sgd  accountant \\u03b5 8.00  é\n".encode("latin-1")
