"""h545: `refuse_repeated_sweep_keys` named the second time a swept key was given as what
the sweep would run, where Hydra's basic sweeper keeps the last: ``mia-train -m seed=1,2
seed=3 seed=4`` said "seed is given 2 times on the command line (seed=1,2 seed=3) ... the
sweep would run only seed=3", though Hydra runs seed=4 (a group without '+' likewise,
``defense=dp,none defense=mixup defense=dropout``). Every time the key is given is named now,
and what the sweep would run is checked against Hydra's own BasicSweeper."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser

from tests.helpers import mia_train


def _hydra_runs(args: tuple[str, ...], key: str) -> list[str]:
    """What each run of Hydra's basic sweeper over ``args`` gives ``key``."""
    batches = BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(args), None)
    return [override for batch in batches for run in batch for override in run
            if override.partition("=")[0] == key]


@pytest.mark.parametrize("args", [
    ("defense=dp,none", "defense=weight_decay"),
    ("defense=dp,none", "defense=mixup", "defense=dropout"),
    ("seed=1,2", "seed=3", "seed=4"),
    ("seed=1,2", "seed=3", "seed=5,6"),
], ids=["group-twice", "group-three-times", "value-three-times", "sweep-last"])
def test_the_refusal_says_what_hydra_would_run(tmp_path: Path, args: tuple[str, ...]):
    key = args[0].partition("=")[0]
    done = mia_train("-m", *args, f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    said = [line for line in done.stderr.splitlines() if line.strip()][-1]
    assert not (tmp_path / "sweep").exists()
    assert f"{key} is given {len(args)} times on the command line ({' '.join(args)})" in said, \
        said
    runs = re.search(r"the sweep would run only (\S+);", said)
    assert runs is not None, said
    name, _, values = runs.group(1).partition("=")
    assert [f"{name}={value}" for value in values.split(",")] == _hydra_runs(args, key), said
