"""h405: an Optuna trial whose folder was in use by a trial that drew the same values at the
same time (launcher=joblib, n_jobs=3, '+hydra.sweeper.params={train.weight_decay:
"choice(0.0,0.001)"}': two of three draw one value) was refused there, 'is in use by pid N',
and Optuna recorded it as a failed trial ("Failed experiment: Return value must be a list or
tuple of float-castable values. Got 'None'"), one of n_trials spent for nothing. The trial
now waits for that run to end and takes it as its own: a complete run is skipped, its
figures handed to the sweeper as this trial's. A grid sweep's point in use is still refused
(tests/cli/test_h202_sweep_point_in_use_advice.py)."""

from __future__ import annotations

import os

import pytest

import mia_defense.cli.build as build
from tests.conftest import TINY
from tests.helpers import FAST, hold_run_lock, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())
SEARCH = ("-m", *RUN, "hparams_search=optuna_custom", "hydra.sweep.dir=sweep",
          "hydra.sweep.subdir=w${train.weight_decay}", "hydra.sweeper.n_trials=1",
          "hydra.sweeper.sampler.seed=7",
          '+hydra.sweeper.params={train.weight_decay:"choice(0.0,0.001)"}')


@pytest.mark.slow  # two tiny one-trial searches, in process
def test_a_trial_in_its_twins_folder_takes_its_run(tmp_path, monkeypatch):
    first = mia_train(*SEARCH, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    (done,) = [p for p in (tmp_path / "sweep").iterdir() if (p / "results.json").is_file()]
    # its twin runs there now: the same search, its trial drawing the same value
    held = [hold_run_lock(tmp_path / "sweep" / name) for name in ("w0.0", "w0.001")]
    real_wait = build.__dict__.get("wait_for_lock")

    def twin_ends(run_dir):  # (the holder's run ends while the trial waits for it)
        while held:
            os.close(held.pop())
        return real_wait(run_dir)

    monkeypatch.setattr(build, "wait_for_lock", twin_ends, raising=False)
    try:
        again = mia_train(*SEARCH, cwd=tmp_path)
    finally:
        for fd in held:
            os.close(fd)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Failed experiment" not in again.stderr, again.stderr[-3000:]
    assert "were refused" not in again.stdout, again.stdout
    assert f"{done} is in use by pid 1 on elsewhere" in again.stderr
    assert "waiting for it to end" in again.stderr
    assert f"skipping finished run {done}" in again.stderr, again.stderr[-3000:]


def test_a_lock_probed_shared_is_not_claimed_in_a_busy_loop(tmp_path, monkeypatch):
    """A process probing the trial's folder with a shared lock (as lock_holder does) is no
    holder to wait on, yet the claim is refused 'in use' while it holds it: the trial tried
    the claim again at once, over and over, a core spent for as long as the probe lasted."""
    import fcntl
    from types import SimpleNamespace

    for name in ("w0.0", "w0.001"):
        (tmp_path / "sweep" / name).mkdir(parents=True)
        (tmp_path / "sweep" / name / ".lock").write_bytes(b"")
    probes = []
    for name in ("w0.0", "w0.001"):
        fd = os.open(tmp_path / "sweep" / name / ".lock", os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_SH)
        probes.append(fd)
    claims, pauses = [0], []

    def end_probes():
        while probes:
            os.close(probes.pop())

    real_claim = build.claim_run_dir

    def claim(run_dir):
        claims[0] += 1
        if claims[0] >= 50:  # (a busy loop: ended here, not by the test's timeout)
            end_probes()
        return real_claim(run_dir)

    def pause(seconds):
        pauses.append(seconds)
        end_probes()

    monkeypatch.setattr(build, "claim_run_dir", claim)
    monkeypatch.setattr(build, "time", SimpleNamespace(sleep=pause), raising=False)
    try:
        done = mia_train(*SEARCH, cwd=tmp_path)
    finally:
        end_probes()
    assert done.returncode == 0, done.stderr[-3000:]
    assert claims[0] == 2 and len(pauses) == 1, (claims, pauses)
