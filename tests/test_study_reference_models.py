"""Study 4 (experiments/reference_models): its script end to end in tiny settings, and
plot.py on sweeps written here: every run it cannot use (no results.json, a corrupt or edited
one, a failed, diverged or NaN run) is named with its reason under the table and left out of
the means, an empty or missing root is a one-line error, never a traceback or a silently
wrong table."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import load_script

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "experiments/reference_models"
TINY = ["plan.population_size=200", "train.epochs=1", "figures=false", "attack.bootstrap=0"]


@pytest.mark.slow  # 4 tiny runs (K=2, 4 x seeds 0, 1) and plot.py: about 10 s
def test_the_study_runs_with_overrides_of_its_sweep_into_its_root(tmp_path):
    """plan.num_models and seed given as overrides replace the study's sweep over them
    (mia-train refuses a key given twice), and the tables go into ROOT/results."""
    root = tmp_path / "refs a,b=[c]"  # one path, not a sweep (run.sh quotes it for Hydra)
    before = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    env = {**os.environ, "BIN": str(Path(sys.executable).parent)}
    done = subprocess.run(
        ["bash", str(HERE / "run.sh"), str(root), "plan.num_models=2,4", "seed=0,1", *TINY],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(list(root.glob("*/results.json"))) == 4
    out = root / "results"
    assert (out / "tpr_vs_k.png").stat().st_size > 1000
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["K"], r["seed"]) for r in rows] == [("2", "0"), ("2", "1"), ("4", "0"), ("4", "1")]
    for row in rows:
        for key in ("test_accuracy", "lira_online.auc", "lira_offline.tpr@0.1%fpr", "rmia.auc"):
            assert 0.0 <= float(row[key]) <= 1.0, (key, row[key])
    assert set(rows[0]) == {"K", "seed", "test_accuracy"} | {
        f"{a}.{m}" for a in ("lira_online", "lira_offline", "rmia") for m in ("auc", "tpr@0.1%fpr")
    }
    table = (out / "results.md").read_text()
    assert [line.split(" | ")[0] for line in table.splitlines()[2:4]] == ["| 2", "| 4"]
    assert "Seeds: 0, 1;" in table and "Left out" not in table
    after = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    assert after == before  # the recorded study is left alone


plot = load_script(HERE / "plot.py", "study4_plot")
ATTACKS = ("lira_online", "lira_offline", "rmia")


def _payload(k: int, seed: int) -> dict:
    """A complete run's results.json, as far as plot.py and the report's checks read it: the
    TPR of attack i is k * (i + 1) / 1000 + seed / 10000."""
    return {
        "schema_version": 1, "status": "complete", "seed": seed, "num_models": k,
        "num_classes": 10,
        "utility": {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                    "chance_accuracy": 0.1},
        "attacks": {
            name: {"access": "outputs", "auc": 0.6,
                   "tpr@0.1%fpr": round(k * (i + 1) / 1000 + seed / 10000, 6)}
            for i, name in enumerate(ATTACKS)
        },
        "defense": {"defense": "none", "release": "full", "shadow_recipe": "same"},
    }  # fmt: skip


def _write(root: Path, name: str, payload: dict | str) -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "train.log").write_text("")
    text = payload if isinstance(payload, str) else json.dumps(payload)
    (run / "results.json").write_text(text)
    return run / "results.json"


def _sweep(root: Path, ks=(2, 4), seeds=(0, 1)) -> dict[tuple[int, int], Path]:
    return {(k, s): _write(root, f"K={k},seed={s}", _payload(k, s)) for k in ks for s in seeds}


def test_a_sweep_of_good_runs_gives_the_mean_and_every_seed_per_k(tmp_path):
    _sweep(tmp_path / "root", ks=(2, 4, 8))
    plot.main([str(tmp_path / "root"), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/results.md").read_text()
    assert "| 4 | 0.900 | 0.600 | 0.0040 (0.0040, 0.0041) | 0.600 | 0.0080 (0.0080, 0.0081) " \
        "| 0.600 | 0.0120 (0.0120, 0.0121) |" in table
    assert table.endswith("Seeds: 0, 1; AUC and test accuracy are means over the seeds.\n")
    rows = list(csv.DictReader((tmp_path / "out/results.csv").open()))
    assert [(r["K"], r["seed"]) for r in rows] == [(k, s) for k in "248" for s in "01"]
    assert (tmp_path / "out/tpr_vs_k.png").is_file()


def _edited(change) -> dict:
    payload = _payload(4, 1)
    change(payload)
    return payload


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no results.json: the run failed or is still running"),
        ('{"status": "complete", "attacks": {', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({"schema_version": 1, "status": "running"}, "status is 'running', not 'complete'"),
        ({"schema_version": 1, "status": "diverged", "diverged": {"reason": "loss is nan"}},
         "training diverged: loss is nan"),
        (_edited(lambda p: p.pop("num_models")), "no num_models (an integer) in it"),
        (_edited(lambda p: p.update(seed="1")), "seed is a string '1', not an integer"),
        (_edited(lambda p: p["attacks"].pop("rmia")),
         "no attacks.rmia: the study runs lira_online, lira_offline, rmia"),
        (_edited(lambda p: p["attacks"]["rmia"].update({"tpr@0.1%fpr": 1.5})),
         "attacks.rmia.tpr@0.1%fpr is 1.5, outside [0, 1]"),
        # a failed attack: its figures NaN (null in the file)
        (_edited(lambda p: p["attacks"]["lira_online"].update({"auc": None})),
         "attacks.lira_online.auc is null, no figure in [0, 1] (null: a NaN when written"),
        (_edited(lambda p: p["attacks"]["rmia"].update({"tpr@0.1%fpr": None})),
         "attacks.rmia.tpr@0.1%fpr is null, no figure in [0, 1]"),
    ],
    ids=["missing", "truncated", "not-an-object", "running", "diverged", "no-k", "string-seed",
         "no-rmia", "tpr-above-1", "nan-auc", "nan-tpr"],
)  # fmt: skip
def test_a_run_it_cannot_use_is_left_out_by_name_with_its_reason(
    tmp_path, capsys, content, reason
):
    root = tmp_path / "root"
    path = _sweep(root)[(4, 1)]
    if content is None:
        path.unlink()
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    runs, skipped, caveats = plot.load(root)
    assert [r["seed"] for r in runs[4]] == [0]  # the mean over the seeds left
    notes = plot.notes(root, skipped, caveats)
    assert notes.startswith("\nLeft out (not in the means):\n\n- `K=4,seed=1")
    assert reason in notes, notes
    err = capsys.readouterr().err
    assert f"left out {root / 'K=4,seed=1'}" in err and reason in err


def test_the_table_says_which_run_is_missing_from_a_mean(tmp_path, capsys):
    """Before, a NaN TPR made the mean NaN, and an attack missing from a run NaN too."""
    root = tmp_path / "root"
    _sweep(root)[(4, 1)].write_text(
        json.dumps(_edited(lambda p: p["attacks"]["rmia"].update({"tpr@0.1%fpr": None})))
    )
    plot.main([str(root), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/results.md").read_text()
    assert "| 4 | 0.900 | 0.600 | 0.0040 (0.0040) |" in table and "nan" not in table
    assert "- `K=4,seed=1/results.json`: attacks.rmia.tpr@0.1%fpr is null" in table


def test_the_seeds_line_names_the_seeds_of_a_k_that_lacks_some(tmp_path, capsys):
    """Before, it listed every seed (0, 1) though K=4's mean was of seed 0 alone."""
    root = tmp_path / "root"
    _sweep(root, ks=(2, 4, 8))[(4, 1)].write_text("{")
    plot.main([str(root), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/results.md").read_text()
    assert "\nSeeds: 0, 1 (K=4: only 0); AUC, test accuracy and TPR are means over each K's " \
        "seeds.\n" in table


def test_a_useless_model_keeps_its_row_with_a_caveat(tmp_path, capsys):
    root = tmp_path / "root"
    _sweep(root)[(4, 1)].write_text(json.dumps(_edited(lambda p: p["utility"].update(
        {"test_accuracy": 0.05, "train_accuracy": 0.05, "generalization_gap": 0.0}))))
    runs, skipped, caveats = plot.load(root)
    assert len(runs[4]) == 2 and not skipped
    assert "- `K=4,seed=1/results.json`: test accuracy 0.050 is not above chance" in (
        plot.notes(root, skipped, caveats))


@pytest.mark.parametrize("case", ["no-root", "empty", "only-other-folders", "all-broken"])
def test_a_root_without_a_usable_run_is_one_line_naming_it(tmp_path, capsys, case):
    root = tmp_path / "root"
    if case != "no-root":
        root.mkdir()
    if case == "only-other-folders":
        (root / "results").mkdir()  # plot.py's own output of an earlier call
        (root / ".model_store").mkdir()
    if case == "all-broken":
        _write(root, "a", "{")
        _write(root, "b", '{"status": "running"}')
    with pytest.raises(SystemExit) as exc:
        plot.main([str(root), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert message.startswith(f"plot.py: error: {root}: ") and "\n" not in message
    assert ("none of its 2 runs could be used" if case == "all-broken" else
            "run the study first (experiments/reference_models/run.sh ROOT)") in message
    assert not (tmp_path / "out").exists()


def test_two_runs_of_one_k_and_seed_are_refused_naming_both(tmp_path):
    """A sweep over another setting too (two epochs) would have averaged both as seeds."""
    root = tmp_path / "root"
    _sweep(root)
    _write(root, "K=4,seed=1,epochs=2", _payload(4, 1))
    with pytest.raises(SystemExit) as exc:
        plot.main([str(root), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert "two runs of K=4 and seed 1 (K=4,seed=1 and K=4,seed=1,epochs=2)" in message


def test_a_sweep_of_k2_only_is_drawn(tmp_path):
    _sweep(tmp_path / "root", ks=(2,))
    plot.main([str(tmp_path / "root"), "--out", str(tmp_path / "out")])
    assert (tmp_path / "out/tpr_vs_k.png").is_file()


def test_a_folder_it_cannot_read_is_named_not_a_traceback(tmp_path, capsys, monkeypatch):
    """(As root, chmod cannot refuse a read: the refusal is simulated.) A run folder whose
    results.json cannot be looked at (EACCES) is left out; a root that cannot be listed is
    a one-line error. Before, both ended in PermissionError."""
    root = tmp_path / "root"
    _sweep(root)
    locked = root / "K=4,seed=1"
    real_stat = Path.stat

    def stat(self, **kwargs):
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    runs, skipped, _ = plot.load(root)
    assert [r["seed"] for r in runs[4]] == [0]
    assert skipped == [(locked, "cannot read it (Permission denied); check its permissions")]

    def iterdir(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(SystemExit) as exc:
        plot.main([str(root), "--out", str(tmp_path / "out")])
    assert exc.value.code == (
        f"plot.py: error: {root}: cannot list it (Permission denied); check its permissions"
    )
