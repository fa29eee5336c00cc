"""release=label_only attacked only by attacks that read scores is said before training."""

import logging

from mia_defense.attacks import label_only, loss_attack
from mia_defense.defenses.release import FullRelease, LabelOnlyRelease
from mia_defense.pipeline.data import warn_label_release_without_label_attack


def test_label_only_release_without_a_label_attack_is_warned(caplog):
    with caplog.at_level(logging.WARNING):
        warn_label_release_without_label_attack(LabelOnlyRelease(), {"loss": loss_attack})
    assert "release=label_only lets out the predicted label only" in caplog.text
    assert "keep attack.attacks.label_only" in caplog.text


def test_a_label_attack_or_another_release_is_not_warned(caplog):
    with caplog.at_level(logging.WARNING):
        warn_label_release_without_label_attack(
            LabelOnlyRelease(), {"loss": loss_attack, "label_only": label_only}
        )
        warn_label_release_without_label_attack(FullRelease(), {"loss": loss_attack})
    assert "release=label_only" not in caplog.text


def test_a_one_hot_release_by_another_name_is_warned(caplog):
    # top-1 renormalised and rounding to 0 decimals answer one-hot: labels only
    from mia_defense.defenses.release import RoundingRelease, TopKRelease

    with caplog.at_level(logging.WARNING):
        warn_label_release_without_label_attack(
            TopKRelease(k=1, renormalize=True), {"loss": loss_attack}
        )
    assert "release=topk lets out the predicted label only" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        warn_label_release_without_label_attack(RoundingRelease(decimals=0), {"loss": loss_attack})
    assert "release=rounding lets out the predicted label only" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # top-1 with its probability: a score is out
        warn_label_release_without_label_attack(TopKRelease(k=1), {"loss": loss_attack})
        warn_label_release_without_label_attack(RoundingRelease(decimals=2), {"loss": loss_attack})
    assert "lets out the predicted label only" not in caplog.text
