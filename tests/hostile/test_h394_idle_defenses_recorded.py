"""A defense that did not act was said in the log alone (h390): results.json held no word of
it, so mia-report's table and Pareto front listed mia-train defense=early_stopping
plan.reference_size=300 train.epochs=8 plan.num_models=4 (no model stopped, none restored:
the undefended run's models, bit for bit) under early_stopping, read beside 'undefended' as a
defense that costs nothing and protects nothing; and with train.chunk_size=2 the warning came
once per chunk ('2 of the 2 model(s)', twice). The run now records each such defense, with
its reason, in results.json's training.defenses_idle (the defense's own idle_reason over all
the run's models, or its setting: a dropout or label smoothing below float32's precision),
says the after-training reason once, and mia-report lists the run under 'Figures to read with
care'."""

from __future__ import annotations

import logging

from mia_defense.cli.train import run
from mia_defense.defenses import EarlyStopping, RelaxLoss
from mia_defense.report.checks import caveats
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.conftest import compose_cfg
from tests.report.fake_runs import make_run, rewrite_results

SAID = "DEFENSE DID NOT ACT: defense.early_stopping:"


def _run(tmp_path, caplog, *overrides: str) -> tuple[dict, list[str]]:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        run(compose_cfg(*overrides, "attack.bootstrap=0"), tmp_path)
    return read_json(tmp_path / RESULTS), caplog.messages


def test_early_stopping_that_never_acted_is_recorded_and_said_once_across_chunks(
    tmp_path, caplog
):
    # patience 5 beyond 3 epochs at a small lr: no model stops, each one's validation loss
    # falls up to its last epoch (nothing restored); two chunks of two models
    payload, messages = _run(tmp_path, caplog, "defense=early_stopping",
                             "plan.reference_size=300", "train.lr=0.001",
                             "train.chunk_size=2")  # fmt: skip
    said = [m for m in messages if SAID in m]
    assert len(said) == 1  # (once a run, not once a chunk)
    assert "4 of the 4 model(s) neither stopped before the last of their train.epochs=3" in said[0]
    (idle,) = payload["training"]["defenses_idle"]
    assert idle["defense"] == "early_stopping"
    assert idle["reason"].startswith("defense.early_stopping: 4 of the 4 model(s) neither")
    notes = [n for n in caveats(payload) if n.startswith("defense early_stopping did not act")]
    assert len(notes) == 1 and "so they trained as without the defense" in notes[0]


def test_a_setting_that_does_nothing_is_recorded(tmp_path, caplog):
    payload, messages = _run(tmp_path, caplog, "defense=dropout", "defense.dropout.p=1e-12")
    (idle,) = payload["training"]["defenses_idle"]
    assert idle["defense"] == "dropout"
    assert idle["reason"].startswith("defense.dropout.p=1e-12: below float32's precision")
    assert not [m for m in messages if "DEFENSE DID NOT ACT" in m]  # (said before training)
    assert any(n.startswith("defense dropout did not act: defense.dropout.p=1e-12")
               for n in caveats(payload))  # fmt: skip


def test_the_default_run_records_none(tiny_run):
    assert tiny_run.payload["training"]["defenses_idle"] == []  # (written: h419)
    assert not [n for n in caveats(tiny_run.payload) if "did not act" in n]


def test_idle_reason_counts_every_model_and_skips_those_without_the_stat():
    acted, idle = {"early_stopping_acted": 1.0}, {"early_stopping_acted": 0.0}
    stopping = EarlyStopping(patience=2)
    assert stopping.idle_reason([acted, acted], epochs=8) is None
    assert stopping.idle_reason([{}, {}], epochs=8) is None  # (checkpoints from before)
    reason = stopping.idle_reason([acted, idle, idle], epochs=8)
    assert reason.startswith("defense.early_stopping: 2 of the 3 model(s)")
    relax = RelaxLoss(alpha=0.5)
    assert relax.idle_reason([{"relaxloss_lowest_loss": 0.2}, {}], epochs=8) is None
    reason = relax.idle_reason([{"relaxloss_lowest_loss": 0.7}, {"relaxloss_lowest_loss": 0.2}],
                               epochs=8)  # fmt: skip
    assert "in the training of 1 of the 2 model(s) (their lowest batch loss: 0.7)" in reason


def test_mia_report_reads_the_field_as_written_or_not_at_all(tmp_path):
    run_dir = tmp_path / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3, defense="early_stopping")
    payload = read_json(run_dir / RESULTS)
    assert not [n for n in caveats(payload) if "did not act" in n]
    for garbage in ("x", [1, None], {"defense": "a"}):
        rewrite_results(run_dir, lambda p, g=garbage: p.setdefault("training", {}).update(
            defenses_idle=g))
        assert not [n for n in caveats(read_json(run_dir / RESULTS)) if "did not act" in n]
    entry = {"defense": "early_stopping", "reason": "defense.early_stopping: 4 of the 4 ..."}
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(defenses_idle=[entry]))
    notes = [n for n in caveats(read_json(run_dir / RESULTS)) if "did not act" in n]
    assert notes == ["defense early_stopping did not act: defense.early_stopping: 4 of the 4 ..."]
