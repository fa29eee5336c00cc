"""A sweep's command-line value of a key that ``hydra.sweeper.params`` sweeps (an experiment's
sweep, ``+experiment=tradeoff_dp``), checked as the sweep starts: Hydra's basic sweeper
applies the command line after the params, so ``defense.dp.target_epsilon=5`` set ε=5 in
every point of tradeoff_dp's ``defense.dp={target_epsilon:0.5},...`` sweep (10 runs of one
config in folders named for ε=0.5 ... 8, two refused), and ``release=full`` replaced
tradeoff_release's sweep of six releases with one, without a word."""

from __future__ import annotations

import logging

from omegaconf import DictConfig

from mia_defense.cli.entry import end_refused
from mia_defense.cli.run_dirs import task_overrides
from mia_defense.hydra_setup import plugin_is
from mia_defense.override_checks import parsed_override

__all__ = ["refuse_values_under_swept_keys"]

log = logging.getLogger(__name__)


def refuse_values_under_swept_keys(config: DictConfig) -> None:
    """Refuse a command-line value of a key inside a value ``hydra.sweeper.params`` sweeps
    (not a config group: ``defense.dp.target_epsilon=2`` with a sweep of ``defense`` sets
    the chosen defense's key); warn of one that replaces a swept key's values."""
    sweeper = config.hydra.sweeper
    params = sweeper.get("params") if plugin_is(sweeper, "basic") else None
    if not params:
        return
    from importlib.resources import files

    conf = files("mia_defense.conf")
    for text in task_overrides(config):
        override = parsed_override(text)  # (None: Hydra has parsed them before, refused there)
        if override is None or override.is_delete() or override.is_sweep_override():
            continue
        if override.package:
            continue
        key = override.key_or_group
        for swept in map(str, params):
            values = params[swept]
            if key == swept:
                log.warning("%s replaces the sweep of %s in hydra.sweeper.params (%s), so only "
                            "%s runs; drop it to sweep them all", text, swept, values, text)
            elif key.startswith(f"{swept}.") and not conf.joinpath(*swept.split(".")).is_dir():
                end_refused(log, "%s: hydra.sweeper.params sweeps %s (%s), and the command "
                            "line is applied after it, so %s would be set in every point, "
                            "each folder named for a value it did not run; nothing was run. "
                            "Drop it, or sweep %s yourself (%s=...)", text, swept, values, key,
                            swept, swept)  # fmt: skip
