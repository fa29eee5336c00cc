"""A run folder cloned from a repository without its Git LFS files (results.json, the
checkpoints or the .npz files three-line pointers) was skipped in words that blamed the run:
results.json 'not valid JSON ...; the run was probably interrupted', a checkpoint or
observations.npz 'has another sha256 than results.json records ... (results.json and
observations.npz copied from another run ...)', scores.npz 'corrupt or not an .npz archive'.
Each now names the Git LFS pointer and git lfs pull; an edited file is still told so."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.files import load_npz
from mia_defense.report import load_runs
from mia_defense.tracking import read_json

POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
           b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
           b"size 9912422\n")
NAMED = "is a Git LFS pointer (a placeholder of a 9.5 MiB file), not the "
FIX = "the file itself was never downloaded; run 'git lfs pull' in its repository"


@pytest.fixture
def run(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # the run's own files pass
    return run


@pytest.mark.parametrize("name", ["observations.npz", "checkpoints/model_0000.pt"])
def test_a_run_file_left_as_a_pointer_is_named_not_called_edited(run, name):
    (run / name).write_bytes(POINTER)
    reason = dict(load_runs([run]).skipped)[run]
    assert reason.startswith(f"{name} in its folder {NAMED}")
    assert FIX in reason
    assert "another sha256" not in reason


def test_a_results_json_left_as_a_pointer_is_named_not_called_interrupted(run):
    (run / "results.json").write_bytes(POINTER)
    with pytest.raises(DataError) as info:
        read_json(run / "results.json")
    said = str(info.value)
    assert said.startswith(f"{run / 'results.json'}: {NAMED}JSON file it stands for")
    assert FIX in said and "interrupted" not in said


def test_an_npz_left_as_a_pointer_is_named_not_called_corrupt(run):
    (run / "scores.npz").write_bytes(POINTER)
    with pytest.raises(DataError, match=re.escape(f"scores.npz: {NAMED}.npz archive it stands")):
        load_npz(run / "scores.npz")


def test_an_edited_observations_file_is_still_told_so(run):
    with np.load(run / "observations.npz") as archive:
        arrays = dict(archive)
    arrays["labels"] = arrays["labels"][::-1].copy()
    np.savez_compressed(run / "observations.npz", **arrays)
    reason = dict(load_runs([run]).skipped)[run]
    assert reason.startswith("observations.npz in its folder has another sha256")
