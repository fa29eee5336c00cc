"""A Ctrl-C or SIGTERM after the task started (here as ``sklearn.metrics`` starts importing)
printed the interrupted words twice: the task's log line (on stderr) and then `run_entry`'s
plain line (h197). One remains; where the task's line reaches no console
(``hydra/job_logging=disabled``) the plain one is printed."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mia_defense.cli.entry import end_interrupted, run_entry
from tests.cli.test_h193_interrupt_inside_numpy_import import _HOOK

LINE = "interrupted; run the same command again to resume"


@pytest.mark.parametrize("console", [True, False], ids=["logged", "no_console"])
def test_a_signal_in_the_task_says_interrupted_once(capsys, console):
    log = logging.getLogger("tests.h197")
    handler = logging.StreamHandler(sys.stderr)  # (capsys' stream)
    log.addHandler(handler)
    log.propagate, log.disabled = False, not console
    before = signal.signal(signal.SIGINT, signal.default_int_handler)

    def task() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # (the handler runs at once)
        except KeyboardInterrupt:
            end_interrupted(log, LINE)

    try:
        with pytest.raises(SystemExit) as ended:
            run_entry(task, started=lambda: True, interrupted=LINE)
    finally:
        signal.signal(signal.SIGINT, before)
        log.removeHandler(handler)
        log.propagate, log.disabled = True, False
    assert ended.value.code == 130
    assert capsys.readouterr().err.count(LINE) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("signame", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_mia_train_interrupted_inside_its_task_prints_one_line(tmp_path, signame, code):
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(_HOOK)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "hook"), "H193_AT": "sklearn.metrics",
           "H193_SIGNAL": signame}  # fmt: skip
    env.pop("HYDRA_FULL_ERROR", None)
    tool = Path(sys.executable).with_name("mia-train")
    done = subprocess.run([str(tool), f"hydra.run.dir={tmp_path / 'run'}"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == code, done.stderr[-2000:]
    assert done.stderr.count("interrupted") == 1, done.stderr
    assert done.stderr.rstrip().endswith(f"[ERROR] - {LINE}")
    assert LINE in (tmp_path / "run" / "train.log").read_text()
