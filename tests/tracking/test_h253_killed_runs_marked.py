"""A run whose writer was killed (SIGKILL: a joblib pool kills its workers when mia-train
is interrupted alone, ``kill -INT <pid>``) read ``running`` for ever after, in mia-report
too ('still running, or killed'). `mark_killed_runs` marks such a run ``interrupted``, as
Ctrl-C would have, where nothing holds its lock and the last holder was of this host; a
resume still runs it again (h253)."""

from __future__ import annotations

import socket

import pytest

from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import (
    LOCK,
    RESULTS,
    claim_run_dir,
    finished_run,
    mark_killed_runs,
    mark_run,
)
from tests.helpers import killed_while_running

CONFIG = {"seed": 0, "train": {"epochs": 3}}


def test_a_killed_run_reads_interrupted_and_resumes(tmp_path):
    run_dir = tmp_path / "run"
    killed_while_running(run_dir, CONFIG)
    assert read_json(run_dir / RESULTS)["status"] == "running"  # (as the pool left it)
    assert mark_killed_runs([run_dir]) == [run_dir]
    payload = read_json(run_dir / RESULTS)
    assert payload["status"] == "interrupted"
    assert payload["config"] == CONFIG and payload["data_fingerprint"] == "f"
    # a resume runs it again (no refusal, not skipped as finished)
    assert finished_run(run_dir, config=CONFIG, data_fingerprint="f") is None


def test_a_run_whose_lock_is_held_is_left_running(tmp_path):
    run_dir = tmp_path / "run"
    killed_while_running(run_dir, CONFIG)
    with claim_run_dir(run_dir):  # (another process's, as far as flock sees: its own open)
        assert mark_killed_runs([run_dir], wait=0.1) == []
    assert read_json(run_dir / RESULTS)["status"] == "running"


def test_a_run_last_held_on_another_host_is_left_running(tmp_path):
    run_dir = tmp_path / "run"
    killed_while_running(run_dir, CONFIG)
    (run_dir / LOCK).write_text(f"pid 1 on not-{socket.gethostname()} since 2026-12-05\n")
    assert mark_killed_runs([run_dir]) == []  # (a job that may still run there)
    assert read_json(run_dir / RESULTS)["status"] == "running"


@pytest.mark.parametrize("status", ["complete", "failed", "interrupted"])
def test_other_statuses_are_left_alone(tmp_path, status):
    run_dir = tmp_path / "run"
    killed_while_running(run_dir, CONFIG)
    mark_run(run_dir, status=status, config=CONFIG, data_fingerprint="f")
    before = (run_dir / RESULTS).read_bytes()
    assert mark_killed_runs([run_dir, tmp_path / "no-run"]) == []
    assert (run_dir / RESULTS).read_bytes() == before
