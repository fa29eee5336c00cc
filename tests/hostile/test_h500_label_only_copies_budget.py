"""The label-only attack (`label_robustness`) concatenates its targets' labels and the
augmented queries' predictions into an int64 [K, A + 1, N] and compares them (a bool of the
same shape): some 9 bytes a cell beside the queries' own 5. mia-train counted only LiRA's
working copies (since h498, where an augmented LiRA runs) and mia-attack likewise (h495):
with '~attack.attacks.lira_online_augmented' and label_only kept, neither counted any.
Both now count `label_only.budget_work` and refuse it before training / the run folder,
in the words of the other attacks' refusals (helper h500). The memory is patched; nothing
large is allocated."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from mia_defense import budget
from mia_defense.budget import _bytes
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check
from tests.helpers import mia_attack, synthetic_observations

NO_LIRA = "~attack.attacks.lira_online_augmented"
NO_LABEL = "~attack.attacks.label_only"


def _line(key: str, queries: int, records: int, models: int, held_what: str) -> re.Pattern:
    return re.compile(
        rf"attack\.attacks\.{key}: its working copies of the predictions on the augmented "
        rf"queries \({queries} a record, of {records} records and {models} models\) need "
        rf"about (\S+ \S+) beside {held_what} (\S+ \S+), but (\S+ \S+) is available; leave "
        rf"it out with '~attack\.attacks\.{key}' \(its queries: "
        rf"attack\.queries\.num_augmented={queries}; mia-train of fewer makes smaller ones\)")


# --- mia-attack: observations made before --------------------------------------------------

MODELS, RECORDS, CLASSES, QUERIES = 4, 60, 5, 8
COPIES = 9 * MODELS * (QUERIES + 1) * RECORDS
QUICK = ("figures=false", "attack.bootstrap=0", "attack.white_box=false",
         "~attack.attacks.shokri", NO_LIRA)  # fmt: skip


@pytest.fixture
def source(tmp_path: Path) -> Path:
    obs = synthetic_observations(num_models=MODELS, num_samples=RECORDS, num_classes=CLASSES)
    rng = np.random.default_rng(1)
    shape = (MODELS, QUERIES, RECORDS)
    obs = dataclasses.replace(
        obs, augmented_logits=rng.normal(size=shape).astype(np.float32),
        augmented_predictions=rng.integers(0, CLASSES, shape).astype(np.uint8))
    path = tmp_path / "o.npz"
    obs.save(path)
    return path


def _available(monkeypatch, size: int) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: size)


def test_mia_attack_refuses_label_only_copies_that_do_not_fit(source, monkeypatch):
    _available(monkeypatch, COPIES - 1)
    done = mia_attack(source.name, *QUICK, "hydra.run.dir=out", cwd=source.parent)
    assert done.returncode == 2, done.stderr[-2000:]
    said = done.stderr.strip().removeprefix("ConfigError: ")
    found = _line("label_only", QUERIES, RECORDS, MODELS, "the observations'").fullmatch(said)
    assert found, said
    assert found[1] == _bytes(COPIES)
    assert not (source.parent / "out").exists()


def test_mia_attack_counts_it_under_another_name(source, monkeypatch):
    _available(monkeypatch, COPIES - 1)
    done = mia_attack(source.name, *QUICK, NO_LABEL,
                      "+attack.attacks.mine._target_=mia_defense.attacks.label_only",
                      "+attack.attacks.mine._partial_=true", "hydra.run.dir=out",
                      cwd=source.parent)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    said = done.stderr.strip().removeprefix("ConfigError: ")
    assert _line("mine", QUERIES, RECORDS, MODELS, "the observations'").fullmatch(said), said


def test_mia_attack_runs_where_they_fit(source, monkeypatch):
    _available(monkeypatch, COPIES)  # (exactly what they need, beside the observations)
    done = mia_attack(source.name, *QUICK, "hydra.run.dir=out", cwd=source.parent)
    assert done.returncode == 0, done.stderr[-2000:]


# --- mia-train: before training (as h498's test) ---------------------------------------------

K, A = 2, 20000
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       "attack.white_box=false", f"attack.queries.num_augmented={A}",
       "~attack.attacks.shokri", NO_LIRA)  # fmt: skip
ESTIMATED = ("num_models", "population_size", "test_size", "num_classes", "num_params",
             "epochs", "batch_size", "chunk_size", "device", "extra", "trained_epochs",
             "eval_every", "row_floats", "white_box")  # fmt: skip


def _run(tmp_path, *overrides: str) -> None:
    run_to_budget_check(tmp_path, *RUN, *overrides)


def _memory(monkeypatch, tmp_path, budget_asked) -> int:
    """Patch the memory to the run's own need (without the queries), what the queries keep
    (a float32 logit and a uint8 label a [K, A, N] cell) and half the label-only attack's
    copies: all the run needs but those copies, which do not fit. Returns N."""
    _available(monkeypatch, 10**15)
    _run(tmp_path / "sizes", NO_LABEL)
    own = max(budget.estimate(**{key: asked[key] for key in ESTIMATED}, num_augmented=0).memory
              for asked in budget_asked)  # fmt: skip
    n = budget_asked[-1]["population_size"]
    kept, copies = 5 * K * A * n, 9 * K * (A + 1) * n
    assert own < copies // 2  # (so held + copies > the memory below)
    budget_asked.clear()
    _available(monkeypatch, own + kept + copies // 2)
    return n


def test_mia_train_refuses_label_only_copies_that_do_not_fit(monkeypatch, tmp_path, budget_asked):
    n = _memory(monkeypatch, tmp_path, budget_asked)
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN), tmp_path / "refused")
    said = str(refused.value)
    found = _line("label_only", A, n, K, "the released outputs' and the models'").fullmatch(said)
    assert found, said
    assert found[1] == _bytes(9 * K * (A + 1) * n)


def test_mia_train_without_label_only_passes(monkeypatch, tmp_path, budget_asked):
    _memory(monkeypatch, tmp_path, budget_asked)
    _run(tmp_path / "run", NO_LABEL)  # the rest of the run fits: not refused
    assert budget_asked
