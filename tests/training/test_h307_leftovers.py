"""Leftovers of earlier sessions (h307)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from mia_defense.defenses import FullRelease
from mia_defense.experiment import _divergence_hint
from mia_defense.training.config import TrainConfig, make_optimizer

SGD = "torch.optim.SGD"


@pytest.mark.parametrize(("optimizer", "momentum", "hinted"), [
    ("sgd", 0.5, True),
    ({"_target_": SGD}, 0.5, True),  # was torch's 0, train.momentum=0.5 unread
    ({"_target_": SGD, "momentum": 0.2}, 0.2, False),  # its own wins, as its lr over train.lr
    ({"_target_": "torch.optim.RMSprop"}, 0, False),  # SGD's only
])  # fmt: skip
def test_train_momentum_is_sgds_however_sgd_is_named(optimizer, momentum, hinted):
    config = TrainConfig(optimizer=optimizer, momentum=0.5, lr=0.1)
    built = make_optimizer([torch.zeros(1, requires_grad=True)], config)
    assert built.defaults["momentum"] == momentum
    experiment = SimpleNamespace(train=config, build_defenses=list, release=FullRelease(),
                                 shadow_recipe="same")  # fmt: skip
    assert ("train.momentum=0.5" in _divergence_hint(experiment)) is hinted


@pytest.mark.parametrize(("saved", "chunk_size", "engine", "remark"), [
    ((4, 4), 2, "stacked", False),  # training done (Ctrl-C in the attacks): all reused
    ((2, 0), 2, "stacked", False),  # whole chunks
    ((3, 0), 2, "stacked", True),  # Ctrl-C while a chunk's checkpoints were written
    ((3, 0), 1, "stacked", False),  # one model a chunk
    ((3, 0), None, "opacus", False),  # one at a time
])  # fmt: skip
def test_the_kept_line_says_a_chunk_saved_in_part_only_when_one_may_be(
    tmp_path, caplog, saved, chunk_size, engine, remark
):
    """Before: every interrupted run with a saved model was told '(but a chunk of stacked
    models saved in part trains again whole)', even with all its models saved."""
    import json
    import logging

    from mia_defense.cli.stopped import say_what_the_run_kept
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS

    config = {"plan": {"num_models": 4}, "train": {"engine": engine, "chunk_size": chunk_size,
                                                   "fit": None}}  # fmt: skip
    payload = {"schema_version": 1, "status": "interrupted", "config": config}
    (tmp_path / "results.json").write_text(json.dumps(payload))
    for folder, count in zip(DIGESTED_FOLDERS, saved, strict=True):
        (tmp_path / folder).mkdir()
        for k in range(count):
            (tmp_path / folder / f"model_{k:04d}.pt").touch()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        say_what_the_run_kept(tmp_path)
    assert f"kept: {sum(saved)} trained models saved in " in caplog.text
    assert ("saved in part trains again whole" in caplog.text) is remark
