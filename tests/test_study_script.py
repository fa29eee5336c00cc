"""Study 1's script (`make study-digits`) end to end, in tiny settings: its four sweeps in
three processes, the model store they share, the report over all of them, a ROOT that Hydra
would otherwise read as a sweep, and no recording of a study run with overrides."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = ["plan.num_models=4", "plan.population_size=200", "train.epochs=2", "figures=false",
        "attack.bootstrap=0", "attack.queries.num_augmented=0"]  # fmt: skip


@pytest.mark.slow  # 19 tiny runs in three processes and a report: about a minute
def test_the_study_runs_its_sweeps_shares_its_store_and_records_nothing_with_overrides(
    tmp_path,
):
    root = tmp_path / "st x,y"  # a comma and a space: one path, not a sweep of two
    env = {**os.environ, "BIN": str(Path(sys.executable).parent), "HERE": str(tmp_path / "here")}
    done = subprocess.run(
        ["bash", str(REPO / "experiments/digits_tradeoff/run.sh"), str(root), *TINY],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    sweeps = {"training": 7, "reference_data": 2, "dp": 5, "release": 5}
    for name, runs in sweeps.items():
        results = sorted((root / name).glob("*/results.json"))
        assert len(results) == runs, name
        for path in results:
            payload = json.loads(path.read_text())
            assert payload["status"] == "complete"
            assert payload["config"]["plan"]["num_models"] == 4  # the overrides reached it
    # one store: the undefended models trained once serve the baseline and every release
    logs = "".join((root / f"{name}.log").read_text() for name in sweeps)
    assert logs.count("reused 4 target models") >= 5
    # the report read all 19: ranked, or listed apart (two epochs leave some DP runs useless)
    report = root / "report"
    ranked = len((report / "runs.csv").read_text().splitlines()) - 1
    unranked = len((report / "not_ranked.csv").read_text().splitlines()) - 1
    assert ranked + unranked == 19 and ranked >= 10
    assert "not recorded" in done.stdout and not (tmp_path / "here").exists()


@pytest.mark.slow  # 14 tiny DP runs in four sweeps and two tables: about a minute
def test_the_dp_audit_study_runs_every_step_and_records_nothing_with_overrides(tmp_path):
    """Study 5 and 5b (`make study-dp-audit`) end to end: each of its four sweeps must pass
    the guards of today's mia-train (its last step once failed: a single run of a preset
    with sweep values) and both tables must be written, here into ROOT/results."""
    root = tmp_path / "audit a,b=[c]"  # one path, not a sweep (run.sh quotes it for Hydra)
    env = {**os.environ, "BIN": str(Path(sys.executable).parent)}
    before = {p: p.stat().st_mtime_ns for p in (REPO / "experiments/dp_audit/results").iterdir()}
    done = subprocess.run(
        ["bash", str(REPO / "experiments/dp_audit/run.sh"), str(root), *TINY],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(list(root.glob("*/results.json"))) == 7
    one_run = tmp_path / "audit a,b=[c]_one_run"
    for group, runs in (("delta_1e-6", 4), ("seeds", 2), ("default_delta", 1)):
        assert len(list((one_run / group).glob("**/results.json"))) == runs, group
    assert (root / "results" / "results.md").is_file()
    assert (one_run / "results" / "one_run.md").is_file()
    after = {p: p.stat().st_mtime_ns for p in (REPO / "experiments/dp_audit/results").iterdir()}
    assert after == before  # the recorded study is left alone


# A stand-in for each tool a study's script calls: it writes its name and arguments (one
# file a call: study 1 runs three sweeps at once) and succeeds.
STUB = """#!/bin/sh
f=$(mktemp "$CALLS/call.XXXXXX")
for a in "$(basename "$0")" "$@"; do printf '%s\\037' "$a"; done >"$f"
"""
# A stand-in sweep that notes its process id in CALLS and waits a minute (to be stopped).
SLEEPING_SWEEP = '#!/bin/sh\necho $$ >"$CALLS/sweep.$$"\nexec sleep 60\n'


def stand_in_tools(
    tmp_path: Path, *, tools: tuple[str, ...] = ("mia-train", "mia-report", "python"),
    stub: str = STUB,
) -> tuple[Path, Path]:
    """BIN and CALLS folders for a study script (no run: milliseconds): each of ``tools`` a
    stand-in running ``stub``, by default one that records its arguments in CALLS."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    calls.mkdir()
    for tool in tools:
        (bin_dir / tool).write_text(stub)
        (bin_dir / tool).chmod(0o755)
    return bin_dir, calls


