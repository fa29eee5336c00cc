"""mia-report red team, second pass: runs told apart by what they trained on, hostile
results.json content the first pass let through, report directories inside runs, and text
from run names that could break the Markdown, the terminal or a spreadsheet."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

from mia_defense.report import write_report
from mia_defense.tracking import write_json
from tests.report.fake_runs import make_run


def _rewrite(run_dir: Path, **changes: Any) -> dict[str, Any]:
    """Set top-level keys of a run's results.json; return the payload."""
    payload = json.loads((run_dir / "results.json").read_text())
    payload.update(changes)
    write_json(run_dir / "results.json", payload)
    return payload


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


# --- the same config and seed on other data (an edited data file) ----------------------------


def test_a_rerun_on_edited_data_is_never_averaged_with_the_first(tmp_path, caplog):
    # same config, same seed, same file name: only the data's content changed in between
    root = tmp_path / "sweep"
    for name, fingerprint, accuracy in (("old", "aaaa1111", 0.90), ("new", "bbbb2222", 0.60)):
        make_run(root / name, test_accuracy=accuracy, signal=1.0,
                 config={"dataset.path": "/data/x.csv"})  # fmt: skip
        _rewrite(root / name, data_fingerprint=fingerprint)
    make_run(root / "other", test_accuracy=0.85, signal=0.5, seed=1,
             config={"dataset.path": "/data/x.csv"})  # fmt: skip  (data unknown: seed 1)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    # two results, two rows; neither averaged into the other as a "seed replicate"
    by_run = {g.runs[0].name: g for g in report.groups}
    assert [g.n for g in report.groups] == [1, 1, 1]
    assert by_run["old"].test_accuracy.value == 0.90
    assert by_run["new"].test_accuracy.value == 0.60
    # and never on one front: the models did not learn the same task
    assert len(report.fronts) == 3
    assert "data=aaaa1111" in by_run["old"].pair[1] and "data=bbbb2222" in by_run["new"].pair[1]
    warning = next(r.getMessage() for r in caplog.records if "different data" in r.getMessage())
    assert str(root / "old") in warning and str(root / "new") in warning
    assert "data_fingerprint aaaa1111" in warning and "bbbb2222" in warning
    rows = _csv(tmp_path / "out" / "tradeoff.csv")
    assert sorted(r["runs"] for r in rows) == ["new", "old", "other"]


def test_a_rerun_with_other_library_versions_is_its_own_row(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=1.0)
    make_run(root / "b", test_accuracy=0.70, signal=1.0)
    _rewrite(root / "a", versions={"torch": "2.1", "code": "x"})
    _rewrite(root / "b", versions={"torch": "2.9", "code": "y"})
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    assert sorted(g.test_accuracy.value for g in report.groups) == [0.70, 0.90]
    assert all(g.n == 1 for g in report.groups)
