"""mia-report red team, sixth pass: copies of runs without a config, runs attacked by
white-box attacks alone, a junk .npz, stale TensorBoard fronts, and settings that change no
result."""

from __future__ import annotations

import io
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.errors import DataError
from mia_defense.report import write_report
from mia_defense.report.table import read_arrays
from tests.report.fake_runs import make_run, not_ranked_reasons, rewrite_results


def _report(root: Path, out: Path, **kwargs: Any):
    return write_report([root], out_dir=out, charts=False, **{"tensorboard": False, **kwargs})


# --- a run counted twice ------------------------------------------------------------------------


def test_a_copy_of_a_run_without_a_config_is_counted_once(tmp_path, caplog):
    # runs built in code (api.audit) record no config: a copied folder was a second row with
    # the same figures, both "on the front", as if two experiments agreed
    root = tmp_path / "sweep"
    for name, accuracy in (("a", 0.90), ("b", 0.80)):
        make_run(root / name, test_accuracy=accuracy, signal=1.0)
        rewrite_results(root / name, lambda p: (p.pop("config"), p.update(wall_seconds=12.345)))
    shutil.copytree(root / "a", root / "a_copy")
    with caplog.at_level(logging.WARNING):
        report = _report(root, tmp_path / "out")
    assert sorted(s.name for s in report.summaries) == ["a", "b"]
    reason = not_ranked_reasons(tmp_path / "out")["a_copy"]
    assert reason.startswith("the same experiment as a (no config recorded, and the same")
    assert "counted once" in reason
    assert "a_copy/results.json: the same experiment as a" in caplog.text


# --- white-box attacks alone ---------------------------------------------------------------------


def test_a_run_attacked_by_white_box_attacks_alone_is_told_so(tmp_path):
    # every attack read the weights: no release lets them out, so there is no black-box
    # figure; the reason said "rerun it with 0.001 in attack.fprs", which it already had
    root = tmp_path / "sweep"
    make_run(root / "wb", test_accuracy=0.9, signal=1.0)

    def white_box(payload: dict[str, Any]) -> None:
        for metrics in payload["attacks"].values():
            metrics["access"] = "weights"

    rewrite_results(root / "wb", white_box)
    make_run(root / "ok", test_accuracy=0.8, signal=1.0, seed=1)
    _report(root, tmp_path / "out")
    reason = not_ranked_reasons(tmp_path / "out")["wb"]
    assert "attack.fprs" not in reason
    assert "no black-box attack" in reason and "lira, loss" in reason
    assert "white-box" in reason and "access" in reason


# --- a junk .npz --------------------------------------------------------------------------------


def _npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3))
    return buffer.getvalue()


@pytest.mark.parametrize("content", [b"junk", b"", b"\x80\x04K\x01.", _npy_bytes()])
def test_a_junk_npz_is_named_without_advice_to_unpickle_it(tmp_path, content):
    # numpy reads a file that is neither a zip nor .npy as a pickle, and its error says "If
    # you trust the file you can load it unsafely using allow_pickle": no advice to give
    # about a file the report found in a run folder; a .npy (one array) was a TypeError
    path = tmp_path / "scores.npz"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_arrays(path, ["targets"])
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "not an .npz archive" in message
    assert "pickle" not in message and "unsafe" not in message


def test_a_npz_of_pickled_objects_is_never_unpickled(tmp_path):
    path = tmp_path / "scores.npz"
    np.savez(path, targets=np.array([{"x": 1}], dtype=object))
    with pytest.raises(DataError, match="pickled"):
        read_arrays(path, ["targets"])


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_run_whose_npz_files_are_a_single_npy_is_reported_without_a_traceback(
    tmp_path, capsys, caplog
):
    # a .npy saved under the .npz's name: np.load returns an array, and the report's
    # "with np.load(...) as data" raised TypeError, a traceback out of mia-report
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    (root / "a" / "scores.npz").write_bytes(_npy_bytes())
    make_run(root / "b", test_accuracy=0.8, signal=1.0, seed=1)
    (root / "b" / "observations.npz").write_bytes(_npy_bytes())
    rewrite_results(root / "b", lambda p: (p.pop("config"), p.update(  # a mia-attack run's source
        source={"kind": "observations", "path": "/x/observations.npz", "metadata": {}})))
    with caplog.at_level(logging.WARNING):
        code = report_main([str(root), "--out", str(tmp_path / "out"), "--no-tensorboard"])
    assert code == 0
    assert (f"no ROC curve for a: {root / 'a' / 'scores.npz'}: corrupt or not an .npz archive"
            in caplog.text)  # fmt: skip
    assert "2 runs reported" in capsys.readouterr().out


