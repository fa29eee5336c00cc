"""mia-report red team, second pass: runs told apart by what they trained on, hostile
results.json content the first pass let through, report directories inside runs, and text
from run names that could break the Markdown, the terminal or a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.report import scores, write_report
from mia_defense.tracking import write_json
from tests.report.fake_runs import make_run


def _rewrite(run_dir: Path, **changes: Any) -> dict[str, Any]:
    """Set top-level keys of a run's results.json; return the payload."""
    payload = json.loads((run_dir / "results.json").read_text())
    payload.update(changes)
    write_json(run_dir / "results.json", payload)
    return payload


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


# --- the same config and seed on other data (an edited data file) ----------------------------


def test_a_rerun_on_edited_data_is_never_averaged_with_the_first(tmp_path, caplog):
    # same config, same seed, same file name: only the data's content changed in between
    root = tmp_path / "sweep"
    for name, fingerprint, accuracy in (("old", "aaaa1111", 0.90), ("new", "bbbb2222", 0.60)):
        make_run(root / name, test_accuracy=accuracy, signal=1.0,
                 config={"dataset.path": "/data/x.csv"})  # fmt: skip
        _rewrite(root / name, data_fingerprint=fingerprint)
    make_run(root / "other", test_accuracy=0.85, signal=0.5, seed=1,
             config={"dataset.path": "/data/x.csv"})  # fmt: skip  (data unknown: seed 1)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    # two results, two rows; neither averaged into the other as a "seed replicate"
    by_run = {g.runs[0].name: g for g in report.groups}
    assert [g.n for g in report.groups] == [1, 1, 1]
    assert by_run["old"].test_accuracy.value == 0.90
    assert by_run["new"].test_accuracy.value == 0.60
    # and never on one front: the models did not learn the same task
    assert len(report.fronts) == 3
    assert "data=aaaa1111" in by_run["old"].pair[1] and "data=bbbb2222" in by_run["new"].pair[1]
    warning = next(r.getMessage() for r in caplog.records if "different data" in r.getMessage())
    assert str(root / "old") in warning and str(root / "new") in warning
    assert "data_fingerprint aaaa1111" in warning and "bbbb2222" in warning
    rows = _csv(tmp_path / "out" / "tradeoff.csv")
    assert sorted(r["runs"] for r in rows) == ["new", "old", "other"]


def test_runs_recording_a_data_digest_are_told_apart_across_seeds(tmp_path, caplog):
    # data_digest hashes the whole dataset (seed-independent): seeds 0 and 1 on one file are
    # replicates of one row; seed 2 on the edited file is its own row, whatever its seed
    root = tmp_path / "sweep"
    for name, seed, digest, accuracy in (
        ("a0", 0, "d1", 0.90), ("a1", 1, "d1", 0.88), ("b2", 2, "d2", 0.60)
    ):
        make_run(root / name, test_accuracy=accuracy, signal=1.0, seed=seed,
                 config={"dataset.path": "/data/x.csv"})  # fmt: skip
        _rewrite(root / name, data_digest=digest, data_fingerprint=f"fp{seed}")
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    rows = sorted((g.n, round(g.test_accuracy.value, 2)) for g in report.groups)
    assert rows == [(1, 0.6), (2, 0.89)]
    warning = next(r.getMessage() for r in caplog.records if "different data" in r.getMessage())
    assert "data_digest d1" in warning and "data_digest d2" in warning
    assert "matched to neither" not in warning


def test_a_rerun_with_other_library_versions_is_its_own_row(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=1.0)
    make_run(root / "b", test_accuracy=0.70, signal=1.0)
    _rewrite(root / "a", versions={"torch": "2.1", "code": "x"})
    _rewrite(root / "b", versions={"torch": "2.9", "code": "y"})
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert sorted(g.test_accuracy.value for g in report.groups) == [0.70, 0.90]
    assert all(g.n == 1 for g in report.groups)


# --- results.json content the first pass let through ------------------------------------------


def test_duplicate_keys_in_results_json_are_skipped_not_resolved_silently(tmp_path, caplog):
    # JSON parsers keep the last of two equal keys: a hand-edited or forged file could show
    # one accuracy to a reader and another to the report
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    make_run(root / "b", test_accuracy=0.80, signal=0.3, seed=1)
    path = root / "b" / "results.json"
    text = path.read_text().replace('"utility": {', '"utility": {"test_accuracy": 0.99, ', 1)
    path.write_text(text)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["a"]
    assert f"{path}: duplicate key 'test_accuracy' in one object" in caplog.text
    assert "duplicate key 'test_accuracy'" in dict(report.not_ranked)[str(root / "b")]


