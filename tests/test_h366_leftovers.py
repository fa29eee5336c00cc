"""Leftovers L of today's helpers (h366): users' own models that draw at random."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.models.probes import state_outside
from mia_defense.models.validation import depends_on_batch_position

GENS = [torch.Generator().manual_seed(0)]


class _SharedDraw(nn.Module):
    """One noise for the whole batch, in eval mode too; ``by_position`` adds len(x)."""

    def __init__(self, by_position: bool = False):
        super().__init__()
        self.lin, self.out, self.by_position = nn.Linear(4, 8), nn.Linear(8, 2), by_position

    def forward(self, x):
        h = self.lin(x) + 0.1 * torch.randn(8)
        return self.out(h + len(x) if self.by_position else h)


@pytest.mark.parametrize("by_position", [False, True])
def test_a_draw_shared_by_the_batch_in_eval_mode_is_not_taken_for_its_position(by_position):
    """Both engines refused _SharedDraw with the batch-position message ('depends on where
    the sample sits in its batch or on the batch's size'): its eval-mode draw made the
    probe's eval comparison differ. Opacus now trains it as it does the same draw made in
    training mode only; the stacked engine names the draw (dp_stacked.check_replayed)."""
    rows = torch.randn(4, 4)
    assert depends_on_batch_position(_SharedDraw(by_position), rows) is by_position


class _ListedGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 2)

    def forward(self, x):
        return self.layer(x) + torch.randn(len(x), 2, generator=GENS[0])


def test_a_generator_held_in_a_module_level_list_is_state_outside_the_model():
    """A module-level torch.Generator was named (36942bcc), one in a list was not: []."""
    assert state_outside(_ListedGenerator(), (4,)) == [f"{__name__}.GENS"]
