"""A sweep's run folder renamed to begin (or whose key holds) a line end, a tab or a
terminal's escape ($'\\ntrain.epochs=50' over a run of train.epochs=3) gave the key
'\\ntrain.epochs', which the config lacks, so `_renamed_problem` said nothing and mia-report
listed the run under a name saying 50 epochs. Hydra never writes such a character in a key
(`control_character` refuses one), so it came with the rename: the key is read without it,
as float() reads the value '50\\n' as 50, and the folder is skipped as renamed, named as
its path is (bash's $'...')."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run

NAMES = ["\ntrain.epochs=50", "\ttrain.epochs=50", "train.\x1bepochs=50", " train.epochs=50",
         "+\ntrain.epochs=50", "seed=1,\ntrain.epochs=50"]


@pytest.mark.parametrize("name", NAMES)
def test_a_control_character_in_the_key_is_named_as_renamed(tmp_path, name):
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=3", test_accuracy=0.8, signal=0.3, seed=1)
    (root / "train.epochs=3").rename(root / name)
    why = dict(load_runs([root]).skipped).get(root / name)
    assert why is not None and why.isprintable(), why
    assert "results.json's config holds train.epochs=3" in why, why
    said = why.removeprefix("its folder's name says ").split(", but its", 1)[0]
    if shutil.which("bash"):
        typed = subprocess.run(["bash", "-c", f"printf %s {said}"], capture_output=True,
                               check=True).stdout.decode()  # fmt: skip
        assert typed in name, (said, typed)


def test_the_same_value_is_left_alone(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=3", test_accuracy=0.8, signal=0.3, seed=1)
    (root / "train.epochs=3").rename(root / "\ntrain.epochs=3")
    runs = load_runs([root])
    assert root / "\ntrain.epochs=3" not in dict(runs.skipped), runs.skipped
