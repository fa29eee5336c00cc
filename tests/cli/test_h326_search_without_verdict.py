"""An Optuna search none of whose trials has a privacy verdict (each at chance, blown up or
with inverted scores) named a 'best' trial and exited 0: every trial gave the sweeper the
worst leakage in place of its figures, so 'Best value: inf' (privacy.empirical_epsilon,
train.lr=tag(log, interval(1e-7, 1e-6))) named a model that learned nothing. The search's
end now says it has no result (exit 2); one trial with a verdict is a result."""

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_end import _searched_without_verdict

LEARNED = {
    "num_classes": 10,
    "utility": {"test_accuracy": 0.8, "train_accuracy": 0.9, "generalization_gap": 0.1,
                "chance_accuracy": 0.106, "train_loss": 0.3, "test_loss": 0.6,
                "epochs_trained": 3.0},
    "attacks": {"loss": {"auc": 0.6, "tpr@0.1%fpr": 0.01, "tpr@1%fpr": 0.02,
                         "empirical_epsilon": 0.05}},
    "privacy": {"empirical_epsilon": 0.05},
}  # fmt: skip
AT_CHANCE = {**LEARNED, "utility_below_chance": True,
             "utility": {**LEARNED["utility"], "test_accuracy": 0.072,
                         "train_accuracy": 0.065, "generalization_gap": -0.007},
             "privacy": {"empirical_epsilon": 0.0}}  # fmt: skip
OPTUNA = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"


def _folders(tmp_path: Path, payloads: list[dict]) -> set[str]:
    folders = set()
    for number, payload in enumerate(payloads):
        (tmp_path / str(number)).mkdir()
        (tmp_path / str(number) / "results.json").write_text(json.dumps(payload))
        folders.add(str(tmp_path / str(number)))
    return folders


@pytest.mark.parametrize(("objectives", "payloads", "without"), [
    (["privacy.empirical_epsilon"], [AT_CHANCE, AT_CHANCE], True),
    (None, [AT_CHANCE], True),  # (the default: max_attack.tpr@0.1%fpr)
    (["utility.test_accuracy", "max_attack.tpr@1%fpr"], [AT_CHANCE, AT_CHANCE], True),
    (["privacy.empirical_epsilon"], [AT_CHANCE, LEARNED], False),
    (["utility.test_accuracy"], [AT_CHANCE], False),  # (measured, verdict or not)
    (["privacy.empirical_epsilon"], [], False),  # (no trial gave values: said apart)
])  # fmt: skip
def test_a_search_whose_every_trial_lacks_a_verdict_has_no_result(
        tmp_path, objectives, payloads, without):  # fmt: skip
    config = OmegaConf.create({"hydra": {"sweeper": {"_target_": OPTUNA}},
                               "attack": {"fprs": [0.001, 0.01]}})  # fmt: skip
    if objectives:
        config.objectives = objectives
    folders = _folders(tmp_path, payloads)
    assert _searched_without_verdict(config, folders) is without
    config.hydra.sweeper._target_ = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
    assert _searched_without_verdict(config, folders) is False  # (a grid names no best)


def test_a_search_resumed_with_other_n_jobs_is_warned_of(tmp_path, caplog):
    """The sweeper asks hydra.sweeper.n_jobs trials at once, each drawn from the trials told
    before it: a search of 8 trials run with n_jobs=2 and resumed with n_jobs=1 skipped 7 and
    trained an 8th of its own, the first's 8th left beside it, without a word."""
    from mia_defense.cli.run_dirs import refuse_other_search

    def search(n_jobs: int) -> None:
        refuse_other_search(OmegaConf.create({"objectives": ["utility.test_accuracy"], "hydra": {
            "sweep": {"dir": str(tmp_path)}, "overrides": {"task": []},
            "sweeper": {"_target_": OPTUNA, "direction": ["maximize"], "n_jobs": n_jobs,
                        "params": {"train.lr": "interval(0.001,0.1)"}}}}))  # fmt: skip

    search(2)
    (tmp_path / "trial").mkdir()
    (tmp_path / "trial" / "results.json").write_text("{}")
    for n_jobs in (2, 1):
        caplog.clear()
        search(n_jobs)
        said = [r.getMessage() for r in caplog.records if "n_jobs" in r.getMessage()]
        assert (said == []) if n_jobs == 2 else ("resume it with hydra.sweeper.n_jobs=2" in
                                                  said[0])  # fmt: skip


def test_a_second_search_into_a_folder_in_use_is_refused(tmp_path, caplog):
    """Two searches of other spaces started into one hydra.sweep.dir at once both found no
    trial run there, each recorded its own space and ran: two studies' trials in one folder,
    ranked by mia-report on one front. The second is refused while the first runs."""
    import fcntl
    import os

    from mia_defense.cli.run_dirs import refuse_other_search

    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # (the first search, in its process)
    config = OmegaConf.create({"objectives": ["utility.test_accuracy"], "hydra": {
        "sweep": {"dir": str(tmp_path)}, "overrides": {"task": []},
        "sweeper": {"_target_": OPTUNA, "direction": ["maximize"], "n_jobs": 2,
                    "params": {"model.dropout": "interval(0.0,0.6)"}}}})  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        refuse_other_search(config)
    os.close(fd)
    assert exc.value.code == 2
    assert f"hydra.sweep.dir={tmp_path}: another Optuna search is running in it" in caplog.text
    assert not list(tmp_path.iterdir())
    refuse_other_search(config)  # (that search ended: this one records itself)
    assert (tmp_path / "optuna_search.json").exists()
