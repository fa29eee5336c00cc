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
