"""Seeding torch for a model on the CPU seeds the CPU generator alone (h248): torch.manual_seed
also queued CUDA's seeding (about 1 ms a call under pytest, with a stack trace) and moved the
caller's CUDA random state outside ``fork_rng(devices=[])``; the CPU draws stay the same."""

import torch
from torch import nn

from mia_defense.models.probes import seeded_outputs
from mia_defense.seeding import global_torch_seeded, seed_global_torch


def _cuda_seeds(monkeypatch) -> list[int]:
    seen: list[int] = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", seen.append)
    return seen


def test_a_cpu_model_probe_leaves_cuda_generators_alone(monkeypatch):
    seen = _cuda_seeds(monkeypatch)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    found = seeded_outputs(model, (4,))
    assert set(found) == {"training mode", "eval mode"}
    assert seen == []
    with global_torch_seeded(0, "stage", devices=[torch.device("cpu")]):
        pass
    assert seen == []


def test_the_cpu_draws_are_those_of_torch_manual_seed(monkeypatch):
    torch.manual_seed(123)
    expected = torch.rand(5)
    seed_global_torch(123)
    assert torch.equal(torch.rand(5), expected)
    seed_global_torch(2**63 + 5)  # (a 64-bit seed, as derive_seed's)
    again = torch.rand(5)
    torch.manual_seed(2**63 + 5)
    assert torch.equal(torch.rand(5), again)


def test_a_model_on_another_device_still_seeds_every_device(monkeypatch):
    seen = _cuda_seeds(monkeypatch)
    seed_global_torch(7, [torch.device("cuda", 0)])
    assert seen == [7]
