"""h573: `mia-attack RUN` on a mia-train run whose results.json had its ``training`` block
deleted (or nulled, or its engine dropped) recorded the attack as ``training.engine:
external``: the API's stand-in for models trained outside mia-defense, false of a run whose
config names mia-train's engine (``config.train.engine``, recorded by every mia-train since
it records ``training``). Such a record was edited after the run: it is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError


def _edited(fast_run, tmp_path: Path, change) -> Path:
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    path = run / "results.json"
    payload = json.loads(path.read_text())
    change(payload)
    path.write_text(json.dumps(payload))
    return run


@pytest.mark.parametrize("change", [
    lambda p: p.pop("training"),
    lambda p: p.update(training=None),
    lambda p: p.update(training={}),
    lambda p: p["training"].pop("engine"),
], ids=["deleted", "null", "empty", "engine deleted"])  # fmt: skip
def test_a_mia_train_record_without_its_training_engine_is_refused(fast_run, tmp_path, change):
    run = _edited(fast_run, tmp_path, change)
    with pytest.raises(DataError) as refused:
        read_source(run)
    said = str(refused.value)
    assert "training.engine is missing, but config.train.engine" in said, said
    assert "put the run's own results.json back" in said, said


def test_the_training_block_of_a_mia_train_record_is_read(fast_run, tmp_path):
    run = _edited(fast_run, tmp_path, lambda p: None)
    assert read_source(run).results["training"]["engine"] == "stacked"


def test_a_record_naming_no_engine_of_mia_train_is_still_read(fast_run, tmp_path):
    def older(payload: dict) -> None:  # (a hand-made record, or one before train.engine)
        payload.pop("training")
        payload["config"]["train"].pop("engine")

    run = _edited(fast_run, tmp_path, older)
    shutil.rmtree(run / "checkpoints")  # (its config, edited here, is not checked without)
    assert "training" not in read_source(run).results


def test_mia_report_skips_the_record_mia_attack_refuses(fast_run, tmp_path) -> None:
    """One rule (`training_problem`): mia-report ranked the run whose training block was
    deleted, without its caveats of defenses that did not act, while mia-attack refused it."""
    from mia_defense.report import load_runs
    from tests.report.fake_runs import rewrite_results

    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    rewrite_results(run, lambda p: p.pop("training"))
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run].startswith(
        "training.engine is missing, but config.train.engine is 'stacked'")
