"""Every key of a packaged defense or release config reaches results.json (hparams()):
a sweep over a key hparams() leaves out records runs that differ as the same run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

CONF = Path(__file__).resolve().parents[2] / "conf"


def _defense_configs() -> list[tuple[str, dict]]:
    out = []
    for path in sorted((CONF / "defense").glob("*.yaml")):
        cfg = OmegaConf.to_container(OmegaConf.load(path))
        for name, node in (cfg or {}).items():
            if name != "dp":  # DP-SGD's keys go to privacy.* as well (outside this test)
                out.append((name, node))
    return out


@pytest.mark.parametrize(("name", "node"), _defense_configs(),
                         ids=[name for name, _ in _defense_configs()])
def test_every_defense_key_is_recorded(name: str, node: dict) -> None:
    # early_stopping.restore_best and advreg.hidden were left out of results.json
    defense = instantiate(node)
    keys = set(node) - {"_target_"}
    assert keys <= set(defense.hparams()), (name, keys - set(defense.hparams()))


@pytest.mark.parametrize("path", sorted((CONF / "release").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_release_key_is_recorded(path: Path) -> None:
    node = OmegaConf.to_container(OmegaConf.load(path))
    release = instantiate(node)
    assert set(node) - {"_target_"} <= set(release.hparams())
