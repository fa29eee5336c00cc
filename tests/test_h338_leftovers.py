"""Small leftovers of the review (h338)."""

from __future__ import annotations

import dataclasses

import pytest

from mia_defense.files import run_files
from mia_defense.report.runs import _run_dirs


def test_a_folder_named_results_json_is_no_runs_results_file(tmp_path):
    # the sweep's walk (run_files) took a folder of that name for a run's results.json;
    # mia-report lists its folder and warns on reading it ("not a regular file",
    # tests/hostile/test_report_runs), so that the user learns why the run is missing
    (tmp_path / "run" / "results.json").mkdir(parents=True)
    (tmp_path / "run" / "train.log").mkdir()
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "results.json").write_text("{}")
    (tmp_path / "ok" / "train.log").write_text("")
    assert run_files(tmp_path) == [tmp_path / "ok" / "results.json"]
    assert run_files(tmp_path, "train.log") == [tmp_path / "ok" / "train.log"]
    assert _run_dirs(tmp_path) == ([tmp_path / "ok", tmp_path / "run"], [])


def test_the_augmented_queries_measure_the_rows_once(monkeypatch):
    # the 2-row probe forward that bounds the rows per forward ran once per perturbed copy
    import numpy as np
    import torch
    from torch import nn

    import mia_defense.observe as observe_module
    from mia_defense.defenses.release import FullRelease
    from mia_defense.queries import QueryConfig

    probes = []
    probe = observe_module.floats_per_row
    monkeypatch.setattr(observe_module, "floats_per_row",
                        lambda *args: probes.append(1) or probe(*args))
    torch.manual_seed(0)
    models = [nn.Linear(4, 3) for _ in range(2)]
    x = np.random.default_rng(0).random((10, 4), dtype=np.float32)
    logits, _ = observe_module.observe_augmented(
        models, x, np.arange(10) % 3, release=FullRelease(),
        queries=QueryConfig(num_augmented=5), seed=0)
    assert logits.shape == (2, 5, 10) and len(probes) == 1


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_a_scripted_model_is_queried():
    # the probe's forward hooks raised on a ScriptModule, so observe (observe_models) refused
    # it as a model whose forward fails on the queries
    import numpy as np
    import torch
    from torch import nn

    from mia_defense.defenses.release import FullRelease
    from mia_defense.observe import floats_per_row, observe

    torch.manual_seed(0)
    model = torch.jit.script(nn.Sequential(nn.Linear(4, 3)))
    x = np.random.default_rng(0).random((10, 4), dtype=np.float32)
    assert floats_per_row(model, torch.as_tensor(x)) == 0
    assert observe([model], x, release=FullRelease()).shape == (1, 10, 3)


@pytest.mark.parametrize(("row_floats", "classes", "held"),
                         [(4000, 10, "query activations"), (0, 2000, "outputs")])
def test_a_test_set_too_large_names_what_it_holds(row_floats, classes, held):
    # the queries' activations on the test rows (a stacked forward takes more of them than
    # of the population's) were called the test set's outputs
    from mia_defense.budget import check_budget
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match=f"plan.test_size \\(the run's {held} on 16000 test"):
        check_budget(num_models=2, population_size=100, test_size=16000, num_classes=classes,
                     num_params=1000, num_augmented=0, epochs=1, batch_size=64,
                     memory_bytes=100 << 20, row_floats=row_floats)


def test_mislabeled_canaries_hash_no_row_again(monkeypatch):
    # _canary_sources hashed every row of the data again (0.2-1.1 s at 50,000 rows), which
    # make_plan had hashed for its splits: the plan carries those digests
    import numpy as np

    from mia_defense import plan as plan_module
    from mia_defense.canaries import insert_canaries
    from mia_defense.data.dataset import Dataset
    from mia_defense.plan import copy_leaders, make_plan

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4)).astype(np.float32)
    x[250:] = x[:50]  # copies: no canary takes their features
    data = Dataset(x=x, y=rng.integers(0, 2, 300), num_classes=2, name="copied")
    plan = make_plan(data, num_models=4, population_size=100, test_size=50, seed=0)
    np.testing.assert_array_equal(plan.row_leaders(x), copy_leaders(x, np.arange(300)))
    hashed = []
    row_keys = plan_module._row_keys
    monkeypatch.setattr(plan_module, "_row_keys",
                        lambda x, idx: hashed.append(len(idx)) or row_keys(x, idx))
    inserted = insert_canaries(data, plan, num=20, kind="mislabeled", seed=0)
    by_hand = insert_canaries(data, dataclasses.replace(plan, row_digests=None), num=20,
                              kind="mislabeled", seed=0)
    assert hashed == [300]  # (the plan made by hand, only)
    np.testing.assert_array_equal(inserted.dataset.x, by_hand.dataset.x)
    assert not np.isin(inserted.dataset.x[300:], x[:50]).all(axis=1).any()
