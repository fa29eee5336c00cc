"""mia-report showed results.json's ``hparams`` and ``defense`` blocks, and grouped by its
``dataset`` and ``seed``, none of which is checked against ``config`` (which the checkpoints'
fingerprint holds to the models): ``defense.dp.target_epsilon`` edited from 8 to 2, or
``hparams.train.lr``, showed in the hyperparameters column, and a ``dataset`` renamed put a
run on a front of a dataset it never saw. The flat hyperparameters and the seed are now
read from ``config``; the defense block's settings, its shadow recipe and a built-in
loader's dataset name are compared with it, and a run that contradicts it is skipped."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest

from mia_defense.report import load_runs
from mia_defense.report.checks import payload_problem
from mia_defense.report.checks.provenance import BUILT_IN_DATASETS
from mia_defense.report.table import flat_hparams, summarise
from tests.report.fake_runs import make_run, rewrite_results

DPSGD = {"defense.dp._target_": "mia_defense.defenses.DPSGD"}


def _dp_run(run_dir: Path, **extra):
    settings = {"dp.target_epsilon": 8.0, "dp.max_grad_norm": 1.0}
    return make_run(run_dir, test_accuracy=0.8, signal=0.5, defense="dp", epsilon=8.0,
                    defense_hparams=settings, config={**DPSGD, **extra})  # fmt: skip


def test_hparams_are_read_from_the_config(tmp_path):
    make_run(tmp_path / "a", test_accuracy=0.9, signal=2.0, hparams={"train.lr": 0.1},
             config={"train.lr": 0.1})  # fmt: skip
    make_run(tmp_path / "b", test_accuracy=0.8, signal=1.0, hparams={"train.lr": 0.01},
             config={"train.lr": 0.01})  # fmt: skip
    rewrite_results(tmp_path / "b", lambda p: p["hparams"].update({"train.lr": 0.5}))
    runs = summarise(load_runs([tmp_path]).runs)
    assert [s.hyperparameters["train.lr"] for s in runs] == [0.1, 0.01]


def test_the_seed_is_read_from_the_config(tmp_path):
    make_run(tmp_path / "a", test_accuracy=0.9, signal=2.0, seed=3)
    rewrite_results(tmp_path / "a", lambda p: p.update(seed=9))
    assert [s.seed for s in summarise(load_runs([tmp_path]).runs)] == [3]


def test_a_real_run_records_the_hparams_its_config_gives(fast_run):
    payload = fast_run.payload
    assert flat_hparams(payload["config"]) == payload["hparams"]


@pytest.mark.parametrize(("key", "value", "said"), [
    ("dp.target_epsilon", 2.0, "defense.dp.target_epsilon is 2.0, but config.defense's dp"),
    ("dp.max_grad_norm", 5, "defense.dp.max_grad_norm is 5, but config.defense's dp"),
    ("shadow_recipe", "undefended", "defense.shadow_recipe is 'undefended', but "
                                    "config.attack.shadow_recipe"),
    ("label_smoothing.smoothing", 0.3, "defense.label_smoothing.smoothing is a setting of the "
                                       "defense 'label_smoothing', which the run did not"),
])  # fmt: skip
def test_an_edited_defense_setting_skips_the_run(tmp_path, key, value, said):
    _dp_run(tmp_path / "run", **{"attack.shadow_recipe": "same"})
    rewrite_results(tmp_path / "run", lambda p: p["defense"].update(shadow_recipe="same"))
    assert len(load_runs([tmp_path]).runs) == 1  # as written: ranked
    rewrite_results(tmp_path / "run", lambda p: p["defense"].update({key: value}))
    loaded = load_runs([tmp_path])
    assert loaded.runs == []
    reason = dict(loaded.skipped)[tmp_path / "run"]
    assert reason.startswith(said) and reason.endswith("the file was edited; rerun the run")


def test_an_edited_release_setting_skips_the_run(tmp_path):
    make_run(tmp_path / "run", test_accuracy=0.8, signal=0.5, release="topk",
             defense_hparams={"release.k": 3},
             config={"release._target_": "mia_defense.defenses.TopKRelease"})
    rewrite_results(tmp_path / "run", lambda p: p["defense"].update({"release.k": 1}))
    reason = dict(load_runs([tmp_path]).skipped)[tmp_path / "run"]
    assert reason.startswith("defense.release.k is 1, but config.release")


def test_values_the_run_resolves_and_users_defenses_are_not_compared(tmp_path):
    """'auto' for a null, a number recorded as a float, a user's defense (its hparams() may
    report anything under its config's names) and an older run's keys stay ranked."""
    _dp_run(tmp_path / "dp", **{"defense.dp.noise_multiplier": None, "defense.dp.delta": None})
    rewrite_results(tmp_path / "dp", lambda p: p["defense"].update({
        "dp.noise_multiplier": "auto", "dp.delta": "auto", "dp.noise_source": "seeded"}))
    make_run(tmp_path / "mine", test_accuracy=0.8, signal=0.5, defense="mine",
             defense_hparams={"mine.beta": 0.25},
             config={"defense.mine._target_": "mypkg.Mine", "defense.mine.beta": -1.386})
    assert len(load_runs([tmp_path]).runs) == 2


def test_a_renamed_dataset_skips_the_run(tmp_path):
    make_run(tmp_path / "run", test_accuracy=0.8, signal=0.5)  # load_digits
    assert len(load_runs([tmp_path]).runs) == 1
    rewrite_results(tmp_path / "run", lambda p: p.update(dataset="cifar10"))
    reason = dict(load_runs([tmp_path]).skipped)[tmp_path / "run"]
    assert reason.startswith("dataset is 'cifar10', but config.dataset (load_digits)")


def test_a_loaders_own_name_and_a_users_loader(tmp_path):
    base = {"dataset._target_": "mia_defense.data.load_csv", "dataset.name": "adult"}
    make_run(tmp_path / "csv", test_accuracy=0.8, signal=0.5, dataset="adult", config=base)
    make_run(tmp_path / "mine", test_accuracy=0.8, signal=0.5, dataset="whatever",
             config={"dataset._target_": "mypkg.load"})  # fmt: skip
    assert len(load_runs([tmp_path]).runs) == 2
    rewrite_results(tmp_path / "csv", lambda p: p.update(dataset="census"))
    assert [r.name for r in load_runs([tmp_path]).runs] == ["mine"]


def test_the_dataset_table_names_every_loader_as_it_names_itself():
    import mia_defense.data as data
    from mia_defense.data import load_breast_cancer, load_digits, make_purchase_like

    assert set(BUILT_IN_DATASETS) == set(data._LOADERS)
    assert load_digits().name == BUILT_IN_DATASETS["load_digits"]
    assert load_breast_cancer().name == BUILT_IN_DATASETS["load_breast_cancer"]
    made = make_purchase_like(num_samples=200, num_features=40, num_classes=4, seed=0)
    assert made.name == BUILT_IN_DATASETS["make_purchase_like"]
    for loader in ("load_csv", "load_npz"):
        assert BUILT_IN_DATASETS[loader] is None
        assert inspect.signature(getattr(data, loader)).parameters["name"].default == \
            loader.removeprefix("load_")


def test_a_real_run_passes_and_its_renamed_dataset_is_caught(fast_run, tmp_path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    assert payload_problem(fast_run.payload) is None
    rewrite_results(run, lambda p: p.update(dataset="mnist"))
    assert "config.dataset (load_digits)" in dict(load_runs([run]).skipped)[run]
