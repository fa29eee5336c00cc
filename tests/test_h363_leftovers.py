"""Leftovers K of h361's review (h363): one helper for torch's generators of a model's device
(the probes', the white-box replay's, DP-SGD's), and loky's worker start put back after a
``launcher=joblib`` sweep run in process."""

from __future__ import annotations

import signal

import pytest
import torch

from mia_defense.cli import entry
from mia_defense.library_call import caller_state_kept
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


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="not POSIX")
def test_loky_worker_start_put_back_as_the_tools_main_ends(monkeypatch):
    module = pytest.importorskip("joblib.externals.loky.backend.fork_exec")
    start = module.fork_exec
    monkeypatch.setattr(module, "fork_exec", start)  # (restored after, whatever happens)
    with caller_state_kept():  # (run_entry's, around a main() whose sweep is launcher=joblib)
        entry.quiet_pool_worker_starts()
        assert module.fork_exec is not start
    # the caller's own loky workers start as loky starts them, and take Ctrl-C
    assert module.fork_exec is start


CACHE: dict = {}


class _WritesThenReads(torch.nn.Module):
    """A forward that keeps its activations in a module-level cache, read in the same call."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 2)

    def forward(self, x):
        CACHE["h"] = self.layer(x)
        return CACHE["h"]


def test_state_outside_warning_spares_a_cache_read_in_the_call_that_wrote_it(caplog):
    from mia_defense.models.build import check_model_output

    check_model_output(_WritesThenReads(), input_shape=(4,), num_classes=2, name="M")
    [said] = [r.getMessage() for r in caplog.records]
    # flagged (state outside, rewritten at every call), but not said to make it train otherwise
    assert "CACHE at every forward call" in said
    assert "reads what an earlier call left there" in said and "harmless" in said


GEN = torch.Generator().manual_seed(0)


class _GlobalNoise(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.layer(x) + torch.randn(len(x), 2, generator=GEN)


def test_a_module_level_generator_drawn_from_is_state_outside_the_model():
    """The object stays (only its state moves): it was not named, and the stacking refusal
    read as if one model at a time kept it apart ('stacked models would all run the first
    model's'), where each starts where the one before stopped."""
    from mia_defense.models.probes import probed_blocker, state_outside

    assert state_outside(_GlobalNoise(), (4,)) == [f"{__name__}.GEN"]
    said = probed_blocker(_GlobalNoise(), (4,)) or ""
    assert f"changes {__name__}.GEN outside the model, which one at a time" in said
