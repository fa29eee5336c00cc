"""A run lock's holder line is printed into messages (a refusal, the sweep's kept line);
anyone who can write the run's folder can write it, so its control characters (a terminal
escape) are shown as spaces (`report.checks.printable`), in each of the three places that
read it."""

from __future__ import annotations

import os

import pytest

from mia_defense.cli.held_log import lock_holder
from mia_defense.errors import ConfigError
from mia_defense.tracking.run_dir import claim_run_dir
from tests.helpers import hold_run_lock

FORGED = b"pid 1 on \x1b]0;owned\x07elsewhere\x1b[2J since T\n"


def test_a_forged_holder_line_is_shown_printable(tmp_path):
    fd = hold_run_lock(tmp_path)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, FORGED, 0)
        assert lock_holder(tmp_path) == "pid 1 on  ]0;owned elsewhere [2J since T"
        with pytest.raises(ConfigError) as refused, claim_run_dir(tmp_path):
            pass
        assert "in use by pid 1 on  ]0;owned elsewhere [2J since T;" in str(refused.value)
    finally:
        os.close(fd)
