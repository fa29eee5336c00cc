"""A model whose trainable parameters got no gradient (the model check's warning, h439) was
said in the log alone: PYTHONPATH=/tmp/h435 mia-train model=custom model._target_=hmods.Alias
plan.num_models=2 train.epochs=2 ended 'SOME MODELS AT CHANCE: 1 of the 2 ... (training that
failed in some models)' with no word of why, and results.json, the run's READ WITH CARE lines
and mia-report's "Figures to read with care" said nothing of it. results.json now records
them (training.parameters_without_gradient, null where none) and the caveats say it; a
results.json written before the field reads as before (h451)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from mia_defense.report.checks import caveats, run_end_lines
from mia_defense.tracking import read_json
from tests.conftest import compose_cfg


class Alias(nn.Module):
    """Reads a detached alias of fc's weight (same storage, no gradient)."""

    def __init__(self, input_shape, num_classes) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), 16)
        self.out = nn.Linear(16, num_classes)
        self.w = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.w is None:
            self.w = self.fc.weight.detach().t()
        return self.out(torch.relu(x.flatten(1) @ self.w + self.fc.bias))


def _said(notes: list[str]) -> list[str]:
    return [n for n in notes if "got no gradient" in n]


def test_the_run_records_and_says_the_parameters_without_gradient(tmp_path) -> None:
    from mia_defense.cli.train import run

    run(compose_cfg("model=custom", f"model._target_={__name__}.Alias", "plan.num_models=2",
                    "train.epochs=1"), tmp_path)  # fmt: skip
    payload = read_json(tmp_path / "results.json")
    assert payload["training"]["parameters_without_gradient"] == ["fc.weight"]
    (line,) = _said(run_end_lines(payload))
    assert line.startswith("READ WITH CARE: its models' trainable parameter(s) fc.weight got "
                           "no gradient")  # fmt: skip
    assert "initial values" in line and "\n" not in line
    (note,) = _said(caveats(payload))  # mia-report's "Figures to read with care"
    assert line == f"READ WITH CARE: {note}"


def test_none_null_or_absent_gives_no_caveat(tiny_run) -> None:
    payload = copy.deepcopy(tiny_run.payload)
    assert payload["training"]["parameters_without_gradient"] is None
    assert _said(caveats(payload)) == []
    before = caveats(payload)
    del payload["training"]["parameters_without_gradient"]  # a file of before the field
    assert caveats(payload) == before and run_end_lines(payload) == run_end_lines(
        tiny_run.payload)  # fmt: skip


def test_names_are_counted_and_edited_values_ignored(tiny_run) -> None:
    payload = copy.deepcopy(tiny_run.payload)
    names = [f"spare.{i}.weight" for i in range(5)]
    payload["training"]["parameters_without_gradient"] = names
    (note,) = _said(caveats(payload))
    assert "spare.0.weight, spare.1.weight, spare.2.weight and 2 more got no gradient" in note
    for edited in ("fc.weight", [], [1, 2], {"fc.weight": 1}):
        payload["training"]["parameters_without_gradient"] = edited
        assert _said(caveats(payload)) == []
