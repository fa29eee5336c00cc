"""mia-train's check before training (`budget.estimate`'s peak, `Estimate.observations`)
counted the released outputs, queries, masks and gradient norms but not the int64 labels
[N] and [T] the attack stage's count (`budget.check_budget`'s held,
`budget.observations_bytes`) holds: two counts of the same arrays. The peak now counts the
attacks' arrays with observations_bytes (helper h524): a test record more is its outputs
and its label, of the targets alone under attack.shadow_recipe=undefended. Nothing large is
allocated."""

from __future__ import annotations

import pytest

from mia_defense import budget

K, N, T, C, A = 3, 500, 40, 7, 4


def _peak(test_size: int, *, shadows: int, white_box: bool) -> int:
    return budget.estimate(num_models=K + shadows, population_size=N, test_size=test_size,
                           num_classes=C, num_params=100, num_augmented=A, epochs=1,
                           batch_size=32, white_box=white_box,
                           shadow_models=shadows).observations  # fmt: skip


@pytest.mark.parametrize("white_box", [False, True])
@pytest.mark.parametrize("shadows", [0, K], ids=["same", "undefended"])
def test_a_test_record_is_its_outputs_and_its_label(shadows, white_box):
    more, fewer = (_peak(t, shadows=shadows, white_box=white_box) for t in (T + 1, T))
    # the K targets' float32 outputs [K, C] and an int64 label (T + 1 < N: the released
    # logits beside the release are the population's either way)
    assert more - fewer == 4 * K * C + 8


@pytest.mark.parametrize("white_box", [False, True])
@pytest.mark.parametrize("shadows", [0, K], ids=["same", "undefended"])
def test_the_peak_holds_what_the_attacks_hold(shadows, white_box):
    held = budget.observations_bytes(K + shadows, N, C, test_size=T, num_augmented=A,
                                     white_box=white_box, shadow_models=shadows)
    assert _peak(T, shadows=shadows, white_box=white_box) >= held
