"""A hostile user's command line and data files (h371): inputs that trained a run to no
purpose, or were refused in words that did not name the fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api, observe
from mia_defense.attacks.shokri import shokri
from mia_defense.config import check_config
from mia_defense.data.tabular import load_purchase100
from mia_defense.errors import ConfigError, DataError
from mia_defense.training.config import TrainConfig


@pytest.mark.parametrize(
    ("options", "message"),
    [("{_target_: torch.optim.Adam, maximize: 'false', foreach: false}",
      r"train.optimizer.maximize='false': must be true or false \(Adam takes maximize: bool\);"
      r" it is the string 'false'"),
     ("{_target_: torch.optim.SGD, maximize: 1, foreach: true}",
      r"train.optimizer.maximize=1: must be true or false \(SGD takes maximize: bool\)$"),
     ("{_target_: torch.optim.Adam, amsgrad: abc}",
      r"train.optimizer.amsgrad='abc': must be true or false \(Adam takes amsgrad: bool\)$"),
     ("{_target_: torch.optim.Adam, foreach: 'no'}",
      r"train.optimizer.foreach='no': must be true or false or null"),
     ("{_target_: torch.optim.Adam, betas: {a: 1}}",
      r"train.optimizer.betas: a mapping, which no setting of Adam takes")],
    ids=["quoted-false", "one", "text-fused", "implementation", "mapping"],
)
def test_an_optimizer_switch_that_is_not_true_or_false_is_refused(make_cfg, options, message):
    """torch reads maximize only for its truth: 'false' (quoted) or 1 trained every model to
    ascend its loss, a whole run for 'no privacy verdict' blamed on train.lr; a fused kernel
    given a string answered with a page of its overloads; betas given as a mapping was
    torch's KeyError: 0, a traceback."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"train.optimizer={options}"))


def test_switches_given_as_true_false_or_null_still_build():
    TrainConfig(optimizer={"_target_": "torch.optim.Adam", "amsgrad": True, "maximize": False,
                           "foreach": None})
    TrainConfig(optimizer={"_target_": "torch.optim.SGD", "nesterov": True, "momentum": 0.9})


def _purchase(path, labels):
    rng = np.random.default_rng(0)
    rows = [f"{label}," + ",".join(map(str, rng.integers(0, 2, 600))) for label in labels]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_purchase_labels_of_both_bases_name_the_stray_zero(tmp_path):
    """Purchase100's labels 1..100 with one stray 0 were refused as 'found 100 at sample 351
    (18 labels out of range)': the 100s, which are right, were named, the 0 not."""
    labels = [1 + i % 100 for i in range(300)]
    labels[7] = 0
    file = _purchase(tmp_path / "dataset_purchase", labels)
    with pytest.raises(DataError) as refused:
        load_purchase100(path=str(file))
    assert str(refused.value).endswith(
        "the labels run from 0 to 100, 101 values for 100 classes, neither 0..99 nor 1..100: "
        "1 label(s) 0, first at sample 7, beside 3 label(s) 100; fix or drop the samples of "
        "the stray value; sample 7 is line 8"), str(refused.value)  # (its line: h577)
    assert "0 to 100" not in _refusal(tmp_path, [1 + i % 100 for i in range(299)] + [101])


def _refusal(tmp_path, labels):
    with pytest.raises(DataError) as refused:
        load_purchase100(path=str(_purchase(tmp_path / "other", labels)))
    return str(refused.value)


def test_shokri_without_rows_of_both_kinds_asks_for_records_not_max_train_samples():
    """mia-train plan.population_size=4 plan.num_models=2 train.batch_size=1 trained, then
    stopped with 'its 1 training rows are all non-members, so it cannot learn; raise
    attack.attacks.shokri.max_train_samples or plan.num_models': every row the shadows gave
    was there (20000 allowed), so a larger max_train_samples could add none."""
    masks = np.array([[True, True, False], [False, False, True]])
    obs = api.observations_from_arrays(np.zeros((2, 3, 3)), masks, np.array([0, 1, 2]),
                                       kind="logits")
    with pytest.raises(ConfigError) as refused:
        shokri(obs, np.array([0]))
    assert str(refused.value) == (
        "attack shokri: its 1 training rows are all non-members, so it cannot learn; raise "
        "plan.population_size (too few records) or plan.num_models, or leave it out with "
        "'~attack.attacks.shokri'")


class _Scaled(nn.Module):
    """A linear model behind a parameter no ghost rule knows: its norms come from vmap."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(64))
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x * self.scale)


@pytest.mark.parametrize("model", [nn.Linear(64, 10), _Scaled()], ids=["ghost", "vmap"])
def test_gradient_norms_whose_squares_overflow_float32_are_finite(model):
    """Features of 9.1e18 (under the 1.8e19 the data check refuses) trained, then ended the
    run at Observations.save: 'grad_norms: must be finite and >= 0' (mia-train dataset=npz
    of int64 features up to 9e18): the per-sample norms, about 7e19, were summed as squares
    in float32, which overflow at 3.4e38."""
    linear = model if isinstance(model, nn.Linear) else model.fc
    with torch.no_grad():  # zero logits: every sample's gradient is known
        linear.weight.zero_()
        linear.bias.zero_()
    x = np.full((4, 64), 9e18, dtype=np.float32)
    y = np.arange(4) % 10
    norms = observe.gradient_norms([model], x, y)
    delta = np.sqrt((1 - 0.1) ** 2 + 9 * 0.1**2)  # softmax of zero logits minus the one-hot
    expected = delta * np.sqrt(64 * np.float64(x[0, 0]) ** 2 + 1)  # weight and bias rows
    assert norms is not None and np.isfinite(norms).all()
    np.testing.assert_allclose(norms[0], expected, rtol=1e-5)


def test_purchase_numbers_in_quotes_are_not_called_a_header(tmp_path):
    """A purchase100 file exported with every value quoted ("97","0",...) was refused as
    'line 1 looks like a header of column names: this file has none, remove it', and with
    line 1 removed, line 2 was refused the same."""
    rows = [",".join(f'"{v}"' for v in [1 + i % 100, *([0, 1] * 300)]) for i in range(200)]
    (tmp_path / "quoted").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as refused:
        load_purchase100(path=str(tmp_path / "quoted"))
    assert str(refused.value).endswith(
        'the values of line 1 are numbers in quotes ("1"): write them without quotes')
    names = ",".join(f'"f{j}"' for j in range(601))  # a quoted header stays a header
    (tmp_path / "named").write_text(names + "\n" + "\n".join(r.replace('"', "") for r in rows))
    with pytest.raises(DataError, match="line 1 looks like a header of column names"):
        load_purchase100(path=str(tmp_path / "named"))
