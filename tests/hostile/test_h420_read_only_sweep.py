"""h420: a finished sweep kept read-only (chmod -R a-w) and run again with the same command,
as user nobody (root writes anyway): mia-train -m plan.num_models=2 train.epochs=2 seed=0,1
hydra.sweep.dir=R said 'DataError: hydra.sweep.dir=R: cannot write there (Permission
denied); point hydra.sweep.dir at a writable directory', as for any folder, not that R held
the runs it asked for, nor how to read them without writing (mia-report R --out DIR: R/report
was refused the same way). It now says the folder holds its runs, why mia-train cannot skip
them there (it writes a run's lock and log even to skip it), and both ways on. A read-only
folder with no run in it is told as before."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mia_defense.cli.run_dirs import require_writable_dir
from tests.helpers import as_unprivileged

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="POSIX permissions, checked as a user other than root",
)


def _said(path: Path) -> str:
    """What require_writable_dir logs of ``path``, checked as a user other than root."""

    def check() -> str:
        lines: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore
        logging.getLogger("mia_defense.cli.run_dirs").addHandler(handler)
        try:
            require_writable_dir(str(path), key="hydra.sweep.dir")
        except SystemExit as exc:
            lines.append(f"exit {exc.code}")
        return "\n".join(lines)

    return as_unprivileged(check)


@pytest.fixture
def root():
    root = Path(tempfile.mkdtemp(prefix="mia-h420-"))  # (pytest's tmp_path: root's only)
    root.chmod(0o755)
    yield root
    for folder in (root, *root.rglob("*")):
        if folder.is_dir():
            folder.chmod(0o755)
    shutil.rmtree(root)


def _read_only(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    folder.chmod(0o555)


def test_a_read_only_sweep_of_finished_runs_says_how_to_read_them(root):
    sweep = root / "R"
    for name in ("seed=0", "seed=1"):
        (sweep / name).mkdir(parents=True)
        (sweep / name / "results.json").write_text("{}")
    (sweep / "sweep_hparams").mkdir()
    _read_only(sweep)
    said = _said(sweep)
    assert said.startswith(f"DataError: hydra.sweep.dir={sweep}: cannot write there "
                           "(Permission denied); it holds 2 runs, and mia-train writes in a "
                           "run's folder even to skip it as finished"), said
    assert f"Read them as they are with mia-report {sweep} --out DIR" in said
    assert f"chmod -R u+w {sweep}" in said and said.endswith("exit 2")


def test_a_read_only_folder_of_no_run_is_told_as_before(root):
    sweep = root / "R"
    (sweep / "empty").mkdir(parents=True)
    _read_only(sweep)
    assert _said(sweep) == (f"DataError: hydra.sweep.dir={sweep}: cannot write there "
                            "(Permission denied); point hydra.sweep.dir at a writable "
                            "directory\nexit 2")
