"""A grid sweep each of whose points is refused for a setting the sweep does not vary
('mia-train -m defense=dp defense.dp.noise_multiplier=0.5,1.0' with defense.dp.target_epsilon
still set) made its folder and one per point, each refused the same way. It is refused once,
before anything is made; a sweep with one point that runs is not, nor one whose points are
each refused for their own value of a swept key (its end names each)."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module
from omegaconf import open_dict

from tests.helpers import mia_train

TINY = ("plan.num_models=4", "train.epochs=1", "progress=false", "figures=false")


def _check(*overrides: str, swept: tuple[str, ...]) -> None:
    """`refuse_sweep_refused_at_every_point` of a grid sweep: ``overrides`` fixed, ``swept``
    on its command line, as Hydra hands the sweep's config to the callback."""
    from mia_defense.cli.grid_check import refuse_sweep_refused_at_every_point

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=list(overrides), return_hydra_config=True)
        with open_dict(config):
            config.hydra.overrides.task = [*config.hydra.overrides.task, *swept]
        refuse_sweep_refused_at_every_point(config)


@pytest.mark.parametrize(("overrides", "swept", "said"), [
    (("defense=dp",), ("defense.dp.noise_multiplier=0.5,1.0",),
     "ConfigError: defense.dp.noise_multiplier=0.5, defense.dp.target_epsilon=8.0: set exactly "
     "one of them"),
    (("train.lr=-1",), ("train.epochs=1,2",), "ConfigError: train.lr=-1: must be a finite"),
    # (another class's refusal, named once: it read 'ConfigError: UnsupportedModelError: ...')
    (("defense=dropout", "model=logistic"), ("train.lr=0.1,0.2",),
     "UnsupportedModelError: defense.dropout: model LogisticRegression has 1 nn.Linear"),
])  # fmt: skip
def test_a_sweep_refused_at_every_point_is_refused_once(caplog, overrides, swept, said):
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        _check(*TINY, *overrides, swept=swept)
    assert exc.value.code == 2
    assert [r.getMessage()[:len(said)] for r in caplog.records] == [said]
    assert "; every point of this sweep would be refused so (2 of 2; the first: " \
        in caplog.text  # fmt: skip


@pytest.mark.parametrize(("overrides", "swept"), [
    ((), ("train.lr=-0.1,0.01",)),  # (0.01 runs; -0.1 is refused as its point starts)
    ((), ("train.lr=-1,0",)),  # (each refused for its own swept value: the sweep names each)
    (("defense=dp", "defense.dp.target_epsilon=null"), ("defense.dp.noise_multiplier=0.5,1",)),
    # (a group's key the first point lacks, defense=none,dp: refused in Hydra's words, h513)
])  # fmt: skip
def test_a_sweep_with_a_point_that_runs_passes(overrides, swept):
    _check(*TINY, *overrides, swept=swept)  # (a refusal raises SystemExit)


def test_a_sweep_refused_at_every_point_makes_no_folder(tmp_path):
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "defense=dp", "defense.dp.noise_multiplier=0.5,1.0",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "every point of this sweep would be refused so (2 of 2" in done.stderr
    assert "set exactly one of them" in done.stderr
    assert not sweep.exists()


def test_a_refusal_without_words_is_refused_once_without_a_crash(caplog, monkeypatch):
    # a user's own defense raising ConfigError("") at every point: unpacking its lines
    # raised a ValueError (not enough values to unpack)
    import mia_defense.cli.grid_check as grid_check
    from mia_defense.errors import ConfigError

    def refused(*args, **kwargs):
        raise ConfigError("")

    monkeypatch.setattr(grid_check, "_check_job", refused)
    monkeypatch.setattr(grid_check, "_refused_for_fixed_settings", lambda *a, **k: True)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        _check(*TINY, swept=("train.epochs=1,2",))
    assert exc.value.code == 2
    assert "ConfigError; every point of this sweep would be refused so (2 of 2;" in caplog.text
