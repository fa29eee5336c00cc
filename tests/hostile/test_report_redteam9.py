"""mia-report red team, ninth pass: a run attacked again from its folder, a report folder
of another sweep, runs that disagree on what they measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.errors import ConfigError
from mia_defense.report import build, load_runs, write_report
from mia_defense.report.charts import tradeoff_figure
from mia_defense.tracking import write_npz
from mia_defense.tracking.run_dir import mark_run
from tests.report.fake_runs import make_run, not_ranked_reasons, rewrite_results


def _report(roots: list[Path], out: Path, **kwargs: Any):
    return write_report(roots, out_dir=out, charts=False, **{"tensorboard": False, **kwargs})


def _attacked_file(payload: dict[str, Any], folder: Path, *, test_set: bool) -> None:
    """What mia-attack writes for an observations file (with or without test outputs)."""
    if not test_set:
        payload["utility"].update(
            test_accuracy=None, test_accuracy_std=None, generalization_gap=None
        )
    payload.update(test_size=100 if test_set else 0, dataset="obs")
    payload["config"] = {"source": "obs.npz", "seed": 0, "attack": {"fprs": [0.1, 0.01, 0.001]}}
    payload["source"] = {"kind": "observations", "path": str(folder / "obs.npz"), "metadata": {}}


def _attacked_again(payload: dict[str, Any], first: Path) -> None:
    """What mia-attack writes for the run folder ``first`` of an observations file: the
    first run's facts and config, the source now the folder (its metadata not recorded)."""
    payload["source"] = {"kind": "run_directory", "path": str(first)}


# --- a run attacked again from its folder -------------------------------------------------------


def test_a_run_without_a_test_set_attacked_again_from_its_folder_is_not_ranked_alike(
    tmp_path, capsys
):
    # observations without test outputs: the file's run was "not ranked" (no test accuracy),
    # the same observations attacked again from that run's folder "skipped" as a broken
    # figure ("utility.test_accuracy is null (NaN when written)")
    root = tmp_path / "sweep"
    make_run(root / "ok", test_accuracy=0.9, signal=1.0)
    for name in ("first", "again"):
        make_run(root / name, test_accuracy=0.9, signal=1.0, seed=1)
        rewrite_results(root / name, lambda p: _attacked_file(p, tmp_path, test_set=False))
    rewrite_results(root / "again", lambda p: _attacked_again(p, root / "first"))
    argv = [str(root), "--out", str(tmp_path / "out"), "--no-tensorboard", "--no-charts"]
    assert report_main(argv) == 0
    assert "1 run reported, 0 skipped, 2 not ranked" in capsys.readouterr().out
    reasons = not_ranked_reasons(tmp_path / "out")
    assert reasons["again"] == reasons["first"]
    assert reasons["again"].startswith("no test accuracy (attacked without a test set)")
    # a run folder of mia-train's models has a test set: a null there is still a NaN
    make_run(root / "trained_again", test_accuracy=0.9, signal=1.0, seed=2)
    rewrite_results(
        root / "trained_again",
        lambda p: (p["utility"].update(test_accuracy=None), _attacked_again(p, root / "x")),
    )
    assert report_main(argv) == 0
    reason = not_ranked_reasons(tmp_path / "out")[str(root / "trained_again")]
    assert "utility.test_accuracy is null" in reason


def test_observations_attacked_again_from_the_run_folder_share_the_first_runs_front(tmp_path):
    # the file's run was named "obs (labels DIGEST)" (its metadata names no dataset), the
    # same observations attacked again from that folder "obs": two fronts for one set of
    # models; and a model the file's metadata names was lost ("unknown")
    root = tmp_path / "sweep"
    for name, accuracy in (("first", 0.9), ("again", 0.8)):
        make_run(root / name, test_accuracy=accuracy, signal=1.0)
        rewrite_results(root / name, lambda p: _attacked_file(p, tmp_path, test_set=True))
    rewrite_results(root / "again",
                    lambda p: (_attacked_again(p, root / "first"), p.update(seed=1)))
    report = _report([root], tmp_path / "out")
    assert {s.dataset for s in report.summaries} == {report.summaries[0].dataset}
    assert report.summaries[0].dataset.startswith("obs (labels ")
    assert len(report.fronts) == 1
    # the metadata of the folder's copy of the observations names the dataset and model
    metadata = json.dumps({"dataset": "adult", "model": "xgboost"})
    for name in ("first", "again"):
        write_npz(
            root / name / "observations.npz",
            masks=np.zeros((4, 200), bool),
            labels=np.zeros(200, dtype=np.int64),
            metadata=np.array(metadata),
        )
    rewrite_results(root / "first", lambda p: p["source"].update(metadata=json.loads(metadata)))
    rewrite_results(root / "first", lambda p: p.update(dataset="adult"))
    rewrite_results(root / "again", lambda p: p.update(dataset="adult"))
    report = _report([root], tmp_path / "out")
    assert {s.pair for s in report.summaries} == {("adult", "xgboost")}


