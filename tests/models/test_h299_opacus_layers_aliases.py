"""defense=dp defense.dp.auto_fix=true train.engine=opacus on an nn.LSTM model: auto_fix
puts Opacus' own DPLSTM in, and the engine then refused it ('its forward reads
rnn.weight_ih_l0 ... outside the calls of the module that holds it'): DPLSTM holds its
cells' weights under its own names too, and the check counted both holders' calls, twice
the gradient. A holder's alias of a sublayer's parameter is now left to the sublayer
(the runs of both engines at noise 0 then agree to 5e-7); a weight read outside its layer
(F.linear(z, self.enc.weight.t())) is still found."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from opacus.layers import DPLSTM
from torch import nn

from mia_defense.models.validation import used_outside_their_layers


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn, self.head = DPLSTM(4, 6, batch_first=True), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(x.view(-1, 2, 4))[0][:, -1])


class Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(self.enc(x), self.enc.weight.t())


def test_an_opacus_layer_holding_its_cells_weights_is_not_read_outside_them():
    torch.manual_seed(0)
    assert used_outside_their_layers(Recurrent(), torch.randn(3, 8)) == []
    assert used_outside_their_layers(Tied(), torch.randn(3, 8)) == ["enc.weight"]
