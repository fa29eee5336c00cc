"""h234: the config checks of one command read each packaged config file once and parse the
overrides once; same answers (the checks' own tests: test_h107/h108 misspelt keys, test_h154
unselected keys, test_h220 merged lists)."""

from __future__ import annotations

import pytest
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from mia_defense import config_keys, config_lists, override_checks


def _clear_caches() -> None:
    for cached in (
        getattr(config_keys, "_packaged_yaml", None),
        getattr(override_checks, "parsed_override", None),
    ):
        if cached is not None:
            cached.cache_clear()


@pytest.fixture
def counted_yaml(monkeypatch):
    _clear_caches()
    calls: list[str] = []
    load = yaml.safe_load

    def counting(text):
        calls.append(text)
        return load(text)

    monkeypatch.setattr(yaml, "safe_load", counting)
    yield calls
    _clear_caches()


def test_a_packaged_config_file_is_parsed_once_per_process(counted_yaml):
    args = ["plan.num_model=4", "train.epoch=3", "plan.popuation_size=9"]
    first = config_keys.misspelt_group_key(args)
    assert first == ("plan.num_model=4", "plan", "num_model", "num_models")
    assert config_keys.misspelt_group_key(args[1:])[2:] == ("epoch", "epochs")
    assert len(counted_yaml) == 2  # plan/default.yaml and train/default.yaml, once each
    hint = config_keys.unselected_config_hint("dataset.path")
    assert hint is not None and "dataset=" in hint
    parsed = len(counted_yaml)
    assert config_keys.unselected_config_hint("dataset.path") == hint
    assert config_keys.configs_holding("dataset.path") == config_keys.configs_holding(
        "dataset.path"
    )
    assert len(counted_yaml) == parsed  # dataset's were read


def test_the_cached_configs_cannot_be_changed_by_a_caller(counted_yaml):
    node = config_keys._packaged_yaml("plan", "default")  # (h234's cache)
    with pytest.raises(TypeError):
        node["num_models"] = 1  # type: ignore[index]
    fprs = config_keys._packaged_yaml("attack", "default")["fprs"]
    assert isinstance(fprs, tuple)


def test_the_overrides_are_parsed_once_for_every_group(monkeypatch):
    _clear_caches()
    calls: list[str] = []
    parse = OverridesParser.parse_override

    def counting(self, text):
        calls.append(text)
        return parse(self, text)

    monkeypatch.setattr(OverridesParser, "parse_override", counting)
    overrides = ["defense=[dp,dp]", "release=full", "train.lr=0.1", "seed=3"]
    assert config_lists.stacked_release_problem(overrides) is None
    problem = config_lists.repeated_defense_problem(overrides)
    assert problem is not None and "dp is listed twice" in problem
    assert config_lists.merged_list_problem(overrides) == problem
    assert calls == overrides  # each once
    assert config_lists.stacked_release_problem(["release=[label_only,full]"]) is not None
    _clear_caches()