# Each study's script, and the sweep directories of its mia-train calls under ROOT.
SCRIPTS = {
    "digits_tradeoff/run.sh": ["/training", "/dp", "/release", "/reference_data"],
    "purchase_tradeoff/run.sh": ["/training", "/dp", "/release", "/reference_data"],
    "naive_vs_adaptive/run.sh": [""],
    "reference_models/run.sh": [""],
    "dp_audit/run.sh": ["", "_one_run/delta_1e-6", "_one_run/seeds", "_one_run/default_delta"],
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_root_with_a_comma_space_bracket_or_equals_is_one_sweep_dir_of_every_study(
    tmp_path, script
):
    """Each study passes ROOT to hydra.sweep.dir as one quoted Hydra value (lib.sh's
    hydra_value): unquoted, 'a b,c=[d]' made Hydra sweep over two directories or refuse the
    override. The tools are stand-ins recording their arguments (no run: milliseconds)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    bin_dir, calls = stand_in_tools(tmp_path)
    root = tmp_path / "st a b,c=[d]'e"
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "RECORD": "0",
           "HERE": str(tmp_path / "here")}  # fmt: skip
    done = subprocess.run(
        ["bash", str(REPO / "experiments" / script), str(root), "train.epochs=1"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    argvs = [p.read_text().split("\037")[:-1] for p in sorted(calls.iterdir())]
    parser = OverridesParser.create()
    dirs = []
    for argv in argvs:
        if argv[0] == "mia-train":
            given = [a for a in argv if a.startswith(("hydra.sweep.dir=", "cache_dir="))]
            for override in map(parser.parse_override, given):
                assert not override.is_sweep_override(), override
                if override.key_or_group == "hydra.sweep.dir":
                    dirs.append(override.value())
                else:
                    assert override.value() == f"{root}/.model_store"
        else:  # the summary script or mia-report: ROOT as given
            assert any(a.startswith(str(root)) for a in argv[1:]), argv
    assert sorted(dirs) == sorted(f"{root}{sub}" for sub in SCRIPTS[script])


def test_hydra_value_keeps_quotes_backslashes_and_dollar_braces_of_a_path():
    """lib.sh's hydra_value: a quote, backslashes before a quote or at the end and ${ are
    escaped for Hydra's quoted value (before, "it\\'s" or a trailing backslash ended the
    quoted value early: a syntax error; ${x} was read as an interpolation)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    paths = ["/tmp/a b,c=[d]", "/tmp/it's", "/tmp/a${x}b", "/tmp/x\\", "/tmp/x\\\\",
             "/tmp/x\\y", "/tmp/q\\'s", "/tmp/ü ñ/z"]  # fmt: skip
    done = subprocess.run(
        ["bash", "-c", 'source experiments/lib.sh; for p; do hydra_value "$p"; echo; done',
         "-", *paths],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    parser = OverridesParser.create()
    for path, value in zip(paths, done.stdout.splitlines(), strict=True):
        override = parser.parse_override(f"hydra.sweep.dir={value}")
        assert OmegaConf.create({"dir": override.value()}).dir == path, value


# Each study's script, and the folders (under tmp_path) whose runs its summary scripts read.
TABULATED = {
    "digits_tradeoff/run.sh": [],  # (mia-report's report stays in ROOT/report)
    "purchase_tradeoff/run.sh": [],
    "naive_vs_adaptive/run.sh": ["mine"],
    "reference_models/run.sh": ["mine"],
    "dp_audit/run.sh": ["mine", "mine_one_run"],
    "dp_audit/one_run.sh": ["mine"],
}


@pytest.mark.parametrize("script", sorted(TABULATED))
def test_a_study_run_into_another_root_records_nothing(tmp_path, script):
    """A study run into a ROOT of one's own (to check the recorded figures) was copied over
    the study's recorded results, its summary.md then naming that ROOT; only a run into the
    study's own folder is recorded. Studies 3-5 wrote their tables into experiments/*/results
    for any ROOT given without overrides (on another machine, with other last digits); now
    into ROOT/results, saying why, as study 1 does (lib.sh's records_into). The tools are
    stand-ins (no run, no report files)."""
    bin_dir, calls = stand_in_tools(tmp_path)
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "HERE": str(tmp_path / "here")}
    for name in ("RECORD", "OWN_ROOT"):
        env.pop(name, None)
    done = subprocess.run(
        ["bash", str(REPO / "experiments" / script), str(tmp_path / "mine")],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "not recorded into" in done.stdout and "not the study's own" in done.stdout
    assert not (tmp_path / "here").exists()
    argvs = [p.read_text().split("\037")[:-1] for p in calls.iterdir()]
    outs = {a[2]: a[a.index("--out") + 1] for a in argvs if a[0] == "python"}
    assert outs == {str(tmp_path / n): str(tmp_path / n / "results") for n in TABULATED[script]}


# Each study's script that records its tables, and the sweep directory under ROOT where an
# earlier sweep of other settings left its runs (and mia-train kept its record).
RECORDING = {
    "digits_tradeoff/run.sh": "dp",
    "naive_vs_adaptive/run.sh": "",
    "reference_models/run.sh": "",
    "dp_audit/run.sh": "",
    "dp_audit/one_run.sh": "seeds",
}


@pytest.mark.parametrize("script", sorted(RECORDING))
def test_a_study_beside_runs_of_an_earlier_sweep_of_other_settings_records_nothing(
    tmp_path, script
):
    """A study run into its own ROOT after a sweep of other settings there (run.sh ROOT
    train.epochs=1, then make study-...) recorded tables that counted the earlier runs too
    (mia-report and the summary scripts read every run under ROOT); its tables now go to
    ROOT/results (study 1: none recorded), saying why. The tools are stand-ins."""
    bin_dir, calls = stand_in_tools(tmp_path)
    root = tmp_path / "root"
    here = tmp_path / "here"
    (root / "report").mkdir(parents=True)  # what study 1 records (mia-report's files)
    for name in ("tradeoff.md", "tradeoff.csv", "runs.csv", "tradeoff_tpr.png", "README.md"):
        (root / "report" / name).write_text("x")
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "OWN_ROOT": str(root),
           "HERE": str(here)}  # fmt: skip
    env.pop("RECORD", None)

    def run() -> tuple[str | None, str]:
        """(--out of the summary script reading ROOT, or None without one; stdout)"""
        for call in calls.iterdir():
            call.unlink()
        done = subprocess.run(["bash", str(REPO / "experiments" / script), str(root)],
                              capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        argvs = [p.read_text().split("\037")[:-1] for p in calls.iterdir()]
        outs = [a[a.index("--out") + 1] for a in argvs if a[0] == "python" and a[2] == str(root)]
        return (outs[0] if outs else None), done.stdout

    out, stdout = run()  # the study alone in its ROOT: recorded as before
    assert "not recorded" not in stdout
    recorded = (here / "results/summary.md").is_file() if out is None else out.startswith(
        "experiments/")  # fmt: skip
    assert recorded
    shutil.rmtree(here, ignore_errors=True)
    sweep = root / RECORDING[script]
    sweep.mkdir(exist_ok=True)
    (sweep / "multirun.yaml").write_text("the study's sweep\n")
    (sweep / "multirun.1.yaml").write_text("an earlier sweep of other settings\n")
    out, stdout = run()
    assert "not recorded into" in stdout and f"{sweep}/multirun.1.yaml" in stdout, stdout
    assert not here.exists() and out in (None, f"{root}/results")


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie not yet reaped counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def _ignoring_sigint() -> None:
    """Start a child as a study started in the background of a script (or `nohup ... &`)
    runs: with SIGINT ignored, which its sweeps inherit; INT alone left them running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sigint_ignored", [False, True])
def test_a_study_stopped_by_a_term_signal_stops_its_sweeps_too(tmp_path, sigint_ignored):
    """Study 1's three sweeps run in background subshells: a TERM sent to the script alone
    (kill, a scheduler) killed the subshells and left the three mia-train processes running
    on after the script said it stopped (exit 130); a rerun found their runs in use. The
    sweeps are stand-ins that wait a minute."""
    bin_dir, calls = stand_in_tools(tmp_path, tools=("mia-train",), stub=SLEEPING_SWEEP)
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "RECORD": "0"}
    script = subprocess.Popen(
        ["bash", str(REPO / "experiments/digits_tradeoff/run.sh"), str(tmp_path / "root")],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_ignoring_sigint if sigint_ignored else None,
    )  # fmt: skip
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while len(pids) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            pids = [int(p.read_text()) for p in calls.iterdir() if p.read_text().strip()]
        assert len(pids) == 3, "the three sweeps should have started"
        script.send_signal(signal.SIGTERM)
        assert script.wait(timeout=30) == 130
        deadline = time.monotonic() + 10
        while not all(map(_gone, pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(map(_gone, pids)), "sweeps left running after the study stopped"
    finally:
        for pid in pids:  # (the stand-ins this test started, by their ids)
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        if script.poll() is None:
            script.kill()
            script.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("script", ["naive_vs_adaptive/run.sh", "reference_models/run.sh",
                                    "dp_audit/run.sh", "dp_audit/one_run.sh"])  # fmt: skip
@pytest.mark.parametrize("sigint_ignored", [False, True])
def test_studies_3_to_5_stopped_by_a_term_signal_stop_their_sweep_too(
    tmp_path, script, sigint_ignored
):
    """Studies 3-5 ran their sweep in the script's foreground: a TERM sent to the script
    alone killed bash and left the sweep running (study 1's test above, for its background
    sweeps). The sweep is a stand-in that waits a minute."""
    bin_dir, calls = stand_in_tools(tmp_path, tools=("mia-train",), stub=SLEEPING_SWEEP)
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls)}
    proc = subprocess.Popen(
        ["bash", str(REPO / "experiments" / script), str(tmp_path / "root")],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_ignoring_sigint if sigint_ignored else None,
    )  # fmt: skip
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not pids and time.monotonic() < deadline:
            time.sleep(0.05)
            pids = [int(p.read_text()) for p in calls.iterdir() if p.read_text().strip()]
        assert len(pids) == 1, "the sweep should have started"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 130
        deadline = time.monotonic() + 10
        while not _gone(pids[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pids[0]), "the sweep was left running after the study stopped"
    finally:
        for pid in pids:  # (the stand-in this test started, by its id)
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
