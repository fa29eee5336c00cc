"""Red team 8: users' own models that training or the attacks would get silently wrong."""

from __future__ import annotations

import json
import re

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models import MLP, check_model_output
from mia_defense.training.stack import vmap_blocker


class RunningMean(nn.Module):
    """Centres its inputs on a running mean it keeps itself (no BatchNorm, no
    ``track_running_stats``): a statistic a stacked ensemble would not keep."""

    def __init__(self, input_shape: tuple[int, ...] = (4,), num_classes: int = 3) -> None:
        super().__init__()
        width = int(torch.Size(input_shape).numel())
        self.register_buffer("mean", torch.zeros(width))
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        if self.training:
            self.mean.mul_(0.5).add_(0.5 * x.mean(0))
        return self.fc(x - self.mean)


class CountsCalls(nn.Module):
    """Replaces (not updates in place) a buffer on every training forward."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("calls", torch.zeros(()))
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.calls = self.calls + 1
        return self.fc(x)


class Probabilities(nn.Module):
    """Ends in a softmax: outputs probabilities, not logits."""

    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1)).softmax(-1)


class Votes(nn.Module):
    """Returns integer one-hot votes of the right shape."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(self.fc(x).argmax(-1), 3)


@pytest.mark.parametrize(("model", "name"), [(RunningMean(), "mean"), (CountsCalls(), "calls")])
def test_a_module_updating_its_own_buffers_does_not_train_stacked(model, name):
    """vmap_blocker flagged only BatchNorm-style buffers: a hand-made running statistic
    trained stacked, where ``functional_call`` updates copies of the buffers and
    ``write_back`` copies back only parameters, so every trained model kept its initial
    statistic and was attacked as a different model from the one trained."""
    reason = vmap_blocker(model, (4,))
    assert reason is not None and repr(name) in reason and "while training" in reason
    assert torch.count_nonzero(next(model.buffers())) == 0  # the probe left the model alone


def test_modules_without_updated_buffers_still_train_stacked():
    assert vmap_blocker(MLP(input_shape=(4,), num_classes=3, hidden=[8]), (4,)) is None


def test_the_fallback_reason_names_the_buffer_in_results_json(make_cfg, tmp_path):
    from mia_defense.cli.train import run

    cfg = make_cfg("model=custom", f"model._target_={__name__}.RunningMean",
                   "plan.num_models=2", "plan.population_size=100", "train.epochs=1",
                   "train.batch_size=16", "attack.bootstrap=0", "attack.white_box=false",
                   "attack.queries.num_augmented=0", "~attack.attacks.shokri")  # fmt: skip
    run(cfg, tmp_path)
    training = json.loads((tmp_path / "results.json").read_text())["training"]
    assert "updates its buffer 'mean' while training" in training["fallback_reason"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Probabilities(), "returns probabilities (each output in [0, 1], summing to 1), not "
                          "logits"),
        (Votes(), "returns torch.int64 values, not logits"),
    ],
)  # fmt: skip
def test_a_module_returning_probabilities_or_votes_is_refused_before_training(model, message):
    """mia-train accepted a module ending in softmax (api.py refuses it): the loss and the
    attacks softmaxed its probabilities again, squeezing them towards uniform, and the
    verdict understated the leak. Integer votes, which carry no gradient, reached training."""
    with pytest.raises(UnsupportedModelError, match=re.escape(message)):
        check_model_output(model, input_shape=(4,), num_classes=3, name="m")


class Detached(nn.Module):
    """Returns its logits detached from the graph (as under ``torch.no_grad()``)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x).detach()


def test_a_module_whose_outputs_carry_no_gradient_is_refused_before_training():
    """The output check ran under no_grad: the first training step ended the run with
    torch's traceback 'element 0 of tensors does not require grad'."""
    with pytest.raises(UnsupportedModelError, match="that no trainable parameter shapes"):
        check_model_output(Detached(), input_shape=(4,), num_classes=3, name="m")


