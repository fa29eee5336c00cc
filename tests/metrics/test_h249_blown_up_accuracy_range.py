"""metrics.utility.blown_up_loss took an accuracy or chance outside [0, 1] (a hand-edited
results.json, a caller's slip) as a figure and wrote its note ("accuracy -0.500 is -0.67 of
the way from chance"); no note now, as for a figure that is no number."""

import pytest

from mia_defense.metrics.utility import blown_up_loss

UTILITY = {"train_loss": 1e9, "epochs_trained": 3}


def test_accuracies_in_range_still_give_the_note():
    assert "accuracy 0.100 is 0.00 of the way from chance" in blown_up_loss(
        UTILITY, 10, accuracy=0.1, chance=0.1)
    assert blown_up_loss(UTILITY, 10, accuracy=0.0, chance=0.0) is not None


@pytest.mark.parametrize("accuracy, chance", [
    (-0.5, 0.1), (1.5, 0.1), (0.0, -0.1), (0.1, -0.5), (-3.0, -2.0), (0.1, 1.0), (0.1, 2.0),
])
def test_no_accuracy_gives_no_note(accuracy, chance):
    assert blown_up_loss(UTILITY, 10, accuracy=accuracy, chance=chance) is None
