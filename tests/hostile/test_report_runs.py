"""Issue 14, report side: `mia-report` over hostile sweeps. Every bad run is named (warning or
"Runs not ranked"), the report is still built from the good runs, a user error is one line and
exit code 2, and no input file is ever changed."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.errors import ConfigError, DataError
from mia_defense.report import pareto_front, write_report
from mia_defense.report import runs as runs_module
from mia_defense.tracking import SCHEMA_VERSION, artifacts
from tests.report.fake_runs import make_diverged_run, make_run, two_run_sweep

REPO = Path(__file__).resolve().parents[2]
GOOD = {"good=a", "good=b"}


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """A sweep root holding two good runs (an undefended one and a private, less accurate one)."""
    return two_run_sweep(tmp_path / "sweep", ("good=a", "good=b"))


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Digest and mtime of every regular file under ``root`` (links not followed)."""
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            files[str(path.relative_to(root))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return files


def good_payload(tmp_path: Path) -> dict[str, Any]:
    """The results.json of a good run, to corrupt by hand."""
    return make_run(tmp_path / "template", test_accuracy=0.85, signal=1.0, seed=7)


def write_results(run_dir: Path, content: dict[str, Any] | str | bytes) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    (run_dir / "results.json").write_bytes(content)


def ranked_names(out: Path) -> set[str]:
    with (out / "runs.csv").open() as handle:  # one line per ranked run
        return {row["runs"] for row in csv.DictReader(handle)}


def not_ranked(out: Path) -> dict[str, str]:
    with (out / "not_ranked.csv").open() as handle:
        return {row["run"]: row["reason"] for row in csv.DictReader(handle)}


def report_of(root: Path, out: Path, caplog: pytest.LogCaptureFixture):
    """Write the report of ``root`` into ``out``; check that no input file changed."""
    before = snapshot(root)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=out, tensorboard=False)
    assert snapshot(root) == before
    return report


def assert_built_from_good_runs(out: Path, good: set[str] = GOOD) -> None:
    assert ranked_names(out) == good
    assert (out / "tradeoff_tpr.png").read_bytes()[:4] == b"\x89PNG"
    assert "# Privacy-utility tradeoff" in (out / "README.md").read_text()


# --- unreadable or untrustworthy results.json: skipped, named, the rest reported -------------
# Every case below is one run directory of ONE shared sweep, reported once (a report draws its
# charts, seconds each): each case's test checks its own warning line and not_ranked.csv row,
# and one test checks that the report was built from the good runs only.

BAD_FILES = {
    "truncated": ('{"status": "comp', "not valid JSON"),
    "not-an-object": ("[1, 2, 3]", "expected a JSON object, got list"),
    "deep-nesting": ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    "endless-integer": ('{"status": "complete", "x": ' + "9" * 5000 + "}", "not valid JSON"),
    "binary": (b"\xff\xfe\x00\x81garbage", "not valid JSON"),
}


