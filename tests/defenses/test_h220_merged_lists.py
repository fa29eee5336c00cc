"""A list that Hydra merges into one config (a defense listed twice, a list of releases) is
refused wherever the overrides that gave it can still be read (h220):

- the compose API with ``return_hydra_config=True`` and each job of a sweep reach
  `check_config`, which passed ``defense=[dp,dp]`` (one DP-SGD, reported as ``dp``) and
  ``release=[label_only,full]`` (the full release); it now refuses them with mia-train's
  words. A plain ``compose`` keeps no trace of the list: its config is ``defense=[dp]``'s.
- ``+hydra.sweeper.params={defense: ...}`` with the basic sweeper ended in an OmegaConf
  traceback ("'NoneType' object has no attribute 'get'", whatever the key), and the lists
  given there were never checked: the sweep now runs, and a repeat there is refused at
  the sweep's start.
"""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from mia_defense.cli.sweep_checks import refuse_repeated_defenses, refuse_stacked_release
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.hydra_setup import hydra_config_of_the_job
from tests.helpers import mia_train

TINY = ("plan.num_models=2", "train.epochs=2", "figures=false", "progress=false")
DP_TWICE = ("defense=[dp,dp]: dp is listed twice; a defense runs once (its settings are the "
            "one defense.dp), so the run would train it once, not twice; nothing was run. "
            "List each defense once (defense=[dp])")  # fmt: skip
RELEASES = "release=[label_only,full]: release takes one choice (releases do not stack"


def _composed(*overrides: str, hydra: bool):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=hydra)


@pytest.mark.parametrize(("override", "said"), [("defense=[dp,dp]", DP_TWICE),
                                                ("release=[label_only,full]", RELEASES)])
def test_check_config_refuses_a_merged_list_of_the_compose_api(override: str, said: str) -> None:
    cfg = _composed(override, *TINY, hydra=True)
    with pytest.raises(ConfigError) as exc:
        check_config(cfg)
    assert str(exc.value).startswith(said)


def test_check_config_refuses_a_merged_list_in_a_sweep_job() -> None:
    job = _composed("defense=[label_smoothing,dp,label_smoothing]", *TINY, hydra=True)
    plain = OmegaConf.masked_copy(job, [k for k in job if k != "hydra"])
    with hydra_config_of_the_job(job), pytest.raises(ConfigError, match="label_smoothing is "
                                                     "listed twice"):  # fmt: skip
        check_config(plain)


@pytest.mark.parametrize("override", ["defense=[dp,none,none]", "defense=[dp,label_smoothing]",
                                      "release=label_only"])
def test_check_config_passes_lists_hydra_keeps_whole(override: str) -> None:
    check_config(_composed(override, *TINY, hydra=True))


def test_the_api_run_refuses_before_its_directory(tmp_path) -> None:
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError, match="dp is listed twice"):
        run(_composed("defense=[dp,dp]", *TINY, hydra=True), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def _sweep_params(**params: str):
    return OmegaConf.create({"hydra": {"overrides": {"task": ["train.epochs=2"]},
                                       "sweeper": {"params": params}}})  # fmt: skip


@pytest.mark.parametrize(("refuse", "params"), [
    (refuse_repeated_defenses, {"defense": "[dp],[dp,dp]"}),
    (refuse_repeated_defenses, {"+defense": "choice([none],[mixup,dropout,mixup])"}),
    (refuse_stacked_release, {"release": "[label_only,full],full"}),
])  # fmt: skip
def test_sweeper_params_are_checked_as_the_command_line(refuse, params, caplog) -> None:
    with pytest.raises(SystemExit) as exc:
        refuse(_sweep_params(**params))
    assert exc.value.code == 2
    assert "nothing was run" in caplog.text


def test_sweeper_params_without_repeats_pass() -> None:
    config = _sweep_params(defense="[dp],[none],[dp,mixup]", release="full,label_only")
    refuse_repeated_defenses(config)
    refuse_stacked_release(config)


def test_sweeper_params_compose_with_the_basic_sweeper() -> None:
    cfg = _composed("+hydra.sweeper.params={defense: \"[dp],[none]\"}", hydra=True)
    assert dict(cfg.hydra.sweeper.params) == {"defense": "[dp],[none]"}


def test_mia_train_refuses_a_repeat_in_sweeper_params_before_the_sweep(tmp_path) -> None:
    done = mia_train("-m", '+hydra.sweeper.params={defense: "[dp],[dp,dp]"}', *TINY,
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "ConfigError: defense=[dp,dp]: dp is listed twice" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "s").exists()


@pytest.mark.slow
def test_mia_train_sweeps_sweeper_params_with_the_basic_sweeper(tmp_path) -> None:
    done = mia_train("-m", '+hydra.sweeper.params={defense: "[none],[label_smoothing]"}',
                     *TINY, "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    runs = sorted(p.parent.name for p in (tmp_path / "s").glob("*/results.json"))
    assert [r.split(",")[0] for r in runs] == ["defense=[label_smoothing]", "defense=[none]"]
