"""A user's model that called sys.exit in forward, or a train.fit that raised an exception
class of its own derived from BaseException (not Exception), ended mia-train past the
record of a failed run: results.json kept saying 'running'. Now named as the user's code and
recorded failed; Ctrl-C in the same place is still 'interrupted', and a GeneratorExit is
left as it is (h154)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError, UnsupportedModelError

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=1",
         "train.batch_size=16", "figures=false", "attack.bootstrap=0"]  # fmt: skip


class EndsOnRelease(nn.Module):
    """Raises ``ending`` in forward once a model's checkpoint (``saved``) exists: in the
    release, after training began."""

    ending: BaseException | None = None
    saved: Path | None = None

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = EndsOnRelease.saved
        if not self.training and saved is not None and saved.exists():
            if isinstance(EndsOnRelease.ending, SystemExit):
                sys.exit(EndsOnRelease.ending.code)
            raise EndsOnRelease.ending
        return self.fc(x.flatten(1))


class Abandon(BaseException):
    """A user's own exception class derived from BaseException."""


def abandons(model, members, recipe):
    raise Abandon("no more")


def _status(run_dir: Path) -> str:
    return json.loads((run_dir / "results.json").read_text())["status"]


def _ending(make_cfg, tmp_path, monkeypatch, ending):
    monkeypatch.setattr(EndsOnRelease, "saved", tmp_path / "checkpoints" / "model_0000.pt")
    monkeypatch.setattr(EndsOnRelease, "ending", ending)
    return make_cfg("model=custom", f"model._target_={__name__}.EndsOnRelease", *SMALL)


def test_sys_exit_in_a_users_forward_is_named_and_recorded_failed(make_cfg, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    cfg = _ending(make_cfg, tmp_path, monkeypatch, SystemExit("giving up"))
    message = (rf"model._target_={__name__}.EndsOnRelease called sys.exit\('giving up'\) "
               r"during the run \(at .*test_h154_user_code_ends_the_run.py:\d+, in forward\); "
               "code called by a run must raise an error or return, not end the process")
    with pytest.raises(UnsupportedModelError, match=message):
        run(cfg, tmp_path)
    record = json.loads((tmp_path / "results.json").read_text())
    assert record["status"] == "failed"
    assert record["failed"]["error"] == "UnsupportedModelError"


def test_a_users_fit_raising_a_base_exception_is_named_and_recorded_failed(make_cfg, tmp_path):
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.abandons", *SMALL)
    with pytest.raises(ConfigError, match=(
        rf"train.fit._target_={__name__}.abandons raised Abandon during the run: no more "
        r"\(at .*, in abandons\), a BaseException that is no Exception"
    )):  # fmt: skip
        run(cfg, tmp_path)
    assert _status(tmp_path) == "failed"


def test_ctrl_c_in_a_users_forward_is_still_an_interruption(make_cfg, tmp_path, monkeypatch):
    cfg = _ending(make_cfg, tmp_path, monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(cfg, tmp_path)
    assert _status(tmp_path) == "interrupted"


def test_a_generator_exit_is_not_reworded(make_cfg, tmp_path, monkeypatch):
    cfg = _ending(make_cfg, tmp_path, monkeypatch, GeneratorExit())
    with pytest.raises(GeneratorExit):
        run(cfg, tmp_path)
