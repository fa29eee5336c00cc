"""Leftovers K of h361's review (h363): one helper for torch's generators of a model's device
(the probes', the white-box replay's, DP-SGD's)."""

from __future__ import annotations

import torch

from mia_defense.seeding import torch_rng_kept, torch_rng_state


def test_torch_rng_kept_replays_a_state_and_puts_the_generators_back():
    cpu = torch.device("cpu")
    state = torch_rng_state(cpu)
    assert len(state) == 1  # a model on the CPU: CUDA's generator is not its (nor touched)
    first = torch.rand(3)
    after = torch_rng_state(cpu)
    with torch_rng_kept(cpu, state):  # (the white-box pass's and DP-SGD's replay)
        assert torch.equal(torch.rand(3), first)
    assert all(map(torch.equal, torch_rng_state(cpu), after))
    with torch_rng_kept(cpu):  # (a probe's draws)
        torch.rand(3)
    assert all(map(torch.equal, torch_rng_state(cpu), after))

