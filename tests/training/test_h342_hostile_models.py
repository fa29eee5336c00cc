"""Users' own modules that the stacked engine must stack, train one at a time (naming the
real reason), or refuse with the reason that holds."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from mia_defense.defenses.dp import DPSGD, refuse_batch_mixing, refuse_updated_buffers
from mia_defense.errors import UnsupportedModelError
from mia_defense.models.alike import unlike
from mia_defense.models.build import changed_in_forward
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from mia_defense.training.stack import vmap_blocker


def _normed(norm: str) -> nn.Module:
    wrap = getattr(nn.utils.parametrizations, norm)
    return nn.Sequential(wrap(nn.Linear(6, 8)), nn.ReLU(), nn.Linear(8, 3))


def test_weight_norm_models_stack_and_train_as_they_do_alone() -> None:
    # parametrize makes each layer a class of its own: every weight_norm model was "unlike"
    # models[0] ('has other layers') and trained one at a time
    torch.manual_seed(0)
    models = [_normed("weight_norm") for _ in range(3)]
    assert unlike(models) is None and vmap_blocker(models[0], (6,)) is None
    alone = [copy.deepcopy(m) for m in models]
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((40, 6), generator=gen), torch.randint(0, 3, (40,), generator=gen)
    masks = torch.rand((3, 40), generator=gen) < 0.5
    config = TrainConfig(epochs=2, batch_size=8, lr=0.05)

    def train(chunk: list[nn.Module], rows: torch.Tensor, seeds: list[int], vec: bool) -> None:
        train_chunk(chunk, x=x, y=y, masks=rows, x_test=x[:8], y_test=y[:8], num_classes=3,
                    config=config, generators=[torch.Generator().manual_seed(s) for s in seeds],
                    vectorised=vec)  # fmt: skip

    train(models, masks, [0, 1, 2], True)
    for k, model in enumerate(alone):
        train([model], masks[k : k + 1], [k], False)
    for a, b in zip(models, alone, strict=True):
        for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-5, msg=name)


def test_spectral_norm_falls_back_naming_its_buffer() -> None:
    models = [_normed("spectral_norm") for _ in range(2)]
    assert unlike(models) is None  # (the reason was 'models[1] has other layers')
    assert "updates its buffer '0.parametrizations.weight.0._u'" in vmap_blocker(models[0], (6,))


class _Annealed(nn.Module):
    """A temperature its forward lowers at each training call: state, not batch mixing."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.temp = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.temp *= 0.9
        return self.fc(x) / self.temp


def test_dp_names_state_kept_in_forward_not_batch_mixing() -> None:
    # was refused as mixing the samples of a batch, advising GroupNorm
    with pytest.raises(UnsupportedModelError, match=r"_Annealed answers the same batch "
                       r"differently the second time in training mode") as err:  # fmt: skip
        refuse_batch_mixing(_Annealed(), (6,))
    assert "GroupNorm" not in str(err.value)


class _Checkpointed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(6, 8), nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(checkpoint(lambda t: self.fc1(t).relu(), x, use_reentrant=False))


def test_dp_refuses_a_checkpointed_model_by_name_not_with_a_raw_checkpoint_error() -> None:
    # torch.func cannot stack it (trained one at a time); DP-SGD's ghost norms then ran a
    # backward pass that recomputed the forward without their taps: a raw CheckpointError
    x, y = torch.randn((16, 6)), torch.randint(0, 3, (16,))
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    with pytest.raises(UnsupportedModelError, match="_Checkpointed: neither engine can train"):
        train_chunk([_Checkpointed()], x=x, y=y, masks=torch.ones((1, 16), dtype=torch.bool),
                    x_test=x, y_test=y, num_classes=3, config=TrainConfig(epochs=1, batch_size=8),
                    generators=[torch.Generator().manual_seed(0)], defenses=[dp],
                    vectorised=False)  # fmt: skip


