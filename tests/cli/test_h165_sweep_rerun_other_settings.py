"""A sweep run again into its folder with one value changed, where its run folders are
numbered (``hydra.sweep.subdir=${hydra.job.num}``): the point whose folder holds the earlier
sweep's run of other settings is refused naming what differs, nothing finished is moved or
rewritten, and the sweep's end no longer leaves 'fix the value and run the same command
again' as the only advice (the same command refuses it again) (h165)."""

from __future__ import annotations

from tests.helpers import FAST, mia_train

TINY = ("plan.num_models=2", "plan.population_size=200", "progress=false", *FAST,
        "hydra.sweep.dir=s", "hydra.sweep.subdir=${hydra.job.num}")  # fmt: skip


def test_a_changed_value_in_a_numbered_folder_is_refused_and_kept(tmp_path):
    first = mia_train("-m", "seed=1,2", *TINY, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    kept = {p: p.read_bytes() for p in (tmp_path / "s").glob("*/results.json")}
    again = mia_train("-m", "seed=1,3", *TINY, cwd=tmp_path)
    assert again.returncode == 2, again.stderr[-3000:]
    assert "holds a complete run of another config (" in again.stdout
    assert "seed: 2 -> 3" in again.stdout
    assert ("(1 of them: the folder this sweep names for the run holds a run of other "
            "settings") in again.stdout  # fmt: skip
    assert "give this sweep a new hydra.sweep.dir)" in again.stdout
    assert {p: p.read_bytes() for p in (tmp_path / "s").glob("*/results.json")} == kept