def _edit(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``payload`` with the key at dotted ``path`` set to ``value`` (deleted for ``...``)."""
    payload = json.loads(json.dumps(payload))
    *parents, last = path.split("/")
    node = payload
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return payload


WRONG = {
    "foreign-version": ("schema_version", SCHEMA_VERSION + 1,
                        f"schema_version is {SCHEMA_VERSION + 1}, this mia-defense reads "
                        f"{SCHEMA_VERSION}; report it with the version that wrote it"),
    "version-missing": ("schema_version", ..., "no schema_version (written by an older"),
    "version-as-bool": ("schema_version", True, "schema_version is True"),
    "version-as-string": ("schema_version", "1", "schema_version is '1'"),
    "version-as-float": ("schema_version", float(SCHEMA_VERSION), "schema_version is 1.0"),
    "no-attacks": ("attacks", ..., "no attacks section"),
    "attacks-a-list": ("attacks", [{"auc": 0.5}], "attacks is a list, not an object"),
    "empty-attacks": ("attacks", {}, "no attack results"),
    "attack-a-number": ("attacks/loss", 0.7, "attacks.loss is a number, not an object"),
    "accuracy-a-string": ("utility/test_accuracy", "0.9",
                          "utility.test_accuracy is a string '0.9', not a number"),
    "accuracy-null": ("utility/test_accuracy", None, "utility.test_accuracy is null"),
    "accuracy-missing": ("utility/test_accuracy", ..., "no utility.test_accuracy"),
    "accuracy-huge": ("utility/test_accuracy", 1e300, "utility.test_accuracy is 1e+300, outside"),
    "auc-a-bool": ("attacks/lira/auc", True, "attacks.lira.auc is a boolean True, not a number"),
    "tpr-above-one": ("attacks/loss/tpr@1%fpr", 7.5, "attacks.loss.tpr@1%fpr is 7.5, outside"),
    "epsilon-a-string": ("privacy/epsilon", "low", "privacy.epsilon is a string 'low'"),
    "privacy-a-list": ("privacy", [], "privacy is a list, not an object"),
    "hparams-null": ("hparams", None, "hparams is null, not an object"),
    "flag-a-string": ("utility_below_chance", "yes", "utility_below_chance is a string 'yes'"),
    "strongest-unknown": ("strongest_attack", "rmia",
                          "strongest_attack 'rmia' is not one of its attacks (loss, lira)"),
    "config-a-list": ("config", [1], "config is a list, not an object"),
    "dataset-a-number": ("dataset", 3, "dataset is a number 3, not a name"),
    "seed-negative": ("seed", -1, "seed is a number -1, not an integer >= 0"),
    "models-a-string": ("num_models", "4", "num_models is a string '4', not an integer >= 1"),
    "nonmembers-negative": ("nonmember_scores", -1, "nonmember_scores is a number -1, not an i"),
    "nonmembers-bool": ("nonmember_scores", True, "nonmember_scores is a boolean True, not an"),
    "models-huge": ("num_models", 10**400, "num_models is an integer of 401 digits, too lar"),
    "nonmembers-huge": ("nonmember_scores", 2**53, "nonmember_scores is an integer of 16 digi"),
    "refuted-a-string": ("privacy/epsilon_refuted", "yes", "privacy.epsilon_refuted is a str"),
    # (read as set: the row called understated, off the fronts, 'outputs are saturated: false')
    "saturated-a-string": ("privacy/outputs_saturated", "false",
                           "privacy.outputs_saturated is a string 'false', not a reason"),
    "inverted-a-bool": ("privacy/attacks_inverted", True,
                        "privacy.attacks_inverted is a boolean True, not a reason"),
    # (mia-attack's masks caveats: 'masks suspect, the leak may be understated: false')
    "suspect-a-string": ("privacy/masks_suspect", "false",
                         "privacy.masks_suspect is a string 'false', not a reason"),
    "unbalanced-a-bool": ("privacy/masks_unbalanced", True,
                          "privacy.masks_unbalanced is a boolean True, not a reason"),
    "nonmembers-float": ("nonmember_scores", 1e9, "nonmember_scores is a number 1000000000.0,"),
    "std-negative": ("utility/test_accuracy_std", -0.1, "utility.test_accuracy_std is -0.1, neg"),
    "std-a-string": ("utility/test_accuracy_std", "x", "utility.test_accuracy_std is a string"),
    "ci-above-one": ("attacks/lira/auc_ci_high", 1.5, "attacks.lira.auc_ci_high is 1.5, outside"),
}  # fmt: skip

NON_FINITE = {  # a JSON literal for attacks.lira.auc, and the reason given
    "nan": ("NaN", "attacks.lira.auc is nan, not a finite number"),
    "1e400": ("1e400", "attacks.lira.auc is inf, not a finite number"),
    "minus-infinity": ("-Infinity", "attacks.lira.auc is -inf, not a finite number"),
    "401-digits": ("1" + "0" * 400, "attacks.lira.auc is an integer of 401 digits, too large"),
}

# every run directory of the shared sweep that is skipped (never read as a run)
SKIPPED = (
    {f"bad={case}" for case in BAD_FILES}
    | {f"bad={case}" for case in WRONG}
    | {f"bad=number-{case}" for case in NON_FINITE}
    | {"bad=running", "bad=crashed", "bad=dir"}
    | ({"bad=fifo"} if hasattr(os, "mkfifo") else set())
)
UNRANKED = {"bad=no-metric", "bad=null-metric"}  # read, named, not ranked


class _Warnings(logging.Handler):
    """Collects the messages of warnings (what ``caplog`` does, for a module fixture)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True)
