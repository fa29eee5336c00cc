"""A finished run's results.json whose ``config.attack`` is no mapping (a text, a list, a
number: a hand edit) ended mia-report and mia-attack with an AttributeError traceback
('str' object has no attribute 'get'), out of run_fingerprint.config_fingerprint as the
report held the config to the run's checkpoints. The run is now skipped, its config named
as not the one that trained its models."""

from __future__ import annotations

import shutil

import pytest

from mia_defense.report import load_runs
from mia_defense.run_fingerprint import config_fingerprint
from tests.report.fake_runs import rewrite_results


@pytest.mark.parametrize("attack", ["x", [1], 7])
def test_a_config_attack_that_is_no_mapping_skips_the_run(fast_run, tmp_path, attack):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, lambda p: p["config"].update(attack=attack))
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run].startswith(
        "results.json's config (with data_fingerprint and versions.training_code) is not the "
        "one that trained the run's models")


def test_the_fingerprint_reads_no_canaries_from_an_attack_that_is_no_mapping():
    config = {"seed": 0, "plan": {"num_models": 4}}
    assert config_fingerprint({**config, "attack": "x"}) == config_fingerprint(
        {**config, "attack": {}})
    assert config_fingerprint({**config, "attack": {"canaries": {"num": 2}}}) != (
        config_fingerprint(config))
