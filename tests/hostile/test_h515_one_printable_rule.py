"""Text read from a run's folder had two rules for showing it printable (found by h515):
`tracking.run_dir.printable_line` (a lock's holder line, results.json's ``waiting_for``)
wrote a control character as '?', `report.checks.printable` (the log filter, mia-report's
names and reasons) as a space, a byte that is no UTF-8 as ``\\xNN``. A holder line logged
was thus said one way in a refusal and another in the log filter's; and a ``waiting_for``
holding such a byte (an edited results.json) said '?'. `printable` is now the one rule:
the holder line's control characters read as spaces, its byte as ``\\xff``."""

from __future__ import annotations

import json
import logging
import os

from mia_defense.cli.held_log import lock_holder
from mia_defense.cli.stopped import say_what_the_run_kept
from mia_defense.report.checks import printable
from tests.helpers import hold_run_lock

FORGED = "pid 1 on \x1b]0;owned\x07there\tsince T"


def test_a_lock_holder_line_reads_as_printable_writes_it(tmp_path):
    fd = hold_run_lock(tmp_path)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (FORGED + "\n").encode(), 0)
        said = lock_holder(tmp_path)
    finally:
        os.close(fd)
    assert said == "pid 1 on  ]0;owned there since T" == printable(FORGED)


def test_a_waited_for_byte_that_is_no_utf8_reads_as_printable_writes_it(tmp_path, caplog):
    waited = "pid 1 on h\udcff\x1b[2J since T"
    (tmp_path / "results.json").write_text(json.dumps({"status": "interrupted", "model_store": {
        "model": {"waiting_for": waited}}}))
    with caplog.at_level(logging.WARNING):
        say_what_the_run_kept(tmp_path)
    said = caplog.records[-1].getMessage()
    assert "the run waited for pid 1 on h\\xff [2J since T" in said, said
    assert printable(waited) in said