# --- TensorBoard: each report's figures replace the last one's ----------------------------------


def _fronts_in(tb: Path) -> list[str]:
    """The Pareto front texts TensorBoard shows from ``tb``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tb), size_guidance={"tensors": 0})
    events.Reload()
    if "report/pareto_front/text_summary" not in events.Tags()["tensors"]:
        return []
    return [
        e.tensor_proto.string_val[0].decode()
        for e in events.Tensors("report/pareto_front/text_summary")
    ]


def test_tensorboard_shows_the_latest_report_alone(tmp_path):
    # every figure of a report is at step 0: the second report of a sweep added its front
    # beside the first one's, and TensorBoard showed both, undated, one of them stale
    root, out = tmp_path / "sweep", tmp_path / "out"
    make_run(root / "a", test_accuracy=0.61, signal=1.0)
    _report(root, out, tensorboard=True)
    (out / "tb" / "events.out.tfevents.1.mine").write_bytes(b"not the report's")  # the user's
    make_run(root / "a", test_accuracy=0.93, signal=1.0)
    _report(root, out, tensorboard=True)
    fronts = _fronts_in(out / "tb")
    assert len(fronts) == 1 and "0.930" in fronts[0] and "0.610" not in fronts[0]
    assert (out / "tb" / "events.out.tfevents.1.mine").read_bytes() == b"not the report's"
    # a report without TensorBoard leaves no earlier report's figures in view either
    _report(root, out, tensorboard=False)
    assert _fronts_in(out / "tb") == []
    assert sorted(p.name for p in (out / "tb").iterdir()) == ["events.out.tfevents.1.mine"]


def test_a_report_written_before_the_suffix_is_replaced_but_not_other_event_files(tmp_path):
    root, out = tmp_path / "sweep", tmp_path / "out"
    make_run(root / "a", test_accuracy=0.61, signal=1.0)
    _report(root, out, tensorboard=True)
    (old,) = (out / "tb").iterdir()
    old.rename(out / "tb" / old.name.removesuffix(".mia-report"))  # as older reports named it
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    from mia_defense.tracking.figures import image_summary  # a file of other figures

    writer = EventFileWriter(str(out / "tb"), filename_suffix=".other")
    png = (b"\x89PNG" + b"\x00" * 12 + (1).to_bytes(4, "big") * 2)
    summary = image_summary("train/x", png, width=1, height=1, channels=4)
    writer.add_event(event_pb2.Event(step=0, summary=summary))
    writer.close()
    _report(root, out, tensorboard=True)
    names = sorted(p.name for p in (out / "tb").iterdir())
    assert len(names) == 2 and any(n.endswith(".other") for n in names)
    assert len(_fronts_in(out / "tb")) == 1


# --- settings that change no result ----------------------------------------------------------


def test_seeds_run_with_another_model_store_share_their_row(tmp_path):
    # cache_dir only says where trained models are kept: the report already counted two runs
    # differing in it alone as one experiment, but split the seeds of one config over rows
    root = tmp_path / "sweep"
    make_run(root / "s0", test_accuracy=0.90, signal=1.0, seed=0, config={"cache_dir": "auto"})
    make_run(root / "s1", test_accuracy=0.80, signal=1.0, seed=1,
             config={"cache_dir": "/home/me/.cache/mia-defense/models"})  # fmt: skip
    report = _report(root, tmp_path / "out")
    assert [g.n for g in report.groups] == [2]


# --- the folder of a run that failed before writing results.json --------------------------------


def test_the_folder_of_a_run_that_failed_is_no_place_for_a_report(tmp_path, capsys):
    # mia-train's and mia-attack's runs have no .hydra/ (hydra.output_subdir null): a run
    # refused on its data leaves its train.log alone (one of mia-attack's, attack.log and a
    # .lock). The report passes over such a folder (tests/cli/test_new_user_nits.py), but
    # --out there wrote the report among the run's files, and rerunning the run into that
    # folder was then refused as holding files no run wrote
    root = tmp_path / "sweep"
    make_run(root / "ok=a", test_accuracy=0.9, signal=1.0)
    (root / "bad=refused").mkdir()
    (root / "bad=refused" / "train.log").write_text("DataError: dataset.path ...\n")
    (root / "bad=attack").mkdir()
    (root / "bad=attack" / ".lock").write_text("host 123\n")
    (root / "bad=attack" / "attack.log").write_text("ConfigError: attack.num_targets ...\n")
    for name, log in (("bad=refused", "train.log"), ("bad=attack", "attack.log")):
        assert report_main([str(root), "--out", str(root / name), "--no-charts"]) == 2
        err = capsys.readouterr().err
        assert f"{root / name}: holds a run's {log} (a run that failed or is still" in err
        assert "choose another report directory" in err
    assert sorted(p.name for p in (root / "bad=refused").iterdir()) == ["train.log"]
    assert sorted(p.name for p in (root / "bad=attack").iterdir()) == [".lock", "attack.log"]


# --- odd arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [[""], ["SWEEP", " "], ["SWEEP", "--out", ""], ["SWEEP", "-o", ""]]
)
def test_an_empty_path_argument_is_refused_not_read_as_the_working_directory(
    tmp_path, monkeypatch, capsys, argv
):
    # mia-report "$SWEEP" with SWEEP unset: Path("") is ".", so the report walked the whole
    # working directory (a home folder) and wrote its files there, or into it with --out ""
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    monkeypatch.chdir(tmp_path)
    argv = [str(tmp_path / "sweep") if a == "SWEEP" else a for a in argv]
    with pytest.raises(SystemExit) as stopped:
        report_main([*argv, "--no-charts", "--no-tensorboard"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "an empty path" in err and "unset" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]
    assert not (tmp_path / "sweep" / "report").exists()


# --- seeds of one config run on other code ------------------------------------------------------


def test_seeds_of_one_config_on_other_code_are_averaged_with_a_caveat(tmp_path, caplog):
    # seed 0 before an edit of the training code, seed 1 after: the same config, so one row
    # of two "replicates", and nothing said that they ran different code
    root = tmp_path / "sweep"
    make_run(root / "s0", test_accuracy=0.90, signal=1.0, seed=0)
    make_run(root / "s1", test_accuracy=0.60, signal=1.0, seed=1)
    make_run(root / "s2", test_accuracy=0.62, signal=1.0, seed=2)
    versions = {"s0": "aaaa", "s1": "bbbb", "s2": "bbbb"}
    for name, code in versions.items():
        rewrite_results(root / name,
                        lambda p, c=code: p.update(versions={"torch": "2.1", "code": c}))
    with caplog.at_level(logging.WARNING):
        report = _report(root, tmp_path / "out")
    assert [g.n for g in report.groups] == [3]
    notes = dict(report.caveats)
    assert sorted(notes) == ["s0", "s1", "s2"]
    assert "versions.code aaaa, bbbb" in notes["s0"] and "seed replicates" in notes["s0"]
    assert "## Figures to read with care" in (tmp_path / "out" / "README.md").read_text()
    assert "s0/results.json: ran on other library versions or code" in caplog.text
    # one version throughout: no caveat
    for name in versions:
        rewrite_results(root / name, lambda p: p.update(versions={"torch": "2.1", "code": "c"}))
    assert _report(root, tmp_path / "out2").caveats == []


# --- mia-attack runs without a test set -----------------------------------------------------------


def _without_test_set(payload: dict[str, Any], **changes: Any) -> None:
    """What mia-attack writes for observations without test outputs."""
    payload["utility"].update(test_accuracy=None, test_accuracy_std=None, generalization_gap=None)
    payload["source"] = {"kind": "observations", "path": "/x/obs.npz", "metadata": {}}
    payload.update(changes)


def test_a_mia_attack_run_without_a_test_set_is_not_ranked_not_called_corrupt(tmp_path, capsys):
    # its results.json is whole: the report called it "utility.test_accuracy is null (NaN
    # when written)" and counted it among the broken files, skipped
    root = tmp_path / "sweep"
    make_run(root / "ok", test_accuracy=0.9, signal=1.0)
    for name, changes in (("plain", {}), ("useless", {"utility_below_chance": True})):
        make_run(root / name, test_accuracy=0.9, signal=1.0, seed=1)
        rewrite_results(root / name, lambda p, c=changes: _without_test_set(p, **c))
    argv = [str(root), "--out", str(tmp_path / "out"), "--no-tensorboard", "--no-charts"]
    assert report_main(argv) == 0
    assert "1 run reported, 0 skipped, 2 not ranked" in capsys.readouterr().out
    reasons = not_ranked_reasons(tmp_path / "out")
    assert reasons["plain"].startswith("no test accuracy (attacked without a test set)")
    assert "test outputs" in reasons["plain"] and "NaN" not in reasons["plain"]
    assert "not above chance" in reasons["useless"]
    # a mia-train run always has a test set: a null there is still a broken figure
    make_run(root / "nan", test_accuracy=0.9, signal=1.0, seed=2)
    rewrite_results(root / "nan", lambda p: p["utility"].update(test_accuracy=None))
    assert report_main(argv) == 0
    reasons = not_ranked_reasons(tmp_path / "out")
    assert "utility.test_accuracy is null" in reasons[str(root / "nan")]


class _ClosedPipe(io.StringIO):
    """A stdout whose reader went away (mia-report ... | head -1)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_stops_early_is_no_traceback(tmp_path, monkeypatch, capsys):
    # mia-report SWEEP | head -1: the summary's next print raised BrokenPipeError, a
    # traceback after a report that was written whole
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    argv = [str(tmp_path / "sweep"), "--no-charts", "--no-tensorboard"]
    assert report_main(argv) == 0
    monkeypatch.undo()
    assert "Traceback" not in capsys.readouterr().err
    assert (tmp_path / "sweep" / "report" / "README.md").is_file()