class _KeepsBatchScale(nn.Module):
    """Keeps its last training batch's scale in a plain attribute and divides by it in eval."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.scale = torch.ones(())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.scale = x.detach().abs().mean()
            return self.fc(x)
        return self.fc(x / self.scale)


def test_a_forward_setting_an_attribute_trains_one_at_a_time() -> None:
    # stacked, all K models set models[0]'s attribute to a tensor vmap left behind: it
    # trained stacked, then the run stopped in observe with a raw RuntimeError (aten::equal)
    model = _KeepsBatchScale()
    assert "after a stacked call it holds another scale (in <root>)" in vmap_blocker(model, (6,))
    leaked = copy.deepcopy(model)
    torch.func.vmap(leaked)(torch.randn((2, 4, 6)))  # (a batched tensor left in .scale)
    assert unlike([model, leaked]).startswith("models[1] holds another scale (in <root>), where")


class _AddsLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.act = nn.ReLU()
        return self.act(self.fc(x))


def test_a_forward_adding_a_layer_is_named_not_a_raw_zip_error() -> None:
    assert "after a stacked call it has other layers" in vmap_blocker(_AddsLayer(), (6,))


class _CachesOutput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.last = nn.Linear(6, 3), None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.last = self.fc(x).detach()
        return self.fc(x)


@pytest.mark.parametrize(("make", "said"), [
    (_KeepsBatchScale, "holds another scale (in <root>)"),
    (_CachesOutput, "holds other attributes (last, in <root>)"),
])  # fmt: skip
def test_dp_refuses_a_forward_that_keeps_a_value_in_the_model(make, said) -> None:
    # trained under DP-SGD (either engine), _KeepsBatchScale released outputs divided by its
    # last batch's mean, kept outside clipping and noise; ε reported valid
    with pytest.raises(UnsupportedModelError, match="forward changes the model itself") as err:
        refuse_updated_buffers(make(), (6,))
    assert said in str(err.value)


def test_a_layer_holding_its_own_weights_again_is_no_change_of_state() -> None:
    # nn.LSTM keeps its weights again in a list (Opacus' DPLSTM its cells: the layer
    # defense.dp.auto_fix puts in): a copy run once holds its own, which is no change
    model = nn.Sequential(nn.LSTM(6, 4, batch_first=True))
    assert changed_in_forward(model, (2, 6), kinds=("parameter", "buffer", "attribute")) is None


def test_dp_lists_a_torchscript_layer_once_with_the_fix() -> None:
    # both engines' DP-SGD stopped in a raw RuntimeError (register_forward_hook is not
    # supported on ScriptModules), from the checks before training
    from mia_defense.models import check_dp_compatible

    scripted = torch.jit.script(nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3)))
    problems = check_dp_compatible(nn.Sequential(nn.Linear(6, 6), scripted))
    assert len(problems) == 1 and problems[0].startswith("1 (RecursiveScriptModule): a TorchScript")
    assert "train the plain nn.Module" in problems[0]


@pytest.mark.slow  # (torch.compile's first call: about 2 s)
def test_a_compiled_layer_keeps_no_value_of_its_pass() -> None:
    # torch.compile sets _torchdynamo_wrapper_id on the layer at its first call: refused
    # under DP-SGD as 'holds other attributes (_torchdynamo_wrapper_id, in fc)'
    model = nn.Sequential(torch.compile(nn.Linear(6, 3), backend="eager"))
    assert changed_in_forward(model, (6,), kinds=("parameter", "buffer", "attribute")) is None


class _BufferFromFirstBatch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and not hasattr(self, "scale"):
            self.register_buffer("scale", x.detach().abs().mean() + 1)
        return self.fc(x if self.training else x / self.scale)


def test_a_buffer_registered_in_forward_is_a_buffer_it_updates() -> None:
    # stacked, the run ended in a raw vmap error ('your tensor may have escaped'); under
    # DP-SGD it trained, the first batch's statistic released outside ε (log-probs 16 apart
    # between the engines)
    assert "updates its buffer 'scale'" in vmap_blocker(_BufferFromFirstBatch(), (6,))
    with pytest.raises(UnsupportedModelError, match="updates its buffer 'scale' while training"):
        refuse_updated_buffers(_BufferFromFirstBatch(), (6,))
