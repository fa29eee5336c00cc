"""h456: ``mia-train 'model.hidden=[0.0]'`` was told 'write model.hidden=[0]', a width the
model then refused (every width must be an integer >= 1); ``model=cnn model.hidden=0.0``
alike. The float hint now asks the model's own check before suggesting the integer, and
says that check's words instead."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


def _refusal(check, cfg) -> str:
    with pytest.raises(ConfigError) as caught:
        check(cfg)
    return str(caught.value)


@pytest.mark.parametrize(("overrides", "key", "typed"), [
    (["model.hidden=[0.0]"], "model.hidden", "[0]"),
    (["model.hidden=[64,1e10]"], "model.hidden", "[64,10000000000]"),
    (["model=cnn", "model.hidden=0.0"], "model.hidden", "0"),
    (["model=cnn", "model.channels=[0.0,8]"], "model.channels", "[0,8]"),
])
def test_the_float_hint_suggests_no_width_the_model_refuses(make_cfg, overrides, key, typed):
    text = _refusal(check_config, make_cfg(*overrides))
    assert "Hydra read" in text and "a float" in text
    assert f"write {key}=" not in text
    assert "every width must be an integer" in text  # (the model's words, said now)
    fixed = [o for o in overrides if not o.startswith(key)] + [f"{key}={typed}"]
    assert "every width must be an integer" in _refusal(check_config, make_cfg(*fixed))


@pytest.mark.parametrize(("overrides", "key", "typed"), [
    (["model.hidden=[64.0]"], "model.hidden", "[64]"),
    (["model=cnn", "model.hidden=32.0"], "model.hidden", "32"),
])
def test_a_width_the_model_takes_is_still_told(make_cfg, overrides, key, typed):
    text = _refusal(check_config, make_cfg(*overrides))
    assert text.endswith(f": write {key}={typed}")
