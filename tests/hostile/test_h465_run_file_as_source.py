"""h465: ``mia-attack RUN/results.json`` (a run's scores.npz, train.log or a checkpoint, a
sweep's multirun.yaml) was refused for what the file is not ('corrupt or not an .npz
archive of plain arrays'), with no word that the folder holding it is what mia-attack
attacks. The refusal now names that folder and the command that attacks it; a file of no run
folder keeps its refusal as it was."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.helpers import LEAN_ATTACKS, mia_attack


@pytest.mark.parametrize("name", ["results.json", "scores.npz", "train.log",
                                  "checkpoints/model_0000.pt"])  # fmt: skip
def test_a_file_of_a_run_folder_names_the_folder(lean_run: Path, tmp_path: Path, name) -> None:
    done = mia_attack(str(lean_run / name), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2
    said = done.stderr.strip()
    assert "\n" not in said and "Traceback" not in said
    assert said.startswith(f"DataError: {lean_run / name}: ")
    assert said.endswith(f"; it is a file of the run folder {lean_run}: give the folder "
                         f"(mia-attack {shlex.quote(str(lean_run))})")  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_a_sweep_file_names_its_run_folders(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "multirun.yaml").write_text("hydra:\n  mode: MULTIRUN\n")
    done = mia_attack(str(sweep / "multirun.yaml"), *LEAN_ATTACKS, "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        f"; it is a file of the sweep folder {sweep}: give one of its run folders "
        f"(mia-attack {shlex.quote(str(sweep))}/RUN)")


def test_a_file_of_no_run_folder_is_refused_as_before(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not observations\n")
    done = mia_attack(str(tmp_path / "notes.txt"), *LEAN_ATTACKS, "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"DataError: {tmp_path / 'notes.txt'}: corrupt or not an .npz archive of plain arrays "
        "(not a zip of .npy files, as np.savez writes)")
