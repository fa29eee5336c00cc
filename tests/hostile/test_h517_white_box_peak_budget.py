"""At attack.white_box=true the release holds the models' gradient norms (float32 [K, N],
`observe.gradient_norms`) from the release to the end of the run, beside the outputs that
`budget.estimate`'s peak counts; the peak checked before training counted none of them
(only the attack stage's count had them, h514): 4 bytes a [K, N] cell short, 8 under
attack.shadow_recipe=undefended (the K undefended shadows' too). `estimate` now takes
white_box and counts them (helper h517). The memory is patched; nothing large is
allocated."""

from __future__ import annotations

import inspect
import re

import pytest

from mia_defense import budget
from mia_defense.budget import _bytes
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check

K = 2
# (one model at a time: no narrower chunk to offer; no queries and no Shokri: no attack's
# own memory, so the peak alone can refuse)
RUN = (f"plan.num_models={K}", "train.epochs=1", "train.chunk_size=1", "attack.bootstrap=0",
       "attack.white_box=true", "attack.queries.num_augmented=0",
       "~attack.attacks.shokri")  # fmt: skip
UNDEFENDED = ("attack.shadow_recipe=undefended", "defense=dropout")
ESTIMATED = set(inspect.signature(budget.estimate).parameters) - {"white_box"}


def _available(monkeypatch, size: int) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: size)


def _peak(monkeypatch, tmp_path, budget_asked, *overrides: str) -> tuple[int, int]:
    """(the run's peak without the gradient norms, the norms of its num_models: float32
    [K, N]) of the run of ``overrides``."""
    _available(monkeypatch, 10**15)
    run_to_budget_check(tmp_path / "sizes", *RUN, *overrides)
    asked = budget_asked[-1]
    black = budget.estimate(**{k: v for k, v in asked.items() if k in ESTIMATED}).memory
    budget_asked.clear()
    return black, 4 * asked["num_models"] * asked["population_size"]


@pytest.mark.parametrize("overrides", [(), UNDEFENDED], ids=["same", "undefended"])
def test_refuses_a_peak_the_gradient_norms_outgrow(monkeypatch, tmp_path, budget_asked,
                                                   overrides):
    black, norms = _peak(monkeypatch, tmp_path, budget_asked, *overrides)
    _available(monkeypatch, black + norms - 1)
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN, *overrides), tmp_path / "refused")
    said = str(refused.value)
    found = re.search(r"plan\.num_models=(\d+): the run needs about (\S+ \S+) of RAM", said)
    assert found, said
    assert int(found[1]) == (2 * K if overrides else K)
    assert found[2] == _bytes(black + norms)


@pytest.mark.parametrize("overrides", [(), UNDEFENDED], ids=["same", "undefended"])
def test_runs_where_the_peak_with_the_norms_fits(monkeypatch, tmp_path, budget_asked,
                                                 overrides):
    black, norms = _peak(monkeypatch, tmp_path, budget_asked, *overrides)
    _available(monkeypatch, black + norms)
    run_to_budget_check(tmp_path / "run", *RUN, *overrides)


def test_no_norms_at_the_peak_without_white_box(monkeypatch, tmp_path, budget_asked):
    black, _ = _peak(monkeypatch, tmp_path, budget_asked)
    _available(monkeypatch, black)
    run_to_budget_check(tmp_path / "run", *RUN, "attack.white_box=false")
