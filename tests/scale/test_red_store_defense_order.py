"""Stacked defenses of equal ``order`` (every built-in but DP, weight decay's wrapper and
distillation, and any user defense by default) run their hooks in the order the config
lists them (`DefenseFactory` sorts stably), so 'defense=[a,b]' and 'defense=[b,a]' may
train other weights; the store key hashed the defense settings with sorted keys, so the
second order reused the models of the first."""

from __future__ import annotations

from mia_defense.store import store_key

BASE = {"dataset": {"_target_": "digits"}, "plan": {"num_models": 2}, "train": {"epochs": 1},
        "seed": 0}
A = {"_target_": "user_defs.A", "strength": 1}
B = {"_target_": "user_defs.B", "strength": 2}


def _key(defense, *, defended=True) -> str:
    return store_key({**BASE, "defense": defense}, data="d0", stage="model",
                     defended=defended)[0]


def test_the_order_of_the_defenses_is_keyed():
    assert _key({"a": A, "b": B}) != _key({"b": B, "a": A})
    assert _key({"a": A, "b": B}) == _key({"a": dict(A), "b": dict(B)})
    # undefended shadows carry no defense: the same key whatever the order
    assert _key({"a": A, "b": B}, defended=False) == _key({"b": B, "a": A}, defended=False)
