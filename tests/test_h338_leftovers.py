"""Small leftovers of the review (h338)."""

from __future__ import annotations

import pytest

from mia_defense.files import run_files
from mia_defense.report.runs import _run_dirs


def test_a_folder_named_results_json_is_no_runs_results_file(tmp_path):
    # run_files and mia-report's walk took a folder of that name for a run's results.json
    (tmp_path / "run" / "results.json").mkdir(parents=True)
    (tmp_path / "run" / "train.log").mkdir()
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "results.json").write_text("{}")
    (tmp_path / "ok" / "train.log").write_text("")
    assert run_files(tmp_path) == [tmp_path / "ok" / "results.json"]
    assert run_files(tmp_path, "train.log") == [tmp_path / "ok" / "train.log"]
    assert _run_dirs(tmp_path) == ([tmp_path / "ok"], [])


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
