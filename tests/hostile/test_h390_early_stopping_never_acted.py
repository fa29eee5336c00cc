"""Early stopping that neither stopped a model nor restored an earlier epoch did nothing,
unsaid: mia-train defense=early_stopping plan.reference_size=300 plan.num_models=4
train.epochs=8 (each model's validation loss improved up to the last epoch) trained the
undefended run's models (train loss 0.1751473844051361, test accuracy 0.9371, bit for bit)
with no word, while results.json and mia-report named the run by early_stopping. Now the run
says so after training, naming how many models it left as they were (the reason
`EarlyStopping.idle_reason` reads from the models' stats: the pipeline says it once a run and
records it, tests/hostile/test_h394_idle_defenses_recorded.py)."""

from __future__ import annotations

import torch

from mia_defense.defenses import EarlyStopping
from tests.defenses.test_regularization import _train

SAID = "so they trained as without the defense"


def _said(defense: EarlyStopping, **train):
    model, history = _train([defense], **train)
    reason = defense.idle_reason([history.stats], epochs=train["epochs"])
    return model, history, [m for m in [reason] if m is not None and SAID in m]


def test_a_model_it_left_as_it_was_is_said():
    # a small learning rate: the validation loss falls at every one of the 3 epochs
    model, history, said = _said(EarlyStopping(patience=0), epochs=3, lr=1e-4)
    assert len(history.epochs) == 3  # (not stopped)
    assert len(said) == 1
    assert said[0].startswith("defense.early_stopping: 1 of the 1 model(s) neither stopped "
                              "before the last of their train.epochs=3 nor had an earlier")
    plain, _ = _train([], epochs=3, lr=1e-4)  # what it says: the undefended model
    torch.testing.assert_close(model.state_dict(), plain.state_dict(), rtol=0, atol=0)


def test_without_restore_best_a_model_that_never_stopped_is_said():
    _, _, said = _said(EarlyStopping(patience=0, restore_best=False), epochs=3, lr=1e-4)
    assert len(said) == 1 and "restore_best=false restores no earlier weights" in said[0]


def test_a_model_it_stopped_or_restored_is_not_said():
    # 40 epochs at lr 0.01 on noisy labels: the validation loss turns up, the model stops
    _, history, said = _said(EarlyStopping(patience=2), epochs=40)
    assert len(history.epochs) < 40 and not said
    # patience beyond the epochs: no stop, but an earlier epoch's weights are restored
    _, history, said = _said(EarlyStopping(patience=100), epochs=40)
    assert len(history.epochs) == 40 and not said
