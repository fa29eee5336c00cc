"""A sweep over a group whose setting belongs to only some of its points (``-m 'defense=dp,none'
defense.dp.target_epsilon=1``). Hydra composes the sweep's shared config before its points,
with defense at its default, and refused the setting there with "the defense 'dp' is not
selected: add it with defense=dp", said of a command that does; with Hydra's force-add
(``++defense.dp.target_epsilon=1``) the dp point trained and the none point was refused
after it, with 'run the same command again', which refused it again. Now every form is
refused before anything runs, naming the setting, the points that do not select its config
and the two sweeps (into one folder) to run instead; where every point selects it, ``++``
(h165)."""

from __future__ import annotations

import shlex

import pytest

from mia_defense.tracking import read_json
from tests.helpers import mia_train

TINY = ("plan.num_models=2", "plan.population_size=200", "train.epochs=1", "attack.bootstrap=0",
        "progress=false", "figures=false")  # fmt: skip
SPLIT = ("mia-train -m defense=dp {setting} plan.num_models=2 hydra.sweep.dir=s, then "
         "mia-train -m defense=none plan.num_models=2 hydra.sweep.dir=s")  # fmt: skip


@pytest.mark.parametrize(
    "setting", ["defense.dp.target_epsilon=1", "++defense.dp.target_epsilon=1",
                "+defense.dp.target_epsilon=1"],
)  # fmt: skip
def test_a_setting_of_some_points_is_refused_before_anything_runs(tmp_path, setting):
    done = mia_train("-m", "defense=dp,none", setting, "plan.num_models=2", "hydra.sweep.dir=s",
                     cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert "points defense=none of defense=dp,none do not select the defense 'dp'" in said
    # the dp sweep keeps the setting (one point: no + needed), the other drops it
    assert SPLIT.format(setting="defense.dp.target_epsilon=1") in said
    assert "add it with defense=dp" not in said and "Traceback" not in said
    assert not (tmp_path / "s").exists()


def test_every_point_selecting_it_is_told_to_force_add(tmp_path):
    for setting in ("defense.dp.target_epsilon=1", "+defense.dp.target_epsilon=1"):
        done = mia_train("-m", "defense=dp,[dp,label_smoothing]", setting, "hydra.sweep.dir=s",
                         cwd=tmp_path)  # fmt: skip
        said = done.stdout + done.stderr
        assert done.returncode == 2, said[-3000:]
        assert ("very point of defense=dp,[dp,label_smoothing] selects the defense 'dp': "
                "write ++defense.dp.target_epsilon=1") in said  # fmt: skip
        assert not (tmp_path / "s").exists()


def test_several_selecting_points_get_force_add_in_their_sweep(tmp_path):
    done = mia_train("-m", "defense=dp,none,[dp,label_smoothing]", "defense.dp.target_epsilon=1",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert ("mia-train -m 'defense=dp,[dp,label_smoothing]' ++defense.dp.target_epsilon=1 "
            "hydra.sweep.dir=multirun/defense, then mia-train -m defense=none "
            "hydra.sweep.dir=multirun/defense") in done.stderr  # fmt: skip


def test_other_groups_too(tmp_path):
    done = mia_train("-m", "release=topk,full", "release.k=2", cwd=tmp_path)
    assert done.returncode == 2
    assert "points release=full of release=topk,full do not select release=topk" in done.stderr
    assert "mia-train -m release=topk release.k=2 hydra.sweep.dir=multirun/release" in \
        done.stderr  # fmt: skip


def test_a_sweep_without_that_group_keeps_the_single_run_message(tmp_path):
    done = mia_train("-m", "defense.dp.target_epsilon=1,2", cwd=tmp_path)
    assert done.returncode == 2
    assert "the defense 'dp' is not selected: add it with defense=dp" in done.stderr


@pytest.mark.slow  # two tiny sweeps, about 10 s
def test_the_two_sweeps_it_gives_run_into_one_folder(tmp_path):
    done = mia_train("-m", "defense=dp,none", "defense.dp.target_epsilon=1", *TINY,
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    advice = done.stderr.split("compares them all): ", 1)[1].split("\n", 1)[0]
    commands = [shlex.split(c)[2:] for c in advice.split(", then ")]
    assert len(commands) == 2
    for args in commands:
        ran = mia_train("-m", *args, cwd=tmp_path)
        assert ran.returncode == 0, ran.stderr[-3000:]
    runs = sorted((tmp_path / "s").glob("*/results.json"))
    defenses = sorted(read_json(r)["config"]["defense"].get("dp", {}).get("target_epsilon", 0)
                      for r in runs)  # fmt: skip
    assert defenses == [0, 1]


@pytest.mark.parametrize(
    "setting", ["defense.dp.target_epsilon=1", "++defense.dp.target_epsilon=1"]
)
def test_a_glob_of_configs_is_split_too(tmp_path, setting):
    done = mia_train("-m", "defense=glob(*,exclude=[advreg,distillation,early_stopping])",
                     setting, "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert ("then mia-train -m defense=dropout,label_smoothing,mixup,none,relaxloss,"
            "weight_decay hydra.sweep.dir=s") in said  # fmt: skip
    assert not (tmp_path / "s").exists()


def test_a_swept_setting_of_some_points_is_refused_before_anything_runs(tmp_path):
    # Hydra's shared config leaves swept keys out; the first none point stopped the sweep
    # with the single run's 'not selected: add it with defense=dp'
    done = mia_train("-m", "defense=dp,none,[dp,label_smoothing]", "defense.dp.target_epsilon=1,8",
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert ("ConfigError: defense.dp.target_epsilon=1,8: the points defense=none of "
            "defense=dp,none,[dp,label_smoothing] do not select the defense 'dp'") in said
    assert ("mia-train -m 'defense=dp,[dp,label_smoothing]' defense.dp.target_epsilon=1,8 "
            "hydra.sweep.dir=s, then mia-train -m defense=none hydra.sweep.dir=s") in said
    assert "add it with defense=dp" not in said
    assert not (tmp_path / "s").exists()


@pytest.mark.slow  # four tiny runs, about 8 s
def test_a_swept_setting_every_point_selects_runs(tmp_path):
    done = mia_train("-m", "defense=dp,[dp,label_smoothing]", "defense.dp.target_epsilon=1,8",
                     *TINY, "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list((tmp_path / "s").glob("*/results.json"))) == 4


def test_a_key_the_default_config_has_too_is_refused_before_anything_runs(tmp_path):
    # model.hidden is mlp's (the default): Hydra's shared config took it, and the logistic
    # point stopped the sweep with 'the selected model config has no key ...: select it'
    done = mia_train("-m", "model=mlp,logistic", "model.hidden=[64]", "hydra.sweep.dir=s",
                     cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert ("ConfigError: model.hidden=[64]: the points model=logistic of model=mlp,logistic "
            "do not select model=cnn or mlp") in said  # fmt: skip
    assert ("mia-train -m model=mlp 'model.hidden=[64]' hydra.sweep.dir=s, then mia-train -m "
            "model=logistic hydra.sweep.dir=s") in said  # fmt: skip
    assert not (tmp_path / "s").exists()


def test_configs_of_the_users_own_are_left_to_hydra():
    from mia_defense.composition_errors import sweep_of_unselected_points

    # a model of the user's own may hold model.hidden: nothing is said of it
    assert sweep_of_unselected_points("model.hidden", ["model=mlp,mynet", "model.hidden=[6]"]) \
        is None  # fmt: skip
    # inherited keys count: digits_images holds digits' standardize through its defaults
    assert sweep_of_unselected_points(
        "dataset.standardize", ["dataset=digits,digits_images", "dataset.standardize=true"]
    ) is None  # fmt: skip
    said = sweep_of_unselected_points("dataset.standardize",
                                      ["dataset=digits,purchase_like", "dataset.standardize=1"])
    assert "the points dataset=purchase_like of dataset=digits,purchase_like do not select" in \
        said  # fmt: skip


@pytest.mark.slow  # two tiny runs, about 6 s
def test_a_sweep_over_a_model_config_of_the_users_own_runs(tmp_path):
    (tmp_path / "conf" / "model").mkdir(parents=True)
    (tmp_path / "conf" / "model" / "mynet.yaml").write_text(
        "_target_: mia_defense.models.MLP\n_partial_: true\nhidden: [16]\n")
    done = mia_train("-m", "model=mlp,mynet", "model.hidden=[8]", *TINY, "hydra.sweep.dir=s",
                     f"hydra.searchpath=[file://{tmp_path / 'conf'}]", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list((tmp_path / "s").glob("*/results.json"))) == 2


def test_the_advice_never_raises(monkeypatch):
    import mia_defense.config_keys as config_keys
    from mia_defense.composition_errors import sweep_of_unselected_points

    def broken(group):
        raise OSError("conf/ unreadable")

    monkeypatch.setattr(config_keys, "packaged_configs", broken)
    assert sweep_of_unselected_points("defense.dp.x", ["defense=dp,none", "defense.dp.x=1"]) \
        is None  # fmt: skip
