"""``hydra.run.dir=SWEEP/new/..`` wrote a single run (results.json, checkpoints, tb/) into a
sweep's own directory: every check read the path as the system does, found no folder
``new`` and so nothing there, then Hydra made ``new`` and the run wrote into its parent
(a sweep directory is refused as a run's; the sweep could not be resumed there after). A
``..`` after a folder that does not exist yet is now refused, nothing made (helper h210)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(("mode", "key", "held"), [
    ((), "hydra.run.dir", "multirun.yaml"),  # a single run into a sweep's directory
    (("-m", "seed=0,1"), "hydra.sweep.dir", "results.json"),  # a sweep into a run's
])  # fmt: skip
def test_dotdot_after_a_folder_not_made_yet_is_refused(tmp_path, mode, key, held):
    other = tmp_path / "other"
    other.mkdir()
    (other / held).write_text("kept\n")
    (other / "train.log").write_text("kept\n")
    before = _listing(other)
    done = mia_train(*mode, *TINY, f"{key}=other/new/..", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert (f"ConfigError: {key}=other/new/..: '..' after other/new, a folder that does not "
            "exist yet, so the run would be written to other itself, unchecked; nothing was "
            f"changed. Write {key} without '..'") in done.stderr
    assert _listing(other) == before  # no 'new', no run's files
    assert "Traceback" not in done.stderr


def test_dotdot_after_existing_folders_is_read_as_before(tmp_path):
    """``..`` over folders that exist names what the system names: checked as it always was
    (here a sweep's directory, refused as such)."""
    (tmp_path / "sweep" / "run").mkdir(parents=True)
    (tmp_path / "sweep" / "multirun.yaml").write_text("kept\n")
    done = mia_train(*TINY, "hydra.run.dir=sweep/run/..", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "is a sweep's directory (it holds multirun.yaml)" in done.stderr
