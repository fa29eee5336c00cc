"""The library called several times in one process (a notebook, a script calling
`mia_defense.api` or a tool's main): a call leaves the process as it found it (h360)."""

from __future__ import annotations

import gc
import logging
import random
import sys
import warnings
import weakref

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api

NOTE = ("There is a performance drop because we have not yet implemented the batching rule "
        "for aten::mkldnn_rnn_layer")


def test_a_white_box_call_leaves_torchs_performance_notes_to_the_user() -> None:
    """observe_models(white_box=True) silenced torch's note on an LSTM's per-sample
    gradients for the rest of the process: the user's own vmap over one said nothing."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 3)).astype(np.float32), np.arange(24) % 2
    plan = api.make_plan(x, y, num_models=2, population_size=16)
    before = list(warnings.filters)
    api.observe_models([nn.Linear(3, 2), nn.Linear(3, 2)], x, y, plan, white_box=True)
    assert warnings.filters == before
    with pytest.warns(UserWarning, match="performance drop"):
        warnings.warn(NOTE, UserWarning, stacklevel=1)


def test_a_tools_main_leaves_the_root_logger_and_hydras_job_config(tmp_path, monkeypatch):
    """mia-attack's main() left Hydra's handlers on the root logger and its job config set:
    the caller's own log lines after it went into the finished run's attack.log, and a later
    cli.attack.run read the old job's launch folder and overrides; torch on one thread, the
    random streams moved on by the task's draws, its warnings filters left in place."""
    from hydra.core.hydra_config import HydraConfig

    from mia_defense import collector, torch_notes
    from mia_defense.cli import attack
    from tests.helpers import LEAN_ATTACKS, synthetic_observations

    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])  # (the launch folder stays on it: on purpose)
    monkeypatch.setattr(sys, "argv", ["mia-attack", "o.npz", *LEAN_ATTACKS, "hydra.run.dir=run"])
    root = logging.getLogger()
    before = (root.level, root.handlers[:])
    threads, drawn = torch.get_num_threads(), (random.getstate(), torch.get_rng_state())
    filters = list(warnings.filters)
    torch.set_num_threads(threads + 1)
    start = collector.collect_from_here  # (the task drawing, as rich's import, and a note silenced)
    monkeypatch.setattr(collector, "collect_from_here", lambda: (
        random.random(), torch.rand(1), torch_notes.ignore_performance_note("h360"), start()))
    try:
        attack.main()
        assert torch.get_num_threads() == threads + 1  # (the task's one thread put back)
    finally:
        torch.set_num_threads(threads)
    assert random.getstate() == drawn[0] and torch.equal(torch.get_rng_state(), drawn[1])
    assert warnings.filters == filters
    assert (root.level, root.handlers) == before and not HydraConfig.initialized()
    logging.getLogger("h360.user").warning("the caller's own line")
    assert "the caller's own line" not in (tmp_path / "run" / "attack.log").read_text()


@pytest.mark.parametrize(("tool", "args"), [
    ("mia-train", ["dataset=nosuch"]), ("mia-attack", ["o.npz", "attack=nosuch"])])
def test_a_second_main_refuses_a_bad_config_as_the_first(tool, args, tmp_path, monkeypatch,
                                                         capsys):
    """A main() whose previous call in the process had started its task (the flag it leaves)
    reported a config Hydra cannot compose as Hydra does, over many lines, with exit 1."""
    from mia_defense.cli import attack, train

    cli = train if tool == "mia-train" else attack
    (tmp_path / "o.npz").touch()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", [tool, *args])
    monkeypatch.setattr(cli, "_TASK_STARTED", True)  # (as a finished run leaves it)
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 2
    assert capsys.readouterr().err.startswith("ConfigError: Could not find ")


def test_a_run_leaves_the_callers_cycles_to_the_collector(monkeypatch) -> None:
    """A tool's run froze every object alive (the collector skips the imports), the caller's
    own with them: a cycle it held then was never freed in its process."""
    from mia_defense import collector
    from mia_defense.collector import collect_from_here, paused_while_importing

    monkeypatch.setattr(collector, "_froze_before", False)  # (its own full collection: slow)

    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.unfreeze()  # (as a process that froze nothing: the test session froze its imports)
    try:
        left = Node()
        alive = weakref.ref(left)
        with paused_while_importing():
            collect_from_here()  # (the run's start)
        del left
        gc.collect()
        assert alive() is None
    finally:
        gc.freeze()



def test_a_call_leaves_torchs_global_generator_where_the_caller_seeded_it() -> None:
    """cli.build.run with defense=dropout drew from torch's global generator (the stacking
    probe's training-mode forward, training.stack.vmap_blocker): the caller's
    torch.manual_seed stream moved on. Any library call's draws are now its own."""
    from mia_defense.library_call import library_call

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    library_call(lambda: nn.Dropout()(torch.ones(8)))()  # (as the probe)
    assert torch.equal(torch.rand(3), expected)
