"""mia-report's skip of a sweep's run folder renamed by hand quoted the folder's key=value
through one_line, which turns a line end or a tab into a space and strips it: a folder
renamed to $'train.epochs=50\\n' (float() reads '50\\n' as 50) was said to be named
'train.epochs=50', a name no folder had. It is now written as the folder's path is
(`shown_path`: bash's $'...'); a printable name reads as before."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run

NAMES = ["train.epochs=50\n", "train.epochs=\t50", "train.epochs=50\u2028"]


@pytest.mark.parametrize("name", NAMES)
def test_the_renamed_folder_is_named_as_typed(tmp_path, name):
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=3", test_accuracy=0.8, signal=0.3, seed=1)
    (root / "train.epochs=3").rename(root / name)
    why = dict(load_runs([root]).skipped)[root / name]
    said = why.removeprefix("its folder's name says ").split(", but its", 1)[0]
    assert why.isprintable() and said.startswith("$'"), why
    if shutil.which("bash"):
        typed = subprocess.run(["bash", "-c", f"printf %s {said}"], capture_output=True,
                               check=True).stdout.decode()  # fmt: skip
        assert typed == name, (said, typed)


def test_a_printable_name_reads_as_before(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=3", test_accuracy=0.8, signal=0.3, seed=1)
    (root / "train.epochs=3").rename(root / "train.epochs=50")
    assert dict(load_runs([root]).skipped)[root / "train.epochs=50"].startswith(
        "its folder's name says train.epochs=50, but its results.json's config holds "
        "train.epochs=3")
