"""mia-train dataset=texas_like dataset.num_samples=10000 dataset.num_classes=5000 spent
189 s of 214 s inside Shokri's attack without a log line until it ended: each attack
classifier fits 20000 rows of 2C + 1 = 10001 features. A fit of `LOUD_WORK` or more
(`fit_work`) is now said before it starts, with the setting that shrinks it (helper h450). The
classifier here is a quick stand-in: the line's presence is tested, not the time."""

from __future__ import annotations

import importlib
import logging
import re

import numpy as np
import pytest

from mia_defense.attacks.shokri import shokri
from tests.helpers import synthetic_observations

WHERE = "mia_defense.attacks.shokri"
shokri_module = importlib.import_module(WHERE)  # (the package's `shokri` is the function)


def _prior(seed: int):
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="prior")


@pytest.fixture
def quick_classifier(monkeypatch):
    monkeypatch.setitem(shokri_module.CLASSIFIERS, "gradient_boosting", _prior)


def _said(caplog, **sizes) -> list[str]:
    obs = synthetic_observations(num_models=4, **sizes)
    with caplog.at_level(logging.INFO, logger=WHERE):
        scores = shokri(obs, np.arange(4))
    assert scores.shape == (4, sizes["num_samples"])
    return [r.getMessage() for r in caplog.records if r.name == WHERE]


def test_a_fit_of_many_classes_is_said_before_it_starts(quick_classifier, caplog):
    # 4 models in 2 folds: 2 shadows of 8000 records, their balanced rows (about 10500) of
    # 2 x 600 + 1 features each, over LOUD_WORK
    said = _said(caplog, num_samples=8000, num_classes=600)
    assert len(said) == 2, said  # one line per fold, before its fit
    for fold, line in enumerate(said, 1):
        assert re.fullmatch(
            f"attack shokri: fitting its gradient_boosting attack classifier for fold {fold} "
            r"of 2 on \d+ rows of 1201 features \(2 x 600 classes \+ 1\), which can take "
            r"minutes \(the more classes, the longer\); for fewer rows lower "
            r"attack\.attacks\.shokri\.max_train_samples "
            r"\(now 20000\), or leave it out with '~attack\.attacks\.shokri'", line), line
        rows = int(line.split(" rows of ")[0].rsplit(" ", 1)[1])
        assert shokri_module.fit_work(rows, 600) >= shokri_module.LOUD_WORK


def test_a_small_fit_says_nothing(quick_classifier, caplog):
    # the default run's size (digits: 10 classes, 21 features): no line
    assert _said(caplog, num_samples=1000, num_classes=10) == []
