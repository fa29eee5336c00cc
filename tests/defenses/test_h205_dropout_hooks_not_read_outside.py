"""defense=dropout drops a Linear's input through a forward pre-hook. The probe for weights a
forward reads outside their layer (89368ca) ran each layer again with its hooks, so the hook
drew a new dropout mask and every hooked Linear's weight was "read outside its layer": the
white-box signal of every dropout run took the vmap path (observation 0.48 -> 1.21 s on the
default run), DP-SGD with dropout formed per-sample gradients in full, and train.engine=opacus
with dropout under DP was refused. The layers are run again without their hooks, on the
inputs the hooks gave."""

from __future__ import annotations

import torch

from mia_defense.defenses.regularization import Dropout
from mia_defense.models import MLP
from mia_defense.models.validation import used_outside_their_layers
from tests.defenses.test_h198_weight_read_outside_its_layer import TiedDecoder


def test_dropout_hooks_are_not_reads_outside_the_layer() -> None:
    torch.manual_seed(0)
    model = Dropout(p=0.5).prepare_model(MLP(input_shape=(12,), num_classes=3, hidden=(8, 8)))
    assert used_outside_their_layers(model, torch.randn(2, 12)) == []


def test_a_weight_read_outside_its_layer_is_still_found() -> None:
    torch.manual_seed(0)
    assert used_outside_their_layers(TiedDecoder(), torch.randn(2, 16)) == ["enc.weight"]


def test_the_probe_imports_no_sympy() -> None:
    """torch.autograd.grad given grad_outputs checks their shapes with torch's symbolic
    shapes, whose first use imports sympy (470 modules, 0.4 s): the probe, run on every
    default run's white-box signal, brought it into the run."""
    import subprocess
    import sys

    code = ("import sys, torch\n"
            "from mia_defense.models import MLP\n"
            "from mia_defense.models.validation import used_outside_their_layers\n"
            "used_outside_their_layers(MLP(input_shape=(6,), num_classes=3, hidden=(4,)),"
            " torch.randn(2, 6))\n"
            "print('sympy' in sys.modules)\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert out.strip() == "False"
