"""A defense that did not act in some of a run's models only was marked on mia-report's fronts
'did not act in 2 of 4 models' (20503fd3), but its caveat under "Figures to read with care",
mia-train's READ WITH CARE line and TensorBoard's card (all `caveats`' words) said 'defense
relaxloss did not act: ...', as of one idle in every model, and the charts' caption
explained their mark as 'its defense idle'. Every place now says 'in i of m models' alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.defenses.relaxloss import LOWEST_LOSS, RelaxLoss
from mia_defense.report import write_report
from mia_defense.report.charts import _CAREFUL_CAPTION
from mia_defense.report.checks import caveats, run_end_lines
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run, rewrite_results


def _run(root: Path, entry: dict) -> Path:
    make_run(root / "rl", test_accuracy=0.85, signal=0.1, defense="relaxloss")
    rewrite_results(root / "rl", lambda p: p.setdefault("training", {}).update(
        defenses_idle=[{"defense": "relaxloss"} | entry]))
    return root / "rl"


def _worded(lowest: list[float]) -> dict:
    """The entry of a run before the count fields: RelaxLoss's reason alone."""
    reason = RelaxLoss(alpha=0.5).idle_reason([{LOWEST_LOSS: v} for v in lowest], epochs=3)
    return {"reason": reason}


@pytest.mark.parametrize("entry", [
    _worded([0.3, 0.4, 0.55, 0.76]),
    {"reason": "alpha out of reach", "idle_models": 2, "models": 4},
])  # fmt: skip
def test_the_caveats_say_in_how_many_models_as_the_front(tmp_path, entry):
    payload = read_json(_run(tmp_path / "runs", entry) / RESULTS)
    (note,) = [n for n in caveats(payload) if n.startswith("defense relaxloss")]
    assert note.startswith("defense relaxloss did not act in 2 of 4 models: ")
    assert f"READ WITH CARE: {note}" in run_end_lines(payload)
    report = write_report([tmp_path / "runs"], out_dir=tmp_path / "report",
                          tensorboard=False, charts=False)  # fmt: skip
    summary = report.files["summary"].read_text(encoding="utf-8")
    assert "relaxloss (did not act in 2 of 4 models)" in summary and note in summary


@pytest.mark.parametrize("entry", [
    _worded([0.6, 0.7, 0.55, 0.76]),
    {"reason": "alpha out of reach", "idle_models": 4, "models": 4},
    {"reason": "alpha out of reach"},
])  # fmt: skip
def test_a_defense_idle_in_every_model_keeps_its_words(tmp_path, entry):
    payload = read_json(_run(tmp_path / "runs", entry) / RESULTS)
    (note,) = [n for n in caveats(payload) if n.startswith("defense relaxloss")]
    assert note.startswith("defense relaxloss did not act: ")


def test_the_charts_caption_covers_a_defense_idle_in_some_models():
    assert "a defense of it idle in some or all of its models" in _CAREFUL_CAPTION
