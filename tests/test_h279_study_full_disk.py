"""The studies' summary scripts on a disk that fills as they write their tables: results.csv
(one_run.csv) was opened in place, so the table of the last study (the committed one under
experiments/*/results) was cut where the disk filled, and the script ended in an OSError
traceback. Now each file is written atomically: the old table is kept, no temporary file is
left, and one line names the file and why."""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest

from tests.test_h136_study_out_unwritable import _study3, _study4, _study5, _study5b

OUTPUTS = {
    "compare.py": ("results.csv", "results.md", "naive_vs_adaptive.png"),
    "plot.py": ("results.csv", "results.md", "tpr_vs_k.png"),
    "audit.py": ("results.csv", "results.md", "epsilon.png"),
    "one_run.py": ("one_run.csv", "one_run.md", "one_run.png"),
}


class _FullDisk(io.FileIO):
    """A file on a disk with room for its first 10 bytes."""

    def write(self, data):
        super().write(bytes(data)[:10])
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    ("write", "name"),
    [(_study3, "compare.py"), (_study4, "plot.py"), (_study5, "audit.py"),
     (_study5b, "one_run.py")],
)  # fmt: skip
def test_a_full_disk_keeps_the_old_tables_and_is_one_line(tmp_path, monkeypatch, write, name):
    script = write(tmp_path / "root")
    out = tmp_path / "out"
    out.mkdir()
    for output in OUTPUTS[name]:
        (out / output).write_text("the table of the last study\n")
    real_open = io.open

    def full_open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
                  *args, **kwargs):  # fmt: skip
        if "w" not in mode or Path(file).parent != out:
            return real_open(file, mode, buffering, encoding, errors, newline, *args, **kwargs)
        handle = io.BufferedWriter(_FullDisk(file, "w"))
        return handle if "b" in mode else io.TextIOWrapper(handle, encoding, errors, newline)

    monkeypatch.setattr(io, "open", full_open)
    with pytest.raises(SystemExit) as exc:
        script.main([str(tmp_path / "root"), "--out", str(out)])
    monkeypatch.undo()
    assert str(exc.value.code) == (
        f"{name}: error: {out / OUTPUTS[name][0]}: cannot write it (No space left on device); "
        "free disk space or give --out a folder you can write to"
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS[name])  # no temporary file
    for output in OUTPUTS[name]:
        assert (out / output).read_text() == "the table of the last study\n"
