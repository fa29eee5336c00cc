"""A sweep point refused because another process holds its run folder (its .lock: a run
still going there) was listed under 'fix the value and run the same command again', though
it has no value to fix; the sweep's end now says to wait for that run to end, then run the
same command again, and keeps 'fix the value' for points refused for their settings
(helper h202)."""

from __future__ import annotations

import os

from tests.conftest import TINY
from tests.helpers import FAST, hold_run_lock, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())
SWEEP = ("-m", *RUN, "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}")
WAIT = "wait for the run that holds it (still going) to end, then run the same command again"


def test_a_point_whose_folder_is_in_use_is_told_to_wait(tmp_path):
    fd = hold_run_lock(tmp_path / "sweep" / "s1")
    try:
        done = mia_train(*SWEEP, "seed=1", cwd=tmp_path)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s1: ConfigError: " in done.stdout and " is in use by pid 1 on elsewhere" in done.stdout
    assert ("1 run(s) of this sweep were refused (nothing was run there; each folder is in use "
            f"by another process: {WAIT}):") in done.stdout
    assert "fix the value" not in done.stdout


def test_a_bad_value_beside_a_folder_in_use_keeps_fix_the_value(tmp_path):
    fd = hold_run_lock(tmp_path / "sweep" / "l0.1")
    try:
        done = mia_train(*SWEEP[:-1], "hydra.sweep.subdir=l${train.lr}", "train.lr=0.1,-1",
                         cwd=tmp_path)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("2 run(s) of this sweep were refused (nothing was run there; fix the value and run "
            "the same command again):") in done.stdout
    assert "l0.1: ConfigError: " in done.stdout and "l-1: ConfigError: train.lr=-1" in done.stdout
    assert f"  (1 of them: nothing to fix, the folder is in use: {WAIT})" in done.stdout


def test_mia_attacks_sweep_end_tells_a_point_in_use_to_wait(tmp_path, capsys):
    from mia_defense.cli.attack import _print_failed_points

    _print_failed_points([(tmp_path / "s1", f"ConfigError: {tmp_path / 's1'} is in use by pid 1 "
                           "on elsewhere since 2026-01-01 00:00:00; wait for that run to end")])
    said = capsys.readouterr().out
    assert f"(nothing was attacked there; each folder is in use by another process: {WAIT}):" in (
        said)
    assert "fix the value" not in said
