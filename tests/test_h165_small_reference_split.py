"""A defense that trains or validates on the reference split (advreg's non-members,
early_stopping's validation set, distillation's students) given one of 1 or 2 records
(``plan.reference_size=1``) trained and was recorded as that defense without a word. It is
now warned about before training, naming plan.reference_size and the defense (h165)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

from mia_defense.pipeline.data import warn_small_reference_split
from tests.helpers import FAST, mia_train

ADVREG = SimpleNamespace(name="advreg", needs_reference=True)
DROPOUT = SimpleNamespace(name="dropout", needs_reference=False)


@pytest.mark.parametrize(
    ("labels", "says"),
    [(np.array([3]), "holds 1 record, and 9 of the 10 classes are not in it:"),
     (np.array([0, 1]), "holds 2 records, and 8 of the 10 classes are not in it:"),
     (np.arange(10)[:9].repeat(3), "holds 27 records, and 1 of the 10 classes is not in it:"),
     (np.arange(5), "holds 5 records:")],
)  # fmt: skip
def test_a_small_reference_split_is_warned_about(caplog, labels, says):
    num_classes = 10 if len(labels) != 5 else 5
    with caplog.at_level(logging.WARNING):
        warn_small_reference_split([DROPOUT, ADVREG], labels, num_classes=num_classes)
    assert f"plan.reference_size={len(labels)}: the reference split holds " in caplog.text
    assert "too little for defense.advreg: its inference model plays against those " \
        "non-members alone, so the defense barely acts;" in caplog.text  # fmt: skip
    assert says in caplog.text
    assert "raise plan.reference_size" in caplog.text


def test_no_word_where_it_is_large_enough_or_unused(caplog):
    with caplog.at_level(logging.WARNING):
        warn_small_reference_split([ADVREG], np.arange(10).repeat(2), num_classes=10)
        warn_small_reference_split([DROPOUT], np.array([1]), num_classes=10)
        warn_small_reference_split([], np.array([1]), num_classes=10)
    assert caplog.text == ""


def test_mia_train_warns_before_training(tmp_path):
    done = mia_train("defense=advreg", "plan.reference_size=1", "plan.num_models=2",
                     "plan.population_size=200", "progress=false", *FAST, "hydra.run.dir=run",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    warned = done.stderr.index("plan.reference_size=1: the reference split holds 1 record, "
                               "and ")  # fmt: skip
    assert warned < done.stderr.index("attack loss")
