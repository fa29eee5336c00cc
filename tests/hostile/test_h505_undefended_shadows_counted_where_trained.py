"""mia-train's up-front budget under attack.shadow_recipe=undefended (helper h505, found by
h502) counted 2K models (and dropped early stopping's allowance) whenever the recipe was
undefended, though the K undefended shadow models are trained only where the run has a
defense to leave out (`pipeline.train.attacks_for_recipe`): at defense=none it counted K
models never trained. Both now ask `attacks.shadow.trains_undefended_shadows`. The memory is
patched; nothing large is allocated."""

from __future__ import annotations

import pytest

from mia_defense import budget
from tests.conftest import run_to_budget_check

K, A = 2, 20000
UNDEFENDED = "attack.shadow_recipe=undefended"
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       "attack.white_box=false", f"attack.queries.num_augmented={A}",
       "~attack.attacks.shokri", "~attack.attacks.lira_online_augmented", UNDEFENDED)  # fmt: skip
ESTIMATED = ("num_models", "population_size", "test_size", "num_classes", "num_params",
             "num_augmented", "epochs", "batch_size", "chunk_size", "device", "extra",
             "trained_epochs", "eval_every", "row_floats", "augmented_attack")  # fmt: skip


def _available(monkeypatch, size: int) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: size)


def _run(tmp_path, *overrides: str) -> None:
    run_to_budget_check(tmp_path, *RUN, *overrides)


# --- the models counted: only those trained --------------------------------------------------


@pytest.mark.parametrize(("defense", "counted"), [("none", K), ("dropout", 2 * K)])
def test_counts_the_undefended_shadows_only_where_trained(
    monkeypatch, tmp_path, budget_asked, defense, counted
):
    _available(monkeypatch, 10**15)
    _run(tmp_path, f"defense={defense}")
    assert budget_asked
    assert {asked["num_models"] for asked in budget_asked} == {counted}


def test_no_shadows_means_the_run_of_k_models_fits(monkeypatch, tmp_path, budget_asked):
    """defense=none under the undefended recipe trains K models: memory for those (and for
    no K more) is enough (the label-only attack's copies, apart, left out)."""
    quick = ("defense=none", "~attack.attacks.label_only")
    _available(monkeypatch, 10**15)
    _run(tmp_path / "sizes", *quick, "attack.shadow_recipe=same")
    need = max(budget.estimate(**{key: asked[key] for key in ESTIMATED}).memory
               for asked in budget_asked)  # fmt: skip
    budget_asked.clear()
    _available(monkeypatch, need)
    _run(tmp_path / "run", *quick)  # not refused for 2K models
