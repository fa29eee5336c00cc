"""An interrupted mia-attack sweep resumes without redoing its finished points: the same
command again skipped none of them; it refused each ("holds a run already"). A finished
point of the same source (path and content), config and code is now skipped, as
mia-train skips its finished runs; a folder holding any other run is still refused."""

import shutil
from pathlib import Path

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

HELD = "holds a run already (results.json); mia-attack writes into a new directory: choose another"
SUBDIR = "hydra.sweep.subdir=${hydra.job.num}"


def _state(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def _sweep(tmp_path: Path) -> tuple[str, ...]:
    """The command of a two-point sweep (attack.num_targets=1,2) on ``tmp_path/o.npz``
    into ``tmp_path/sweep/0`` and ``/1``, run once."""
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    args = ("-m", "o.npz", *LEAN_ATTACKS, "attack.num_targets=1,2", "hydra.sweep.dir=sweep",
            SUBDIR)  # fmt: skip
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return args


def test_the_same_sweep_again_skips_finished_points_and_runs_the_missing(tmp_path):
    args = _sweep(tmp_path)
    first, second = (tmp_path / "sweep" / n / "results.json" for n in ("0", "1"))
    kept = _state(first)
    second.unlink()  # the sweep stopped before its second point finished
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _state(first) == kept  # skipped: nothing written
    assert done.stderr.count("skipping finished run") == 1
    assert f"skipping finished run {tmp_path / 'sweep' / '0'} " in done.stderr
    assert second.is_file() and "refused" not in done.stdout


def test_a_point_holding_another_source_or_config_is_still_refused(attacked_run, tmp_path):
    args = _sweep(tmp_path)
    first, second = (tmp_path / "sweep" / n / "results.json" for n in ("0", "1"))
    shutil.copy2(first, second)  # the first point's run: of another config than the second
    shutil.copy2(attacked_run / "results.json", first)  # another file's attack (its path)
    kept = {path: _state(path) for path in (first, second)}
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert {path: _state(path) for path in (first, second)} == kept
    assert "skipping finished run" not in done.stderr
    refused = done.stdout.split("were refused")[1]
    key = "hydra.sweep.subdir"
    other_source = f"{key}={tmp_path / 'sweep' / '0'} {HELD} {key}\n"
    assert other_source in refused  # the wording as it was: nothing added
    assert (f"{key}={tmp_path / 'sweep' / '1'} {HELD} {key}. It holds mia-attack's run "
            "of this source made with another config (attack.num_targets: 1 -> 2)") in refused


def test_a_single_run_again_is_skipped_unless_its_source_changed(tmp_path):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    args = ("o.npz", *LEAN_ATTACKS, "hydra.run.dir=a")
    assert mia_attack(*args, cwd=tmp_path).returncode == 0
    results = tmp_path / "a" / "results.json"
    kept = _state(results)
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "skipping finished run" in done.stderr and _state(results) == kept
    again = mia_attack(*args[:-1], "attack.num_targets=2", "hydra.run.dir=a", cwd=tmp_path)
    assert again.returncode == 2 and _state(results) == kept
    assert (f"hydra.run.dir={tmp_path / 'a'} {HELD} hydra.run.dir. It holds mia-attack's run "
            "of this source made with another config (attack.num_targets: null -> 2)"
            ) in again.stderr
    synthetic_observations(num_models=4, num_samples=60, num_classes=3, seed=1).save(
        tmp_path / "o.npz")  # the same file name, other observations
    changed = mia_attack(*args, cwd=tmp_path)
    assert changed.returncode == 2 and _state(results) == kept
    assert "made of other observations (the sha256 of its copy" in changed.stderr


def test_a_point_whose_record_lost_its_sha256_is_refused_as_edited(tmp_path):
    # it was refused as 'of other observations (...: the source changed since)', which it
    # was not: mia-attack always records the digest, so only a hand edit removes it
    import json

    args = _sweep(tmp_path)
    first = tmp_path / "sweep" / "0" / "results.json"
    record = json.loads(first.read_text())
    del record["sha256"]
    first.write_text(json.dumps(record))
    done = mia_attack(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert ("It holds mia-attack's run of this source made with no sha256 recorded "
            "(results.json's sha256 is gone: edited by hand)") in done.stdout
