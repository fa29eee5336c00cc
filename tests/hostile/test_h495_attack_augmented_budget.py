"""mia-train's budget counts LiRA's working copies of the augmented queries (h462:
`budget.augmented_attack_bytes`, some 30 bytes a [K, A, N] cell), but mia-attack's up-front
check (h488: `check_observed_budget`) counted Shokri's features alone: saved observations of
large augmented_logits [K, A, N] started LiRA augmented with no check. mia-attack now counts
each lira(augmented=true), under any name, by the same function (`lira.budget_work`), and
refuses it before the run folder with h488's words; the check runs once a run (helper
h495). Small observations; the memory is patched to just below / at what LiRA needs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_module

import mia_defense.attack_setup as attack_setup
from mia_defense import budget
from mia_defense.budget import _bytes, augmented_attack_bytes, estimate
from mia_defense.cli import attack as attack_cli
from mia_defense.constraints import hydra_quoted
from mia_defense.errors import ConfigError
from tests.helpers import mia_attack, synthetic_observations

MODELS, RECORDS, CLASSES, QUERIES = 4, 60, 5, 8
NEED = augmented_attack_bytes(MODELS, QUERIES, RECORDS)
QUICK = ("figures=false", "attack.bootstrap=0", "attack.white_box=false",
         "~attack.attacks.shokri")  # fmt: skip
MEMORY = re.compile(
    r"attack\.attacks\.(\w+): its working copies of the observations' augmented queries "
    rf"\({QUERIES} a record, of {RECORDS} records and {MODELS} models\) need about "
    r"(\S+ \S+) beside the observations' (\S+ \S+), but (\S+ \S+) is available; leave it out "
    r"with '~attack\.attacks\.\1' \(the observations fix their queries: "
    rf"attack\.queries\.num_augmented={QUERIES} here; mia-train of fewer makes smaller ones\)")


def _observations(queries: int):
    obs = synthetic_observations(num_models=MODELS, num_samples=RECORDS, num_classes=CLASSES)
    if not queries:
        return obs
    rng = np.random.default_rng(1)
    shape = (MODELS, queries, RECORDS)
    return dataclasses.replace(
        obs, augmented_logits=rng.normal(size=shape).astype(np.float32),
        augmented_predictions=rng.integers(0, CLASSES, shape).astype(np.uint8))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "o.npz"
    _observations(QUERIES).save(path)
    return path


def _available(monkeypatch, size: int) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: size)


def test_mia_trains_count_is_the_one_asked():
    """`estimate` counts the same working copies (one code path): beyond what the queries
    keep (a float32 logit and a uint8 label a cell), `augmented_attack_bytes`."""
    sizes = dict(num_models=MODELS, population_size=RECORDS, test_size=7,
                 num_classes=CLASSES, num_params=100, epochs=1, batch_size=8)  # fmt: skip
    grown = (estimate(**sizes, num_augmented=QUERIES).observations
             - estimate(**sizes, num_augmented=0).observations)  # fmt: skip
    assert grown == 5 * MODELS * QUERIES * RECORDS + NEED


def test_copies_that_do_not_fit_are_refused_before_the_run_folder(source, monkeypatch):
    _available(monkeypatch, NEED - 1)
    done = mia_attack(source.name, *QUICK, "hydra.run.dir=out", cwd=source.parent)
    assert done.returncode == 2, done.stderr[-2000:]
    said = done.stderr.strip()
    assert "\n" not in said, said  # (lira_online and lira_offline read no queries)
    found = MEMORY.fullmatch(said.removeprefix("ConfigError: "))
    assert found, said
    assert found[1] == "lira_online_augmented"
    assert found[2] == _bytes(NEED)
    assert not (source.parent / "out").exists()


def test_copies_that_fit_run_and_the_check_runs_once(source, monkeypatch):
    _available(monkeypatch, NEED)  # (exactly what they need, beside the observations)
    asked = []
    real = attack_setup.check_attack_budget

    def counted(work, **kwargs):
        asked.append([w.key for w in work])
        return real(work, **kwargs)

    monkeypatch.setattr(attack_setup, "check_attack_budget", counted)
    done = mia_attack(source.name, *QUICK, "hydra.run.dir=out", cwd=source.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (source.parent / "out" / "results.json").is_file()
    # SourceCheck's, before the run folder; the task's audit does not ask it again
    # (and the label-only attack's copies of the queries' predictions, h500)
    assert asked == [["attack.attacks.lira_online_augmented", "attack.attacks.label_only"]], asked


def test_without_the_augmented_attack_it_runs(source, monkeypatch):
    _available(monkeypatch, 0)
    done = mia_attack(source.name, *QUICK, "~attack.attacks.lira_online_augmented",
                      "~attack.attacks.label_only",  # (its own copies: h500's test)
                      "hydra.run.dir=out", cwd=source.parent)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_under_another_name_it_is_counted_too(source, monkeypatch):
    _available(monkeypatch, NEED - 1)
    done = mia_attack(source.name, *QUICK, "~attack.attacks.lira_online_augmented",
                      "+attack.attacks.mine._target_=mia_defense.attacks.lira",
                      "+attack.attacks.mine._partial_=true", "+attack.attacks.mine.online=false",
                      "+attack.attacks.mine.augmented=true", "hydra.run.dir=out",
                      cwd=source.parent)  # fmt: skip
    assert done.returncode == 2
    found = MEMORY.fullmatch(done.stderr.strip().removeprefix("ConfigError: "))
    assert found and found[1] == "mine", done.stderr


def test_observations_without_queries_count_none(tmp_path, monkeypatch):
    """LiRA augmented is then skipped (no queries to read): nothing of it is counted."""
    path = tmp_path / "o.npz"
    _observations(0).save(path)
    _available(monkeypatch, 0)
    done = mia_attack(path.name, *QUICK, "attack.queries.num_augmented=0", "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_task_itself_refuses_it_where_no_callback_asked(source, monkeypatch, tmp_path):
    """A sweep's point (and a caller of run without Hydra's callbacks): refused by its audit,
    before any attack, with the same line; nothing of the attack is written."""
    _available(monkeypatch, NEED - 1)
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, [f"source={hydra_quoted(str(source))}",
                                               "progress=false", *QUICK])  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        attack_cli.run(cfg, tmp_path / "out")
    assert MEMORY.fullmatch(str(refused.value)), refused.value
    assert not (tmp_path / "out" / "results.json").exists()
