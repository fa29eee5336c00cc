"""Red-team cases of results.json's writer: values a user's code reports."""

from __future__ import annotations

import json

import torch

from mia_defense.tracking.artifacts import write_json


def test_values_json_has_no_type_for_are_written_not_a_crash_at_the_runs_end(tmp_path):
    # a user's defense reporting hparams() -> {"beta": torch.tensor(0.2)} ended the run at
    # its last write (TypeError: not JSON serializable), results.json left at 'running'
    path = tmp_path / "results.json"
    write_json(path, {"defense": {"p.beta": torch.tensor(0.25), "p.w": torch.tensor([1.0, 2.0]),
                                  "p.nan": torch.tensor(float("nan")), "p.z": 1 + 2j,
                                  "p.set": {3}}})  # fmt: skip
    assert json.loads(path.read_text())["defense"] == {
        "p.beta": 0.25, "p.w": [1.0, 2.0], "p.nan": None, "p.z": "(1+2j)", "p.set": "{3}"}
