"""A config group's options were read twice: a sweep's (`search_space_checks._group_options`, from
the composed config's search path) and a refused composition's
(`missing_config_refusals._group_options`, from Hydra's composing frame). The second read the
loader's own repository, which lacks a ``hydra.searchpath`` of one's own: 'mia-train
hydra.searchpath=[file://OWN] experiment=minee' listed the packaged experiments alone, not
OWN/experiment/mine.yaml, and named no closest option. Both read a repository's options by
`missing_config_refusals.group_options` now, the composing one's, and agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from tests.helpers import mia_train


def _own(tmp_path: Path) -> Path:
    """A folder of one's own configs: an experiment and a model."""
    (tmp_path / "own" / "experiment").mkdir(parents=True)
    (tmp_path / "own" / "experiment" / "mine.yaml").write_text("# @package _global_\n")
    (tmp_path / "own" / "model").mkdir()
    (tmp_path / "own" / "model" / "mynet.yaml").write_text("_target_: mia_defense.models.MLP\n")
    return tmp_path / "own"


@pytest.mark.parametrize(("group", "own"), [("experiment", "mine"), ("model", "mynet")])
def test_a_sweep_and_a_refused_composition_list_the_same_options(tmp_path, group, own):
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import ConfigCompositionException
    from hydra.types import RunMode

    from mia_defense.cli.search_space_checks import _group_options as of_a_sweep
    from mia_defense.missing_config_refusals import _group_options as of_a_refusal

    searchpath = f"hydra.searchpath=[file://{_own(tmp_path)}]"
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=[searchpath], return_hydra_config=True)
        loader = GlobalHydra.instance().config_loader()
        with pytest.raises(ConfigCompositionException) as refused:  # (Hydra's own, unworded)
            loader._load_configuration_impl("config", [searchpath, "experiment=minee"],
                                            RunMode.RUN)  # fmt: skip
    swept = of_a_sweep(config, group)
    assert own in swept
    assert sorted(of_a_refusal(refused.value, group)) == sorted(swept)


def test_a_misspelt_option_of_ones_own_search_path_is_named(tmp_path):
    searchpath = f"hydra.searchpath=[file://{_own(tmp_path)}]"
    done = mia_train(searchpath, "experiment=minee", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("experiment=minee: minee is no option of the config group experiment (did you "
            "mean mine?)") in done.stderr
    assert "Choose one of mine, study_digits" in done.stderr
