"""The attacker's shadow recipe: same defenses as the target, or none (a naive evaluation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from mia_defense.observe import Observations

__all__ = ["SHADOW_RECIPES", "with_shadow_observations"]

SHADOW_RECIPES = ("same", "undefended")

_Attack = Callable[[Observations, np.ndarray], np.ndarray]


def _attack_against(attack: _Attack, shadow: Observations) -> _Attack:
    def run(obs: Observations, targets: np.ndarray) -> np.ndarray:
        rows = []
        for t in np.asarray(targets):
            mixed = shadow.log_probs.copy()
            mixed[t] = obs.log_probs[t]
            hybrid = Observations(log_probs=mixed, labels=obs.labels, masks=obs.masks)
            rows.append(np.asarray(attack(hybrid, np.array([t])))[0])
        return np.stack(rows)

    return run


def with_shadow_observations(
    attacks: Mapping[str, _Attack], shadow: Observations
) -> dict[str, _Attack]:
    """Attacks that see each target's own (defended) outputs but other models' from ``shadow``.

    ``shadow`` holds the released outputs of models trained on the same masks without the
    training-time defenses (``attack.shadow_recipe=undefended``). Each target is attacked
    on its own: its row comes from the defended run, every reference/shadow row from
    ``shadow``, so the attacker calibrates on models unlike the target, as a naive
    evaluation does. Scores keep the [T, N] contract.
    """
    return {name: _attack_against(attack, shadow) for name, attack in attacks.items()}
