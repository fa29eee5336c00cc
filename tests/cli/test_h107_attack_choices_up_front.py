"""An attack option outside its choices (a typo such as ``attack.attacks.shokri.classifier=svm``)
is refused by the config check, before the run directory is made, as the README's "The whole
config is checked before the directory is touched" says. It was refused by the attack
rehearsal, after the data was loaded, and left a run folder holding only the error's log.
The wording is the attack's own, as the rehearsal gave it."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir

CASES = [
    ("attack.attacks.shokri.classifier=svm",
     "attack.attacks.shokri: attack shokri.classifier='svm': unexpected classifier, choose from "
     "['gradient_boosting', 'logistic', 'mlp', 'random_forest']"),
    ("attack.attacks.confidence.signal=foo",
     "attack.attacks.confidence: attack signal='foo': unexpected signal, choose from "
     "['confidence', 'entropy', 'loss', 'modified_entropy']"),
    ("attack.attacks.entropy.calibration=classes",
     "attack.attacks.entropy: attack calibration='classes': unexpected calibration, choose from "
     "('global', 'class')"),
    ("attack.attacks.label_only.calibration=bogus",
     "attack.attacks.label_only: attack label_only calibration='bogus': choose from "
     "('global', 'reference')"),
    ("attack.attacks.gradient_norm.calibration=x",
     "attack.attacks.gradient_norm: attack gradient_norm calibration='x': choose from "
     "('global', 'reference')"),
]  # fmt: skip


@pytest.mark.parametrize(("override", "message"), CASES,
                         ids=["shokri", "signal", "calibration", "label_only", "gradient_norm"])
def test_an_attack_option_outside_its_choices_is_refused_by_the_config_check(
    make_cfg, override, message
):
    with pytest.raises(ConfigError) as info:
        check_config(make_cfg(override))
    assert str(info.value) == message


def test_the_valid_choices_pass(make_cfg):
    check_config(make_cfg("attack.attacks.shokri.classifier=logistic",
                          "attack.attacks.confidence.calibration=class",
                          "attack.attacks.label_only.calibration=global",
                          "attack.attacks.gradient_norm.calibration=global"))  # fmt: skip


def test_mia_train_leaves_no_run_directory_for_a_bad_classifier(tmp_path):
    stderr = refused_before_run_dir("attack.attacks.shokri.classifier=svm", cwd=tmp_path)
    assert "ConfigError: attack.attacks.shokri: attack shokri.classifier='svm'" in stderr
