"""mia-report's main() called in-process (a notebook, a script) leaves the process as it found
it, as mia-train's and mia-attack's do (h368): its stdout's handling of characters it cannot
encode and the root logger; a logger ``hydra.verbose`` named that did not exist before
mia-train's main() does not stay at DEBUG (h375)."""

from __future__ import annotations

import io
import logging
import sys
import uuid

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


@pytest.mark.parametrize("verbose", ["{}", "[{}]"])  # (a name, a list of names)
def test_a_new_logger_hydra_verbose_named_is_unset_after_main(
    verbose: str, tmp_path, monkeypatch
) -> None:
    """``hydra.verbose=NAME`` for a logger that did not exist before main() left it at DEBUG
    after main() (Hydra's configure_log sets it, outside the logging configs' names)."""
    from mia_defense.cli import train

    name = f"h375.{uuid.uuid4().hex}"  # (made by no earlier call in this process)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    argv = ["mia-train", "train.lr=abc", f"hydra.verbose={verbose.format(name)}"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as done:
        train.main()
    assert done.value.code == 2  # (refused in the config's checks, after Hydra's logging)
    assert logging.getLogger(name).level == logging.NOTSET
