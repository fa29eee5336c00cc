"""mia-train's up-front budget under attack.shadow_recipe=undefended (helper h505, found by
h502) counted 2K models (and dropped early stopping's allowance) whenever the recipe was
undefended, though the K undefended shadow models are trained only where the run has a
defense to leave out (`pipeline.train.attacks_for_recipe`): at defense=none it counted K
models never trained. Both now ask `attacks.shadow.trains_undefended_shadows`. The memory is
patched; nothing large is allocated."""

from __future__ import annotations

import pytest

from mia_defense import budget
from tests.hostile.test_h505_undefended_shadow_copy_budget import (  # (the run of both)
    ESTIMATED,
    K,
    _available,
    _run,
)

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