class SharedLayer(nn.Module):
    """One layer held under two names (``self.b = self.a``), applied twice."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = self.a
        self.out = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.b(self.a(x)).relu())


def test_the_stacking_probe_leaves_a_module_with_a_shared_layer_trainable():
    """vmap_blocker probed the run's own first model: for a layer held under two names
    torch's functional_call put plain tensors (requires_grad=False) back in place of its
    parameters, so that model's layer never trained (and building the stack of the real
    models ended the run with 'Expected a.weight from each model to have the same
    .requires_grad'). It now probes a copy and says why such a module trains alone."""
    model = SharedLayer()
    params = dict(model.named_parameters(remove_duplicate=False))
    reason = vmap_blocker(model, (4,))
    assert reason is not None and "a submodule held under two names" in reason
    after = dict(model.named_parameters(remove_duplicate=False))
    assert all(after[name] is param and param.requires_grad for name, param in params.items())


class ScalesItsInput(nn.Module):
    """Rescales its input in place before its layer."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x.mul_(2.0)
        return self.fc(x)


def test_a_module_modifying_its_input_in_place_is_refused_before_training():
    """Such a module was trained and queried: the attacks' queries are views of the run's
    data (``inputs.split``), so every query doubled the population's features under the
    run, and later attacks scored other data than the models were trained on."""
    with pytest.raises(UnsupportedModelError, match="modifies its input in place"):
        check_model_output(ScalesItsInput(), input_shape=(4,), num_classes=3, name="m")


class MakesItsWeight(nn.Module):
    """Creates its weight on the first forward call (not a torch Lazy module)."""

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not hasattr(self, "weight"):
            self.weight = nn.Parameter(torch.randn(x.shape[1], 3))
        return x @ self.weight + self.bias


def test_a_module_creating_parameters_in_forward_is_refused_before_training():
    """Its weight was made after the optimiser (models 1..K-1) and never trained: only the
    bias learned and the run reported a near-chance model's leak as the defense's."""
    with pytest.raises(UnsupportedModelError, match=r"creates parameter\(s\) \['weight'\]"):
        check_model_output(MakesItsWeight(), input_shape=(4,), num_classes=3, name="m")


def test_spectral_norm_and_lazy_modules_train_one_at_a_time_with_a_plain_reason():
    """spectral_norm updates its power-iteration buffers while training: stacked, they were
    lost. A lazy module's reason was torch's message with a memory address in it."""
    spectral = nn.Sequential(nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3)))
    assert "updates its buffer" in str(vmap_blocker(spectral, (4,)))
    lazy = nn.Sequential(nn.LazyLinear(3))
    assert vmap_blocker(lazy, (4,)) == "Sequential has lazy parameters (nn.Lazy*), which " \
        "cannot be stacked"


class RandomWidth(nn.Module):
    """Draws its hidden width at random when built."""

    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        width = int(torch.randint(4, 64, ()))
        self.body = nn.Linear(4, width)
        self.out = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x).relu())


def test_a_constructor_drawing_its_architecture_at_random_is_refused_naming_the_layer():
    """Each model is built from its own seed, so the widths differed and building the
    stack ended the run in torch.stack's 'stack expects each tensor to be equal size'."""
    from mia_defense.models import model_builder

    build = model_builder(RandomWidth)
    torch.manual_seed(0)
    build(input_shape=(4,), num_classes=3)
    build(input_shape=(4,), num_classes=5)  # another task's models may differ
    torch.manual_seed(1)
    shapes = r"\(body.weight: \[48, 4\] in the first, \[29, 4\]"
    with pytest.raises(UnsupportedModelError, match="built models of different shapes " + shapes):
        build(input_shape=(4,), num_classes=3)


def test_querying_models_with_a_shared_layer_keeps_their_parameters():
    """The observation's stacked query broke the first model as the training probe did (a
    layer held under two names: functional_call put plain tensors back), and the next query
    ended in torch's 'requires_grad' traceback. Such models are queried one by one."""
    from mia_defense.observe import _all_logits

    torch.manual_seed(0)
    models = [SharedLayer(), SharedLayer()]
    params = [dict(m.named_parameters(remove_duplicate=False)) for m in models]
    x = torch.randn(5, 4)
    logits = _all_logits(models, x, batch_size=4)
    again = _all_logits(models, x, batch_size=4)  # (the traceback came here)
    with torch.no_grad():
        expected = torch.stack([m(x) for m in models])
    assert torch.allclose(logits, expected, atol=1e-6)
    assert torch.allclose(again, expected, atol=1e-6)
    for model, before in zip(models, params, strict=True):
        after = dict(model.named_parameters(remove_duplicate=False))
        assert all(after[n] is p and isinstance(p, nn.Parameter) for n, p in before.items())
