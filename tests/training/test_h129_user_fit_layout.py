"""``train.fit`` returning the model it was given with its layers changed or on another
device: refused by name when it returns, not trained and saved to fail a resumed run (or
raise a raw device error)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.errors import ConfigError
from mia_defense.training.config import TrainConfig
from mia_defense.user_fit import Members, train_with_user_fit

FIT = "tests.training.test_h129_user_fit_layout"


def _train(model: nn.Module, members: Members) -> nn.Module:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.as_tensor(members.x), torch.as_tensor(members.y)
    for _ in range(3):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model


def new_head_fit(model, members, recipe):
    """Replaces the model's head with one of more classes (a user's own head)."""
    model[-1] = nn.Linear(5, members.num_classes + 2)
    return _train(model, members)


def extra_layer_fit(model, members, recipe):
    """Adds a submodule its forward never uses (a user's auxiliary head)."""
    model[-1].aux = nn.Linear(2, 2)
    return _train(model, members)


def meta_fit(model, members, recipe):
    """Trains the model, then moves it off the device it was built on."""
    return _train(model, members).to("meta")


def _train_models(name: str, checkpoint_dir):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 5)).astype(np.float32), rng.integers(0, 10, 60)
    masks = np.zeros((2, 60), bool)
    masks[0, ::2] = True
    masks[1] = ~masks[0]
    return train_with_user_fit(
        build_model=lambda: nn.Sequential(nn.Flatten(), nn.Linear(5, 10)), x=x, y=y,
        masks=masks, x_test=x[:20], y_test=y[:20], num_classes=10,
        config=TrainConfig(epochs=1, fit={"_target_": f"{FIT}.{name}"}), seed=0,
        checkpoint_dir=checkpoint_dir, progress=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "said"),
    [
        # trained, saved and queried with 12 classes; a resumed run then said 'checkpoint
        # ... does not fit this model ...; delete it to retrain that model', which trained
        # and saved the same again
        ("new_head_fit", r"with its layers changed: 1\.weight has shape \[12, 5\], as built "
                         r"\[10, 5\]; 1\.bias has shape \[12\], as built \[10\]: .*; train the "
                         r"model it was given in place \(change model= for another "
                         r"architecture\)$"),
        ("extra_layer_fit", r"with its layers changed: unexpected 1\.aux\.weight, "
                            r"1\.aux\.bias: "),
        # a raw 'Tensor on device meta is not on the expected device cpu!' from the
        # evaluation after fit
        ("meta_fit", r"with 1\.weight on device meta, not cpu as built \(train\.device\): .*; "
                     r"return it on cpu \(model\.to\(members\.device\)\)$"),
    ],
)
def test_fit_returning_the_model_changed_is_refused_by_name(tmp_path, name, said):
    with pytest.raises(ConfigError, match=rf"train\.fit\._target_={FIT}\.{name} returned "
                                          rf"model 0 {said}"):
        _train_models(name, tmp_path)
    assert not list(tmp_path.glob("model_*.pt"))  # nothing saved for a resumed run to trip on
