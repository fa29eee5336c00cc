"""The attacker's shadow recipe: same defenses as the target, or none (a naive evaluation)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from mia_defense.attacks.base import Scores, stack_scores
from mia_defense.observations import Observations

__all__ = [
    "SHADOW_RECIPES", "hybrid_observations", "trains_undefended_shadows",
    "with_shadow_observations",
]

SHADOW_RECIPES = ("same", "undefended")

_Attack = Callable[[Observations, np.ndarray], np.ndarray]
_FIELDS = ("augmented_logits", "augmented_predictions", "grad_norms")  # besides log_probs


def trains_undefended_shadows(recipe: str, defenses: Sequence[object]) -> bool:
    """Whether a run of shadow recipe ``recipe`` trains K more models without its
    ``defenses`` (the run's training-time defenses) for the attackers' shadows: only
    ``undefended`` with a defense to leave out (without one its own models are undefended
    already and serve). mia-train's training (`pipeline.train.attacks_for_recipe`) and its
    up-front budget (`pipeline.data`) ask this one question: the budget counted 2K models at
    attack.shadow_recipe=undefended defense=none, where K were trained (h505)."""
    return recipe == "undefended" and bool(defenses)


def _mixed(own: np.ndarray | None, shadow: np.ndarray | None, target: int) -> np.ndarray | None:
    """``shadow`` [K, ...] with row ``target`` taken from ``own``; ``None`` when either
    lacks the signal (the attack that needs it is then skipped, naming the fix)."""
    if own is None or shadow is None:
        return None
    mixed = shadow.copy()
    mixed[target] = own[target]
    return mixed


def hybrid_observations(obs: Observations, shadow: Observations, target: int) -> Observations:
    """What a naive attacker of ``target`` sees: the target's own released outputs,
    augmented queries and gradient norms from ``obs``, every other model's from ``shadow``.

    The naive attacker makes the same queries and reads the same signals as the adaptive
    one; only the recipe of its shadow models differs.
    """
    return Observations(
        log_probs=_mixed(obs.log_probs, shadow.log_probs, target),
        labels=obs.labels,
        masks=obs.masks,
        **{name: _mixed(getattr(obs, name), getattr(shadow, name), target) for name in _FIELDS},
    )


def _attack_against(attack: _Attack, shadow: Observations) -> _Attack:
    @functools.wraps(attack)  # keeps the attack's declared access (`access_of`)
    def run(obs: Observations, targets: np.ndarray) -> Scores:
        rows = []
        previous = logging.root.manager.disable
        try:
            for i, t in enumerate(np.asarray(targets)):
                if i == 1:  # the same attack on the same data warns the same for each target
                    logging.disable(max(previous, logging.WARNING))
                rows.append(attack(hybrid_observations(obs, shadow, int(t)), np.array([t])))
        finally:
            logging.disable(previous)
        return stack_scores(rows)

    return run


def with_shadow_observations(
    attacks: Mapping[str, _Attack], shadow: Observations
) -> dict[str, _Attack]:
    """Attacks that see each target's own (defended) outputs but other models' from ``shadow``.

    ``shadow`` holds the released outputs (with the same augmented queries and gradient
    norms) of models trained on the same masks without the training-time defenses
    (``attack.shadow_recipe=undefended``). Each target is attacked on its own
    (`hybrid_observations`): its row comes from the defended run, every reference/shadow
    row from ``shadow``, so the attacker calibrates on models unlike the target, as a
    naive evaluation does. Scores keep the [T, N] contract; a setting an attack chose per
    target (RMIA's ``a``) is kept.
    """
    return {name: _attack_against(attack, shadow) for name, attack in attacks.items()}
