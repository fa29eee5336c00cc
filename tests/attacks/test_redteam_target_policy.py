"""Red team: the ``_target_`` policy (mia_defense.targets) by where a callable really lives."""

from __future__ import annotations

import pytest

from mia_defense.targets import target_is_forbidden


@pytest.mark.parametrize("name", [
    "torch.jit._serialization.load",  # torch.jit.load, under its own module's name
    "torch._ops.ops.load_library",  # torch.ops.load_library: loads a shared library
    "torch.ops.load_library",
    "torch.classes.load_library",
    "numpy.lib.format.open_memmap",  # creates or overwrites a file, as numpy.memmap
    "torch.from_file",
    "torch.UntypedStorage.from_file",
])  # fmt: skip
def test_a_forbidden_callable_is_refused_under_another_path(name):
    """torch.jit.load is refused by name, but its __module__ is torch.jit._serialization:
    model._target_=torch.jit._serialization.load passed the policy and loaded a file."""
    assert target_is_forbidden(name)


@pytest.mark.parametrize("name", ["torch.nn.Linear", "torch.optim.SGD", "h314_own.f",
                                  "mia_defense.attacks.lira", "torch.nn.functional.relu"])
def test_ordinary_targets_stay_allowed(name):
    assert not target_is_forbidden(name)
