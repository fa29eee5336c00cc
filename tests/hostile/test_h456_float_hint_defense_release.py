"""h456: as model.hidden=[0.0], ``mia-train release=topk release.k=0.0`` was told 'write
release.k=0', then refused as 'release.k=0: must be >= 1' (the release's constructor);
``defense=advreg defense.advreg.hidden=0.0`` alike. The float hint now asks our defense's or
release's constructor (as the config check rehearses it) before suggesting the integer."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


def _refusal(cfg) -> str:
    with pytest.raises(ConfigError) as caught:
        check_config(cfg)
    return str(caught.value)


@pytest.mark.parametrize(("group", "key"), [
    ("release=topk", "release.k"),
    ("defense=advreg", "defense.advreg.hidden"),
])
def test_the_float_hint_suggests_no_integer_the_constructor_refuses(make_cfg, group, key):
    text = _refusal(make_cfg(group, f"{key}=0.0"))
    assert "Hydra read it as the float 0.0" in text
    assert f"write {key}=" not in text
    assert f"refused too ({key}=0: " in text
    assert f"{key}=0: " in _refusal(make_cfg(group, f"{key}=0"))  # (what it says, said now)


@pytest.mark.parametrize(("group", "key"), [
    ("release=topk", "release.k"),
    ("defense=advreg", "defense.advreg.hidden"),
])
def test_an_integer_the_constructor_takes_is_still_told(make_cfg, group, key):
    assert _refusal(make_cfg(group, f"{key}=3.0")).endswith(f": write {key}=3")
