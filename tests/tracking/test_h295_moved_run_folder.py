"""A run folder moved (``mv``) while mia-train ran in it (h295): the run stopped at its next
write (`require_held`), but its results.json at the new place read 'running' for ever, which
mia-report took for a run in progress or killed; and the run's error line, the first line of
its train.log (opened at its first line) in the folder gone, ended in a FileNotFoundError
traceback out of logging (exit 1). Now the moved results.json says 'interrupted' (a run of
the same config there resumes it), and the log file's failure is one line (exit 2)."""

from __future__ import annotations

import logging
import os
import shutil

import pytest

from mia_defense.cli.held_log import guard_log_files
from mia_defense.errors import DataError
from mia_defense.files import atomic_write
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import claim_run_dir, mark_run


@pytest.mark.parametrize("how", ["moved", "removed", "left"])
def test_a_run_stopped_by_its_folder_moved_is_marked_interrupted_there(tmp_path, how):
    run_dir, moved = tmp_path / "run", tmp_path / "moved"
    with pytest.raises(DataError), claim_run_dir(run_dir):
        mark_run(run_dir, status="running", config={"a": 1}, data_fingerprint=None)
        if how == "moved":
            os.rename(run_dir, moved)
        elif how == "removed":
            shutil.rmtree(run_dir)
        else:  # (another error: the run records it itself)
            raise DataError("x")
        atomic_write(run_dir / "observations.npz", lambda handle: handle.write(b"x"))
    if how == "moved":
        assert read_json(moved / "results.json")["status"] == "interrupted"
        assert sorted(os.listdir(moved)) == [".lock", "results.json"]
    assert not os.path.lexists(run_dir) or read_json(run_dir / "results.json")[
        "status"] == "running"  # fmt: skip


def test_a_log_file_in_a_folder_gone_is_said_in_one_line(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "run"
    folder.mkdir()
    handler = logging.FileHandler(folder / "train.log", delay=True)  # (Hydra's job log)
    root = logging.getLogger()
    # the job's handlers alone: one an earlier test left on a stream since closed wrote
    # '--- Logging error ---' into the stderr read below (the whole suite in one process)
    monkeypatch.setattr(root, "handlers", [])
    root.addHandler(handler)
    failed: list[str] = []
    try:
        guard_log_files(failed)
        shutil.rmtree(folder)
        logging.getLogger("mia_defense.test").error("the run's own error")  # no traceback
    finally:
        root.removeHandler(handler)
    assert failed == [] and handler not in root.handlers  # (no other log file to advise)
    assert capsys.readouterr().err == (f"{folder / 'train.log'}: its folder is gone (moved or "
                                       "removed while the run wrote it), so its log lines go "
                                       "to the console only from here on\n")


def test_a_sweep_names_its_points_whose_folder_moved_apart(tmp_path, sweep_end, capsys):
    # they were listed as refused, "nothing was run there; fix the value and run the same
    # command again", though they had run and had nothing to fix
    from mia_defense.files import FOLDER_GONE

    gone, bad = tmp_path / "train.lr=0.1", tmp_path / "train.lr=-1"
    said = f"DataError: {gone}: {FOLDER_GONE} (its .lock is gone, or is another run's), ..."
    sweep_end.end(tmp_path, task=["train.lr=0.1,-1"], runs=[gone, bad],
                  failed=[(gone, said), (bad, "ConfigError: train.lr=-1: must be > 0")])
    out = capsys.readouterr().out
    assert ("1 run(s) of this sweep stopped because their folder was moved or removed while "
            "they ran (a folder moved keeps what the run had saved, its results.json saying "
            f"interrupted: move it back and run the same command again to resume it, or run "
            f"the same command again to run it anew):\n  {gone}: {said}\n") in out, out
    assert "1 run(s) of this sweep were refused (nothing was run there; fix the value" in out
    assert f"{gone}: DataError" not in out.split("stopped because")[0]  # (not among those)
