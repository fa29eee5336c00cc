"""The Python API's errors name the argument the caller passed (``num_models=``, ``y``,
``kind=``), not mia-train's command-line keys (``plan.num_models=``) nor the internal
field names (``output_kind``, ``labels``) the CLI's messages use."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError, DataError

X, Y = np.random.default_rng(0).normal(size=(90, 4)), np.arange(90) % 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_models": 3}, r"make_plan: num_models=3: must be an even number >= 2"),
        ({"num_models": 0}, r"make_plan: num_models=0: must be an integer in \[2, "),
        ({"population_size": 1}, r"make_plan: population_size=1, test_size=None: too few"),
        ({"test_size": 0}, r"make_plan: population_size=None, test_size=0: too few"),
        ({"population_size": 60, "test_size": 60},
         r"make_plan: population_size=60, test_size=60: .* <= the 90 rows of x"),
    ],
)
def test_make_plan_errors_name_its_arguments_not_the_cli_keys(kwargs, message):
    with pytest.raises(ConfigError, match=message) as caught:
        api.make_plan(X, Y, **kwargs)
    assert "plan." not in str(caught.value)


def test_make_plan_names_y_of_the_wrong_length_or_with_negative_labels():
    with pytest.raises(DataError, match=r"make_plan: y has shape \(10,\), expected \[90\]"):
        api.make_plan(X, Y[:10])
    with pytest.raises(DataError, match="make_plan: y holds label -1; give class indices"):
        api.make_plan(X, Y - 1)


def _outputs():
    rng = np.random.default_rng(1)
    masks = np.zeros((4, 30), dtype=bool)
    for n in range(30):
        masks[rng.permutation(4)[:2], n] = True
    return rng.dirichlet(np.ones(3), size=(4, 30)), masks, rng.integers(0, 3, 30)


@pytest.mark.parametrize("kind", ["prob", None, 3])
def test_observations_from_arrays_names_a_bad_kind_as_the_argument_kind(kind):
    probs, masks, labels = _outputs()
    with pytest.raises(DataError, match=rf"observations_from_arrays: kind={kind!r}: must be "
                       "one of log_probabilities, probabilities, logits"):
        api.observations_from_arrays(probs, masks, labels, kind=kind)


def test_observations_from_arrays_takes_torch_tensors_that_require_grad():
    """A model's outputs straight from a forward pass (requires_grad) were a raw numpy
    RuntimeError ("Can't call numpy() on Tensor that requires grad")."""
    import torch

    probs, masks, labels = _outputs()
    outputs = torch.tensor(probs, requires_grad=True)
    obs = api.observations_from_arrays(outputs, torch.tensor(masks), torch.tensor(labels),
                                       kind="probabilities", test_outputs=outputs * 1,
                                       test_labels=torch.tensor(labels))  # fmt: skip
    np.testing.assert_allclose(obs.log_probs, np.log(probs), rtol=1e-6)
    assert obs.test_log_probs.shape == (4, 30, 3)
