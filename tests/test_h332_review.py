"""Hostile review (h332) of the day's new code paths: each test fails without its fix."""

from __future__ import annotations

import pytest

from mia_defense.report.checks.provenance import _test_size_problem


@pytest.mark.parametrize("audit, size, edited", [
    ("one_run", 100, False),  # 426 + 100 audit canaries; 43 test rows taken (143 -> 100)
    ("one_run", 40, True),
    ("none", 100, True),
])
def test_the_one_run_audits_canaries_are_counted_as_the_split_drew(audit, size, edited):
    # mia-train dataset=breast_cancer attack.audit=one_run: population_size 526 counts the
    # audit's 100 canaries, which took 43 test rows; mia-report skipped the run as edited
    payload = {"test_size": size, "population_size": 526 if audit == "one_run" else 426,
               "canaries": 0,
               "config": {"plan": {"population_size": None, "test_size": None},
                          "attack": {"canaries": {"num": 0, "kind": "mislabeled"},
                                     "audit": audit, "audit_canaries": 100}}}
    assert (_test_size_problem(payload) is not None) == edited


def test_a_memory_refusal_made_by_the_test_set_names_plan_test_size():
    # mia-train dataset=purchase_like dataset.num_samples=<10^8> plan.population_size=2000:
    # the test set (null: the rest) held the memory, and the refusal said only to lower
    # plan.num_models or plan.population_size (which grows the test set)
    from mia_defense.budget import check_budget
    from mia_defense.errors import ConfigError

    sizes = dict(num_models=16, population_size=2000, num_classes=100, num_params=10**5,
                 num_augmented=0, epochs=1, batch_size=64, memory_bytes=10**10)
    with pytest.raises(ConfigError, match=r"lower plan\.test_size \(the run's outputs on "
                       r"100000000 test records"):
        check_budget(test_size=10**8, **sizes)
    with pytest.raises(ConfigError) as refused:  # (the population's: no word of the test set)
        check_budget(test_size=100, **{**sizes, "population_size": 10**8})
    assert "plan.test_size" not in str(refused.value)


def test_a_search_of_another_space_over_nested_trial_folders_is_refused(tmp_path):
    # hydra.sweep.subdir=${hydra.job.num}/run: the first search's trials lie two levels down,
    # where refuse_other_search looked one level down only: a search of another space
    # recorded itself over the first and ran its trials beside them
    from omegaconf import OmegaConf

    from mia_defense.cli.run_dirs import refuse_other_search

    def search(space: dict) -> None:
        refuse_other_search(OmegaConf.create({"objectives": ["utility.test_accuracy"], "hydra": {
            "sweep": {"dir": str(tmp_path)}, "overrides": {"task": []},
            "sweeper": {"_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper."
                        "OptunaSweeper", "direction": ["maximize"], "params": space}}}))

    search({"train.lr": "interval(0.001,0.1)"})
    (tmp_path / "0" / "run").mkdir(parents=True)
    (tmp_path / "0" / "run" / "results.json").write_text("{}")
    with pytest.raises(SystemExit) as refused:
        search({"model.dropout": "interval(0.0,0.6)"})
    assert refused.value.code == 2
