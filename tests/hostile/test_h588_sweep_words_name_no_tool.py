"""``mia-attack RUN hydra/launcher=joblib`` (a launcher without -m) was told "Add -m
(mia-train -m ...) to run the sweep": the refusal is shared by both tools, so it named the
wrong one to mia-attack's users (h578's report). It names no tool now."""

from __future__ import annotations

import logging

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_checks import refuse_sweep_settings_in_a_run


def test_the_launcher_refusal_names_no_tool(caplog):
    config = OmegaConf.create({"hydra": {"runtime": {"choices": {"hydra/launcher": "joblib"}},
                                         "sweeper": {"params": None}}})  # fmt: skip
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        refuse_sweep_settings_in_a_run(config)
    said = caplog.text
    assert "hydra/launcher=joblib: what a sweep runs with" in said
    assert "Add -m to the same command to run the sweep" in said
    assert "mia-train -m" not in said
