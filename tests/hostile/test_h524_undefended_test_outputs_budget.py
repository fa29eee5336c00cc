"""Under attack.shadow_recipe=undefended (with a defense) mia-train checks the run of 2K
models (the K targets and the K undefended shadow models), but only the targets' outputs on
the test set are made (`experiment.release_test` of the targets' models; the shadows are
released on the population alone, `pipeline.train.attacks_for_recipe`). The attack stage's
count (`budget.check_budget`'s held, `budget.observations_bytes`) held the test outputs of
all 2K: 4 bytes a [K, T, C] cell too many, which could refuse a run that fits. It now
counts those made (helper h524). Nothing large is allocated."""

from __future__ import annotations

import pytest

from mia_defense import budget

K, N, T, C, A = 3, 50, 40, 7, 4


def _held(monkeypatch, *, test_size: int, shadows: int, white_box: bool) -> int:
    """check_budget's held beside the attacks' own memory (`_attack_memory_problems`'s)."""
    seen: list[int] = []
    real = budget._attack_memory_problems

    def recorded(*args, held, **kwargs):
        seen.append(held)
        return real(*args, held=held, **kwargs)

    monkeypatch.setattr(budget, "_attack_memory_problems", recorded)
    budget.check_budget(num_models=K + shadows, population_size=N, test_size=test_size,
                        num_classes=C, num_params=100, num_augmented=A, epochs=1,
                        batch_size=32, memory_bytes=10**12, shadow_models=shadows,
                        white_box=white_box)  # fmt: skip
    (held,) = seen
    return held


@pytest.mark.parametrize("white_box", [False, True])
@pytest.mark.parametrize("shadows", [0, K], ids=["same", "undefended"])
def test_test_outputs_of_the_targets_alone(monkeypatch, shadows, white_box):
    tested, untested = (_held(monkeypatch, test_size=t, shadows=shadows, white_box=white_box)
                        for t in (T, 0))  # fmt: skip
    # the K targets' float32 [K, T, C] and the int64 test labels [T], whatever the shadows
    assert tested - untested == 4 * K * T * C + 8 * T
