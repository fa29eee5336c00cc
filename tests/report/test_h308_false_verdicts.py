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
