"""At attack.white_box=true the release holds the models' gradient norms (float32 [K, N],
`observe.gradient_norms`) beside their outputs while the attacks run, and under
attack.shadow_recipe=undefended each target's attacks read a copy of the undefended
shadows' ones too (`attacks.shadow.hybrid_observations`: tracemalloc, /tmp/h514/measure.py,
4 bytes a [K, N] cell more than the outputs' copy). mia-train's up-front check held neither
beside the attacks' own memory (mia-attack's counts the observations' grad_norms). It now
holds both (helper h514). The memory is patched; nothing large is allocated."""

from __future__ import annotations

import re

import pytest

from mia_defense import budget
from mia_defense.budget import _bytes
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check
from tests.hostile.test_h505_undefended_shadow_copy_budget import ESTIMATED, _available

K, A = 2, 20000
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       "attack.white_box=true", f"attack.queries.num_augmented={A}",
       "~attack.attacks.shokri", "~attack.attacks.lira_online_augmented")  # fmt: skip
UNDEFENDED = ("attack.shadow_recipe=undefended", "defense=dropout")


def _held(monkeypatch, tmp_path, budget_asked, *overrides: str) -> tuple[int, int, int]:
    """(what check_budget held beside the attacks before h514: the released outputs, their
    queries, the models and a target's copy of the shadows' outputs and queries; the
    label-only attack's copies; the gradient norms: the run's own and the copy's) of the
    run of ``overrides``."""
    _available(monkeypatch, 10**15)
    run_to_budget_check(tmp_path / "sizes", *RUN, *overrides)
    asked = budget_asked[-1]
    nm, n, c = asked["num_models"], asked["population_size"], asked["num_classes"]
    shadows = asked.get("shadow_models", 0)
    need = budget.estimate(**{key: asked[key] for key in ESTIMATED})
    held = (4 * nm * n * c + 4 * (nm - shadows) * asked["test_size"] * c + need.models
            + budget._query_bytes(nm, A, n, c)
            + (nm - shadows) * n + 8 * (n + asked["test_size"]))  # (+ masks, labels: h517)
    # (the test outputs of the targets alone: the shadows are released on the population;
    # the masks are the plan's, theirs too; their labels a copy of their own, h524)
    if shadows:
        held += 4 * shadows * n * c + budget._query_bytes(shadows, A, n, c) + 8 * n
    (label,) = [w.memory for w in asked["attack_memory"] if w.key.endswith("label_only")]
    norms = 4 * (nm + shadows) * n  # float32 [K, N]: the run's own and the target's copy
    assert need.memory <= held + label  # (the run's own check passes at the memory below)
    budget_asked.clear()
    return held, label, norms


@pytest.mark.parametrize("overrides", [(), UNDEFENDED], ids=["same", "undefended"])
def test_refuses_label_only_beside_the_gradient_norms(monkeypatch, tmp_path, budget_asked,
                                                      overrides):
    held, label, norms = _held(monkeypatch, tmp_path, budget_asked, *overrides)
    _available(monkeypatch, held + norms + label - 1)
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN, *overrides), tmp_path / "refused")
    said = str(refused.value)
    found = re.fullmatch(r"attack\.attacks\.label_only: its working copies of the predictions "
                         r"on the augmented queries .* beside .* (\S+ \S+), but (\S+ \S+) is "
                         r"available; .*", said)  # fmt: skip
    assert found, said
    assert found[1] == _bytes(held + norms)


@pytest.mark.parametrize("overrides", [(), UNDEFENDED], ids=["same", "undefended"])
def test_runs_where_the_gradient_norms_fit_too(monkeypatch, tmp_path, budget_asked, overrides):
    held, label, norms = _held(monkeypatch, tmp_path, budget_asked, *overrides)
    _available(monkeypatch, held + norms + label)
    run_to_budget_check(tmp_path / "run", *RUN, *overrides)


def test_not_counted_without_white_box(monkeypatch, tmp_path, budget_asked):
    """attack.white_box=false releases no gradient norms: none held (the run passes where
    the rest just fits)."""
    black = (*RUN[:3], "attack.white_box=false", *RUN[4:])
    _available(monkeypatch, 10**15)
    run_to_budget_check(tmp_path / "sizes", *black, *UNDEFENDED)
    asked = budget_asked[-1]
    assert not asked["white_box"]
    held, label, _ = _held(monkeypatch, tmp_path / "white", budget_asked, *UNDEFENDED)
    _available(monkeypatch, held + label)
    run_to_budget_check(tmp_path / "black", *black, *UNDEFENDED)
