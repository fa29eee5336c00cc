"""h420: a run killed while writing its observations (kill -9) leaves atomic_write's
temporary file (.observations.npz.PID.XXXXXXXX.tmp); the next claim of the folder removes
it once no live process has that id. A killed writer whose parent had not reaped it yet (a
zombie: a pool's worker, a script's Popen never waited on) still answered signal 0, so its
file was kept as a live writer's: the rerun of the same sweep skipped the finished run and
left the dead process's partial .npz beside observations.npz."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mia_defense.files import stale_temp_files
from mia_defense.tracking.run_dir import claim_run_dir


def _zombie() -> int:
    """The id of a child of this process that has exited and is not reaped yet."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    for _ in range(200):  # (until the kernel marks it: at most 1 s)
        with open(f"/proc/{pid}/stat", "rb") as stat:
            if stat.read().rpartition(b")")[2].split()[:1] == [b"Z"]:
                return pid
        time.sleep(0.005)
    os.waitpid(pid, 0)
    pytest.skip("the child did not become a zombie within 1 s")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
def test_a_zombie_writers_temporary_file_is_removed_at_the_claim(tmp_path, caplog):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "observations.npz").write_bytes(b"the finished run's")
    live = run_dir / f".observations.npz.{os.getpid()}.0123abcd.tmp"  # (this process: alive)
    live.write_bytes(b"being written")
    pid = _zombie()
    try:
        dead = run_dir / f".observations.npz.{pid}.89abcdef.tmp"
        dead.write_bytes(b"cut")
        assert stale_temp_files(run_dir) == [dead]
        with caplog.at_level("INFO"), claim_run_dir(run_dir):
            pass
    finally:
        os.waitpid(pid, 0)
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(
        [".lock", "observations.npz", live.name])
    assert "removed 1 temporary file of writers killed while writing" in caplog.text
    assert dead.name in caplog.text
    assert Path(run_dir / "observations.npz").read_bytes() == b"the finished run's"
