"""Membership-inference attacks: pure functions ``(observations, targets) -> scores [T, N]``."""

from mia_defense.attacks.base import Scores, access_of, requires_access
from mia_defense.attacks.gradient import gradient_norm
from mia_defense.attacks.label_only import label_only
from mia_defense.attacks.lira import lira
from mia_defense.attacks.rmia import rmia
from mia_defense.attacks.runner import AttackResult, EvaluationConfig, run_attacks
from mia_defense.attacks.shokri import shokri
from mia_defense.attacks.threshold import loss_attack, threshold_attack

__all__ = [
    "AttackResult",
    "EvaluationConfig",
    "Scores",
    "access_of",
    "gradient_norm",
    "label_only",
    "lira",
    "loss_attack",
    "requires_access",
    "rmia",
    "run_attacks",
    "shokri",
    "threshold_attack",
]
