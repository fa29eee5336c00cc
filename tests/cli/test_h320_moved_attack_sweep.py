"""An mia-attack sweep moved (``mv``, rsync) with its source, then resumed with the same
command: each finished point was refused, 'holds a run already', for its record named the
source by its absolute path of before the move. A record whose source is gone from there,
of the same name, is matched by content (sha256), config and code as before: skipped."""

from __future__ import annotations

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


def test_a_moved_attack_sweep_skips_its_finished_points(tmp_path):
    old, new = tmp_path / "a", tmp_path / "b"
    old.mkdir()
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(old / "o.npz")
    args = ("-m", "o.npz", *LEAN_ATTACKS, "attack.num_targets=1,2", "hydra.sweep.dir=sweep",
            "hydra.sweep.subdir=${hydra.job.num}")  # fmt: skip
    assert mia_attack(*args, cwd=old).returncode == 0
    old.rename(new)
    before = (new / "sweep" / "0" / "results.json").read_bytes()
    done = mia_attack(*args, cwd=new)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("skipping finished run") == 2, done.stderr[-3000:]
    assert (new / "sweep" / "0" / "results.json").read_bytes() == before
