"""A finished DP run that a resumed sweep skips searched its σ anyway (h418): prepare_data
warned of the seeded noise's tail (`warn_seeded_noise_tail`, which plans σ) before
`claimed_run` knew the folder held a complete run (mia-train -m defense=dp
defense.dp.target_epsilon=1,2,4 plan.num_models=2 train.epochs=2, run again with 2 of the
3 finished: 3 σ plans before the claims, 2 of them for the skipped runs). It is now said
once the run is known to train: before the claim for a new folder, after it for a run
to resume; never for a finished one."""

from __future__ import annotations

import json
import logging

from mia_defense.cli.build import claimed_run, run
from mia_defense.defenses import DPSGD
from tests.helpers import FAST

_WARNING = "defense.dp: ε will not be a guarantee (privacy.epsilon_valid: false): "


def _plans(monkeypatch) -> list[tuple[int, ...]]:
    planned: list[tuple[int, ...]] = []
    original = DPSGD.plan

    def plan(self, *, sizes, batch_size, epochs):
        if len(sizes):  # (check_config's call with no sizes plans nothing)
            planned.append(tuple(sizes))
        return original(self, sizes=sizes, batch_size=batch_size, epochs=epochs)

    monkeypatch.setattr(DPSGD, "plan", plan)
    return planned


def test_a_finished_dp_run_is_claimed_without_planning_sigma(
    make_cfg, tmp_path, monkeypatch, caplog
):
    cfg = make_cfg("defense=dp", "defense.dp.target_epsilon=50", *FAST)
    run(cfg, tmp_path / "run")
    planned = _plans(monkeypatch)
    caplog.clear()  # (the run's own warning)
    with caplog.at_level(logging.WARNING), claimed_run(cfg, tmp_path / "run") as (_, _, done):
        assert done is not None and done["status"] == "complete"  # (skipped by mia-train)
    assert planned == []
    assert not [r for r in caplog.records if r.getMessage().startswith(_WARNING)]


def test_a_new_run_is_still_warned_before_training(make_cfg, tmp_path, monkeypatch, caplog):
    cfg = make_cfg("defense=dp", "defense.dp.target_epsilon=50", *FAST)
    planned = _plans(monkeypatch)
    with caplog.at_level(logging.WARNING), claimed_run(cfg, tmp_path / "new") as (_, _, done):
        assert done is None
    assert planned  # (the warning's plan and check_defense_plans')
    said = [r for r in caplog.records if r.getMessage().startswith(_WARNING)]
    assert len(said) == 1


def test_a_run_to_resume_is_still_warned_before_it_trains_on(
    make_cfg, tmp_path, monkeypatch, caplog
):
    cfg = make_cfg("defense=dp", "defense.dp.target_epsilon=50", *FAST)
    run(cfg, tmp_path / "run")
    results = tmp_path / "run" / "results.json"
    results.write_text(json.dumps({**json.loads(results.read_text()), "status": "interrupted"}))
    caplog.clear()
    with caplog.at_level(logging.WARNING), claimed_run(cfg, tmp_path / "run") as (_, _, done):
        assert done is None  # (resumed from its checkpoints)
    said = [r for r in caplog.records if r.getMessage().startswith(_WARNING)]
    assert len(said) == 1
