"""mia-report red team, seventh pass: a report folder among the user's files, a walk of the
whole disk, a copied report summary taken for a report's folder."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.errors import ConfigError, DataError
from mia_defense.report import check_objective_names, objectives, write_report
from mia_defense.report import runs as report_runs
from mia_defense.report.charts import tradeoff_figure
from mia_defense.tracking import write_json
from tests.report.fake_runs import make_run, two_run_sweep


def _digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> content hash)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }  # fmt: skip


def _report(root: Path, out: Path, **kwargs: Any):
    return write_report([root], out_dir=out, charts=False, **{"tensorboard": False, **kwargs})


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    return two_run_sweep(tmp_path / "sweep")


# --- --out at a folder of the user's ------------------------------------------------------------


def test_out_at_a_non_empty_folder_of_the_users_is_refused_naming_it(sweep, tmp_path, capsys):
    # the report wrote its files among the user's (a photo, notes, a project's files)
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "holiday.png").write_bytes(b"\x89PNG not a report's")
    (mine / "notes").mkdir()
    (mine / "notes" / "todo.txt").write_text("mine")
    before = _digest(mine)
    assert report_main([str(sweep), "--out", str(mine), "--no-tensorboard", "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mia-report: {mine}: is not empty (holiday.png, notes)"), err
    assert "choose another report directory (mia-report --out DIR)" in err
    assert "an empty or new folder, or the folder of an earlier report" in err
    assert _digest(mine) == before
    assert sorted(p.name for p in mine.iterdir()) == ["holiday.png", "notes"]
    # a hidden file is a file too (a .git of a project)
    (mine / "holiday.png").unlink()
    shutil.rmtree(mine / "notes")
    (mine / ".git").mkdir()
    with pytest.raises(ConfigError, match=r"is not empty \(\.git\)"):
        _report(sweep, mine)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_new_empty_or_earlier_report_folder_is_written_and_rewritten(sweep, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (empty, tmp_path / "new" / "deeper"):
        for _ in range(2):  # and again into its own output, charts and TensorBoard too
            write_report([sweep], out_dir=out)
        assert (out / "README.md").read_text().startswith("# Privacy-utility tradeoff")
    # the user's own files added to a report's folder later stay, and it is still the report's
    (empty / "my_notes.txt").write_text("mine")
    _report(sweep, empty)
    assert (empty / "my_notes.txt").read_text() == "mine"
    # the mark tells a reader what the folder is
    assert "mia-report" in (empty / ".mia-report").read_text()


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_copied_report_summary_does_not_make_a_folder_a_reports(sweep, tmp_path, capsys):
    # a folder holding a report's README.md (copied into the user's docs, beside a chart of
    # their own) was taken for a report's folder: both were overwritten by the new report's
    report = tmp_path / "report"
    write_report([sweep], out_dir=report, tensorboard=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(report / "README.md", docs / "README.md")
    (docs / "tradeoff_tpr.png").write_bytes(b"my own chart")
    before = _digest(docs)
    assert report_main([str(sweep), "--out", str(docs), "--no-tensorboard"]) == 2
    err = capsys.readouterr().err
    assert f"{docs}: holds tradeoff_tpr.png, which mia-report did not write" in err
    assert _digest(docs) == before
    # nor does a copied README.md alone (another sweep's summary, kept for the record)
    (docs / "tradeoff_tpr.png").unlink()
    before = _digest(docs)
    with pytest.raises(ConfigError, match=r"holds README.md, which mia-report did not write"):
        _report(sweep, docs)
    assert _digest(docs) == before
    # nor in a run's folder: tb/ holding the run's events and a copied summary
    tb = sweep / "a" / "tb"
    tb.mkdir()
    (tb / "events.out.tfevents.1").write_bytes(b"x")
    shutil.copy(report / "README.md", tb / "README.md")
    with pytest.raises(ConfigError, match=rf"lies in the run {sweep / 'a'} and holds files"):
        _report(sweep, tb)
    # a report of earlier code (no mark) is still its own: its files and nothing else
    (report / ".mia-report").unlink()
    _report(sweep, report)
    assert (report / ".mia-report").is_file()


def test_a_mark_that_is_a_link_is_not_a_reports_and_is_never_followed(sweep, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "README.md").write_text("# My project\n")
    (mine / ".mia-report").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match=r"holds README.md, which mia-report did not write"):
        _report(sweep, mine)
    assert not (tmp_path / "elsewhere").exists()
    assert (mine / "README.md").read_text() == "# My project\n"


# --- a walk of the whole disk ------------------------------------------------------------------


def test_a_root_with_too_many_folders_is_refused_naming_it(tmp_path, monkeypatch, capsys):
    # mia-report / (or $HOME) walked every folder of the disk looking for runs
    monkeypatch.setattr(report_runs, "MAX_FOLDERS", 30)
    home = tmp_path / "home"
    for i in range(40):
        (home / f"project{i}" / "src").mkdir(parents=True)
    make_run(home / "project0" / "run", test_accuracy=0.9, signal=1.0)
    assert report_main([str(home), "--no-tensorboard", "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mia-report: {home}: more than 30 folders under it"), err
    assert "point mia-report at a sweep root" in err
    assert not (home / "report").exists()
    with pytest.raises(DataError, match=r"more than 30 folders"):
        report_runs.load_runs([home])


def test_a_deep_sweep_under_the_limit_is_walked_whole(tmp_path, monkeypatch):
    # multirun/<date>/<time>/<job>/... with the runs' own tb/ and checkpoints/: every run found
    monkeypatch.setattr(report_runs, "MAX_FOLDERS", 30)
    root = tmp_path / "multirun"
    for i in range(4):
        run = root / "2026-12-02" / "05-30-00" / f"defense=dp,seed={i}"
        make_run(run, test_accuracy=0.8, signal=0.3, defense="dp", epsilon=1.0, seed=i)
        (run / "tb").mkdir()
        (run / "checkpoints").mkdir()
    loaded = report_runs.load_runs([root])
    assert len(loaded.runs) == 4 and not loaded.skipped


def test_a_walk_of_many_links_says_ten_and_counts_the_rest(tmp_path, caplog):
    # one warning per link not followed: 390 lines before the refusal of `mia-report /`
    root = tmp_path / "sweep"
    make_run(root / "run", test_accuracy=0.9, signal=1.0)
    for i in range(25):
        (root / f"again{i}").symlink_to(root / "run", target_is_directory=True)
    with caplog.at_level("WARNING"):
        loaded = report_runs.load_runs([root])
    assert len(loaded.runs) == 1
    notes = [r.getMessage() for r in caplog.records if "links to" in r.getMessage()]
    assert len(notes) == report_runs.MAX_LINK_NOTES == 10
    assert "... and 15 more links not followed" in caplog.text


def test_a_refused_walk_says_why_alone(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(report_runs, "MAX_FOLDERS", 30)
    home = tmp_path / "home"
    for i in range(40):
        (home / f"p{i}").mkdir(parents=True)
        (home / f"p{i}" / "up").symlink_to(home, target_is_directory=True)
    with caplog.at_level("WARNING"), pytest.raises(DataError, match=r"more than 30 folders"):
        report_runs.load_runs([home])
    assert "links to" not in caplog.text


# --- objectives that name no figure ------------------------------------------------------------

_PAYLOAD = {
    "utility": {"test_accuracy": 0.9, "epochs_trained": 3.0},
    "attacks": {"loss": {"access": "outputs", "auc": 0.6, "tpr@1%fpr": 0.02}},
    "privacy": {"epsilon_valid": False, "epsilon_invalid_reason": "shuffled batches"},
}


@pytest.mark.parametrize(
    ("name", "said"),
    [("max_attack.access", "is no figure"),
     ("privacy.epsilon_valid", "is False in results.json, not a number; choose a figure"),
     ("privacy.epsilon_invalid_reason", "is 'shuffled batches' in results.json, not a number")],
)  # fmt: skip
def test_an_objective_naming_text_or_a_flag_is_a_config_error(name, said):
    # objectives=[max_attack.access] ended a run (every point of a sweep) in a ValueError
    # traceback once the models were trained; a flag was read as 0 or 1
    with pytest.raises(ConfigError, match=rf"objectives: '{name}' {said}"):
        objectives(_PAYLOAD, [name])
    assert objectives(_PAYLOAD, ["utility.epochs_trained"]) == [3.0]


def test_objectives_are_checked_against_the_measured_fprs_before_training():
    with pytest.raises(ConfigError, match=r"'max_attack.access' is no figure"):
        check_objective_names(["max_attack.access"])
    fprs = [0.1, 0.01, 0.001]
    check_objective_names(["max_attack.tpr@0.1%fpr", "max_attack.tpr@1%fpr_ci_low",
                           "max_attack.auc", "utility.test_accuracy"], fprs=fprs)  # fmt: skip
    with pytest.raises(ConfigError, match=r"'max_attack.tpr@0.5%fpr' is no TPR results.json "
                       r"holds \(attack.fprs: 0.1, 0.01, 0.001\); add 0.005 to "
                       r"attack.fprs or choose one of max_attack.tpr@0.1%fpr, "
                       r"max_attack.tpr@1%fpr, max_attack.tpr@10%fpr$"):  # fmt: skip
        check_objective_names(["max_attack.tpr@0.5%fpr"], fprs=fprs)
    # another spelling of a measured one: no key of results.json either
    for typed in ("tpr@1%FPR", "TPR@1%fpr", "tpr@1.0%fpr", "tpr @1%fpr"):
        with pytest.raises(ConfigError, match=rf"'max_attack.{re.escape(typed)}' is no TPR "
                           r"results.json holds \(attack.fprs: 0.1, 0.01, 0.001\); choose one "
                           r"of max_attack.tpr@0.1%fpr, "):  # fmt: skip
            check_objective_names([f"max_attack.{typed}"], fprs=fprs)
    with pytest.raises(ConfigError, match=r"choose one of max_attack.tpr@0.1%fpr_ci_low, "):
        check_objective_names(["max_attack.tpr@1%FPR_ci_low"], fprs=fprs)
    check_objective_names(["max_attack.tpr@0.5%fpr"])  # without the FPRs: read after the run


# --- a row's ε ---------------------------------------------------------------------------------


def test_a_row_of_dp_and_undefended_runs_claims_no_finite_epsilon(tmp_path):
    # --group-by train.epochs put a DP run (ε 1) and an undefended one in one row, shown with
    # ε 1: a guarantee for a row averaging a run that had none
    root = tmp_path / "sweep"
    make_run(root / "none", test_accuracy=0.90, signal=3.0, config={"train.epochs": 3})
    make_run(root / "dp", test_accuracy=0.85, signal=0.3, defense="dp", epsilon=1.0, seed=1,
             config={"train.epochs": 3})  # fmt: skip
    report = _report(root, tmp_path / "out", group_by=["train.epochs"])
    (row,) = report.groups
    assert row.n == 2 and row.epsilon == float("inf")
    summary = (tmp_path / "out" / "README.md").read_text()
    assert "| 1 | `train.epochs=3` | dp / no defense | 2 |" in summary and " | ∞ |" in summary
    # rows of DP runs alone keep the largest ε of their runs
    make_run(root / "dp2", test_accuracy=0.80, signal=0.2, defense="dp", epsilon=2.0, seed=2,
             config={"train.epochs": 5})  # fmt: skip
    make_run(root / "dp3", test_accuracy=0.82, signal=0.2, defense="dp", epsilon=0.5, seed=3,
             config={"train.epochs": 5})  # fmt: skip
    report = _report(root, tmp_path / "out", group_by=["train.epochs"])
    assert [g.epsilon for g in report.groups] == [float("inf"), 2.0]


def test_a_refuted_dp_claim_is_never_shown_as_a_guarantee(tmp_path):
    # the table's epsilon_valid said "yes" and the front showed "0.5" for a run whose ε a
    # measured lower bound refutes (the caveat alone said so, in another section)
    root = tmp_path / "sweep"
    make_run(root / "none", test_accuracy=0.90, signal=3.0)
    payload = make_run(root / "dp", test_accuracy=0.85, signal=0.3, seed=1, epsilon=0.5,
                       defense="dp")  # fmt: skip
    payload["privacy"].update(epsilon_refuted=True, epsilon_refuted_reason="measured ε >= 2.1")
    write_json(root / "dp" / "results.json", payload)
    report = _report(root, tmp_path / "out")
    (row,) = [g for g in report.groups if g.family == "dp"]
    assert row.epsilon == 0.5 and not row.epsilon_valid
    with (tmp_path / "out" / "tradeoff.csv").open() as handle:
        rows = {r["run"]: r for r in csv.DictReader(handle)}
    assert rows["dp"]["epsilon_valid"] == "no"
    assert " | 0.5 (not a guarantee) |" in (tmp_path / "out" / "README.md").read_text()


# --- paths as typed --------------------------------------------------------------------------


def test_a_tilde_the_shell_left_alone_is_the_home_folder(sweep, tmp_path, monkeypatch, capsys):
    # --out=~/reports (no expansion after '=') made a folder named '~' in the working
    # directory: 'rm -rf ~' to clean it up then removes the home folder
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    assert report_main([str(sweep), "--out=~/reports", "--no-tensorboard", "--no-charts"]) == 0
    assert (home / "reports" / "README.md").is_file() and list(work.iterdir()) == []
    with pytest.raises(SystemExit):
        report_main([str(sweep), "--out=~no-such-user-x/reports"])
    assert "cannot tell which home folder ~no-such-user-x is; give the full path" in (
        capsys.readouterr().err)
    assert list(work.iterdir()) == []


# --- caveats where the front is read ----------------------------------------------------------


def test_a_front_row_whose_leak_may_be_understated_is_marked_where_it_is_ranked(tmp_path, capsys):
    # a run whose TPR at 0.1% FPR rests on 200 non-member scores (the TPR at FPR 0: lower
    # than at 0.1%) was first on the front, in the summary and on the terminal, plain; its
    # caveat was in a section further down
    root = tmp_path / "sweep"
    make_run(root / "none", test_accuracy=0.90, signal=3.0, nonmember_scores=5000)
    make_run(root / "small", test_accuracy=0.85, signal=0.3, seed=1, nonmember_scores=200,
             defense="dp", epsilon=1.0)  # fmt: skip
    assert report_main([str(root), "--out", str(tmp_path / "out"), "--no-tensorboard",
                        "--no-charts"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "1. small " in out and "[dp]  (read with care)" in out
    assert "[no defense]  (read with care)" not in out
    assert "(read with care): a run of the row has a caveat" in out
    summary = (tmp_path / "out" / "README.md").read_text()
    assert "| 1 | `small` (read with care) | dp |" in summary
    assert "| 2 | `none` | no defense |" in summary
    assert "A row marked (read with care) holds a run" in summary
    # and in the tables a spreadsheet sorts by leakage
    for table in ("tradeoff.csv", "runs.csv"):
        with (tmp_path / "out" / table).open() as handle:
            rows = {r["runs"]: r["read_with_care"] for r in csv.DictReader(handle)}
        assert rows == {"small": "yes", "none": ""}
    assert "| pareto | read_with_care |" in (tmp_path / "out" / "tradeoff.md").read_text()


def test_a_strongest_attack_whose_figure_is_null_is_not_left_out_silently(tmp_path, caplog):
    # lira's TPR set to null (NaN): the run's leakage was loss's alone, far lower, on the
    # same front as runs whose lira counted, and nothing said so
    root = tmp_path / "sweep"
    make_run(root / "none", test_accuracy=0.90, signal=3.0)
    payload = make_run(root / "edited", test_accuracy=0.91, signal=3.0, config={"train.epochs": 5})
    payload["attacks"]["lira"]["tpr@0.1%fpr"] = None
    write_json(root / "edited" / "results.json", payload)
    report = _report(root, tmp_path / "out")
    assert report.caveats == [
        ("edited", "tpr@0.1%fpr of lira is null (NaN) while other attacks have one: its "
         "leakage is theirs alone and may be understated; rerun it"),
    ]  # fmt: skip
    assert "| `edited` (read with care) |" in (tmp_path / "out" / "README.md").read_text()


def test_the_chart_marks_a_front_row_to_read_with_care(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "none", test_accuracy=0.90, signal=3.0, nonmember_scores=5000)
    make_run(root / "small", test_accuracy=0.85, signal=0.3, seed=1, nonmember_scores=200,
             defense="dp", epsilon=1.0)  # fmt: skip
    report = _report(root, tmp_path / "out")
    careful = [i for i, g in enumerate(report.groups) if g.label == "small"]
    figure = tradeoff_figure(report.groups, fronts=report.fronts, careful=careful)
    numbers = sorted(t.get_text() for ax in figure.axes for t in ax.texts)
    assert numbers == ["1*", "2", "ε=1"]  # (the DP row's ε beside its point, h262)
    assert "*: read with care" in figure.texts[-1].get_text()
    plain = tradeoff_figure(report.groups, fronts=report.fronts)
    assert sorted(t.get_text() for ax in plain.axes for t in ax.texts) == ["1", "2", "ε=1"]
    assert "read with care" not in plain.texts[-1].get_text()


def test_query_perturbations_without_augmented_queries_do_not_split_a_front(tmp_path):
    # mia-attack records a file's unstated settings as null: with no augmented queries the
    # perturbation settings shaped nothing, yet split the runs onto two fronts as "None"
    from mia_defense.report import write_report

    root = tmp_path / "sweep"
    none = {"attack.queries.num_augmented": 0}
    make_run(root / "a", test_accuracy=0.9, signal=3.0,
             config={**none, "attack.queries.noise_std": 0.3, "attack.queries.flip": False})
    make_run(root / "b", test_accuracy=0.8, signal=1.0, seed=1,
             config={**none, "attack.queries.noise_std": None, "attack.queries.flip": None})
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert sorted(report.fronts) == [("digits", "MLP")]
    # with augmented queries they are part of how a run was attacked: null said as such
    some = {"attack.queries.num_augmented": 8}
    make_run(root / "c", test_accuracy=0.9, signal=3.0, seed=2,
             config={**some, "attack.queries.noise_std": 0.3})
    make_run(root / "d", test_accuracy=0.8, signal=1.0, seed=3,
             config={**some, "attack.queries.noise_std": None})
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    names = [model for _, model in report.fronts]
    assert any(name.endswith("attack.queries.noise_std=null]") for name in names), names
    assert not any("None" in name for name in names), names
