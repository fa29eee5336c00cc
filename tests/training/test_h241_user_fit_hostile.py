"""train.fit as a careless user writes it (h241): batch orders drawn from numpy's or Python's
global generator, a model kept from one call and trained again in the next, a thread still
training a model after its call returned."""

from __future__ import annotations

import random
import sys
import textwrap

import numpy as np
import pytest
from torch import nn

from mia_defense.errors import ConfigError
from mia_defense.models.copies import weights_digest
from mia_defense.training.checkpoints import checkpoint_path
from mia_defense.training.config import TrainConfig
from mia_defense.user_fit import train_with_user_fit

FITS = '''
import random, threading
import numpy as np
import torch
from torch import nn

def _train(model, members, order):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.as_tensor(members.x), torch.as_tensor(members.y)
    for i in range(0, len(order), 8):
        idx = torch.as_tensor(np.asarray(order[i:i + 8]))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
    return model

def numpy_fit(model, members, recipe):
    return _train(model, members, np.random.permutation(len(members.y)))

def random_fit(model, members, recipe):
    order = list(range(len(members.y)))
    random.shuffle(order)
    return _train(model, members, order)

KEPT = []

def keeps_first_fit(model, members, recipe):
    """Keeps the first model it is given and trains it on every later model's members."""
    if not KEPT:
        KEPT.append(model)
    return _train(KEPT[0], members, list(range(len(members.y))))

def retrains_earlier_fit(model, members, recipe):
    """Returns its own model trained, after training the previous one a little more."""
    if KEPT:
        _train(KEPT[-1], members, [0, 1])
    KEPT.append(model)
    return _train(model, members, list(range(len(members.y))))

STARTED = []

def thread_fit(model, members, recipe):
    """Leaves a thread that scales model 0's weights once the next call has begun."""
    for go, done in STARTED:  # the previous call's thread: let it run, and wait for it
        go.set()
        done.wait(10)
    STARTED.clear()
    _train(model, members, list(range(len(members.y))))
    go, done = threading.Event(), threading.Event()

    def later():
        go.wait(10)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(1.5)
        done.set()

    if members.index == 0:
        threading.Thread(target=later, daemon=True).start()
        STARTED.append((go, done))
    return model
'''


@pytest.fixture
def fits(tmp_path, monkeypatch):
    """The module of fit functions above, importable as ``h241_fits``."""
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "h241_fits.py").write_text(textwrap.dedent(FITS))
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "h241_fits", raising=False)
    yield "h241_fits"
    sys.modules.pop("h241_fits", None)


def _train(name, *, checkpoint_dir=None, num_models=3):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 5)).astype(np.float32), rng.integers(0, 4, 80)
    masks = rng.random((num_models, 80)) < 0.5
    config = TrainConfig(epochs=1, fit={"_target_": name})
    return train_with_user_fit(
        build_model=lambda: nn.Sequential(nn.Flatten(), nn.Linear(5, 4)), x=x, y=y,
        masks=masks, x_test=x[:20], y_test=y[:20], num_classes=4, config=config, seed=0,
        checkpoint_dir=checkpoint_dir, progress=False,
    )  # fmt: skip


@pytest.mark.parametrize("fit", ["numpy_fit", "random_fit"])
def test_numpy_and_python_global_draws_are_seeded_per_model(fits, fit):
    """Each process starts numpy's and Python's global generators afresh (two launches of one
    config trained other models: other log_probs and scores); seeded now with members.seed,
    as torch's is, and put back after."""
    digests = []
    for outer in (1, 2):  # what a launch's global state happens to be
        np.random.seed(outer)  # noqa: NPY002
        random.seed(outer)
        before = (np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
        ensemble = _train(f"{fits}.{fit}")
        digests.append([weights_digest(m) for m in ensemble.models])
        assert np.array_equal(np.random.get_state()[1], before[0])  # noqa: NPY002
        assert random.getstate() == before[1]
    assert digests[0] == digests[1]
    assert len(set(digests[0])) == 3  # a seed of its own per model


def test_a_model_kept_and_returned_for_the_next_model_is_refused(fits):
    with pytest.raises(ConfigError, match=rf"train.fit._target_={fits}.keeps_first_fit returned "
                                          r"for model 1 the module it was given for model 0"):
        _train(f"{fits}.keeps_first_fit")


def test_an_earlier_model_trained_again_is_refused_and_its_checkpoints_deleted(fits, tmp_path):
    """Model 0 was saved, then trained on model 1's members: observed and attacked as model
    0, its checkpoint another model; a run again would have loaded every checkpoint."""
    with pytest.raises(ConfigError, match=r"model 0's weights changed after the call that "
                                          r"trained it returned .* models 0-2 were deleted"):
        _train(f"{fits}.retrains_earlier_fit", checkpoint_dir=tmp_path)
    assert not any(checkpoint_path(tmp_path, k).exists() for k in range(3))


def test_a_thread_still_training_a_model_after_its_call_is_refused(fits):
    with pytest.raises(ConfigError, match=r"model 0's weights changed after the call .* "
                                          r"\(join your threads\) and leave the model alone "
                                          r"after$"):
        _train(f"{fits}.thread_fit")


def test_a_resumed_run_trains_the_missing_model_as_before(fits, tmp_path):
    """numpy draws included, the model trained again equals the one deleted; the models
    loaded stay out of the check of models changed after their call."""
    first = _train(f"{fits}.numpy_fit", checkpoint_dir=tmp_path)
    checkpoint_path(tmp_path, 1).unlink()
    again = _train(f"{fits}.numpy_fit", checkpoint_dir=tmp_path)
    assert [weights_digest(m) for m in again.models] == [weights_digest(m) for m in first.models]
