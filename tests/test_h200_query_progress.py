"""The augmented queries had no progress bar (helper 200): attack.queries.num_augmented=100000
on digits (4 models) queried for some 17 minutes after training without a word. They now show
one (after `mia_defense.observe._PROGRESS_DELAY` seconds; progress=false: none)."""

from __future__ import annotations

import pytest

from mia_defense import observe
from mia_defense.cli.build import run


@pytest.mark.parametrize("progress", [True, False])
def test_augmented_queries_show_progress(make_cfg, tmp_path, monkeypatch, capsys, progress):
    monkeypatch.setattr(observe, "_PROGRESS_DELAY", 0.0)
    cfg = make_cfg("attack.queries.num_augmented=2", f"progress={str(progress).lower()}",
                   "attack.bootstrap=0")
    run(cfg, tmp_path / "run")
    shown = "querying 4 models on perturbed copies" in capsys.readouterr().err
    assert shown is progress
