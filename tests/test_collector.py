"""The cyclic garbage collector around a run (`mia_defense.collector`): off while the tools
import, on for the run, as it was afterwards; a later run in the process frees the cycles
the earlier one left."""

from __future__ import annotations

import gc
import weakref

import pytest

from mia_defense.collector import collect_from_here, paused_while_importing
from tests.helpers import mia_train


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_while_importing_restores_the_state_it_found(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_while_importing():
            assert not gc.isenabled()
            collect_from_here()
            assert gc.isenabled()  # the run collects its garbage
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), paused_while_importing():
            raise ValueError("a failed start-up")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_later_run_frees_the_cycles_left_before_it():
    gc.freeze()  # as after a first run in this process
    was = gc.isenabled()
    gc.disable()  # no collection of its own frees the cycle before the run starts
    try:
        left = Node()
        alive = weakref.ref(left)
        del left
        with paused_while_importing():
            collect_from_here()
        assert alive() is None
    finally:
        (gc.enable if was else gc.disable)()


def test_the_collector_is_on_after_a_run_and_after_a_refused_one(tmp_path):
    assert mia_train("--cfg", "job", cwd=tmp_path).returncode == 0
    assert gc.isenabled()
    refused = mia_train("plan.num_models=-1", cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert gc.isenabled()