# --- mia-attack runs of different files ---------------------------------------------------------


def test_mia_attack_runs_of_two_files_of_one_name_are_never_one_row(tmp_path):
    # `cd modelA && mia-attack observations.npz`, then the same in modelB: the configs are
    # equal (config.source is the path as typed), so the two models' runs were averaged into
    # one row of n=2, seeds "0, 0", as if they were replicates of one experiment
    root = tmp_path / "sweep"
    for name, accuracy in (("A", 0.90), ("B", 0.60)):
        make_run(root / name, test_accuracy=accuracy, signal=1.0)
        source = {"kind": "observations", "path": f"/home/me/model{name}/observations.npz",
                  "metadata": {"dataset": "digits", "model": "MLP"}}  # fmt: skip
        rewrite_results(root / name, lambda p, s=source: p.update(
            source=s, config={"source": "observations.npz", "seed": 0,
                              "attack": {"fprs": [0.1, 0.01, 0.001]}}))  # fmt: skip
    report = _report(root, tmp_path / "out")
    assert sorted((g.n, g.test_accuracy.value) for g in report.groups) == [(1, 0.6), (1, 0.9)]
    # the same file attacked with another seed (from another folder: another path as typed)
    make_run(root / "A1", test_accuracy=0.80, signal=1.0, seed=1)
    source = {"kind": "observations", "path": "/home/me/modelA/observations.npz",
              "metadata": {"dataset": "digits", "model": "MLP"}}  # fmt: skip
    rewrite_results(root / "A1", lambda p: p.update(
        source=source, config={"source": "../modelA/observations.npz", "seed": 1,
                               "attack": {"fprs": [0.1, 0.01, 0.001]}}))  # fmt: skip
    report = _report(root, tmp_path / "out")
    assert sorted((g.n, round(g.test_accuracy.value, 2)) for g in report.groups) == [
        (1, 0.6), (2, 0.85)]  # fmt: skip


