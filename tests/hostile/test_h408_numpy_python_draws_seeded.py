"""A custom model drawing from numpy's or Python's global generator gave other models, and
other figures, in every launch of one config (mia-train model=custom
model._target_=hmods.NpInit, a fixed projection drawn with ``np.random.randn`` in
``__init__``: 799 values of results.json, scores.npz and observations.npz differed between two
runs; a scale drawn with ``random.random()`` in ``__init__``, or ``random.random()`` in
forward, trained one at a time, the same): only torch's generators were seeded where a model
is built and trained (`global_torch_seeded`). A resume rebuilt the models with other draws
too, so a model's ``self.scale`` attribute (no checkpoint keeps it) was not the one it trained
with. Python's and numpy's global generators are now seeded there too, and put back after
(h408)."""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn

from mia_defense import api
from mia_defense.defenses.release import Release
from mia_defense.training import TrainConfig, train_ensemble


class NumpyProjection(nn.Module):
    """A fixed random projection drawn with numpy when built."""

    def __init__(self) -> None:
        super().__init__()
        proj = np.random.randn(8, 8).astype(np.float32)  # noqa: NPY002
        self.register_buffer("proj", torch.as_tensor(proj))
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x @ self.proj)


class PythonScale(nn.Module):
    """A scale drawn with Python's random when built (an attribute: no checkpoint keeps it)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = 1.0 + random.random()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x * self.scale)


class PythonDepth(nn.Module):
    """Stochastic depth by Python's random in forward (trained one at a time)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc(x))
        if not self.training or random.random() < 0.5:
            h = h + torch.relu(self.fc(h))
        return self.out(h)


def _train(build, checkpoint_dir=None):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    masks = rng.random((4, 120)) < 0.5
    return train_ensemble(
        build_model=build, x=x, y=y, masks=masks, x_test=x[:30], y_test=y[:30], num_classes=3,
        config=TrainConfig(epochs=3, lr=0.05, chunk_size=2), seed=0, progress=False,
        checkpoint_dir=checkpoint_dir,
    )


def _outputs(ensemble) -> list[torch.Tensor]:
    x = torch.as_tensor(np.random.default_rng(1).normal(size=(16, 8)), dtype=torch.float32)
    with torch.no_grad():
        return [m.eval()(x) for m in ensemble.models]


def _launch(build, state: int, checkpoint_dir=None) -> list[torch.Tensor]:
    """A run in a process whose numpy and Python generators stand at ``state``."""
    random.seed(state)
    np.random.seed(state)  # noqa: NPY002
    return _outputs(_train(build, checkpoint_dir))


def test_models_drawing_from_numpy_or_python_are_the_same_in_every_launch() -> None:
    for build in (NumpyProjection, PythonScale, PythonDepth):
        first, again = _launch(build, 1), _launch(build, 2)
        for a, b in zip(first, again, strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0, msg=build.__name__)


def test_a_resumed_run_of_such_models_equals_an_uninterrupted_one(tmp_path) -> None:
    whole = _launch(PythonScale, 1, tmp_path)
    (tmp_path / "model_0003.pt").unlink()  # killed before its chunk was saved
    resumed = _launch(PythonScale, 2, tmp_path)
    for a, b in zip(whole, resumed, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_callers_generators_are_put_back() -> None:
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    _train(NumpyProjection)
    after = random.random(), np.random.random()  # noqa: NPY002
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    assert after == (random.random(), np.random.random())  # noqa: NPY002


class NumpyNoiseRelease(Release):
    """A randomized release of the user's drawing its noise with numpy."""

    name = "numpy_noise"
    randomized = True

    def __call__(self, logits: torch.Tensor, generator: torch.Generator | None = None
                 ) -> torch.Tensor:
        noise = torch.as_tensor(np.random.randn(*logits.shape), dtype=torch.float32)  # noqa: NPY002
        return torch.log_softmax(logits.float() + 0.5 * noise, dim=-1)


def test_a_release_drawing_from_numpy_answers_alike_in_every_launch() -> None:
    """(the same config's observations.npz differed in 676 values between two launches)"""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 8)).astype(np.float32)
    y = np.arange(60) % 3
    plan = api.make_plan(x, y, num_models=2, population_size=40)
    torch.manual_seed(0)
    models = [nn.Linear(8, 3) for _ in range(2)]

    def launch(state: int) -> np.ndarray:
        np.random.seed(state)  # noqa: NPY002
        return api.observe_models(models, x, y, plan, release=NumpyNoiseRelease(), seed=0,
                                  repeats=2).log_probs

    assert np.array_equal(launch(1), launch(2))
