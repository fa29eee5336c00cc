"""The sweep's HParams experiment config leaves out a run whose results.json config was
edited after the run, or whose checkpoints are not the models it measured, as mia-report
does (87e6faf: `checkpoint_mismatch`, then `config_mismatch`).

Measured: a copy of a finished run with ``config.train.lr`` edited from its value to 0.5 was
skipped by mia-report, but `sessions_under` read it, so 0.5 showed in train.lr's domain in
TensorBoard's HParams tab.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from mia_defense.tracking.hparams import sessions_under, write_experiment
from tests.report.fake_runs import rewrite_results
from tests.tracking.tb_api import TensorBoardAPI


def test_runs_with_an_edited_config_or_other_checkpoints_are_left_out(fast_run, tmp_path,
                                                                      caplog):
    root = tmp_path / "sweep"
    for name in ("a", "edited", "swapped"):
        shutil.copytree(fast_run.run_dir, root / name)
    lr = fast_run.payload["config"]["train"]["lr"]
    rewrite_results(root / "edited", lambda p: p["config"]["train"].update(lr=0.5))
    with (root / "swapped" / "checkpoints" / "model_0000.pt").open("ab") as handle:
        handle.write(b"\0")  # another file than the one results.json records
    with caplog.at_level(logging.WARNING, logger="mia_defense.tracking.hparams"):
        sessions = sessions_under(root)
    assert [s.name for s in sessions] == ["a"]
    assert sessions[0].hparams["train.lr"] == lr
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    edited = next(m for m in messages if str(Path("edited", "results.json")) in m)
    assert ("results.json's config (with data_fingerprint and versions.training_code) is not "
            "the one that trained the run's models") in edited  # (mia-report's words: one message)
    swapped = next(m for m in messages if str(Path("swapped", "results.json")) in m)
    assert "checkpoints/model_0000.pt in its folder has another sha256" in swapped
    write_experiment(root, sessions, swept=["train.lr"])
    infos = {h["name"]: h for h in TensorBoardAPI(root).experiment()["hparamInfos"]}
    assert infos["train.lr"]["domainInterval"] == {"minValue": lr, "maxValue": lr}
