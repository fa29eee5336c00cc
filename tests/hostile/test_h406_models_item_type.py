"""h406: api.observe_models given items that are not modules named them 'models[0] is a int'
(of [1, 2, 3, 4]), 'a NoneType', 'a object', and said only 'give the K trained modules'; a
state_dict given for its model was 'a dict'. The type is named as English says it ('an int',
None) with what to give: the K trained modules in the order of plan.masks' rows, and a
state_dict is to be loaded into its module."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError


def _setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=2, population_size=40)
    return x, y, plan


@pytest.mark.parametrize(("item", "said"), [
    (2, "an int"), (None, "None"), (object(), "an object"), ("m", "a str"),
])  # fmt: skip
def test_a_non_module_item_is_named_with_what_to_give(item, said):
    x, y, plan = _setup()
    with pytest.raises(ConfigError) as info:
        api.observe_models([nn.Linear(4, 2), item], x, y, plan)
    assert str(info.value) == (
        f"observe_models: models[1] is {said}, not a torch.nn.Module; give a list of the K "
        "trained modules, models[k] the one trained on plan.masks[k]")


def test_a_state_dict_is_to_be_loaded_into_its_module():
    x, y, plan = _setup()
    model = nn.Linear(4, 2)
    with pytest.raises(ConfigError, match=r"models\[0\] is an OrderedDict, not a torch\.nn\."
                       r"Module; load it into its module \(model\.load_state_dict"):
        api.observe_models([model.state_dict(), nn.Linear(4, 2)], x, y, plan)
