"""The same mia-attack again into the same folder, on the same observations file spelt
another way (``o.npz``, then its absolute path, or ``./o.npz``), was refused: 'It holds
mia-attack's run of this source made with another config (source: "o.npz" ->
"/.../o.npz")', though the source (its resolved path and the copy's sha256) and the attack
were the same. It is skipped as a finished run, as the same spelling is."""

from __future__ import annotations

import pytest

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


@pytest.mark.parametrize("again", ["absolute", "./o.npz"])
def test_the_same_file_spelt_otherwise_is_the_same_finished_run(tmp_path, again):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    first = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=run",
                       cwd=tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    results = tmp_path / "run" / "results.json"
    before = results.read_bytes()
    path = str(tmp_path / "o.npz") if again == "absolute" else again
    done = mia_attack(path, *LEAN_ATTACKS, "progress=false", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping finished run" in done.stderr
    assert results.read_bytes() == before


def test_another_file_of_the_same_name_is_still_refused(tmp_path):
    # (the source is matched by its resolved path: o.npz of another folder is another one)
    (tmp_path / "b").mkdir()
    for folder in (tmp_path, tmp_path / "b"):
        synthetic_observations(num_models=4, num_samples=60, num_classes=3,
                               seed=len(folder.parts)).save(folder / "o.npz")  # fmt: skip
    first = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=run",
                       cwd=tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", f"hydra.run.dir={tmp_path}/run",
                      cwd=tmp_path / "b")  # fmt: skip
    assert done.returncode == 2
    assert "holds a run already" in done.stderr
