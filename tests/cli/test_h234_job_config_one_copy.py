"""h234: `hydra_config_of_the_job` sets Hydra's job config with one copy of Hydra's node
(set_config's), not two; same values (test_h97_hydra_interpolations: the checks' use)."""

from __future__ import annotations

import copy

from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from mia_defense.hydra_setup import hydra_config_of_the_job


def test_the_job_config_is_set_with_one_copy_of_the_hydra_node(monkeypatch, tmp_path):
    """``${hydra.runtime.output_dir}`` read in Hydra's node (a log file's name) and Hydra's
    ``runtime.output_dir`` are the run directory; the caller's config is left as it was."""
    from hydra import compose, initialize_config_module

    from mia_defense.hydra_setup import setup_hydra

    setup_hydra()
    with initialize_config_module("mia_defense.conf", version_base="1.3"):
        cfg = compose(
            "config", overrides=[f"hydra.run.dir={tmp_path}/run"], return_hydra_config=True
        )
    HydraConfig.instance().cfg = None
    before = copy.deepcopy(cfg)
    sets: list[object] = []
    set_config = HydraConfig.set_config

    def counting(self, config):
        sets.append(config)
        return set_config(self, config)

    monkeypatch.setattr(HydraConfig, "set_config", counting)
    with hydra_config_of_the_job(cfg):
        hydra = HydraConfig.get()
        assert hydra.runtime.output_dir == str(tmp_path / "run")
        log = hydra.job_logging.handlers.file.filename
        assert log.startswith(str(tmp_path / "run"))
    assert len(sets) == 1
    assert HydraConfig.instance().cfg is None
    assert OmegaConf.to_yaml(cfg) == OmegaConf.to_yaml(before)
    assert cfg.hydra._get_node_flag("readonly") == before.hydra._get_node_flag("readonly")
