"""Study 5 (experiments/dp_audit): audit.py on sweeps written here: every run it cannot use
(no results.json, a corrupt or edited one, a failed, diverged or non-DP run, a missing or
corrupt .npz) is named with its reason under the table; an empty or missing root is a
one-line error, never a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import load_script

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "experiments/dp_audit"


audit = load_script(HERE / "audit.py", "study5_audit")
N = 40  # records; the first 20 are canaries


def _payload(eps: float) -> dict:
    """A complete DP run's results.json, as far as audit.py and the report's checks read it."""
    attacks = {
        name: {"access": "outputs", "auc": 0.6, "tpr@0.1%fpr": 0.01, "tpr@1%fpr": 0.05,
               "empirical_epsilon": value}
        for name, value in (("loss", 0.1), ("rmia", 0.3))
    }  # fmt: skip
    return {
        "schema_version": 1, "status": "complete", "seed": 0, "num_models": 2,
        "num_classes": 10,
        "utility": {"test_accuracy": 0.8, "train_accuracy": 0.9, "generalization_gap": 0.1,
                    "chance_accuracy": 0.1},
        "attacks": attacks,
        "defense": {"defense": "dp", "release": "full", "shadow_recipe": "same"},
        "privacy": {"epsilon": eps, "delta": 1e-4, "noise_multiplier": 1.5,
                    "epsilon_valid": True, "epsilon_refuted": False, "empirical_epsilon": 0.3,
                    "per_model": [{"epsilon": eps, "delta": 1e-4},
                                  {"epsilon": eps * 0.9, "delta": 1e-4}]},
        "config": {"attack": {"confidence": 0.95}, "defense": {"dp": {"target_epsilon": eps}}},
    }  # fmt: skip


def _write(root: Path, eps: float) -> Path:
    run = root / f"defense.dp.target_epsilon={eps:g}"
    run.mkdir(parents=True)
    (run / "train.log").write_text("")
    (run / "results.json").write_text(json.dumps(_payload(eps)))
    masks = np.zeros((2, N), dtype=bool)
    masks[0, ::2] = masks[1, 1::2] = True
    rng = np.random.default_rng(0)
    np.savez(run / "observations.npz", masks=masks)
    scores = {f"scores/{n}": masks + rng.normal(0, 1, (2, N)) for n in ("loss", "rmia")}
    np.savez(run / "scores.npz", targets=np.array([0, 1]), is_canary=np.arange(N) < N // 2,
             **scores)  # fmt: skip
    return run


def test_a_sweep_of_good_runs_gives_one_row_per_epsilon(tmp_path):
    for eps in (4.0, 1.0):
        _write(tmp_path / "root", eps)
    audit.main([str(tmp_path / "root"), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/results.md").read_text()
    assert table.splitlines()[2].startswith("| 1.0 | 1.000 | 0.900 | 1e-04 | 1.500 | 0.800 | "
                                            "0.300 | rmia |")  # fmt: skip
    assert "Left out" not in table
    rows = list(csv.DictReader((tmp_path / "out/results.csv").open()))
    assert [r["target_epsilon"] for r in rows] == ["1.0", "4.0"]
    assert (tmp_path / "out/epsilon.png").is_file()


def _edit(change):
    def edit(run: Path) -> None:
        payload = json.loads((run / "results.json").read_text())
        change(payload)
        (run / "results.json").write_text(json.dumps(payload))

    return edit


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda run: (run / "results.json").unlink(), "no results.json: the run failed"),
        (lambda run: (run / "results.json").write_text('{"status": '), "not valid JSON"),
        (lambda run: (run / "results.json").write_text(json.dumps(
            {"schema_version": 1, "status": "diverged", "diverged": {"reason": "loss is nan"}})),
         "training diverged: loss is nan"),
        (_edit(lambda p: p.update(privacy={"empirical_epsilon": 0.0})),
         "privacy.epsilon is null, no accountant's ε: not a DP-SGD run"),
        (_edit(lambda p: p["privacy"].update(per_model=[])),
         "privacy.per_model is [], not what DP-SGD writes"),
        (_edit(lambda p: p["config"]["attack"].pop("confidence")),
         "config.attack.confidence is null, not what DP-SGD writes"),
        (lambda run: (run / "scores.npz").unlink(), "scores.npz"),
        (lambda run: (run / "observations.npz").write_bytes(b"not a zip"), "observations.npz"),
        (lambda run: np.savez(run / "observations.npz", masks=np.zeros((1, N), dtype=bool)),
         "do not match observations.npz's masks"),
    ],
    ids=["missing", "truncated", "diverged", "no-dp", "no-per-model", "no-confidence",
         "no-scores", "corrupt-npz", "other-masks"],
)  # fmt: skip
def test_a_run_it_cannot_use_is_left_out_by_name_with_its_reason(
    tmp_path, capsys, change, reason
):
    """Before, each of these ended audit.py in a traceback (JSONDecodeError, KeyError,
    ValueError, FileNotFoundError, BadZipFile, IndexError) or dropped a run unsaid."""
    root = tmp_path / "root"
    _write(root, 1.0)
    change(_write(root, 4.0))
    rows, sweep = audit.load(root)
    assert [r["target_epsilon"] for r in rows] == [1.0]
    table = audit.notes(root, sweep.skipped, sweep.caveats, title="Left out (no row)")
    assert table.startswith("\nLeft out (no row):\n\n- `defense.dp.target_epsilon=4")
    assert reason in table, table
    assert "left out" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["no-root", "empty", "all-broken"])
def test_a_root_without_a_usable_run_is_one_line_naming_it(tmp_path, case):
    """Before: an IndexError (rows[0] of no row)."""
    root = tmp_path / "root"
    if case != "no-root":
        root.mkdir()
    if case == "all-broken":
        (_write(root, 1.0) / "results.json").write_text("{")
    with pytest.raises(SystemExit) as exc:
        audit.main([str(root), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert message.startswith(f"audit.py: error: {root}: ") and "\n" not in message
    assert not (tmp_path / "out").exists()


one_run = load_script(HERE / "one_run.py", "study5_one_run")


def _write_one_run(root: Path, group: str, eps: float, seed: int = 0) -> Path:
    """A one-run audit's run: _write's files, plus privacy.audit and audit.npz (the last 10
    records: the one-run audit's canaries, appended after the study's)."""
    run = _write(root / group, eps)
    run = run.rename(run.with_name(f"{run.name},seed={seed}"))
    payload = _payload(eps)
    part = {"epsilon": 0.5, "correct": 9, "guesses": 10, "canaries": 20}
    payload["privacy"]["audit"] = {"delta": 1e-6, "confidence": 0.95,
                                   "black_box": part, "white_box": {**part, "epsilon": 1.5}}
    payload.update(seed=seed, wall_seconds=6.4)
    payload["config"]["attack"]["audit_canaries"] = 10
    (run / "results.json").write_text(json.dumps(payload))
    rng = np.random.default_rng(seed)
    included = rng.random(50) < 0.5
    np.savez(run / "audit.npz", **{"white_box/sums": included + rng.normal(0, 1, 50),
                                   "white_box/included": included})  # fmt: skip
    return run


def test_the_one_run_table_has_a_row_per_run_of_each_group(tmp_path):
    root = tmp_path / "root"
    for eps in (2.0, 1.0):
        _write_one_run(root, "delta_1e-6", eps)
    _write_one_run(root, "seeds", 1.0, seed=1)
    _write_one_run(root, "default_delta", 1.0)
    one_run.main([str(root), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/one_run.md").read_text().splitlines()
    assert [line.split(" | ")[:2] for line in table[2:]] == [
        ["| 0", "1.0"], ["| 0", "2.0"], ["| 1", "1.0"], ["| 0", "1.0"]]
    assert "| 9/10 of 20 | **1.500** | 9/10 of 20 |" in table[2]
    assert not any("Left out" in line for line in table)
    assert (tmp_path / "out/one_run.png").is_file()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda run: (run / "results.json").write_text("[]"), "expected a JSON object"),
        (_edit(lambda p: p["privacy"].pop("audit")), "no privacy.audit: not a one-run audit"),
        (_edit(lambda p: p["privacy"]["audit"].pop("white_box")), "no 'white_box' in its"),
        (_edit(lambda p: p["privacy"]["audit"]["black_box"].update(epsilon="high")),
         "its black_box is no number"),
        (lambda run: (run / "audit.npz").unlink(), "audit.npz"),
        (lambda run: np.savez(run / "audit.npz", **{"white_box/sums": np.zeros(3),
                                                    "white_box/included": np.zeros(4, bool)}),
         "its white_box arrays do not fit"),
        (lambda run: (run / "scores.npz").write_bytes(b""), "scores.npz"),
    ],
    ids=["not-an-object", "no-audit", "no-white-box", "string-epsilon", "no-audit-npz",
         "audit-npz-mismatch", "empty-scores"],
)  # fmt: skip
def test_a_one_run_audit_it_cannot_use_is_left_out_by_name(tmp_path, capsys, change, reason):
    """Before: a JSONDecodeError, KeyError, FileNotFoundError, ValueError or a format's
    TypeError traceback."""
    root = tmp_path / "root"
    _write_one_run(root, "delta_1e-6", 1.0)
    change(_write_one_run(root, "seeds", 1.0, seed=1))
    runs, sweep = one_run.load(root)
    assert [len(runs[g]) for g in one_run.GROUPS] == [1, 0, 0]
    below = one_run.notes(root, sweep.skipped, sweep.caveats, title="Left out (no row)")
    assert below.startswith("\nLeft out (no row):\n\n- `seeds/defense.dp.target_epsilon=1,seed=1")
    assert reason in below, below
    assert "- `default_delta`: no such directory" in below  # a group not run: named too


def test_a_one_run_root_without_a_usable_run_is_one_line_naming_it(tmp_path):
    """Before: an IndexError (rows[0] of no row)."""
    with pytest.raises(SystemExit) as exc:
        one_run.main([str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert message.startswith(f"one_run.py: error: {tmp_path / 'none'}: no usable run")
    assert "\n" not in message and not (tmp_path / "out").exists()
