"""mia-report marks a label-only release that no label attack attacked: read with care."""

from mia_defense.report.checks import caveats


def _payload(release, attacks, **settings):
    return {
        "defense": {"defense": "none", "release": release, **settings},
        "attacks": {name: {"access": access, "tpr@0.1%fpr": 0.0} for name, access in attacks},
        "privacy": {},
    }


SCORES = [("loss", "outputs"), ("lira_online", "outputs"), ("gradient_norm", "weights")]


def test_a_one_hot_release_without_a_label_attack_has_a_caveat():
    for payload in (
        _payload("label_only", SCORES),
        _payload("topk", SCORES, **{"release.k": 1, "release.renormalize": True}),
        _payload("rounding", SCORES, **{"release.decimals": 0}),
    ):
        notes = caveats(payload)
        assert any("lets out the predicted label only" in n for n in notes), payload


def test_a_label_attack_or_a_release_of_scores_has_none():
    for payload in (
        _payload("label_only", [*SCORES, ("label_only", "label")]),
        _payload("full", SCORES),
        _payload("topk", SCORES, **{"release.k": 1, "release.renormalize": False}),
        _payload("rounding", SCORES, **{"release.decimals": 2}),
    ):
        assert not any("predicted label only" in n for n in caveats(payload)), payload
