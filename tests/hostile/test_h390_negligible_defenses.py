"""A label smoothing or dropout below float32's precision did nothing, unsaid: mia-train
defense=label_smoothing defense.label_smoothing.smoothing=1e-9 (or 1e-12, 1e-30, and
defense=dropout defense.dropout.p=1e-9) plan.num_models=4 train.epochs=10 trained the
undefended run's models (its train loss and test accuracy bit for bit) without a word, and
results.json and mia-report named the run by the defense, while the same setting at 0 is
said (test_h152_inactive_defenses)."""

from __future__ import annotations

import logging

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.defenses import Dropout, LabelSmoothing
from mia_defense.defenses.accounting import FLOAT32_ROUNDOFF
from mia_defense.defenses.compose import warn_inactive_defenses
from mia_defense.pipeline.data import prepare_data

SAID = "defense does next to nothing"


def _said(caplog, defenses) -> list[str]:
    with caplog.at_level(logging.WARNING):
        warn_inactive_defenses(defenses)
    return [m for m in caplog.messages if SAID in m]


@pytest.mark.parametrize("value", [1e-9, 1e-12, 1e-30, 5e-324, FLOAT32_ROUNDOFF / 2])
@pytest.mark.parametrize(("make", "key"), [
    (lambda v: LabelSmoothing(smoothing=v), "label_smoothing.smoothing"),
    (lambda v: Dropout(p=v), "dropout.p"),
])
def test_a_setting_float32_cannot_show_is_said(caplog, value, make, key):
    said = _said(caplog, [make(value)])
    assert len(said) == 1
    assert said[0].startswith(f"defense.{key}={value:g}: below float32's precision")
    assert f"choose defense.{key} in (0, 1)" in said[0]


@pytest.mark.parametrize("defense", [
    LabelSmoothing(smoothing=FLOAT32_ROUNDOFF), LabelSmoothing(smoothing=1e-3),
    LabelSmoothing(), Dropout(p=FLOAT32_ROUNDOFF), Dropout(p=1e-4), Dropout(),
    LabelSmoothing(smoothing=0.0),  # said as doing nothing at all, not twice
])
def test_a_setting_that_acts_is_not_said(caplog, defense):
    assert not _said(caplog, [defense])


def test_a_run_says_it_before_training(make_cfg, caplog):
    cfg = make_cfg("defense=[label_smoothing,dropout]", "defense.dropout.p=1e-12",
                   "plan.num_models=4")
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        prepare_data(build_experiment(cfg))
    said = [m for m in caplog.messages if SAID in m]
    assert len(said) == 1 and said[0].startswith("defense.dropout.p=1e-12: below float32's")
