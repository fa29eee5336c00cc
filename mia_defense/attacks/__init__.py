"""Membership-inference attacks: pure functions ``(observations, targets) -> scores [T, N]``."""

from mia_defense.attacks.lira import lira
from mia_defense.attacks.runner import AttackResult, run_attacks
from mia_defense.attacks.shokri import shokri
from mia_defense.attacks.threshold import loss_attack

__all__ = ["AttackResult", "lira", "loss_attack", "run_attacks", "shokri"]
