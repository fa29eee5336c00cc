"""early_stopping settings under which no model can ever improve are refused."""

from __future__ import annotations

import pytest

from mia_defense.defenses import EarlyStopping
from mia_defense.errors import ConfigError


def test_an_accuracy_min_delta_of_one_or_more_is_refused() -> None:
    # every model stopped after patience + 1 epochs and was restored to its first epoch
    with pytest.raises(ConfigError, match=r"defense\.early_stopping\.min_delta=1\.0: must be "
                                          r"below 1 with monitor=accuracy"):
        EarlyStopping(monitor="accuracy", min_delta=1.0)


def test_a_loss_min_delta_above_one_is_allowed() -> None:
    assert EarlyStopping(monitor="loss", min_delta=2.0).min_delta == 2.0
    assert EarlyStopping(monitor="accuracy", min_delta=0.05).min_delta == 0.05
