"""Run directories written by hand (results.json, scores.npz, observations.npz) for report tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.metrics import roc_metrics
from mia_defense.tracking import SCHEMA_VERSION, read_json, write_json, write_npz
from mia_defense.tracking.run_dir import mark_run

FPRS = (0.1, 0.01, 0.001)


def fpr_key(fpr: float) -> str:
    return f"tpr@{fpr * 100:g}%fpr"


def make_run(
    run_dir: Path,
    *,
    test_accuracy: float,
    signal: float,
    defense: str = "none",
    release: str = "full",
    defense_hparams: dict[str, Any] | None = None,
    hparams: dict[str, Any] | None = None,
    epsilon: float | None = None,
    seed: int = 0,
    chance_accuracy: float | None = None,
) -> dict[str, Any]:
    """Write a complete run whose attacks separate members by ``signal``; return its payload.

    With ``chance_accuracy`` the run records the majority-class rate, and is flagged
    ``utility_below_chance`` when ``test_accuracy`` is not above it (as mia-train does).
    """
    rng = np.random.default_rng(seed)
    masks = rng.random((4, 200)) < 0.5
    targets = np.arange(2)
    truth = masks[targets]
    scores = {
        "loss": rng.normal(0, 1, truth.shape) + 0.5 * signal * truth,
        "lira": rng.normal(0, 1, truth.shape) + signal * truth,
    }
    attacks = {}
    for name, s in scores.items():
        m = roc_metrics(s, truth, fprs=FPRS)
        attacks[name] = {"auc": m.auc, "advantage": m.advantage, "seconds": 0.01}
        attacks[name].update({fpr_key(f): m.tpr_at_fpr[f] for f in FPRS})
    strongest = max(attacks, key=lambda a: (attacks[a][fpr_key(0.001)], attacks[a]["auc"]))
    utility = {
        "test_accuracy": test_accuracy,
        "train_accuracy": min(test_accuracy + 0.1, 1.0),
        "generalization_gap": 0.1,
    }
    flags = {}
    if chance_accuracy is not None:
        utility["chance_accuracy"] = chance_accuracy
        flags["utility_below_chance"] = test_accuracy <= chance_accuracy
    payload = {
        "schema_version": SCHEMA_VERSION,
        "status": "complete",
        "utility": utility,
        **flags,
        "attacks": attacks,
        "strongest_attack": strongest,
        "defense": {"defense": defense, "release": release, **(defense_hparams or {})},
        "privacy": {} if epsilon is None else {"epsilon": epsilon},
        "hparams": {"seed": 0, "train.epochs": 3, **(hparams or {})},
        "config": {"seed": 0, "progress": False},
    }
    write_json(run_dir / "results.json", payload)
    arrays = {f"scores/{k}": v for k, v in scores.items()}
    write_npz(run_dir / "scores.npz", targets=targets, **arrays)
    write_npz(run_dir / "observations.npz", masks=masks, labels=np.zeros(200, dtype=np.int64))
    return payload


def make_diverged_run(run_dir: Path, *, reason: str) -> dict[str, Any]:
    """Write the results.json of a run whose training diverged (no attacks) as mia-train does;
    return it."""
    config = {"seed": 0, "progress": False}
    mark_run(
        run_dir, status="diverged", config=config, data_fingerprint="0", diverged={"reason": reason}
    )
    return read_json(run_dir / "results.json")
