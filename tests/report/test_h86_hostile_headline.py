"""A results.json whose whole ``headline`` block was deleted: the copies every figure is
checked against went with it, so the run must say it is no file of mia-defense's."""

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results, with_observations_digest

# what mia-defense's writer puts beside the headline (pipeline/record.py)
MARKS = {"versions": {"torch": "2.5.1", "code": "0123abcd"}, "timings": {"attacks": 1.0}}


def _headline(payload):
    return {"utility/test_accuracy": payload["utility"]["test_accuracy"],
            **{f"attack/{name}/auc": m["auc"] for name, m in payload["attacks"].items()}}


@pytest.mark.parametrize("headline", [None, "deleted", []])
def test_a_deleted_headline_skips_a_run_that_mia_defense_wrote(tmp_path, headline):
    run = tmp_path / "edited"
    make_run(run, test_accuracy=0.8, signal=2.0)
    rewrite_results(run, lambda p: p.update(
        MARKS, **({} if headline == "deleted" else {"headline": headline})))
    loaded = load_runs([tmp_path])
    assert not loaded.runs
    assert dict(loaded.skipped)[run].startswith(
        "no headline block (or not an object), but timings says mia-defense wrote the file")
    assert dict(loaded.skipped)[run].endswith("the block was deleted after the run; rerun it")


def test_a_run_with_its_headline_or_of_a_tool_without_one_is_kept(tmp_path):
    make_run(tmp_path / "own_tool", test_accuracy=0.8, signal=2.0)  # no writer's block
    make_run(tmp_path / "whole", test_accuracy=0.8, signal=2.0, seed=1)
    rewrite_results(tmp_path / "whole", lambda p: p.update(MARKS, headline=_headline(p)))
    make_run(tmp_path / "versions", test_accuracy=0.8, signal=2.0, seed=2)  # (tools write both)
    rewrite_results(tmp_path / "versions", lambda p: p.update(
        versions={"torch": "0.0"}, sha256=with_observations_digest(
            tmp_path / "versions", {"checkpoints/model_0000.pt": "a" * 64})))
    loaded = load_runs([tmp_path])
    assert sorted(r.name for r in loaded.runs) == ["own_tool", "versions", "whole"]
    assert not loaded.skipped and not loaded.unranked
