"""Leftovers of h333: the mislabeled-canary refusal's advice, objectives listed twice in
two spellings, symlinked run folders of a sweep."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.canaries import insert_canaries
from mia_defense.cli import run_records, stopped
from mia_defense.data import Dataset
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.mark.parametrize(("rows", "population", "test", "num", "advice"), [
    # 20 rows, the default split: no canary possible and no population frees one
    (20, None, None, 3, "use attack.canaries.kind=outlier"),
    # a null test set keeps 100 records: a smaller population of 150 spares the rest
    (200, 150, None, 3, "use a smaller plan.population_size or attack.canaries.kind=outlier"),
    # a fixed test set: 20 rows outside, and a smaller population leaves more there
    (60, 20, 20, 30, "use at most 20 canaries, a smaller plan.population_size, or "
                     "attack.canaries.kind=outlier"),
])
def test_mislabeled_canary_refusal_advises_what_frees_rows(rows, population, test, num, advice):
    data = Dataset(x=np.arange(2 * rows, dtype=np.float32).reshape(rows, 2),
                   y=np.arange(rows) % 2, num_classes=2, name="rows")
    plan = make_plan(data, num_models=2, population_size=population, test_size=test, seed=0,
                     say=False)
    with pytest.raises(ConfigError) as refused:
        insert_canaries(data, plan, num=num, kind="mislabeled", seed=0)
    assert str(refused.value).endswith(f"; {advice}")


@pytest.mark.parametrize(("names", "fprs"), [
    (["max_attack.tpr@1%fpr", "max_attack.TPR@1.0%FPR"], None),  # (the sweep's check, fprs swept)
    (["max_attack.auc", "utility.test_accuracy", "max_attack.AUC"], [0.01, 0.001]),
])
def test_an_objective_listed_twice_in_two_spellings_is_refused(names, fprs):
    from mia_defense.report.objectives import check_objective_names

    with pytest.raises(ConfigError, match=rf"^objectives: '{names[0]}' \(as '{names[-1]}'\) "
                       "is listed more than once"):
        check_objective_names(names, fprs=fprs)
    check_objective_names(names[:-1], fprs=fprs)  # (each once: taken)


def test_a_run_folder_linked_into_a_sweep_is_one_of_its_runs(tmp_path, monkeypatch):
    # Hydra writes a sweep's run through a link standing in its folder's place (mia-train -m
    # into s/ with s/0 -> e/0 skipped e/0 as finished, its train.log appended there), and
    # mia-report ranks it; Python 3.11's rglob follows no link, where */results.json did.
    from omegaconf import OmegaConf

    from mia_defense.cli.run_dirs import refuse_other_search
    from mia_defense.files import run_files

    kept = tmp_path / "elsewhere" / "0"
    kept.mkdir(parents=True)
    (kept / "results.json").write_text('{"status": "failed"}')
    (tmp_path / "elsewhere" / "notes" / "run").mkdir(parents=True)  # (no run's folder itself)
    (tmp_path / "elsewhere" / "notes" / "run" / "results.json").write_text("{}")
    sweep = tmp_path / "sweep"
    (sweep / "1").mkdir(parents=True)
    (sweep / "0").symlink_to(kept)
    (sweep / "1" / "loop").symlink_to(sweep)  # (read once)
    (sweep / "2").symlink_to(tmp_path / "elsewhere" / "notes")  # (out of the sweep: no run)
    assert run_files(sweep) == [sweep / "0" / "results.json"]
    assert sweep / "0" in run_records.run_folders(str(sweep))  # (its train.log checked too)
    monkeypatch.setattr(stopped, "CLOCK_NAMED", [("hydra.sweep.dir", str(sweep))])
    assert stopped.left_to_resume()  # ("add hydra.sweep.dir=... to resume" is said)

    def search(space: dict) -> None:
        refuse_other_search(OmegaConf.create({"objectives": ["utility.test_accuracy"], "hydra": {
            "sweep": {"dir": str(sweep)}, "overrides": {"task": []},
            "sweeper": {"_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper."
                        "OptunaSweeper", "direction": ["maximize"], "params": space}}}))

    search({"train.lr": "interval(0.001,0.1)"})
    with pytest.raises(SystemExit) as refused:  # (its trial behind the link is one begun)
        search({"model.dropout": "interval(0.0,0.6)"})
    assert refused.value.code == 2


def test_a_sweep_folder_of_linked_run_folders_is_a_sweep_folder(tmp_path):
    # (only a link to a run folder: refused as holding "files that are not mia-train's")
    from mia_defense.cli.run_dirs import is_sweep_dir

    (tmp_path / "elsewhere" / "0").mkdir(parents=True)
    (tmp_path / "elsewhere" / "0" / "results.json").write_text("{}")
    (tmp_path / "elsewhere" / "data.csv").write_text("x\n")
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "0").symlink_to(tmp_path / "elsewhere" / "0")
    assert is_sweep_dir(sweep)
    (sweep / "1").symlink_to(tmp_path / "elsewhere")  # (a folder of the user's files)
    assert not is_sweep_dir(sweep)
