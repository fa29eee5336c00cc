"""attack.shadow_recipe=undefended: the naive attacker makes the same queries and reads the
same signals as the adaptive one; only its shadow models differ."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import access_of, gradient_norm, label_only, lira, rmia
from mia_defense.attacks.shadow import hybrid_observations, with_shadow_observations
from mia_defense.cli.train import run
from mia_defense.observations import QUERIES_IN_OBSERVATIONS, QUERIES_OF_MIA_TRAIN, Observations
from mia_defense.tracking import read_json
from tests.attacks.synthetic import full_observations

ATTACKS = {
    "lira_online": lira,
    "lira_online_augmented": lambda obs, t: lira(obs, t, augmented=True),
    "label_only": label_only,
    "gradient_norm": gradient_norm,
    "rmia": rmia,
}


@pytest.fixture(scope="module")
def defended_and_shadow() -> tuple[Observations, Observations]:
    """Target outputs with a strong signal, shadows (same masks) with a weaker one."""
    return (
        full_observations(signal=3.0, num_models=6, num_samples=300, seed=0),
        full_observations(signal=1.0, num_models=6, num_samples=300, seed=1),
    )


def test_the_hybrid_takes_every_signal_of_the_target_from_the_defended_run(defended_and_shadow):
    obs, shadow = defended_and_shadow
    hybrid = hybrid_observations(obs, shadow, 2)
    for name in ("log_probs", "augmented_logits", "augmented_predictions", "grad_norms"):
        mine, theirs, mixed = getattr(obs, name), getattr(shadow, name), getattr(hybrid, name)
        np.testing.assert_array_equal(mixed[2], mine[2], err_msg=name)
        np.testing.assert_array_equal(np.delete(mixed, 2, 0), np.delete(theirs, 2, 0), name)
    np.testing.assert_array_equal(hybrid.masks, obs.masks)


def test_naive_attacks_keep_queries_gradients_and_chosen_settings(defended_and_shadow, caplog):
    """Before: gradient_norm was skipped ("set attack.white_box=true"), label_only warned once
    per target that there were no queries, lira_online_augmented equalled lira_online."""
    obs, shadow = defended_and_shadow
    targets = np.arange(obs.num_models)
    naive = with_shadow_observations(ATTACKS, shadow)
    assert {n: access_of(a) for n, a in naive.items()} == {n: access_of(a) for n, a in
                                                           ATTACKS.items()}
    with caplog.at_level(logging.WARNING):
        scores = {name: np.asarray(attack(obs, targets)) for name, attack in naive.items()}
    assert not caplog.records
    assert not np.allclose(scores["lira_online_augmented"], scores["lira_online"])
    for name, attack in ATTACKS.items():  # target by target, each against its hybrid
        for t in (0, 3):
            expected = np.asarray(attack(hybrid_observations(obs, shadow, t), np.array([t])))[0]
            np.testing.assert_allclose(scores[name][t], expected, err_msg=name)
    chosen = naive["rmia"](obs, targets).chosen["a"]
    assert chosen.shape == (obs.num_models,)
    assert np.isin(chosen, np.round(np.linspace(0, 1, 11), 2)).all()


def test_a_missing_signal_warns_once_not_once_per_target(defended_and_shadow, caplog):
    obs, shadow = defended_and_shadow
    plain = [o.with_log_probs(o.log_probs) for o in (obs, shadow)]  # no queries, no gradients
    naive = with_shadow_observations({"label_only": label_only}, plain[1])["label_only"]
    with caplog.at_level(logging.WARNING):
        naive(plain[0], np.arange(obs.num_models))
    assert [r.getMessage() for r in caplog.records] == [
        "label_only: no perturbed queries (attack.queries.num_augmented=0, or observations "
        "without them): falling back on the gap attack, correct label = member; give it "
        f"{QUERIES_OF_MIA_TRAIN}, or {QUERIES_IN_OBSERVATIONS}"
    ]
    assert logging.root.manager.disable == logging.NOTSET  # logging restored


def test_undefended_shadow_run_runs_every_attack_with_its_signals(make_cfg, tmp_path, caplog):
    cfg = make_cfg("defense=weight_decay", "attack.shadow_recipe=undefended",
                   "attack.bootstrap=0", "~attack.attacks.shokri",
                   "attack.queries.num_augmented=2", "attack.white_box=true")
    with caplog.at_level(logging.WARNING):
        run(cfg, tmp_path)
    payload = read_json(tmp_path / "results.json")
    attacks = payload["attacks"]
    assert {"gradient_norm", "label_only", "lira_online_augmented", "rmia"} <= set(attacks)
    assert "white_box" not in caplog.text and "num_augmented=0" not in caplog.text
    assert attacks["lira_online_augmented"]["auc"] != attacks["lira_online"]["auc"]
    assert payload["strongest_white_box_attack"] == "gradient_norm"
    assert 0.0 <= attacks["rmia"]["a_min"] <= attacks["rmia"]["a"] <= attacks["rmia"]["a_max"]
    assert (tmp_path / "checkpoints_undefended").is_dir()