# --- a run folder whose name is not UTF-8 ---------------------------------------------------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_run_folder_named_in_bytes_that_are_not_utf8_is_reported(tmp_path, capsys):
    # a folder copied from a Latin-1 system ("résumé" as \xe9): Python names it with a lone
    # surrogate, which writing tradeoff.csv raised as UnicodeEncodeError, a traceback
    root = tmp_path / "sweep"
    make_run(root / "ok", test_accuracy=0.9, signal=1.0)
    name = os.fsdecode(b"r\xe9sum\xe9")
    make_run(root / name, test_accuracy=0.8, signal=1.0, seed=1)
    assert report_main([str(root), "--out", str(tmp_path / "out")]) == 0
    assert "2 runs reported" in capsys.readouterr().out
    for table in ("tradeoff.csv", "runs.csv", "not_ranked.csv", "tradeoff.md", "README.md"):
        (tmp_path / "out" / table).read_text(encoding="utf-8")  # valid UTF-8
    assert "r\\udce9sum\\udce9" in (tmp_path / "out" / "runs.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["dir", "out", "deep-out"])
def test_a_path_too_long_for_the_file_system_is_one_line_exit_2(tmp_path, capsys, where):
    # Path.is_dir() lets ENAMETOOLONG through: a 300-character name was an OSError traceback
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    long = {"dir": "a" * 300, "out": "b" * 300, "deep-out": "c/" * 2100}[where]
    argv = ([str(tmp_path / long)] if where == "dir" else
            [str(tmp_path / "sweep"), "--out", str(tmp_path / long)])  # fmt: skip
    assert report_main([*argv, "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [x for x in err.splitlines() if x.startswith("mia-report:")]
    assert "File name too long" in line and "shorter path" in line


# --- intervals at another confidence ---------------------------------------------------------


def test_attack_intervals_at_another_confidence_are_never_shown_as_95_percent(tmp_path):
    # attack.confidence=0.5 makes a run's bootstrap intervals 50% ones: the report showed
    # them as "[95% CI]", tighter than they are, and ordered rows on them
    root = tmp_path / "sweep"
    make_run(root / "c50", test_accuracy=0.9, signal=1.0, config={"attack.confidence": 0.5})
    make_run(root / "c95", test_accuracy=0.8, signal=1.0, seed=1)
    report = _report(root, tmp_path / "out")
    rows = {g.runs[0].name: g for g in report.groups}
    c50, c95 = rows["c50"], rows["c95"]
    assert np.isnan(c50.leak_tpr.low) and np.isnan(c50.leak_auc.high)
    assert all(np.isnan(e.low) for k, e in c50.metrics.items() if "." in k)  # each attack's
    assert not np.isnan(c95.leak_auc.low)  # a 95% run keeps its intervals
    assert not np.isnan(c50.test_accuracy.low)  # the report's own t interval, at 95%
    notes = dict(report.caveats)
    assert "attack.confidence=0.5" in notes["c50"] and "95%" in notes["c50"]
    assert "c95" not in notes


def test_out_through_a_broken_link_is_named_as_one_not_as_a_file(tmp_path, capsys):
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone", target_is_directory=True)
    for out in (link, link / "report"):
        assert report_main([str(tmp_path / "sweep"), "--out", str(out), "--no-charts"]) == 2
        err = capsys.readouterr().err
        assert f"{link} is a broken link (to {tmp_path / 'gone'})" in err
        assert "is a file" not in err and "choose another report directory" in err
    assert not (tmp_path / "gone").exists()


# --- datasets drawn from the seed --------------------------------------------------------------


def test_seeds_of_a_dataset_drawn_from_the_seed_stay_replicates(tmp_path, caplog):
    # purchase_like (and every dataset with seed: ${seed}) draws its data from the seed, so
    # each seed's data_digest differs: the report took that for an edited data file and
    # split the seeds into rows and fronts of their own, warning of "different data"
    root = tmp_path / "sweep"
    for seed, accuracy in ((0, 0.80), (1, 0.84)):
        make_run(root / f"seed={seed}", test_accuracy=accuracy, signal=1.0, seed=seed,
                 dataset="purchase_like", config={"dataset.seed": seed})  # fmt: skip
        rewrite_results(root / f"seed={seed}", lambda p, s=seed: p.update(data_digest=f"digest{s}"))
    with caplog.at_level(logging.WARNING):
        report = _report(root, tmp_path / "out")
    assert [g.n for g in report.groups] == [2] and len(report.fronts) == 1
    assert "different data" not in caplog.text
    # the same dataset seed on other data is still an edited file
    make_run(root / "again", test_accuracy=0.6, signal=1.0, seed=5, dataset="purchase_like",
             config={"dataset.seed": 0})  # fmt: skip
    rewrite_results(root / "again", lambda p: p.update(data_digest="edited"))
    with caplog.at_level(logging.WARNING):
        report = _report(root, tmp_path / "out2")
    assert "different data" in caplog.text
    assert sorted(g.n for g in report.groups) == [1, 1, 1]
