"""metrics.utility's helpers (in the module's __all__) took only Python's int and float:
numpy's numbers, which a caller holding arrays passes (np.int64 counts, np.float32
accuracies), read as absent figures, and the note or warning they back said nothing,
silently. Booleans stay no numbers."""

import numpy as np

from mia_defense.metrics.utility import (
    blown_up_loss,
    dp_vouched,
    release_took_accuracy,
    some_models_at_chance,
)


def test_numpy_counts_are_counts():
    assert some_models_at_chance(np.int64(2), np.int32(4))
    assert some_models_at_chance(2, 4) and not some_models_at_chance(4, 4)
    assert not some_models_at_chance(np.bool_(True), 4) and not some_models_at_chance(True, 4)


def test_numpy_accuracies_are_accuracies():
    utility = {"test_accuracy_before_release": np.float32(0.9), "test_accuracy": np.float64(0.5)}
    assert "averages 0.900, 0.500 released" in release_took_accuracy(utility)


def test_numpy_epsilon_is_vouched_for():
    assert dp_vouched({"epsilon": np.float32(1.0)})
    assert not dp_vouched({"epsilon": np.float32(11.0)})


def test_blown_up_loss_with_numpy_classes_and_figures():
    # loss 1e9 over log(10) = 2.30: 4.34e8 times it; accuracy 0.1 at chance 0.1: learned 0
    utility = {"train_loss": np.float32(1e9), "epochs_trained": np.int64(3)}
    why = blown_up_loss(utility, np.int64(10), accuracy=np.float64(0.1), chance=0.1)
    assert why is not None and "4.34e+08 times the 2.3" in why
    assert blown_up_loss(utility, np.bool_(True), accuracy=0.1, chance=0.1) is None
