"""mia-report writes each file in a temporary folder of its own beside it, then renames it
into place: a report killed while writing (SIGKILL, the OOM killer) left that folder
(``.mia-report-...``, the file cut short inside) in the report's folder, and every later
report kept it, one more per killed attempt. The next report into the folder now removes the
folders of writers whose process is gone (`files.stale_temp_files`, as a run's folder is
cleaned); a live writer's, another machine's, a link, one holding anything else, and a name
of another pattern are left."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.report import build, out_dir
from tests.helpers import in_a_child
from tests.report.fake_runs import make_run


def _killed_while_writing(run: Path, out: Path) -> None:
    """A report (in a process of its own) whose first table write is killed (SIGKILL)
    halfway through the file."""

    def dying(path, *args, **kwargs):
        with open(path, "w") as handle:
            handle.write("run,")
            handle.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    build.write_csv = dying
    build.write_report([run], out_dir=out, tensorboard=False, charts=False)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".mia-report-"))


def _dead_pid() -> int:
    """The id of a process that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX process ids and owners")
def test_a_report_killed_while_writing_leaves_a_folder_the_next_report_removes(
    tmp_path, caplog
):
    run, out = tmp_path / "run", tmp_path / "out"
    make_run(run, test_accuracy=0.9, signal=1.0)
    killed = in_a_child(lambda: _killed_while_writing(run, out), timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    [left] = _leftovers(out)  # the killed writer's folder, its file cut short inside
    assert (out / left / "tradeoff.csv").read_text() == "run,"
    with caplog.at_level(logging.INFO, logger="mia_defense.report.build"):
        assert report_main([str(run), "--out", str(out), "--no-charts", "--no-tensorboard"]) == 0
    assert _leftovers(out) == []
    assert f"removed 1 temporary folder of reports killed while writing (their process is " \
        f"gone): {left}" in caplog.text
    assert (out / "tradeoff.csv").read_text() != "run,"  # the new report's, whole


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX process ids and owners")
def test_only_folders_of_dead_writers_here_holding_a_reports_file_are_removed(tmp_path):
    run, out = tmp_path / "run", tmp_path / "out"
    make_run(run, test_accuracy=0.9, signal=1.0)
    assert report_main([str(run), "--out", str(out), "--no-charts", "--no-tensorboard"]) == 0
    host, dead = out_dir._host(), _dead_pid()
    stale = out / f".mia-report-{dead}@{host}.abcd_123"
    kept = {
        "live": out / f".mia-report-{os.getpid()}@{host}.abcd_123",  # this process's
        "other host": out / f".mia-report-{dead}@another-{host}.abcd_123",
        "foreign file": out / f".mia-report-{dead}@{host}.efgh_456",
        "no pid": out / ".mia-report-ijkl_789",  # a name of another pattern
        "longer": out / f".mia-report-{dead}@{host}.abcd_1234",
    }
    for folder in (stale, *kept.values()):
        folder.mkdir()
        (folder / ("notes.txt" if folder == kept["foreign file"] else "runs.csv")).write_text("r")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "runs.csv").write_text("keep me")
    link = out / f".mia-report-{dead}@{host}.link_000"
    link.symlink_to(elsewhere, target_is_directory=True)
    assert report_main([str(run), "--out", str(out), "--no-charts", "--no-tensorboard"]) == 0
    assert not stale.exists()
    for why, folder in kept.items():
        assert folder.is_dir(), why
    assert link.is_symlink() and (elsewhere / "runs.csv").read_text() == "keep me"


def test_a_report_names_its_temporary_folders_with_its_process_and_machine(tmp_path):
    """The name `out_dir.remove_stale_temp_folders` reads: made by `out_dir.replace_file`,
    matched exactly."""
    seen = []

    def write(tmp: Path) -> None:
        seen.append(tmp.parent.name)
        tmp.write_text("x")

    out_dir.replace_file(tmp_path / "runs.csv", write)
    [name] = seen
    assert out_dir._tmp_folder_pattern().fullmatch(name)["pid"] == str(os.getpid())
