"""mia-report's main() called in-process (a notebook, a script) leaves the process as it found
it, as mia-train's and mia-attack's do (h368): its stdout's handling of characters it cannot
encode and the root logger (h375)."""

from __future__ import annotations

import io
import logging
import sys

import pytest


def test_report_main_leaves_stdout_and_the_root_logger_as_found(tmp_path, monkeypatch) -> None:
    """``report.main(['/nonexistent'])`` left sys.stdout escaping what it cannot encode
    (errors='backslashreplace') and a StreamHandler on stderr on the root logger at INFO
    (logging.basicConfig): a notebook's later log lines went to stderr."""
    from mia_defense.cli import report

    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stdout)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    assert report.main([str(tmp_path / "nonexistent")]) == 2
    assert stdout.errors == "strict"
    assert root.handlers == [] and root.level == logging.WARNING
    with pytest.raises(UnicodeEncodeError):
        print("\u00b7", file=stdout)
