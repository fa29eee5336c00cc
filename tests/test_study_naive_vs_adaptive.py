"""Study 3 (experiments/naive_vs_adaptive): its script end to end in tiny settings, and
compare.py on sweeps written here: every run it cannot use (no results.json, a corrupt or
edited one, a failed, diverged or NaN run) is named with its reason under the table, an empty
or missing root is a one-line error, never a traceback or a silently wrong table."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import load_script

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "experiments/naive_vs_adaptive"
TINY = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1", "figures=false",
        "attack.bootstrap=0", "attack.queries.num_augmented=0"]  # fmt: skip


@pytest.mark.slow  # 4 tiny runs (two defenses x two recipes) and compare.py: about 10 s
def test_the_study_runs_with_overrides_into_its_root_and_tabulates_every_run(tmp_path):
    root = tmp_path / "naive a,b=[c]"  # one path, not a sweep (run.sh quotes it for Hydra)
    before = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    env = {**os.environ, "BIN": str(Path(sys.executable).parent)}
    done = subprocess.run(
        ["bash", str(HERE / "run.sh"), str(root), "defense=[],[dp]", *TINY],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(list(root.glob("*/results.json"))) == 4
    out = root / "results"
    assert (out / "naive_vs_adaptive.png").stat().st_size > 1000
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["defense"], r["shadow_recipe"]) for r in rows} == {
        (d, r) for d in ("none", "dp") for r in ("same", "undefended")
    }
    for row in rows:
        for key, value in row.items():
            if key in ("defense", "shadow_recipe") or key.endswith(".attack"):
                assert value and value != "-", key
            else:
                assert 0.0 <= float(value) <= 1.0, (key, value)
    table = (out / "results.md").read_text().splitlines()
    assert [line.split(" | ")[0] for line in table[2:4]] == ["| none", "| dp"]
    assert "Left out" not in "\n".join(table)  # every run made a row
    after = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    assert after == before  # the recorded study is left alone


compare = load_script(HERE / "compare.py", "study3_compare")


def _payload(defense: str, recipe: str, *, scale: float = 1.0) -> dict:
    """A complete run's results.json, as far as compare.py and the report's checks read it."""
    attacks = {
        name: {"access": "outputs", "auc": 0.6, "tpr@0.1%fpr": round(low * scale, 4),
               "tpr@1%fpr": round(high * scale, 4)}
        for name, low, high in (("loss", 0.002, 0.02), ("rmia", 0.008, 0.05))
    }  # fmt: skip
    canaries = {"loss": 0.3, "rmia": 0.6}
    return {
        "schema_version": 1, "status": "complete", "seed": 0, "num_models": 4,
        "num_classes": 10,
        "utility": {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                    "chance_accuracy": 0.1},
        "attacks": attacks,
        "slices": {
            name: {"class_0": {"tpr@1%fpr": 0.5},
                   "canaries": {"auc": 0.9, "tpr@0.1%fpr": v / 2, "tpr@1%fpr": v}}
            for name, v in canaries.items()
        },
        "defense": {"defense": defense, "release": "full", "shadow_recipe": recipe},
    }  # fmt: skip


def _write(root: Path, name: str, payload: dict | str) -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "train.log").write_text("")
    text = payload if isinstance(payload, str) else json.dumps(payload)
    (run / "results.json").write_text(text)
    return run / "results.json"


def _sweep(root: Path) -> dict[str, Path]:
    """Four good runs: two defenses, each with both shadow recipes."""
    return {
        f"{d}/{r}": _write(root, f"defense={d},recipe={r}", _payload(d, r, scale=s))
        for d, s in (("none", 1.0), ("dp", 0.5))
        for r in ("same", "undefended")
    }


def test_a_sweep_of_good_runs_gives_one_row_per_defense_with_both_recipes(tmp_path):
    _sweep(tmp_path / "root")
    compare.main([str(tmp_path / "root"), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/results.md").read_text()
    assert "| none | 0.900 | 0.0080 (rmia) → 0.0080 (rmia) | 0.0500 (rmia) → 0.0500 (rmia) " \
        "| 0.6000 (rmia) → 0.6000 (rmia) |" in table
    assert "| dp | 0.900 | 0.0040 (rmia) → 0.0040 (rmia) |" in table
    assert "Left out" not in table and "Caveats" not in table
    rows = list(csv.DictReader((tmp_path / "out/results.csv").open()))
    assert [(r["defense"], r["shadow_recipe"]) for r in rows] == [
        ("none", "same"), ("none", "undefended"), ("dp", "same"), ("dp", "undefended")]
    assert (tmp_path / "out/naive_vs_adaptive.png").is_file()


def _broken_table(tmp_path, capsys, name: str, content: dict | str | None) -> tuple[str, str]:
    """compare.py's table and stderr for a good sweep whose run ``name`` holds ``content``
    (``None``: no results.json, the run failed or still runs)."""
    root = tmp_path / "root"
    paths = _sweep(root)
    if content is None:
        paths[name].unlink()
    else:
        paths[name].write_text(content if isinstance(content, str) else json.dumps(content))
    found, skipped, caveats = compare.load(root)
    assert set(found["dp"]) == {"same"}  # no figure of the broken run in the table
    return compare.notes(root, skipped, caveats), capsys.readouterr().err


def _edited(change) -> dict:
    payload = _payload("dp", "undefended", scale=0.5)
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
        (_edited(lambda p: p["attacks"]["rmia"].update({"tpr@1%fpr": "high"})),
         "attacks.rmia.tpr@1%fpr is a string 'high', not a number"),
        (_edited(lambda p: p["attacks"]["rmia"].update({"tpr@1%fpr": 1.5})),
         "attacks.rmia.tpr@1%fpr is 1.5, outside [0, 1]"),  # (the table showed 1.5000)
        (_edited(lambda p: p["slices"]["rmia"]["canaries"].update({"tpr@1%fpr": 1.5})),
         "slices.rmia.canaries.tpr@1%fpr is 1.5, no figure in [0, 1] (edited?)"),
        (_edited(lambda p: p["slices"]["rmia"]["canaries"].update({"tpr@1%fpr": float("nan")})),
         "slices.rmia.canaries.tpr@1%fpr is nan, no figure in [0, 1]"),
        (_edited(lambda p: p["defense"].pop("shadow_recipe")), "no defense.defense or"),
        (_edited(lambda p: p.pop("slices")), "no canary results"),
        # a failed attack run: every attack's TPR a NaN (null in the file)
        (_edited(lambda p: [m.update({"tpr@0.1%fpr": None}) for m in p["attacks"].values()]),
         "no finite records tpr@0.1%fpr in any attack (missing, or null: a NaN when written)"),
        (_edited(lambda p: [s["canaries"].update({"tpr@1%fpr": None})
                            for s in p["slices"].values()]),
         "no finite canaries tpr@1%fpr in any attack"),
    ],
    ids=["missing", "truncated", "not-an-object", "running", "diverged", "string-figure",
         "tpr-above-1", "canary-above-1", "canary-nan-literal", "no-recipe", "no-canaries",
         "nan-records", "nan-canaries"],
)  # fmt: skip
def test_a_run_it_cannot_use_is_left_out_by_name_with_its_reason(
    tmp_path, capsys, content, reason
):
    notes, err = _broken_table(tmp_path, capsys, "dp/undefended", content)
    assert notes.startswith("\nLeft out (no row, or a – cell):\n")
    assert "defense=dp,recipe=undefended" in notes and reason in notes, notes
    assert f"left out {tmp_path / 'root' / 'defense=dp,recipe=undefended'}" in err
    assert reason in err


def test_the_table_shows_a_dash_where_a_run_was_left_out_and_says_why(tmp_path, capsys):
    root = tmp_path / "root"
    _sweep(root)["dp/undefended"].write_text('{"status": "compl')  # cut short
    compare.main([str(root), "--out", str(tmp_path / "out")])
    table = (tmp_path / "out/results.md").read_text()
    assert "| dp | 0.900 | – → 0.0040 (rmia) |" in table
    assert "- `defense=dp,recipe=undefended/results.json`: not valid JSON" in table
    rows = list(csv.DictReader((tmp_path / "out/results.csv").open()))
    assert len(rows) == 3


def test_an_attack_with_a_nan_figure_is_passed_over_with_a_caveat(tmp_path, capsys):
    """rmia's NaN TPR: the strongest is loss's (the others), said under the table; before,
    None (a NaN in the file) against a number stopped compare.py with a TypeError."""
    root = tmp_path / "root"
    nan = _edited(lambda p: p["attacks"]["rmia"].update({"tpr@0.1%fpr": None}))
    _sweep(root)["dp/undefended"].write_text(json.dumps(nan))
    found, skipped, caveats = compare.load(root)
    assert not skipped
    row = found["dp"]["undefended"]
    assert (row["records.tpr@0.1%fpr"], row["records.tpr@0.1%fpr.attack"]) == (0.001, "loss")
    assert row["records.tpr@1%fpr.attack"] == "rmia"  # (its other figures still count)
    [(path, note)] = caveats
    assert path.parent.name == "defense=dp,recipe=undefended"
    assert note.startswith("records tpr@0.1%fpr of rmia is null (a NaN when written)")
    assert "caveat on" in capsys.readouterr().err


def test_a_useless_model_keeps_its_row_with_a_caveat(tmp_path, capsys):
    root = tmp_path / "root"
    useless = _edited(lambda p: p["utility"].update(
        {"test_accuracy": 0.05, "train_accuracy": 0.05, "generalization_gap": 0.0}))
    _sweep(root)["dp/undefended"].write_text(json.dumps(useless))
    found, skipped, caveats = compare.load(root)
    assert "undefended" in found["dp"] and not skipped
    assert "not above chance" in compare.notes(root, skipped, caveats)


@pytest.mark.parametrize("case", ["no-root", "empty", "only-other-folders", "all-broken"])
def test_a_root_without_a_usable_run_is_one_line_naming_it(tmp_path, capsys, case):
    root = tmp_path / "root"
    if case != "no-root":
        root.mkdir()
    if case == "only-other-folders":
        (root / "results").mkdir()  # compare.py's own output of an earlier call
        (root / ".model_store").mkdir()
    if case == "all-broken":
        _write(root, "a", "{")
        _write(root, "b", '{"status": "running"}')
    with pytest.raises(SystemExit) as exc:
        compare.main([str(root), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert message.startswith(f"compare.py: error: {root}: ") and "\n" not in message
    assert ("none of its 2 runs could be used" if case == "all-broken" else
            "run the study first (experiments/naive_vs_adaptive/run.sh ROOT)") in message
    assert not (tmp_path / "out").exists()


def test_two_runs_of_one_defense_and_recipe_are_refused_naming_both(tmp_path):
    """A sweep over another setting too (two DP ε) would have shown the last run only."""
    root = tmp_path / "root"
    _sweep(root)
    _write(root, "defense=dp,recipe=same,eps=1", _payload("dp", "same"))
    with pytest.raises(SystemExit) as exc:
        compare.main([str(root), "--out", str(tmp_path / "out")])
    message = str(exc.value.code)
    assert "two runs of defense dp with shadow_recipe same" in message
    assert "defense=dp,recipe=same and defense=dp,recipe=same,eps=1" in message


def test_the_strongest_attack_skips_nan_figures():
    metrics = {"a": {"k": math.nan}, "b": {"k": 0.2}, "c": {"k": None}, "d": {}}
    assert compare.strongest(metrics, "k") == (0.2, "b")
    assert math.isnan(compare.strongest({"a": {"k": None}}, "k")[0])


def test_a_folder_it_cannot_read_is_named_not_a_traceback(tmp_path, capsys, monkeypatch):
    """(As root, chmod cannot refuse a read: the refusal is simulated.) A run folder whose
    results.json cannot be looked at (EACCES) is left out; a root that cannot be listed is
    a one-line error. Before, both ended in PermissionError."""
    root = tmp_path / "root"
    _sweep(root)
    locked = root / "defense=dp,recipe=undefended"
    real_stat = Path.stat

    def stat(self, **kwargs):
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    found, skipped, _ = compare.load(root)
    assert set(found["dp"]) == {"same"}
    assert skipped == [(locked, "cannot read it (Permission denied); check its permissions")]

    def iterdir(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(SystemExit) as exc:
        compare.main([str(root), "--out", str(tmp_path / "out")])
    assert exc.value.code == (
        f"compare.py: error: {root}: cannot list it (Permission denied); check its permissions"
    )