class Hostile:
    """The shared hostile sweep and what its one report gave."""

    root: Path
    out: Path
    report: Any
    warnings: list[str]

    def warning(self, prefix: str) -> str:
        """The one warning that starts with ``prefix``."""
        lines = [w for w in self.warnings if w.startswith(prefix)]
        assert len(lines) == 1, (prefix, self.warnings)
        return lines[0]


def _write_hostile_runs(root: Path, template: dict[str, Any]) -> None:
    """Every hostile case of this section, one run directory each, next to the good runs."""
    assert not set(BAD_FILES) & set(WRONG)
    for case, (text, _) in BAD_FILES.items():
        write_results(root / f"bad={case}", text)
    for case, (key, value, _) in WRONG.items():
        write_results(root / f"bad={case}", _edit(template, key, value))
    placeholder = json.dumps(_edit(template, "attacks/lira/auc", "PLACEHOLDER"))
    for case, (literal, _) in NON_FINITE.items():
        write_results(root / f"bad=number-{case}", placeholder.replace('"PLACEHOLDER"', literal))
    write_results(root / "bad=running", {"schema_version": SCHEMA_VERSION, "status": "running"})
    (root / "bad=crashed" / ".hydra").mkdir(parents=True)
    if hasattr(os, "mkfifo"):
        (root / "bad=fifo").mkdir()
        os.mkfifo(root / "bad=fifo" / "results.json")  # reading it would block forever
    (root / "bad=dir" / "results.json").mkdir(parents=True)
    no_metric = json.loads(json.dumps(template))
    for metrics in no_metric["attacks"].values():
        del metrics["tpr@0.1%fpr"]
    write_results(root / "bad=no-metric", no_metric)
    nulls = json.loads(json.dumps(template))
    for metrics in nulls["attacks"].values():
        metrics["tpr@0.1%fpr"] = None
    write_results(root / "bad=null-metric", nulls)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    """Two good runs and every hostile case above in one sweep, reported once."""
    tmp = tmp_path_factory.mktemp("hostile")
    root = tmp / "sweep"
    make_run(root / "good=a", test_accuracy=0.90, signal=3.0)
    make_run(root / "good=b", test_accuracy=0.80, signal=0.3, defense="dp", epsilon=1.0, seed=1)
    _write_hostile_runs(root, good_payload(tmp))
    before = snapshot(root)
    handler, logger = _Warnings(), logging.getLogger()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        report = write_report([root], out_dir=tmp / "out", tensorboard=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert snapshot(root) == before  # no input file changed
    return Hostile(root=root, out=tmp / "out", report=report, warnings=handler.messages)


def test_a_hostile_sweep_is_reported_from_its_good_runs_alone(hostile):
    assert {p.name for p, _ in hostile.report.skipped} == SKIPPED
    assert len(hostile.report.skipped) == len(SKIPPED)  # each bad run skipped once
    assert {s.name for s in hostile.report.summaries} == GOOD
    assert set(not_ranked(hostile.out)) == {str(hostile.root / n) for n in SKIPPED} | UNRANKED
    assert_built_from_good_runs(hostile.out)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unparseable_results_are_skipped_with_their_file_named(hostile, case):
    _, expected = BAD_FILES[case]
    line = hostile.warning(f"{hostile.root}/bad={case}/results.json:")
    assert f"bad={case}/results.json: {expected}" in line
    assert line.endswith("; skipping this run")
    assert f"bad={case}" in {p.name for p, _ in hostile.report.skipped}
    assert expected in not_ranked(hostile.out)[str(hostile.root / f"bad={case}")]


@pytest.mark.parametrize("case", sorted(WRONG))
def test_valid_json_with_wrong_versions_or_types_is_skipped_with_the_reason(hostile, case):
    _, _, expected = WRONG[case]
    line = hostile.warning(f"{hostile.root}/bad={case}/results.json:")
    assert f"bad={case}/results.json: {expected}" in line
    assert line.endswith("; skipping this run")
    assert f"bad={case}" in {p.name for p, _ in hostile.report.skipped}
    assert expected in not_ranked(hostile.out)[str(hostile.root / f"bad={case}")]


@pytest.mark.parametrize("case", sorted(NON_FINITE))
def test_non_finite_or_huge_numbers_are_skipped_with_the_reason(hostile, case):
    _, expected = NON_FINITE[case]
    line = hostile.warning(f"{hostile.root}/bad=number-{case}/results.json:")
    assert f"bad=number-{case}/results.json: {expected}" in line
    assert expected in not_ranked(hostile.out)[str(hostile.root / f"bad=number-{case}")]


def test_unfinished_and_failed_runs_are_skipped_with_their_status(hostile):
    running = hostile.warning(f"{hostile.root}/bad=running/results.json:")
    assert "bad=running/results.json: status is 'running', not 'complete'" in running
    crashed = hostile.warning(f"{hostile.root}/bad=crashed:")
    assert "bad=crashed: no results.json (the run failed or is still running)" in crashed
    reasons = not_ranked(hostile.out)
    assert "status is 'running'" in reasons[str(hostile.root / "bad=running")]
    assert "no results.json" in reasons[str(hostile.root / "bad=crashed")]


# --- files and directories that could hang or crash a walk -------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_or_directory_named_results_json_is_skipped_without_hanging(hostile):
    # the shared report above finished: reading the FIFO would have blocked it forever
    fifo = hostile.warning(f"{hostile.root}/bad=fifo/results.json:")
    assert "bad=fifo/results.json: not a regular file" in fifo
    directory = hostile.warning(f"{hostile.root}/bad=dir/results.json:")
    assert "bad=dir/results.json: not a regular file" in directory


# --- runs that are read but never ranked ----------------------------------------------------


def test_a_run_without_the_objective_metric_is_named_not_fatal(hostile):
    missing = ("no attack reports tpr@0.1%fpr (attacks: loss, lira); rerun it with 0.001 in "
               "attack.fprs")  # fmt: skip
    line = hostile.warning(f"{hostile.root}/bad=no-metric/results.json:")
    assert f"bad=no-metric/results.json: {missing}; not ranked" in line
    line = hostile.warning(f"{hostile.root}/bad=null-metric/results.json:")
    assert "bad=null-metric/results.json: every attack's tpr@0.1%fpr is null" in line
    assert not_ranked(hostile.out)["bad=no-metric"] == missing
    assert {s.name for s in hostile.report.summaries} == GOOD


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_an_oversized_results_json_is_skipped_unread(sweep, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(artifacts, "MAX_JSON_BYTES", 40_000)  # the good runs stay below
    write_results(sweep / "bad=huge", json.dumps({"pad": "x" * 50_000}))
    report_of(sweep, tmp_path / "out", caplog)
    assert "bad=huge/results.json: 50011 bytes, more than any run writes" in caplog.text
    assert_built_from_good_runs(tmp_path / "out")


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_symlink_loops_are_read_once_and_named(sweep, tmp_path, caplog):
    (sweep / "loop").symlink_to(sweep, target_is_directory=True)
    (sweep / "good=a" / "back").symlink_to(sweep / "good=a", target_is_directory=True)
    (sweep / "dangling").symlink_to(tmp_path / "nowhere", target_is_directory=True)
    report = report_of(sweep, tmp_path / "out", caplog)
    assert f"{sweep / 'loop'}: links to {sweep.resolve()}, already read" in caplog.text
    assert f"{sweep / 'good=a' / 'back'}: links to" in caplog.text
    assert sorted(s.name for s in report.summaries) == sorted(GOOD)  # each run once
    assert_built_from_good_runs(tmp_path / "out")


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_unreadable_directories_and_files_are_skipped(sweep, tmp_path, caplog, monkeypatch):
    make_run(sweep / "locked" / "x=1", test_accuracy=0.7, signal=1.0)
    make_run(sweep / "x=secret", test_accuracy=0.7, signal=1.0)
    real_scandir, real_read_bytes = os.scandir, Path.read_bytes

    def scandir(path):  # a chmod 000 directory, which root would read anyway
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    def read_bytes(self):  # unreadable for the report only, not for this test's snapshots
        caller = sys._getframe(1).f_globals.get("__name__")
        if self.parent.name == "x=secret" and caller == "mia_defense.tracking.artifacts":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(runs_module.os, "scandir", scandir)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report_of(sweep, tmp_path / "out", caplog)
    monkeypatch.undo()
    assert f"{sweep / 'locked'}: cannot list this directory (Permission denied)" in caplog.text
    assert "x=secret/results.json: cannot read it (Permission denied)" in caplog.text
    assert_built_from_good_runs(tmp_path / "out")


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_diverged_runs_are_listed_apart_never_ranked(sweep, tmp_path, caplog, capsys):
    make_diverged_run(sweep / "bad=diverged", reason="loss is NaN at epoch 2 (lr=10)")
    # even if a diverged run carried figures that would dominate every other run
    dominating = {**good_payload(tmp_path), "status": "diverged",
                  "diverged": {"reason": "gradients\nare | inf"}}  # fmt: skip
    dominating["utility"]["test_accuracy"] = 0.99
    for metrics in dominating["attacks"].values():
        metrics.update({"auc": 0.5, "tpr@0.1%fpr": 0.0})
    write_results(sweep / "bad=diverged-late", dominating)
    before = snapshot(sweep)
    assert report_main([str(sweep), "--out", str(tmp_path / "out"), "--no-tensorboard"]) == 0
    assert snapshot(sweep) == before
    out = tmp_path / "out"
    printed = capsys.readouterr().out
    assert "2 runs reported, 0 skipped, 2 not ranked" in printed
    assert "Runs not ranked (no privacy verdict):" in printed
    assert ("bad=diverged: training diverged: loss is NaN at epoch 2 (lr=10); no privacy "
            "verdict") in printed  # fmt: skip
    assert "bad=diverged/results.json: training diverged: loss is NaN" in caplog.text
    assert not_ranked(out)["bad=diverged-late"] == (
        "training diverged: gradients are | inf; no privacy verdict"
    )
    markdown = (out / "tradeoff.md").read_text()
    assert "## Runs not ranked" in markdown
    assert "| `bad=diverged-late` | training diverged: gradients are \\| inf;" in markdown
    assert "## Runs not ranked" in (out / "README.md").read_text()
    front = printed.split("Pareto front", 1)[1].split("Runs not ranked", 1)[0]
    assert "diverged" not in front and front.count("acc ") == 2  # good=a and good=b
    assert_built_from_good_runs(out)


def _leaking_nothing(run_dir: Path, **kwargs: Any) -> None:
    """A run whose attacks all fail: ranked, it would sit at the private end of the front."""
    payload = make_run(run_dir, signal=0.0, **kwargs)
    for metrics in payload["attacks"].values():
        metrics.update({"auc": 0.5, "tpr@0.1%fpr": 0.0})
    write_results(run_dir, payload)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_below_chance_runs_never_reach_the_pareto_front(sweep, tmp_path, caplog):
    _leaking_nothing(sweep / "bad=chance", test_accuracy=0.50, chance_accuracy=0.50, seed=3)
    _leaking_nothing(sweep / "bad=below", test_accuracy=0.30, chance_accuracy=0.55, seed=4)
    make_run(sweep / "ok=above", test_accuracy=0.60, signal=3.0, chance_accuracy=0.55, seed=5)
    # older results without the flag are not flagged, however low their accuracy
    make_run(sweep / "ok=old", test_accuracy=0.20, signal=3.0, seed=6)
    report = report_of(sweep, tmp_path / "out", caplog)
    ranked = {s.name for s in report.summaries}
    assert ranked == GOOD | {"ok=above", "ok=old"}
    # had it been ranked, the run at chance would have been on the front
    accuracy = [s.test_accuracy for s in report.summaries] + [0.50]
    leakage = [s.leak_tpr for s in report.summaries] + [0.0]
    assert len(report.summaries) in pareto_front(accuracy, leakage)
    assert "bad=chance" not in {report.summaries[i].name for i in report.front}
    reasons = not_ranked(tmp_path / "out")
    assert reasons["bad=chance"] == (
        "test accuracy 0.500 is not above chance (0.500, the majority class); no privacy "
        "verdict for a useless model"
    )
    assert reasons["bad=below"].startswith("test accuracy 0.300 is not above chance (0.550")
    assert "bad=below/results.json: test accuracy 0.300 is not above chance" in caplog.text
    assert "| `bad=chance` | test accuracy 0.500" in (tmp_path / "out" / "tradeoff.md").read_text()
    assert_built_from_good_runs(tmp_path / "out", GOOD | {"ok=above", "ok=old"})


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_runs_too_small_for_the_ranking_fpr_are_ranked_with_a_caveat(sweep, tmp_path, caplog):
    # 200 non-member scores cannot resolve 0.1% FPR: the run's TPR there is the TPR at FPR 0
    # of its scores; the report ranks it, but says so in the log, tradeoff.md and README.md
    make_run(sweep / "small=a", test_accuracy=0.95, signal=3.0, seed=3, nonmember_scores=200)
    make_run(sweep / "large=b", test_accuracy=0.85, signal=3.0, seed=4, nonmember_scores=1000)
    report = report_of(sweep, tmp_path / "out", caplog)
    assert {s.name for s in report.summaries} == GOOD | {"small=a", "large=b"}
    note = (
        "its tpr@0.1%fpr rests on 200 non-member scores, fewer than 1/FPR = 1000: it is the "
        "TPR at FPR 0 of these scores (about FPR 0.5% on fresh data), not a figure at 0.1%; "
        "rerun it with a larger plan.population_size or attack.num_targets to compare it at "
        "that FPR"
    )
    assert report.caveats == [("small=a", note)]
    assert f"small=a/results.json: {note}" in caplog.text
    for name in ("tradeoff.md", "README.md"):
        text = (tmp_path / "out" / name).read_text()
        assert "## Figures to read with care" in text
        assert f"| `small=a` | {note} |" in text and "`large=b`" not in text.split("care")[1]


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_refuted_dp_claim_is_ranked_with_the_refutation_in_view(sweep, tmp_path, caplog):
    payload = make_run(sweep / "dp=refuted", test_accuracy=0.85, signal=3.0, seed=3,
                       epsilon=0.5, defense="dp")
    payload["privacy"].update(epsilon_refuted=True, epsilon_refuted_reason="measured ε >= 2.1")
    write_results(sweep / "dp=refuted", payload)
    report = report_of(sweep, tmp_path / "out", caplog)
    assert report.caveats == [("dp=refuted", "DP claim refuted: measured ε >= 2.1")]
    assert "dp=refuted/results.json: DP claim refuted: measured ε >= 2.1" in caplog.text
    assert "| `dp=refuted` | DP claim refuted: measured ε >= 2.1 |" in (
        tmp_path / "out" / "tradeoff.md").read_text()


# --- user errors: one line on stderr, exit code 2, nothing written --------------------------


def _cli_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert report_main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("mia-report:")]
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def test_out_pointing_at_a_file_or_under_one_is_a_one_line_error(sweep, tmp_path, capsys):
    before = snapshot(sweep)
    target = tmp_path / "report.txt"
    target.write_text("keep me")
    line = _cli_error(capsys, [str(sweep), "--out", str(target)])
    assert line == (f"mia-report: {target}: exists and is not a directory; choose another "
                    "report directory (mia-report --out DIR)")  # fmt: skip
    line = _cli_error(capsys, [str(sweep), "--out", str(target / "sub" / "dir")])
    assert f"{target / 'sub' / 'dir'}: {target} is a file, not a directory" in line
    assert target.read_text() == "keep me"
    line = _cli_error(capsys, [str(sweep), "--out", str(sweep / "good=a")])
    assert f"{sweep / 'good=a'}: holds a run's results.json; choose another" in line
    assert snapshot(sweep) == before
    assert not list(tmp_path.rglob("tradeoff.csv"))


def test_an_unwritable_out_directory_is_a_one_line_error(sweep, tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):  # a read-only directory, which root could write anyway
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("mia_defense.report.out_dir.tempfile.mkstemp", refuse)
    before = snapshot(sweep)
    line = _cli_error(capsys, [str(sweep), "--out", str(tmp_path / "ro")])
    assert line == (f"mia-report: {tmp_path / 'ro'}: cannot write there (Permission denied); "
                    "choose another report directory (mia-report --out DIR)")  # fmt: skip
    with pytest.raises(ConfigError, match=r"ro: cannot write there \(Permission denied\)"):
        write_report([sweep], out_dir=tmp_path / "ro", charts=False)
    assert snapshot(sweep) == before and not (tmp_path / "ro" / "tradeoff.csv").exists()


def test_zero_usable_runs_is_a_one_line_error(tmp_path, capsys, caplog):
    root = tmp_path / "sweep"
    write_results(root / "bad=corrupt", "{")
    make_diverged_run(root / "bad=diverged", reason="loss is inf")
    before = snapshot(root)
    line = _cli_error(capsys, [str(root)])
    expected = (f"mia-report: {root}: no finished run to rank (1 skipped, 1 not ranked; "
                "first: bad=diverged: training diverged: loss is inf")  # fmt: skip
    assert line.startswith(expected)
    assert line.endswith("point mia-report at sweep roots or run directories holding complete runs")
    assert "bad=corrupt/results.json: not valid JSON" in caplog.text
    assert snapshot(root) == before and not (root / "report").exists()
    with pytest.raises(DataError, match=r"missing: no finished run to rank \(1 skipped, 0 not"):
        write_report([tmp_path / "missing"], out_dir=tmp_path / "out", charts=False)


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_the_installed_command_survives_a_hostile_sweep(sweep, tmp_path):
    """Through the real entry point: warnings name the files, no traceback, exit 0."""
    write_results(sweep / "bad=corrupt", "{")
    write_results(sweep / "bad=types", _edit(good_payload(tmp_path), "attacks", [1]))
    make_diverged_run(sweep / "bad=diverged", reason="loss is NaN")
    (sweep / "loop").symlink_to(sweep, target_is_directory=True)
    before = snapshot(sweep)
    command = [sys.executable, "-m", "mia_defense.cli.report", str(sweep), "--no-tensorboard"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "bad=corrupt/results.json: not valid JSON" in done.stderr
    assert "bad=types/results.json: attacks is a list, not an object" in done.stderr
    assert "bad=diverged/results.json: training diverged: loss is NaN" in done.stderr
    assert "2 runs reported, 2 skipped, 1 not ranked" in done.stdout
    assert {p for p in snapshot(sweep) if not p.startswith("report/")} == set(before)
    assert all(snapshot(sweep)[p] == v for p, v in before.items())
    assert_built_from_good_runs(sweep / "report")
