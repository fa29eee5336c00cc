"""The keys that change no result (a progress bar, TensorBoard's figures, where models are
kept) are neutral everywhere a run's identity is decided: its directory name in a sweep,
whether a rerun is the same run, its HParams columns and the report's grouping. They are
listed in several places (YAML cannot import a Python list); this keeps the lists together."""

from __future__ import annotations

from importlib.resources import files

import yaml
from omegaconf import OmegaConf

from mia_defense.cli.build import _flat_hparams
from mia_defense.report import groups, replicates
from mia_defense.tracking.run_dir import NEUTRAL_KEYS

COSMETIC = {"progress", "figures"}  # change nothing a run computes or shows as a figure
NO_EFFECT = COSMETIC | {"cache_dir"}  # ... nor its numbers


def _exclude_keys(config_file: str) -> set[str]:
    text = files("mia_defense.conf").joinpath(config_file).read_text()
    node = yaml.safe_load(text)
    hydra = node.get("hydra", node)
    return set(hydra["job"]["config"]["override_dirname"]["exclude_keys"])


def test_every_list_of_neutral_keys_holds_them():
    assert NO_EFFECT <= set(NEUTRAL_KEYS)
    assert NO_EFFECT <= _exclude_keys("hydra/default.yaml")
    assert NO_EFFECT <= _exclude_keys("experiment/study_digits.yaml")
    assert set(replicates._NO_EFFECT) == NO_EFFECT
    assert groups._COSMETIC == NO_EFFECT  # seeds that kept their models elsewhere: one row
    cfg = OmegaConf.create({"progress": True, "figures": False, "cache_dir": "auto", "seed": 0})
    assert set(_flat_hparams(cfg)) == {"seed"}
