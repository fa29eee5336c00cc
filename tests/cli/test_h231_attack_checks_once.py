"""mia-attack checked its observations twice: `Observations.load` (read_source) checked every
field of the file, then `api.run_audit` checked the loaded observations again (`_checked`),
about a second at 50,000 records x 64 models x 10 classes. They are checked once, on load;
the refusals of a file are unchanged (the mia-attack test files)."""

from __future__ import annotations

import numpy as np
from hydra import compose, initialize_config_module

from mia_defense.cli import attack as attack_cli
from mia_defense.constraints import hydra_quoted
from mia_defense.observations import Observations
from mia_defense.tracking import read_json
from tests.helpers import synthetic_observations


def test_mia_attack_checks_the_observations_once(tmp_path, monkeypatch):
    source = tmp_path / "obs.npz"
    is_canary = np.zeros(200, dtype=bool)
    is_canary[:3] = True
    synthetic_observations(num_models=4, num_samples=200, num_classes=3).save(
        source, is_canary=is_canary)  # fmt: skip
    checked = []
    from_arrays = Observations.from_arrays.__func__

    def counted(cls, arrays, **kwargs):
        checked.append(kwargs.get("source"))
        return from_arrays(cls, arrays, **kwargs)

    monkeypatch.setattr(Observations, "from_arrays", classmethod(counted))
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={hydra_quoted(str(source))}", "progress=false", "attack.bootstrap=0",
            "~attack.attacks.shokri", "figures=false"])  # fmt: skip (figures read no file)
    attack_cli.run(cfg, tmp_path / "out")
    assert checked == [str(source)]
    results = read_json(tmp_path / "out" / "results.json")
    assert results["status"] == "complete" and results["canaries"] == 3
