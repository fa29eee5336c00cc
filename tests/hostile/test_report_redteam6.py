"""mia-report red team, sixth pass: copies of runs without a config, runs attacked by
white-box attacks alone, a junk .npz, stale TensorBoard fronts, and settings that change no
result."""

from __future__ import annotations

import csv
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from mia_defense.report import write_report
from mia_defense.tracking import write_json
from tests.report.fake_runs import make_run


def _rewrite(run_dir: Path, change: Any) -> dict[str, Any]:
    """Apply ``change(payload)`` to a run's results.json; return the payload."""
    payload = json.loads((run_dir / "results.json").read_text())
    change(payload)
    write_json(run_dir / "results.json", payload)
    return payload


def _not_ranked(out: Path) -> dict[str, str]:
    with (out / "not_ranked.csv").open() as handle:
        return {row["run"]: row["reason"] for row in csv.DictReader(handle)}


def _report(root: Path, out: Path, **kwargs: Any):
    return write_report([root], out_dir=out, charts=False, **{"tensorboard": False, **kwargs})


# --- a run counted twice ------------------------------------------------------------------------


def test_a_copy_of_a_run_without_a_config_is_counted_once(tmp_path, caplog):
    # runs built in code (api.audit) record no config: a copied folder was a second row with
    # the same figures, both "on the front", as if two experiments agreed
    root = tmp_path / "sweep"
    for name, accuracy in (("a", 0.90), ("b", 0.80)):
        make_run(root / name, test_accuracy=accuracy, signal=1.0)
        _rewrite(root / name, lambda p: (p.pop("config"), p.update(wall_seconds=12.345)))
    shutil.copytree(root / "a", root / "a_copy")
    with caplog.at_level(logging.WARNING):
        report = _report(root, tmp_path / "out")
    assert sorted(s.name for s in report.summaries) == ["a", "b"]
    reason = _not_ranked(tmp_path / "out")["a_copy"]
    assert reason.startswith("the same experiment as a (no config recorded, and the same")
    assert "counted once" in reason
    assert "a_copy/results.json: the same experiment as a" in caplog.text
