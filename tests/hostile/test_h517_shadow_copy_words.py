"""Under attack.shadow_recipe=undefended at attack.white_box=true, the bytes mia-train's
attack-stage refusal names beside "a target's copy of the undefended shadow models' outputs"
held their gradient norms too (h514), which the words left out. They now say "outputs and
gradient norms" there, and "outputs" where none are released (helper h517). The memory is
patched; nothing large is allocated."""

from __future__ import annotations

import inspect
import re

import pytest

from mia_defense import budget
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check

K, A = 2, 20000
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       f"attack.queries.num_augmented={A}", "~attack.attacks.shokri",
       "~attack.attacks.lira_online_augmented", "attack.shadow_recipe=undefended",
       "defense=dropout")  # fmt: skip


def _copy_words(monkeypatch, tmp_path, budget_asked, white_box: str) -> str:
    """What the label-only attack's refusal says the bytes beside it are, the memory at
    the run's peak (which the copy and its copies outgrow)."""
    monkeypatch.setattr(budget, "available_memory", lambda: 10**15)
    run_to_budget_check(tmp_path / "sizes", *RUN, white_box)
    asked = budget_asked[-1]
    estimated = inspect.signature(budget.estimate).parameters
    need = budget.estimate(**{k: v for k, v in asked.items() if k in estimated}).memory
    monkeypatch.setattr(budget, "available_memory", lambda: need)
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN, white_box), tmp_path / "refused")
    said = str(refused.value)
    found = re.fullmatch(r"attack\.attacks\.label_only: .* beside (.*) \S+ \S+, but .*", said)
    assert found, said
    return found[1]


@pytest.mark.parametrize(("white_box", "copied"), [
    ("attack.white_box=true", "outputs and gradient norms"),
    ("attack.white_box=false", "outputs"),
])  # fmt: skip
def test_names_the_gradient_norms_in_the_copy(monkeypatch, tmp_path, budget_asked, white_box,
                                             copied):
    words = _copy_words(monkeypatch, tmp_path, budget_asked, white_box)
    assert words == ("the released outputs', the models' and a target's copy of the "
                     f"undefended shadow models' {copied}")
