"""DP-SGD's δ at or above 1/N on a dataset of known size is refused before the run
directory is made (h220): ``defense.dp.delta=0.5`` on digits was refused by `DPSGD.plan`
once the data was loaded, and the run directory kept the error's log. Every population
record trains half of the models, so some model trains on at least half of the
population: a δ at or above 1/that is refused by the config check; a δ that only the
actual member counts refuse is left to `DPSGD.plan`, as before."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir

TINY = ("plan.num_models=2", "train.epochs=2", "figures=false")


def _check(*overrides: str) -> None:
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        check_config(compose("config", overrides=["defense=dp", *TINY, *overrides]))


def test_mia_train_refuses_delta_one_half_before_the_run_dir(tmp_path) -> None:
    err = refused_before_run_dir("defense=dp", "defense.dp.delta=0.5", *TINY, cwd=tmp_path)
    assert ("ConfigError: defense.dp.delta=0.5: at or above 1/N, where N, the most members a "
            "model trains on, is at least 500 here (each of the plan's 1000 population "
            "records of dataset 'digits' trains half of the models)") in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("overrides", "least"), [
    (("defense.dp.delta=0.002",), 500),  # digits' default population: 1000
    (("dataset=breast_cancer", "plan.population_size=101", "defense.dp.delta=0.02"), 51),
    (("'defense=[label_smoothing,dp]'", "defense.dp.delta=1e-2"), 500),
])  # fmt: skip
def test_the_config_check_refuses_delta_at_or_above_one_over_half(overrides, least) -> None:
    with pytest.raises(ConfigError, match=rf"delta=\S+: at or above 1/N, .* at least {least} "):
        _check(*[o.strip("'") for o in overrides])


@pytest.mark.parametrize("delta", ["null", "0.0019", "1e-5"])
def test_a_delta_below_one_over_half_passes_the_config_check(delta: str) -> None:
    _check(f"defense.dp.delta={delta}")  # (0.0019: 1/N of the actual counts is DPSGD.plan's)


def test_a_delta_only_the_actual_member_counts_refuse_is_refused_before_the_claim(
    make_cfg, tmp_path
) -> None:
    """Between 1/(half the population) and 1/(the most members a model got), `DPSGD.plan`
    refuses it on the drawn masks, before the run directory is claimed, as before."""
    from mia_defense.cli.build import build_experiment, run
    from mia_defense.pipeline.data import prepare_data

    data = prepare_data(build_experiment(make_cfg("defense=dp")))
    most = int(data.plan.masks.sum(axis=1).max())
    least = (len(data.plan.population_idx) + 1) // 2
    assert most > least  # (the tiny plan's draw: 4 models, 300 records)
    delta = f"{(1 / most + 1 / least) / 2:.6g}"  # (refused by the counts alone)
    cfg = make_cfg("defense=dp", f"defense.dp.delta={delta}")
    check_config(cfg)
    with pytest.raises(ConfigError, match=rf"^defense.dp.delta={delta}: at or above 1/N = "
                                          rf"1/{most} "):  # fmt: skip
        run(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()
