"""attack.white_box=true on an LSTM model printed torch's 'UserWarning: There is a
performance drop because we have not yet implemented the batching rule for
aten::mkldnn_rnn_layer ...' (torch.func's loop over the samples, no fault of the user's);
the gradient norms are formed without it, as the stacked engine ignores weight_norm's."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from mia_defense.observe import gradient_norms


class _LSTMNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(4, 8, batch_first=True)
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        warnings.warn("the model's own once-a-place warning", UserWarning, stacklevel=1)
        out, _ = self.lstm(x.reshape(len(x), 2, 4))
        return self.fc(out[:, -1])


def test_white_box_norms_of_an_lstm_print_no_torch_performance_warning():
    torch.manual_seed(0)
    x, y = np.random.default_rng(0).random((6, 8), dtype=np.float32), np.arange(6) % 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # (each place once, unless a filter is added)
        said = []
        for _ in range(4):  # (the first calls import torch.func's modules, which add filters)
            assert gradient_norms([_LSTMNet()], x, y).shape == (1, 6)
            said.append([str(w.message) for w in caught])
    assert all("performance drop" not in message for message in said[-1])
    assert said[-1] == said[-3]  # the filter added once: the model's own warning not again
