"""mia-report's one line for a path the file system refuses said 'give a shorter path'
whatever the errno: a run directory under a folder the user may not enter (Path.is_dir lets
EACCES out: ``mia-report /home/other/sweep/run`` as another user) was told 'Permission
denied; give a shorter path'. The line now fits the errno; a name too long keeps its words."""

import errno
import os
from pathlib import Path

import pytest

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_run


def _refusing(monkeypatch, locked: Path, code: int) -> None:
    """``Path.is_dir`` raising ``code`` for paths under ``locked``, as stat does for a folder
    under one the user may not enter (root may enter any: the test cannot lock it)."""
    is_dir = Path.is_dir

    def refused(self: Path) -> bool:
        if self == locked or locked in self.parents:
            raise OSError(code, os.strerror(code), str(self))
        return is_dir(self)

    monkeypatch.setattr(Path, "is_dir", refused)


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [x for x in err.splitlines() if x.startswith("mia-report:")]
    return line


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM])
def test_a_path_the_user_may_not_read_is_not_told_to_be_shorter(
    tmp_path, monkeypatch, capsys, code
):
    run = tmp_path / "other" / "run"
    make_run(run, test_accuracy=0.9, signal=1.0)
    _refusing(monkeypatch, tmp_path / "other", code)
    assert report_main([str(run), "--out", str(tmp_path / "out"), "--no-charts"]) == 2
    line = _error_line(capsys)
    assert line.startswith(f"mia-report: {run}: {os.strerror(code)}; ")
    assert "shorter path" not in line
    assert "you may not read it or a folder above it: fix their permissions" in line


def test_another_errno_is_not_told_to_be_shorter_either(tmp_path, monkeypatch, capsys):
    run = tmp_path / "disk" / "run"
    make_run(run, test_accuracy=0.9, signal=1.0)
    _refusing(monkeypatch, tmp_path / "disk", errno.EIO)
    assert report_main([str(run), "--out", str(tmp_path / "out"), "--no-charts"]) == 2
    line = _error_line(capsys)
    assert line == f"mia-report: {run}: {os.strerror(errno.EIO)}; check the directories and --out"


def test_a_name_too_long_keeps_its_words(tmp_path, monkeypatch, capsys):
    run = tmp_path / "long" / "run"
    make_run(run, test_accuracy=0.9, signal=1.0)
    _refusing(monkeypatch, tmp_path / "long", errno.ENAMETOOLONG)
    assert report_main([str(run), "--out", str(tmp_path / "out"), "--no-charts"]) == 2
    assert _error_line(capsys) == (
        f"mia-report: {run}: {os.strerror(errno.ENAMETOOLONG)}; give "
        "a shorter path, or check the directories and --out"
    )
