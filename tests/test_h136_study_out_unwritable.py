"""The studies' summary scripts (compare.py, plot.py, audit.py, one_run.py) ended in an
OSError traceback where their --out folder could not be made or written in: a study run
into a writable ROOT from a read-only checkout writes its tables into experiments/*/results,
so the traceback came after the whole sweep had run. Now one line names the folder and
why. (As root, chmod cannot refuse a write: a read-only file system is simulated.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import test_study_dp_audit as study5
from tests import test_study_naive_vs_adaptive as study3
from tests import test_study_reference_models as study4


def _study3(root: Path):
    study3._sweep(root)
    return study3.compare


def _study4(root: Path):
    study4._sweep(root)
    return study4.plot


def _study5(root: Path):
    study5._write(root, 1.0)
    return study5.audit


def _study5b(root: Path):
    study5._write_one_run(root, "delta_1e-6", 1.0)
    return study5.one_run


@pytest.mark.parametrize(
    ("write", "name"),
    [(_study3, "compare.py"), (_study4, "plot.py"), (_study5, "audit.py"),
     (_study5b, "one_run.py")],
)  # fmt: skip
@pytest.mark.parametrize("where", ["new", "existing"])
def test_an_out_folder_it_cannot_write_is_one_line_naming_it(
    tmp_path, monkeypatch, write, name, where
):
    script = write(tmp_path / "root")
    out = tmp_path / "out"
    if where == "existing":
        out.mkdir()
    real_mkdir, real_open = Path.mkdir, Path.open

    def read_only(path) -> bool:
        return Path(path) == out or out in Path(path).parents

    def mkdir(self, *args, **kwargs):
        if read_only(self) and not self.is_dir():
            raise OSError(30, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    def path_open(self, mode="r", *args, **kwargs):
        if read_only(self) and mode != "r":
            raise OSError(30, "Read-only file system", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(Path, "open", path_open)
    monkeypatch.setattr("tempfile.TemporaryFile", refuse)
    with pytest.raises(SystemExit) as exc:
        script.main([str(tmp_path / "root"), "--out", str(out)])
    message = str(exc.value.code)
    assert message == (
        f"{name}: error: {out}: cannot write the tables there (Read-only file system); give "
        "--out a folder you can write to"
    )
