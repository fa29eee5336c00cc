"""mia-train refuses, before training, a Shokri attack whose float64 features (2C + 1 a row)
do not fit in memory or whose gradient-boosting fit passes the time limit (h458, h467), but
mia-attack of saved observations had no such check: observations of 3000 classes started a
fit of hours, or one that exhausted the memory, without a word. mia-attack now asks the same
check (`shokri.budget_work` and `budget.check_attack_budget`, `check_budget`'s lines), fed
from the observations' masks, classes and arrays, before Hydra makes the run folder (and
again in its audit, where a sweep's points and `api.audit` ask it), refusing with
mia-train's words and the keys mia-attack takes (helper h488). Small observations; the
memory and the time limit are patched so that their Shokri does not fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from mia_defense.attacks.shokri import feature_bytes
from mia_defense.cli import attack as attack_cli
from mia_defense.constraints import hydra_quoted
from mia_defense.errors import ConfigError
from tests.helpers import mia_attack, synthetic_observations

RECORDS, CLASSES = 60, 5
QUICK = ("figures=false", "attack.bootstrap=0", "attack.white_box=false",
         "attack.queries.num_augmented=0")  # fmt: skip
MEMORY = re.compile(
    r"attack\.attacks\.(\w+): its attack classifier's float64 features \((\d+) training rows "
    rf"and the {RECORDS} records a target is scored on, 2 x {CLASSES} classes \+ 1 each\) "
    r"need about (\S+ \S+) beside the observations' (\S+ \S+), but (\S+ \S+) is available; "
    r"lower attack\.attacks\.\1\.max_train_samples \(now 20000\), or leave it out with "
    r"'~attack\.attacks\.\1'")  # fmt: skip
TIME = re.compile(
    rf"attack\.attacks\.shokri: fitting its attack classifier on \d+ rows of {2 * CLASSES + 1} "
    rf"features \(2 x {CLASSES} classes \+ 1\) would take about \S+ min, over the \S+ h "
    r"limit; lower attack\.attacks\.shokri\.max_train_samples \(now 20000\), or leave it "
    r"out with '~attack\.attacks\.shokri'")  # fmt: skip


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "o.npz"
    synthetic_observations(num_models=4, num_samples=RECORDS, num_classes=CLASSES).save(path)
    return path


@pytest.fixture
def no_memory(monkeypatch) -> None:
    """Nothing available beside the observations themselves: any features are too many."""
    from mia_defense import budget

    monkeypatch.setattr(budget, "available_memory", lambda: 0)


def test_features_that_do_not_fit_are_refused_before_the_run_folder(source, no_memory):
    done = mia_attack(source.name, *QUICK, "hydra.run.dir=out", cwd=source.parent)
    assert done.returncode == 2, done.stderr[-2000:]
    said = done.stderr.strip()
    assert "\n" not in said, said  # (the memory alone: the fit's time is within 24 h)
    assert said.startswith("ConfigError: "), said
    found = MEMORY.fullmatch(said.removeprefix("ConfigError: "))
    assert found, said
    assert found[1] == "shokri"
    rows = int(found[2])
    assert 0 < rows <= RECORDS * 4
    # (the features of its largest fold, as mia-train counts them: `feature_bytes`)
    assert found[3] == _shown(feature_bytes(rows, RECORDS, CLASSES))
    assert found[4] == found[5]  # (nothing available beside the observations' own arrays)
    assert not (source.parent / "out").exists()


def test_without_shokri_the_attack_runs(source, no_memory):
    done = mia_attack(source.name, *QUICK, "~attack.attacks.shokri", "hydra.run.dir=out",
                      cwd=source.parent)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert (source.parent / "out" / "results.json").is_file()


def test_under_another_name_it_is_counted_too(source, no_memory):
    done = mia_attack(source.name, *QUICK, "~attack.attacks.shokri",
                      "+attack.attacks.mine._target_=mia_defense.attacks.shokri",
                      "+attack.attacks.mine._partial_=true", "hydra.run.dir=out",
                      cwd=source.parent)  # fmt: skip
    assert done.returncode == 2
    found = MEMORY.fullmatch(done.stderr.strip().removeprefix("ConfigError: "))
    assert found and found[1] == "mine", done.stderr


def test_a_fit_over_the_time_limit_is_refused(source, monkeypatch):
    from mia_defense import budget

    monkeypatch.setattr(budget, "MAX_HOURS", 1e-12)  # (below any fit's floor)
    done = mia_attack(source.name, *QUICK, "hydra.run.dir=out", cwd=source.parent)
    assert done.returncode == 2
    said = done.stderr.strip().removeprefix("ConfigError: ")
    assert TIME.fullmatch(said), said
    assert not (source.parent / "out").exists()


def test_the_task_itself_refuses_it_where_no_callback_asked(source, no_memory, tmp_path):
    """A sweep's point (and a caller of run without Hydra's callbacks): refused by its audit,
    before any attack, with the same line; nothing of the attack is written."""
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, [f"source={hydra_quoted(str(source))}",
                                               "progress=false", *QUICK])  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        attack_cli.run(cfg, tmp_path / "out")
    assert MEMORY.fullmatch(str(refused.value)), refused.value
    assert not (tmp_path / "out" / "results.json").exists()


def _shown(size: float) -> str:
    """``size`` bytes as the refusal writes them (`budget._bytes`)."""
    from mia_defense.budget import _bytes

    return _bytes(size)
