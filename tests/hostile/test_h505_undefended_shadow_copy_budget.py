"""Under attack.shadow_recipe=undefended (with a defense: the K undefended shadow models
trained), each target's attacks read a copy of the shadows' released outputs and augmented
queries (`attacks.shadow.hybrid_observations`), held beside the rest while the attacks run
and counted by no up-front check: the label-only attack peaked at 14 bytes a [K, A, N] cell
there, not its 9 (tracemalloc, /tmp/h502/measure.py 2 4000 300). check_budget now holds the
copy beside the attacks' own memory (helper h505, found by h502). The memory is patched;
nothing large is allocated."""

from __future__ import annotations

import inspect
import re

import pytest

from mia_defense import budget
from mia_defense.budget import _bytes
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check

K, A = 2, 20000
UNDEFENDED = "attack.shadow_recipe=undefended"
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       "attack.white_box=false", f"attack.queries.num_augmented={A}",
       "~attack.attacks.shokri", "~attack.attacks.lira_online_augmented", UNDEFENDED)  # fmt: skip
# every setting of the estimate, as check_budget was asked them (`budget_asked`)
ESTIMATED = tuple(inspect.signature(budget.estimate).parameters)


def _available(monkeypatch, size: int) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: size)


def _run(tmp_path, *overrides: str) -> None:
    run_to_budget_check(tmp_path, *RUN, *overrides)


# --- the attacks' copy of the shadows' outputs, per target -----------------------------------


def _held(monkeypatch, tmp_path, budget_asked) -> tuple[int, int, int]:
    """(what check_budget held beside the attacks before h505: the released outputs of 2K
    models, their queries and the models; the label-only attack's copies; a target's copy
    of the K shadows' log-probabilities and queries) of the dropout run."""
    _available(monkeypatch, 10**15)
    _run(tmp_path / "sizes", "defense=dropout")
    asked = budget_asked[-1]
    nm, n, c = asked["num_models"], asked["population_size"], asked["num_classes"]
    assert nm == 2 * K
    need = budget.estimate(**{key: asked[key] for key in ESTIMATED})
    held = (4 * nm * n * c + 4 * K * asked["test_size"] * c + need.models
            + budget._query_bytes(nm, A, n, c)
            + K * n + 8 * (2 * n + asked["test_size"]))  # (+ masks, labels: h517)
    # (the test outputs of the K targets alone: the shadows are released on the population;
    # the masks are the plan's, theirs too; their labels a copy of their own, h524)
    (label,) = [w.memory for w in asked["attack_memory"] if w.key.endswith("label_only")]
    copy = 4 * K * n * c + (4 + 1) * K * A * n  # float32 log-probs; float32 logit, uint8 label
    assert need.memory <= held + label  # (the run's own check passes at the memory below)
    budget_asked.clear()
    return held, label, copy


def test_refuses_label_only_beside_the_shadows_copy(monkeypatch, tmp_path, budget_asked):
    held, label, copy = _held(monkeypatch, tmp_path, budget_asked)
    _available(monkeypatch, held + label)  # all but the copy
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN, "defense=dropout"), tmp_path / "refused")
    said = str(refused.value)
    found = re.fullmatch(
        r"attack\.attacks\.label_only: its working copies of the predictions on the augmented "
        r"queries .* beside the released outputs', the models' and a target's copy of the "
        r"undefended shadow models' outputs (\S+ \S+), but (\S+ \S+) is available; .*",
        said,
    )
    assert found, said
    assert found[1] == _bytes(held + copy)


def test_runs_where_the_copy_fits_too(monkeypatch, tmp_path, budget_asked):
    held, label, copy = _held(monkeypatch, tmp_path, budget_asked)
    _available(monkeypatch, held + copy + label)
    _run(tmp_path / "run", "defense=dropout")
