"""A list of training defenses or of releases that names something twice or stacks
releases is refused, before the run directory is made, with the message that says so
(h216): 'defense=[dp,dp]' ran DP-SGD once without a word ('defense=[dp,dp]'
defense.dp.target_epsilon=1 likewise: one ε, as one defense), and a single run given
'release=[topk,noise]' was refused as 'release.k=1: unknown key 'k' for NoiseRelease'
(the config check ran before the check of stacked releases), naming keys the user never
wrote instead of the list."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_checks import refuse_repeated_defenses
from tests.helpers import mia_train, refused_before_run_dir

TINY = ("plan.num_models=2", "train.epochs=2", "figures=false")


def _config(*task: str):
    return OmegaConf.create({"hydra": {"overrides": {"task": list(task)}}})


@pytest.mark.parametrize("override", ["defense=[dp,dp]", "+defense=[label_smoothing,dp,dp]",
                                      "defense=[mixup],[dropout,mixup,dropout]"])
def test_a_defense_listed_twice_is_refused(override: str, caplog) -> None:
    with pytest.raises(SystemExit) as exc:
        refuse_repeated_defenses(_config("train.epochs=2", override))
    assert exc.value.code == 2
    assert "is listed twice" in caplog.text and "nothing was run" in caplog.text


@pytest.mark.parametrize("override", ["defense=dp", "defense=[dp,label_smoothing]",
                                      "defense=[],[dp],[dp,mixup]", "defense=[none,none,dp]",
                                      "defense.dp.target_epsilon=1,8", "release=[topk,topk]"])
def test_distinct_defenses_pass(override: str) -> None:
    refuse_repeated_defenses(_config(override))


def test_mia_train_refuses_dp_twice_before_the_run_dir(tmp_path) -> None:
    err = refused_before_run_dir("defense=[dp,dp]", "defense.dp.target_epsilon=1", *TINY,
                                 cwd=tmp_path)  # fmt: skip
    assert ("ConfigError: defense=[dp,dp]: dp is listed twice; a defense runs once (its "
            "settings are the one defense.dp)") in err
    assert "Traceback" not in err


def test_a_sweep_with_a_defense_twice_is_refused_before_it_starts(tmp_path) -> None:
    done = mia_train("-m", "defense=[dp],[dp,dp]", *TINY, "progress=false",
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "defense=[dp,dp]: dp is listed twice" in done.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("override", ["release=[topk,noise]", "release=[rounding,label_only]"])
def test_a_run_given_stacked_releases_is_told_so(tmp_path, override: str) -> None:
    err = refused_before_run_dir(override, *TINY, cwd=tmp_path)
    assert "release takes one choice (releases do not stack" in err
    assert "unknown key" not in err
