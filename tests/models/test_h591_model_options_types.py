"""Model settings of a wrong type given from Python (MLP(activation=["relu"]),
SmallCNN(hidden="64"), MLP(hidden="64")) ended in a raw TypeError
('unhashable type: list'), were refused naming the wrong width ('not '6'', a string's first
character), or advised a value refused in turn ('e.g. ['64']', 'e.g. [array([3, 4])]').
Each is a ConfigError naming the key, the value and a value that builds (h591)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import ConfigError
from mia_defense.models import MLP, SmallCNN

_FLAT = {"input_shape": (4,), "num_classes": 3}
_IMAGE = {"input_shape": (1, 8, 8), "num_classes": 3}


@pytest.mark.parametrize("activation", [["relu"], {"relu": 1}])
def test_an_activation_of_another_type_is_named(activation) -> None:
    with pytest.raises(ConfigError, match=r"^model\.activation=.*: unexpected activation, "
                                          r"choose from \['elu', 'gelu', 'relu', 'tanh'\]$"):
        MLP(**_FLAT, activation=activation)


def test_one_width_given_as_text_is_named_whole() -> None:
    with pytest.raises(ConfigError) as caught:
        SmallCNN(**_IMAGE, hidden="64")
    assert str(caught.value) == ("model.hidden='64': every width must be an integer >= 1, "
                                 "not '64'")


@pytest.mark.parametrize("hidden", ["64", np.array([3, 4]), {64}])
def test_a_list_setting_given_otherwise_is_shown_a_list_that_builds(hidden) -> None:
    with pytest.raises(ConfigError) as caught:
        MLP(**_FLAT, hidden=hidden)
    message = str(caught.value)
    assert message.endswith("must be a list of widths, e.g. [128] or [256, 128]"), message



def test_bytes_are_no_list_of_widths() -> None:
    # (MLP(hidden=b"@") built a hidden layer of 64, the byte's value; input_shape=b"\x04"
    # was numpy's raw "ufunc 'multiply' did not contain a loop")
    with pytest.raises(ConfigError, match=r"^model\.hidden=b'@': must be a list of widths"):
        MLP(**_FLAT, hidden=b"@")
    with pytest.raises(ConfigError, match=r"^MLP: input_shape=b'\\x04': must be the shape of "):
        MLP(input_shape=b"\x04", num_classes=3)
