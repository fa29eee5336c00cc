"""Under attack.shadow_recipe=undefended (with a defense) mia-train's peak before training
(`budget.estimate`, of the 2K models: the K targets and the K undefended shadows) counted
the augmented attacks' working copies (`budget.augmented_attack_bytes`, LiRA's: about
4K + 28(K - 1) + 24 bytes a [A, N] cell) of 2K models, though each target's attacks read
K: its own row and the other K - 1 from the shadows (`attacks.shadow.hybrid_observations`;
`lira.budget_work`, the attack stage's count, is of K). The peak now counts them of the K
models an attack reads (helper h524). Nothing large is allocated."""

from __future__ import annotations

import pytest

from mia_defense import budget

K, N, T, C, A = 3, 50, 40, 7, 6


def _peak(num_models: int, shadows: int, white_box: bool) -> int:
    return budget.estimate(num_models=num_models, population_size=N, test_size=T,
                           num_classes=C, num_params=100, num_augmented=A, epochs=1,
                           batch_size=32, white_box=white_box,
                           shadow_models=shadows).observations  # fmt: skip


@pytest.mark.parametrize("white_box", [False, True])
def test_the_shadows_add_their_own_arrays_alone(white_box):
    undefended, targets = _peak(2 * K, K, white_box), _peak(K, 0, white_box)
    # the shadows' float32 outputs [K, N, C], their labels' int64 copy [N], their queries'
    # float32 logits and uint8 labels [K, A, N] and gradient norms [K, N]: the attacks'
    # working copies are of K models either way
    own = 4 * K * N * C + 8 * N + 5 * K * A * N + (4 * K * N if white_box else 0)
    assert undefended - targets == own