# --- --out at the report of another sweep -------------------------------------------------------


def test_a_report_of_other_runs_into_an_earlier_reports_folder_is_refused(tmp_path, capsys):
    # mia-report B --out A/report replaced sweep A's report with B's without a word
    sweep_a, sweep_b = tmp_path / "a", tmp_path / "b"
    make_run(sweep_a / "x", test_accuracy=0.9, signal=1.0)
    make_run(sweep_b / "y", test_accuracy=0.8, signal=1.0)
    out = sweep_a / "report"
    flags = ["--no-tensorboard", "--no-charts"]
    assert report_main([str(sweep_a), *flags]) == 0
    assert report_main([f"{sweep_a}/.", *flags]) == 0  # the same folder, written otherwise
    before = (out / "tradeoff.csv").read_bytes()
    capsys.readouterr()
    assert report_main([str(sweep_b), "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mia-report: {out}: holds the report of {sweep_a.resolve()} (its "), err
    assert f"not of {sweep_b.resolve()}" in err and "pass --replace" in err
    assert "choose another report directory (mia-report --out DIR)" in err
    assert (out / "tradeoff.csv").read_bytes() == before
    # more folders than the report read is another report too
    assert report_main([str(sweep_a), str(sweep_b), *flags]) == 2
    # --replace replaces it, and the mark then names the new folders
    assert report_main([str(sweep_b), "--out", str(out), "--replace", *flags]) == 0
    assert (out / "tradeoff.csv").read_bytes() != before
    assert report_main([str(sweep_b), "--out", str(out), *flags]) == 0
    assert report_main([str(sweep_a), "--out", str(out), *flags]) == 2
    # a report written before the mark named its folders may be rewritten by any
    (out / ".mia-report").write_text("This folder holds a report of mia-report\n")
    assert report_main([str(sweep_a), "--out", str(out), *flags]) == 0
    assert 'sources: [".."]' in (out / ".mia-report").read_text()  # (relative to out)


# --- a run attacked again, counted as a seed replicate of itself -------------------------------


def test_a_run_attacked_again_with_its_own_settings_is_counted_once(tmp_path):
    # mia-attack RUN reproduces RUN's figures: with the same settings it is no new evidence,
    # yet its source (the folder) told it apart from RUN, and the two shared a row as seed
    # replicates (n=2, seeds 0, 0), the interval shrunk for nothing
    root = tmp_path / "sweep"
    make_run(root / "trained", test_accuracy=0.9, signal=1.0)
    make_run(root / "again", test_accuracy=0.9, signal=1.0)
    rewrite_results(root / "again", lambda p: _attacked_again(p, root / "trained"))
    make_run(root / "moved", test_accuracy=0.9, signal=1.0)  # of a folder since moved
    rewrite_results(root / "moved", lambda p: _attacked_again(p, tmp_path / "elsewhere"))
    make_run(root / "other_seed", test_accuracy=0.85, signal=1.0, seed=1)
    report = _report([root], tmp_path / "out")
    assert [s.name for s in report.summaries] == ["other_seed", "trained"]
    assert [g.seeds for g in report.groups] == [[1, 0]]
    reasons = not_ranked_reasons(tmp_path / "out")
    assert reasons["again"].startswith("the same experiment as trained (same config, seeds ")
    assert "the same models attacked again" in reasons["again"]
    assert set(reasons) == {"again", "moved"}
    # observations of a file, attacked again from its run folder: the same
    for name in ("first", "first_again"):
        make_run(root / name, test_accuracy=0.8, signal=1.0, seed=5)
        rewrite_results(root / name, lambda p: _attacked_file(p, tmp_path, test_set=True))
    rewrite_results(root / "first_again", lambda p: _attacked_again(p, root / "first"))
    assert "first_again" in not_ranked_reasons(_report([root], tmp_path / "out").out_dir)
    # attacked again by other code: no repeat, and no seed replicate either
    rewrite_results(root / "again", lambda p: p.update(versions={"code": "other"}))
    report = _report([root], tmp_path / "out")
    assert "again" in [s.name for s in report.summaries]
    assert all(g.seeds.count(0) < 2 for g in report.groups)


# --- a sweep of thousands of runs ---------------------------------------------------------------


class _CountedList(list):
    """A list counting how often it is read through."""

    reads = 0

    def __iter__(self):
        type(self).reads += 1
        return super().__iter__()


def test_rows_to_read_with_care_are_found_in_one_pass_over_the_caveats(tmp_path):
    # every row of the tables asked read_with_care, which read every caveat again: a sweep of
    # 3000 runs with a caveat each (a TPR below the resolution of its scores, common) spent
    # most of the report's time there
    root = tmp_path / "sweep"
    for i in range(12):
        make_run(root / f"train.lr={i}", test_accuracy=0.6 + i / 100, signal=1.0,
                 nonmember_scores=400)  # fmt: skip
    report = _report([root], tmp_path / "out")
    assert len(report.groups) == 12 and len(report.caveats) == 12
    report.caveats = _CountedList(report.caveats)
    build._write_tables(report)
    build._fronts_markdown(report)
    assert _CountedList.reads <= 6


# --- runs of one population, set otherwise --------------------------------------------------------


def test_a_population_left_to_the_data_is_compared_by_the_size_it_had(tmp_path):
    # plan.population_size=null (all records but the test set: 1000 on digits) and =1000
    # measured the same models, yet got two fronts ("plan.population_size=(not set)"); two
    # nulls on populations of other sizes shared one
    root = tmp_path / "sweep"
    for name, size, used in (("auto", None, 1000), ("set", 1000, 1000), ("small", None, 500)):
        make_run(root / name, test_accuracy=0.9, signal=1.0,
                 config={"plan.population_size": size, "train.lr": len(name)})  # fmt: skip
        rewrite_results(root / name, lambda p, used=used: p.update(population_size=used))
    report = _report([root], tmp_path / "out")
    fronts = {s.name: s.pair for s in report.summaries}
    assert fronts["auto"] == fronts["set"] == ("digits", "MLP [plan.population_size=1000]")
    assert fronts["small"] == ("digits", "MLP [plan.population_size=500]")


# --- a swept value that is Markdown ---------------------------------------------------------------


def test_a_swept_value_making_a_markdown_image_or_link_stays_text(tmp_path):
    # +note='![](https://host/pixel.png)': tradeoff.md showed the image, fetched from that
    # host by whoever opened the report (a link the same way)
    root = tmp_path / "sweep"
    pixel, link = "![](https://host.example/p.png)", "[click](https://host.example/x)"
    for i, note in enumerate((pixel, link)):
        make_run(root / f"run{i}", test_accuracy=0.9 - i / 10, signal=1.0, seed=i,
                 hparams={"note": note}, config={"note": note})  # fmt: skip
    _report([root], tmp_path / "out")
    markdown = (tmp_path / "out" / "tradeoff.md").read_text()
    assert "note=![]\\(https://host.example/p.png)" in markdown
    assert "note=[click]\\(https://host.example/x)" in markdown
    assert "](" not in markdown


# --- a run whose attacks report no AUC ------------------------------------------------------------


def test_a_run_whose_attacks_report_no_auc_is_ranked_without_one(tmp_path, capsys):
    # results.json of a tool of your own with TPRs only: the whole report was refused with
    # "mia-report: objectives: no attack reports 'auc'; choose max_attack.METRIC ...",
    # naming no run
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    make_run(root / "b", test_accuracy=0.8, signal=1.0, seed=1, config={"train.lr": 2})
    drop = ("auc", "auc_ci_low", "auc_ci_high")
    rewrite_results(root / "b", lambda p: [m.pop(k) for m in p["attacks"].values() for k in drop])
    argv = [str(root), "--out", str(tmp_path / "out"), "--no-tensorboard", "--no-charts"]
    assert report_main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 runs reported" in printed
    assert "  1. b  acc 0.800 [0.763, 0.837]  TPR@0.1%FPR " in printed and "AUC –  n=1" in printed


# --- a sweep reported while it runs -------------------------------------------------------------


def test_a_run_still_running_or_interrupted_says_what_to_do(tmp_path):
    # "status is 'running', not 'complete' (failed or partial run)": a run of a sweep still
    # going was called failed, and an interrupted one did not say it resumes
    root = tmp_path / "sweep"
    make_run(root / "done", test_accuracy=0.9, signal=1.0)
    for status in ("running", "interrupted", "odd"):
        mark_run(root / status, status=status, config={"seed": 0}, data_fingerprint="0")
    _report([root], tmp_path / "out")
    reasons = not_ranked_reasons(tmp_path / "out")
    assert reasons[str(root / "running")] == (
        "status is 'running', not 'complete' (still running, or killed: report it again once "
        "it ends, or run its command again to resume it)"
    )
    assert "(interrupted: run its command again with the same directory to resume it)" in (
        reasons[str(root / "interrupted")]
    )
    assert reasons[str(root / "odd")].endswith("(failed or partial run)")


def test_a_run_attacked_again_under_another_seed_is_no_seed_replicate_of_it(tmp_path):
    # mia-attack RUN seed=1: its config reads as seed 1 of RUN's, and the two shared a row as
    # seed replicates (n=2) though they measured the same models
    root = tmp_path / "sweep"
    for name, seed, fingerprint in (("s0", 0, "f0"), ("s1", 1, "f1"), ("s0_seed1", 1, "f0")):
        make_run(root / name, test_accuracy=0.9 - seed / 20, signal=1.0, seed=seed)
        rewrite_results(root / name, lambda p, f=fingerprint: p.update(data_fingerprint=f))
    rewrite_results(root / "s0_seed1", lambda p: _attacked_again(p, root / "s0"))
    report = _report([root], tmp_path / "out")
    assert [g.seeds for g in report.groups] == [[0, 1]]
    assert [r.name for r in report.groups[0].runs] == ["s0", "s1"]
    reason = not_ranked_reasons(tmp_path / "out")["s0_seed1"]
    assert reason.startswith("the same models as s0 (same config but its seeds, and the same ")
    assert "attacked again from a run folder with seed 1" in reason


# --- chart panels of long names -------------------------------------------------------------------


@pytest.mark.slow  # 1-5 s: draws a chart (matplotlib)
def test_panels_of_one_long_dataset_name_attacked_otherwise_have_titles_apart(tmp_path):
    # the panel title was cut at 80 characters: two panels of a long dataset name (a file's),
    # attacked otherwise (the "[...]" at its end), showed the same title
    root = tmp_path / "sweep"
    name = "csv (" + "a_long_data_file_name_" * 4 + ".csv)"
    make_run(root / "k4", test_accuracy=0.9, signal=1.0, dataset=name)
    make_run(root / "k8", test_accuracy=0.9, signal=1.0, dataset=name,
             config={"plan.num_models": 8, "x": "$\\frac{$"})  # fmt: skip
    report = _report([root], tmp_path / "out")
    figure = tradeoff_figure(report.groups, leakage="leak_tpr", fronts=report.fronts)
    titles = [ax.get_title() for ax in figure.axes]
    assert len(set(titles)) == 2 and all(t.endswith("]") for t in titles), titles
    figure.savefig(tmp_path / "chart.png")  # (drawn: no mathtext made of a line's end)


def test_a_report_of_other_runs_is_refused_before_any_run_is_read(tmp_path, monkeypatch):
    # a sweep of thousands of runs was read whole (a minute) before the refusal
    sweep_a, sweep_b = tmp_path / "a", tmp_path / "b"
    make_run(sweep_a / "x", test_accuracy=0.9, signal=1.0)
    _report([sweep_a], tmp_path / "out")

    def no_reading(paths: Any) -> None:
        raise AssertionError(f"read {paths}")

    monkeypatch.setattr(build, "load_runs", no_reading)
    with pytest.raises(ConfigError, match=r"holds the report of .* pass --replace"):
        _report([sweep_b], tmp_path / "out")


# --- a path that is no directory ------------------------------------------------------------------


def test_a_path_that_is_no_directory_says_what_it_is_and_what_to_give(tmp_path):
    # a typo'd folder and a run's results.json both read "not a directory"
    make_run(tmp_path / "run", test_accuracy=0.9, signal=1.0)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    paths = [tmp_path / n for n in ("swep", "run/results.json", "notes.txt", "gone")]
    reasons = dict(load_runs(paths).skipped)
    assert reasons[paths[0]] == (
        "not a directory: nothing is there (a typo, or a sweep not started yet?)"
    )
    run = tmp_path / "run"
    assert reasons[paths[1]] == f"not a directory: a run's results.json; give its folder, {run}"
    assert reasons[paths[2]] == "not a directory: a file; give a sweep root or a run directory"
    assert reasons[paths[3]].startswith("not a directory: a broken link (to ")


def test_seeds_of_one_observations_file_are_flagged_as_no_trained_replicates(tmp_path):
    # mia-attack obs.npz seed=0 / seed=1: one set of models, attacked twice, was a row of
    # n=2 as if trained twice, with nothing said
    root = tmp_path / "sweep"
    for seed in (0, 1):
        make_run(root / f"seed={seed}", test_accuracy=0.9 - seed / 50, signal=1.0, seed=seed)
        rewrite_results(root / f"seed={seed}", lambda p: _attacked_file(p, tmp_path, test_set=True))
        rewrite_results(root / f"seed={seed}", lambda p, s=seed: p["config"].update(seed=s))
    report = _report([root], tmp_path / "out")
    assert [g.seeds for g in report.groups] == [[0, 1]]
    notes = dict(report.caveats)
    assert set(notes) == {"seed=0", "seed=1"}
    assert notes["seed=0"].startswith(f"attacked the same observations file ({tmp_path}/obs.npz)")
    assert "no spread over trained models" in notes["seed=0"]
    # other files: no caveat
    rewrite_results(root / "seed=1", lambda p: p["source"].update(path=str(tmp_path / "other.npz")))
    assert _report([root], tmp_path / "out").caveats == []
