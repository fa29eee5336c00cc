"""h308: mia-report runs whose privacy verdict rests on a weakened attacker get a caveat."""

import pytest

from mia_defense.report.checks import caveats


def _payload(release, queries, input_shape=(64,)):
    return {
        "defense": {"defense": "none", "release": release},
        "attacks": {"lira_online": {"access": "outputs", "tpr@0.1%fpr": 0.0045},
                    "label_only": {"access": "label", "tpr@0.1%fpr": 0.0}},
        "privacy": {},
        "input_shape": list(input_shape),
        "config": {"attack": {"queries": {"num_augmented": 8, "noise_std": 0.3, "max_shift": 1,
                                          "flip": False, **queries}}},
    }


@pytest.mark.parametrize(("release", "queries", "shape", "said"), [
    # a sweep over releases at num_augmented=0 ranked release=label_only alone on the front
    # at 0.0045 (the label-only attacker with its 8 noisy copies: 0.019), with no caveat
    ("label_only", {"num_augmented": 0}, (64,), "attack.queries.num_augmented=0"),
    ("label_only", {"noise_std": 0}, (64,), "noise_std=0: its 8 copies are the record itself"),
    ("label_only", {"noise_std": 0, "max_shift": 0}, (1, 8, 8), "noise_std=0"),
    ("full", {"num_augmented": 0}, (64,), None),
    ("label_only", {}, (64,), None),
    ("label_only", {"noise_std": 0}, (1, 8, 8), None),  # images: shifted copies
])
def test_label_release_attacked_without_perturbed_queries(release, queries, shape, said):
    notes = [n for n in caveats(_payload(release, queries, shape)) if "perturbed copies" in n]
    if said is None:
        assert notes == []
    else:
        assert len(notes) == 1 and said in notes[0] and "gap attack" in notes[0]


def _run(num_models, attacks=("loss", "lira_online", "rmia")):
    targets = {"loss": "mia_defense.attacks.loss_attack", "lira_online": "mia_defense.attacks.lira",
               "rmia": "mia_defense.attacks.rmia"}
    return {
        "defense": {"defense": "none", "release": "full"},
        "attacks": {name: {"access": "outputs", "tpr@0.1%fpr": 0.005} for name in attacks},
        "privacy": {},
        "num_models": num_models,
        "config": {"attack": {"attacks": {name: {"_target_": targets[name]} for name in attacks}}},
    }


@pytest.mark.parametrize(("payload", "said"), [
    # digits, epochs=40, the same 4 targets: RMIA's TPR@0.1%FPR 0.005 at K=4, 0.037 at K=16;
    # the K=4 and K=2 runs were ranked without a word
    (_run(4), "3 reference model(s) per target (plan.num_models=4)"),
    (_run(2), "1 reference model(s) per target"),
    (_run(8), None),
    (_run(16), None),
    (_run(4, attacks=("loss",)), None),  # no LiRA/RMIA: the note that says so
    # num_models deleted from results.json: the config's plan.num_models says it
    ({**{k: v for k, v in _run(4).items() if k != "num_models"},
      "config": {**_run(4)["config"], "plan": {"num_models": 4}}}, "plan.num_models=4"),
])
def test_few_reference_models(payload, said):
    notes = [n for n in caveats(payload) if "reference model(s) per target" in n]
    if said is None:
        assert notes == []
    else:
        assert len(notes) == 1 and said in notes[0] and "understated" in notes[0]


def test_two_models_warned_as_understating(caplog):
    # the warning said reference-based attacks overstate the leak at K < 4; they keep no
    # reference that reveals the target's membership, and at K = 2 measure almost nothing
    import numpy as np

    from mia_defense.api import observations_from_arrays
    from mia_defense.attacks import loss_attack, run_attacks

    rng = np.random.default_rng(0)
    masks = np.zeros((2, 40), dtype=bool)
    masks[0, :20] = masks[1, 20:] = True
    obs = observations_from_arrays(np.log(rng.dirichlet(np.ones(3), (2, 40))), masks,
                                   rng.integers(0, 3, 40))
    with caplog.at_level("WARNING", logger="mia_defense.attacks.runner"):
        run_attacks(obs, {"loss": loss_attack}, targets=[0, 1], fprs=[0.1])
    assert "only 2 models" in caplog.text and "understated" in caplog.text
    assert "overstate" not in caplog.text
