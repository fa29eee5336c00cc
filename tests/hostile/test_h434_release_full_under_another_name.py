"""A release whose settings let out the outputs unchanged (h434) was said in the start-up
log alone: mia-train release=rounding release.decimals=20 (float32 keeps ~7 digits),
release=noise release.scale=0, or a sweep release=topk release.k=1,10 on digits' 10 classes
wrote results.json, mia-report's Pareto front and TensorBoard's summary with no word of it,
the k=10 point listed as '[topk release]' beside k=1 with the full release's figures: a
release that costs nothing and protects nothing. results.json's training.defenses_idle now
records it (``release=NAME`` and the reason the log gives), so mia-report marks the row
'(did not act: release=topk)' and lists it under 'Figures to read with care', and mia-train
ends with the same READ WITH CARE line."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.defenses import (
    FullRelease,
    LabelOnlyRelease,
    NoiseRelease,
    RoundingRelease,
    TopKRelease,
)
from mia_defense.defenses.release import release_idle
from mia_defense.report.checks import caveats
from mia_defense.report.checks.notes import idle_defenses_problem
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.conftest import compose_cfg


@pytest.mark.parametrize(
    ("release", "classes", "says"),
    [
        (TopKRelease(k=10), 10, "release.k=10: keeps all of the dataset's 10 classes"),
        (TopKRelease(k=9), 10, "release.k=9 with release.renormalize=false"),
        (TopKRelease(k=1), 2, "set release.renormalize=true (the label alone)"),
        (RoundingRelease(decimals=20), 10, "release.decimals=20: releases the outputs unchanged"),
        (NoiseRelease(scale=0.0), 10, "release.scale=0: adds no noise"),
        (NoiseRelease(scale=1e-320), 10, "its noise is lost in the float32 rounding"),
    ],
)
def test_a_release_that_lets_out_the_outputs_unchanged_is_idle(release, classes, says):
    (idle,) = release_idle(release, num_classes=classes)
    assert idle["defense"] == f"release={release.name}"
    assert says in idle["reason"] and "a full release under another name" in idle["reason"]


@pytest.mark.parametrize(
    ("release", "classes"),
    [
        (FullRelease(), 10),
        (LabelOnlyRelease(), 10),
        (TopKRelease(k=1), 10),
        (TopKRelease(k=9, renormalize=True), 10),
        (RoundingRelease(decimals=7), 10),
        (RoundingRelease(decimals=0), 10),
        (NoiseRelease(scale=0.05), 10),
    ],
)
def test_a_release_that_withholds_or_perturbs_is_not_idle(release, classes):
    assert release_idle(release, num_classes=classes) == []


def test_the_run_records_it_and_the_report_reads_it_with_care(tmp_path):
    run(compose_cfg("release=rounding", "release.decimals=20", "attack.bootstrap=0"), tmp_path)
    payload = read_json(tmp_path / RESULTS)
    (idle,) = payload["training"]["defenses_idle"]
    assert idle["defense"] == "release=rounding"
    assert idle["reason"].startswith("release.decimals=20: releases the outputs unchanged")
    assert idle_defenses_problem(payload) is None  # (not read as a hand-edited field)
    assert any(n.startswith("defense release=rounding did not act: release.decimals=20")
               for n in caveats(payload))  # fmt: skip
