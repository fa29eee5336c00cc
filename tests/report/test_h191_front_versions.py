"""The runs of one front that ran on other library versions or code are named in a warning:
two sweeps of one dataset and model, one made before an edit of the attacks and one after
(results.json's versions.code differs), were compared on one front without a word; runs of
one config were already told apart or noted, these differ in config.
"""

from __future__ import annotations

import logging

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _report(tmp_path, caplog, codes):
    root = tmp_path / "sweep"
    for i, code in enumerate(codes):
        make_run(root / f"train.lr={i}", test_accuracy=0.9 - i / 10, signal=2.0 - i)
        versions = {"torch": "2.1", "code": code}
        rewrite_results(root / f"train.lr={i}", lambda p, v=versions: p.update(versions=v))
    with caplog.at_level(logging.WARNING, logger="mia_defense.report"):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    return report, [r.getMessage() for r in caplog.records if "front of" in r.getMessage()]


def test_a_front_of_runs_of_other_code_is_named(tmp_path, caplog):
    report, warned = _report(tmp_path, caplog, ["aaaa1111", "bbbb2222"])
    assert list(report.fronts) == [("digits", "MLP")]
    (line,) = warned
    assert "digits · MLP ran on other library versions or code" in line
    assert "versions.code aaaa1111, bbbb2222" in line


def test_a_front_of_one_version_says_nothing(tmp_path, caplog):
    _, warned = _report(tmp_path, caplog, ["aaaa1111", "aaaa1111"])
    assert warned == []
