"""What the user is told about their own model where it cannot stack, train under DP-SGD or
give white-box gradients: the reason that holds, and what works."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.observe import gradient_norms
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from tests.training.test_h342_hostile_models import _Checkpointed


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_dp_on_a_checkpointed_model_says_neither_engine_and_what_works(engine) -> None:
    # the stacked engine said 'train.engine=opacus', Opacus 'set train.engine=stacked'
    x, y = torch.randn((16, 6)), torch.randint(0, 3, (16,))
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    with pytest.raises(UnsupportedModelError, match="_Checkpointed: neither engine can train "
                       "it with DP-SGD") as err:  # fmt: skip
        train_chunk([_Checkpointed()], x=x, y=y, masks=torch.ones((1, 16), dtype=torch.bool),
                    x_test=x, y_test=y, num_classes=3,
                    config=TrainConfig(epochs=1, batch_size=8, engine=engine),
                    generators=[torch.Generator().manual_seed(0)], defenses=[dp],
                    vectorised=False)  # fmt: skip
    said = str(err.value)
    assert "train.engine=" not in said and "instead of through checkpoint(...)" in said
    assert "without defense=dp" in said


class _Unchecked(nn.Module):
    """_Checkpointed's layers called directly."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.fc1, self.fc2 = model.fc1, model.fc2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x).relu())


def test_white_box_norms_of_a_checkpointed_model_are_its_layers_called_directly() -> None:
    # skipped with 'white-box gradient norms skipped: ValueError: zip() argument 2 is shorter
    # than argument 1' (checkpoint calls fc1 again in the backward pass)
    model = _Checkpointed()
    x, y = np.random.default_rng(0).normal(size=(12, 6)).astype("float32"), np.arange(12) % 3
    norms = gradient_norms([model], x, y)
    assert norms is not None
    np.testing.assert_allclose(norms, gradient_norms([_Unchecked(model)], x, y), rtol=1e-6)


class _Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn, self.fc = nn.GRU(3, 4, batch_first=True), nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.rnn(x.view(len(x), 2, 3))[0][:, -1])


class _CheckpointedNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm, self.fc = nn.LayerNorm(6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(checkpoint(self.norm, x, use_reentrant=False))


@pytest.mark.parametrize(("make", "said"), [
    (_Recurrent, "torch.func cannot run rnn (nn.GRU) per sample (RuntimeError: output with "
                 "shape"),
    (_CheckpointedNorm, "of _CheckpointedNorm: its forward recomputes layers in the backward "
                        "pass (torch.utils.checkpoint"),
])  # fmt: skip
def test_white_box_norms_skipped_name_the_part_and_what_to_do(make, said, caplog) -> None:
    # the warning was torch's bare error: 'RuntimeError: output with shape [1, 16] doesn't
    # match the broadcast shape [512, 1, 16]' (nn.GRU), 'torch.func.{grad, vjp, ...} don't
    # yet support saved tensor hooks'
    x, y = np.ones((4, 6), dtype="float32"), np.arange(4) % 3
    with caplog.at_level(logging.WARNING, logger="mia_defense.observe"):
        assert gradient_norms([make()], x, y) is None
    assert said in caplog.text and "set attack.white_box=false" in caplog.text


class _ScriptedLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.jit.script(nn.Linear(6, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


@pytest.mark.parametrize(("make", "said"), [
    (_Recurrent, "torch.func cannot stack nn.GRU's fused weights (in rnn)"),
    (_ScriptedLayer, "models[1] has a forward of its own (on fc: torch.jit.script compiles one "
                     "for each model; leave it out to stack them), where stacked models all run "
                     "models[0]'s"),
    (_Checkpointed, "torch.func cannot stack _Checkpointed: its forward recomputes layers in "
                    "the backward pass (torch.utils.checkpoint, or a torch.autograd.Function); "
                    "call the layers directly instead of through checkpoint(...) to stack them"),
])  # fmt: skip
def test_why_models_train_one_at_a_time_reads_plainly(make, said) -> None:
    # were 'models[1] holds another _flat_weight_refs (in rnn: its own weights again, ...)
    # than models[0], which stacked models all run', 'models[1] has a forward of its own
    # (on fc) than models[0], ...' and 'torch.func cannot run _Checkpointed: RuntimeError:
    # Either your tensor may have escaped ... and this is a user error ...'
    from mia_defense.training.ensemble import choose_engine

    engine, why, _ = choose_engine(TrainConfig(), [make(), make()], (6,), torch.device("cpu"))
    assert (engine, why) == ("stacked", said)


@pytest.mark.parametrize("left", [3, 1, 0])
def test_an_untrained_model_alone_says_the_others_were_not_trained_yet(left) -> None:
    # train.chunk_size=1 train.lr=1e-30 named 'model 3' alone, every model being as untrained
    # (h351: one left read 'its other 1 models were not trained yet')
    from mia_defense.errors import ConfigError
    from mia_defense.training.divergence import check_trained
    from mia_defense.training.loop import ModelHistory

    history = ModelHistory(epoch_stats=[{}], weights_unchanged=True)
    with pytest.raises(ConfigError, match=r"^model 3: training changed none") as err:
        check_trained({3: (nn.Linear(2, 2), history)}, stage="model", num=4, left=left)
    later = f"The run stopped there: {left} of its 4 models, not trained yet, may well be"
    assert (later in str(err.value)) == bool(left)


def test_stacked_weight_norm_models_train_without_torch_fallback_warning() -> None:
    # every run of a weight_norm model printed torch's 'UserWarning: There is a performance
    # drop because we have not yet implemented the batching rule for aten::_weight_norm'
    import warnings

    from tests.training.test_h342_hostile_models import _normed

    x, y = torch.randn((8, 6)), torch.randint(0, 3, (8,))
    with warnings.catch_warnings(record=True) as seen:
        train_chunk([_normed("weight_norm") for _ in range(2)], x=x, y=y,
                    masks=torch.ones((2, 8), dtype=torch.bool), x_test=x, y_test=y,
                    num_classes=3, config=TrainConfig(epochs=1, batch_size=4),
                    generators=[torch.Generator().manual_seed(k) for k in range(2)],
                    vectorised=True)  # fmt: skip
    assert not [w for w in seen if "performance drop" in str(w.message)]