def test_an_epsilon_valid_flag_that_is_not_a_boolean_is_skipped(tmp_path, caplog):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    payload = make_run(root / "b", test_accuracy=0.80, signal=0.3, seed=1, defense="dp",
                       epsilon=0.5)  # fmt: skip
    payload["privacy"]["epsilon_valid"] = "false"  # a string: read as true before
    write_json(root / "b" / "results.json", payload)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["a"]
    assert "b/results.json: privacy.epsilon_valid is a string 'false', not true or false" in (
        caplog.text
    )


def test_an_invalid_epsilon_is_never_shown_as_a_guarantee(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    payload = make_run(root / "b", test_accuracy=0.85, signal=0.1, seed=1, defense="dp",
                       epsilon=0.5)  # fmt: skip
    payload["privacy"].update(epsilon_valid=False, epsilon_invalid_reason="shuffled batches")
    write_json(root / "b" / "results.json", payload)
    make_run(root / "c", test_accuracy=0.80, signal=0.1, seed=2, defense="dp", epsilon=1.0,
             config={"defense.dp.poisson": True})  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    rows = {r["runs"]: r for r in _csv(tmp_path / "out" / "tradeoff.csv")}
    assert (rows["b"]["epsilon"], rows["b"]["epsilon_valid"]) == ("0.5", "no")
    assert (rows["c"]["epsilon"], rows["c"]["epsilon_valid"]) == ("1.0", "yes")
    assert rows["a"]["epsilon_valid"] == ""
    summary = (tmp_path / "out" / "README.md").read_text()
    fronts = summary.split("## Pareto fronts")[1].split("## Files")[0]
    (line,) = [ln for ln in fronts.splitlines() if ln.startswith("| ") and "`b`" in ln]
    assert line.endswith("| 0.5 (not a guarantee) |")
    assert "no" in (tmp_path / "out" / "tradeoff.md").read_text()
    assert {g.runs[0].name: g.epsilon_valid for g in report.groups} == {
        "a": True, "b": False, "c": True}  # fmt: skip


# --- where the report is written -----------------------------------------------------------


def test_out_in_a_run_still_running_or_among_a_runs_files_is_refused(tmp_path, capsys):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    (root / "running" / ".hydra").mkdir(parents=True)  # results.json comes at its end
    (root / "a" / "tb").mkdir()
    (root / "a" / "tb" / "events.out.tfevents.1").write_bytes(b"x")
    for out, expected in (
        (root / "running", "holds a run's .hydra/ (a run that failed or is still running"),
        (root / "a" / "tb", f"lies in the run {root / 'a'} and holds files of its own"),
    ):
        assert report_main([str(root), "--out", str(out), "--no-tensorboard", "--no-charts"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"mia-report: {out}: {expected}"), err
        assert "choose another report directory" in err
    # nor through a link to the run's folder
    (tmp_path / "link").symlink_to(root / "a" / "tb", target_is_directory=True)
    assert report_main([str(root), "--out", str(tmp_path / "link"), "--no-tensorboard",
                        "--no-charts"]) == 2
    assert f"lies in the run {root / 'a'} and holds files" in capsys.readouterr().err
    assert sorted(p.name for p in (root / "running").iterdir()) == [".hydra"]
    assert sorted(p.name for p in (root / "a" / "tb").iterdir()) == ["events.out.tfevents.1"]
    # a run's own report folder (the default for one run) stays allowed, and so is its rewrite
    for _ in range(2):
        assert report_main([str(root / "a"), "--no-tensorboard", "--no-charts"]) == 0
    assert (root / "a" / "report" / "README.md").is_file()


# --- text from run names and files: Markdown, terminal ------------------------------------


def test_run_names_cannot_break_the_markdown_or_the_terminal(tmp_path, capsys):
    root = tmp_path / "sweep"
    make_run(root / "a|b", test_accuracy=0.90, signal=3.0)
    make_run(root / "x\x1b[2Jy", test_accuracy=0.80, signal=0.3, seed=1, defense="dp",
             epsilon=1.0)  # fmt: skip
    payload = make_run(root / "z", test_accuracy=0.85, signal=0.2, seed=2, defense="l2")
    payload["privacy"].update(epsilon_refuted=True,
                              epsilon_refuted_reason="<img src=x onerror=alert(1)>")  # fmt: skip
    write_json(root / "z" / "results.json", payload)
    assert report_main([str(root), "--no-tensorboard", "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed
    summary = (root / "report" / "README.md").read_text()
    fronts = summary.split("## Pareto fronts")[1].split("## Files")[0]
    rows = [ln for ln in fronts.splitlines() if ln.startswith("| ") and "a" in ln]
    assert any("`a\\|b`" in ln for ln in rows)
    assert all(ln.count(" | ") == 7 for ln in rows if ln.startswith("| 1"))
    for name in ("README.md", "tradeoff.md"):
        text = (root / "report" / name).read_text()
        assert "<img" not in text and "&lt;img src=x onerror=alert(1)>" in text
        assert "\x1b" not in text


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_dollar_signs_in_names_are_text_in_the_charts_not_mathtext(tmp_path):
    # matplotlib reads $...$ as mathtext: a run or defense named so raised a ParseException
    root = tmp_path / "sweep"
    make_run(root / "x=$\\frac{$", test_accuracy=0.90, signal=3.0)
    make_run(root / "y=$^^$", test_accuracy=0.80, signal=0.3, seed=1, defense="dp$\\bad{",
             epsilon=1.0)  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=True)
    for name in ("tradeoff_tpr", "tradeoff_auc", "roc"):
        assert report.files[name].read_bytes()[:4] == b"\x89PNG"


# --- the ROC curves read only the arrays they draw -------------------------------------------


def _npz_with(path: Path, arrays: dict[str, Any], raw: dict[str, bytes]) -> None:
    """An .npz of ``arrays`` and of members written as ``raw`` bytes (corrupt arrays)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())
        for name, content in raw.items():
            archive.writestr(f"{name}.npy", content)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_roc_curves_read_only_masks_and_scores_with_a_size_cap(tmp_path, caplog, monkeypatch):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    make_run(root / "b", test_accuracy=0.80, signal=0.3, seed=1, defense="dp", epsilon=1.0)
    # a real observations.npz also holds log_probs [K, A, N, C], gigabytes for a large run;
    # the ROC needs the masks alone (here log_probs cannot even be read)
    masks = np.load(root / "a" / "observations.npz")["masks"]
    _npz_with(root / "a" / "observations.npz", {"masks": masks}, {"log_probs": b"\x93NUMPYjunk"})
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    assert "no ROC curve" not in caplog.text and "roc" in report.files
    # an array larger than any run writes (a zip bomb: zeros compress 1000:1) is not inflated
    monkeypatch.setattr(scores, "MAX_ARRAY_BYTES", masks.nbytes - 1)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        write_report([root], out_dir=tmp_path / "out2", tensorboard=False)
    assert f"no ROC curve for a: {root / 'a' / 'scores.npz'}: scores/lira holds " in caplog.text
    assert "bytes inflated, more than any run writes" in caplog.text


# --- finding and naming runs ------------------------------------------------------------------


def test_runs_of_two_sweeps_of_one_folder_name_keep_distinct_names(tmp_path):
    make_run(tmp_path / "x" / "sweep" / "lr=1", test_accuracy=0.90, signal=1.0)
    make_run(tmp_path / "y" / "sweep" / "lr=1", test_accuracy=0.70, signal=1.0, seed=3,
             defense="dp", epsilon=1.0)  # fmt: skip
    roots = [tmp_path / "x" / "sweep", tmp_path / "y" / "sweep"]
    report = write_report(roots, out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["x/sweep/lr=1", "y/sweep/lr=1"]
    assert sorted(r["runs"] for r in _csv(tmp_path / "out" / "runs.csv")) == [
        "x/sweep/lr=1", "y/sweep/lr=1"]  # fmt: skip


def test_a_run_whose_results_json_is_being_written_is_named_not_ignored(tmp_path, caplog):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=1.0)
    (root / "b").mkdir()  # no .hydra/ (mia-attack, a copied run): only the atomic write's file
    (root / "b" / ".results.json.123.abcd1234.tmp").write_text('{"status": "compl')
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    reason = dict(report.not_ranked)[str(root / "b")]
    assert reason.startswith("no results.json yet: .results.json.123.abcd1234.tmp is being")
    assert f"{root / 'b'}: no results.json yet" in caplog.text


def test_links_out_of_the_tree_reach_a_run_but_are_never_walked(tmp_path, caplog):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=1.0)
    make_run(tmp_path / "elsewhere" / "run", test_accuracy=0.80, signal=0.3, seed=1,
             defense="dp", epsilon=1.0)  # fmt: skip
    make_run(tmp_path / "elsewhere" / "deep" / "other", test_accuracy=0.70, signal=1.0, seed=2)
    (root / "linked").symlink_to(tmp_path / "elsewhere" / "run", target_is_directory=True)
    # a link to a folder outside (the file system's root, a home directory) is not walked
    (root / "wide").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert sorted(s.name for s in report.summaries) == ["a", "linked"]
    assert (f"{root / 'wide'}: links to {(tmp_path / 'elsewhere').resolve()}, outside "
            f"{root}, which holds no run; not walked") in caplog.text  # fmt: skip


# --- figures that would put a run where it does not belong ------------------------------------


def test_a_run_at_chance_is_not_ranked_whatever_its_flag_says(tmp_path, caplog):
    # utility_below_chance false (or absent) beside a test accuracy at its chance_accuracy:
    # a useless model that leaks nothing would top the front
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    payload = make_run(root / "b", test_accuracy=0.50, signal=0.0, seed=1, chance_accuracy=0.50)
    payload["utility_below_chance"] = False
    for metrics in payload["attacks"].values():
        metrics.update({"auc": 0.5, "tpr@0.1%fpr": 0.0})
    write_json(root / "b" / "results.json", payload)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["a"]
    assert dict(report.not_ranked)["b"].startswith("test accuracy 0.500 is not above chance")


def test_a_negative_epsilon_is_skipped_with_the_reason(tmp_path, caplog):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    make_run(root / "b", test_accuracy=0.80, signal=0.3, seed=1, defense="dp", epsilon=-1.0)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["a"]
    assert "b/results.json: privacy.epsilon is -1, negative" in caplog.text


def test_long_names_and_many_families_leave_the_points_in_view(tmp_path):
    # a 300-character defense name made the legend wider than the plot and hid every point
    from mia_defense.report.charts import tradeoff_figure

    root = tmp_path / "sweep"
    for i in range(10):
        make_run(root / f"d={i}", test_accuracy=0.5 + i / 100, signal=1.0, seed=i,
                 defense=f"def{i}" + "x" * 300)  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    fig = tradeoff_figure(report.groups, fronts=report.fronts)
    (ax,) = [a for a in fig.axes if a.get_title()]
    legend = ax.get_legend()
    assert max(len(t.get_text()) for t in legend.get_texts()) <= 80
    fig.canvas.draw()  # (a Figure of its own canvas)
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1  # beside, not over


def test_an_interval_whose_low_end_is_above_its_high_end_is_skipped(tmp_path, caplog):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    payload = make_run(root / "b", test_accuracy=0.80, signal=0.3, seed=1)
    payload["attacks"]["lira"].update({"tpr@0.1%fpr_ci_low": 0.9, "tpr@0.1%fpr_ci_high": 0.1})
    write_json(root / "b" / "results.json", payload)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["a"]
    assert ("b/results.json: attacks.lira.tpr@0.1%fpr_ci_low 0.9 is above its _ci_high 0.1"
            in caplog.text)  # fmt: skip


def test_labels_of_observations_are_read_under_the_size_cap(tmp_path, caplog, monkeypatch):
    # a mia-attack run of observations naming no dataset is told apart by its labels' hash:
    # the labels array was inflated whatever its size
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0)
    _rewrite(root / "a", source={"kind": "observations", "path": "/x/observations.npz"})
    monkeypatch.setattr(scores, "MAX_ARRAY_BYTES", 100)  # the labels: 1600 bytes
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert report.summaries[0].dataset == "digits (/x/observations.npz)"


def test_a_run_folder_named_like_a_log_line_cannot_forge_one(tmp_path, caplog):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=1.0)
    forged = root / "x\nWARNING all runs verified\x1b[2J"
    (forged / ".hydra").mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (message,) = [r.getMessage() for r in caplog.records if "no results.json" in r.getMessage()]
    assert "\n" not in message and "\x1b" not in message
    assert "x\\x0aWARNING all runs verified\\x1b[2J" in message  # (shown_path's $'...')


def test_a_tb_in_the_report_folder_that_is_a_link_or_a_file_is_refused_before_writing(
    tmp_path, capsys
):
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name, make in (("link", lambda tb: tb.symlink_to(elsewhere, target_is_directory=True)),
                       ("file", lambda tb: tb.write_text("mine"))):  # fmt: skip
        out = tmp_path / name
        out.mkdir()
        make(out / "tb")
        argv = [str(tmp_path / "sweep"), "--out", str(out), "--no-charts"]
        assert report_main(argv) == 2
        err = capsys.readouterr().err
        assert f"{out / 'tb'}: is " in err and "--no-tensorboard" in err
        # nothing written: not the tables beside it, not events through the link
        assert sorted(p.name for p in out.iterdir()) == ["tb"]
        assert list(elsewhere.iterdir()) == []
        # without events the tb is no obstacle, but the folder is still the user's, not a
        # report's (test_report_redteam7.py): refused as not empty
        assert report_main([*argv, "--no-tensorboard"]) == 2
        assert f"{out}: is not empty (tb)" in capsys.readouterr().err
