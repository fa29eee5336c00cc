"""mia-train's up-front memory estimate counted LiRA's working copies of the augmented
queries (`mia_defense.budget.augmented_attack_bytes`, some 4K + 28(K - 1) + 24 bytes a
[K, A, N] cell) whenever attack.queries.num_augmented > 0, whether or not any attack used
them: mia-train plan.num_models=2 attack.queries.num_augmented=1000000
'~attack.attacks.lira_online_augmented' was refused for memory no attack of it needs (six
times what the queries themselves keep at K=2). They are now counted only where a LiRA
attack with augmented=true is asked for (`mia_defense.attacks.lira.augmented_attacks`, the
rule mia-attack's check counts them by); the queries' own logits and labels, made for the
observations whatever the attacks, still count (helper h498). The memory is patched;
nothing large is allocated: the check comes before any training."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check

K, A = 2, 4000
# (the label-only attack left out: its own copies of the queries' predictions, h500's test)
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       "attack.white_box=false", f"attack.queries.num_augmented={A}",
       "~attack.attacks.shokri", "~attack.attacks.label_only")  # fmt: skip
WITHOUT = "~attack.attacks.lira_online_augmented"
ESTIMATED = ("num_models", "population_size", "test_size", "num_classes", "num_params",
             "epochs", "batch_size", "chunk_size", "device", "extra", "trained_epochs",
             "eval_every", "row_floats", "white_box")  # fmt: skip


def _run(tmp_path, *overrides: str) -> None:
    run_to_budget_check(tmp_path, *RUN, *overrides)


def _memory(monkeypatch, tmp_path, budget_asked, *, kept_times: float = 2) -> None:
    """Patch the memory to the run's own need (its estimate without augmented queries, at
    the largest check) and ``kept_times`` what the queries keep (float32 logits and uint8
    labels of K x A x N); twice is less than LiRA's working copies of them (60 bytes a cell
    at K=2, 6 times)."""
    from mia_defense import budget

    monkeypatch.setattr(budget, "available_memory", lambda: 10**15)
    _run(tmp_path / "sizes", WITHOUT)
    own = max(budget.estimate(**{key: asked[key] for key in ESTIMATED}, num_augmented=0).memory
              for asked in budget_asked)  # fmt: skip
    n = budget_asked[-1]["population_size"]
    kept = 5 * K * A * n
    assert budget.augmented_attack_bytes(K, A, n) > 2 * kept
    budget_asked.clear()
    memory = own + int(kept_times * kept)
    monkeypatch.setattr(budget, "available_memory", lambda: memory)


def _refused(tmp_path, *overrides: str) -> str:
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN, *overrides), tmp_path / "refused")
    said = str(refused.value)
    assert "\n" not in said, said
    return said


def test_copies_no_attack_makes_are_not_counted(monkeypatch, tmp_path, budget_asked):
    _memory(monkeypatch, tmp_path, budget_asked)
    _run(tmp_path / "run", WITHOUT)  # passes the check: not refused
    assert budget_asked and all(asked["num_augmented"] == A for asked in budget_asked)


def test_the_queries_own_outputs_still_count(monkeypatch, tmp_path, budget_asked):
    _memory(monkeypatch, tmp_path, budget_asked, kept_times=0.5)
    said = _refused(tmp_path, WITHOUT)
    assert said.startswith(f"attack.queries.num_augmented={A}, plan.num_models={K}: "), said


def test_copies_of_an_augmented_lira_are_still_counted(monkeypatch, tmp_path, budget_asked):
    _memory(monkeypatch, tmp_path, budget_asked)
    said = _refused(tmp_path)
    assert said.startswith(f"attack.queries.num_augmented={A}, plan.num_models={K}: "), said


def test_copies_of_an_augmented_lira_under_another_name(monkeypatch, tmp_path, budget_asked):
    _memory(monkeypatch, tmp_path, budget_asked)
    said = _refused(tmp_path, WITHOUT, "+attack.attacks.mine._target_=mia_defense.attacks.lira",
                    "+attack.attacks.mine._partial_=true", "+attack.attacks.mine.augmented=true")
    assert said.startswith(f"attack.queries.num_augmented={A}, plan.num_models={K}: "), said
