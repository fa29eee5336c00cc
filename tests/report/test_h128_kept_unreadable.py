"""mia-train keeps an unreadable results.json aside as ``results.json.unreadable[-N]`` before
running the run again; a rerun that then failed or was killed left a folder with that file
and no results.json. mia-report said only 'no results.json' (a folder with .hydra/), or,
for mia-train's own folders (no .hydra/), 'no results.json or .hydra/ found under it' when
given the run, and nothing at all for such a run in a sweep. The folder is now a run folder
skipped with its reason, which names the kept file."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run

NO_RESULTS = "no results.json (the run failed or is still running)"
KEPT = "an earlier results.json of the run that could not be read, kept aside by mia-train"


def _kept_aside(run_dir, *names):
    """A run folder whose results.json mia-train kept aside under ``names``, its rerun
    killed before writing its own (train.log, checkpoints and all: no .hydra/)."""
    make_run(run_dir, test_accuracy=0.9, signal=1.0)
    (run_dir / "train.log").write_text("killed\n")
    for name in names:
        (run_dir / name).write_text("{not json")
    (run_dir / "results.json").unlink()


def test_a_run_folder_with_its_results_kept_aside_says_so(tmp_path):
    run = tmp_path / "run"
    _kept_aside(run, "results.json.unreadable")
    loaded = load_runs([run])
    assert not loaded.runs
    reason = dict(loaded.skipped)[run]
    assert reason.startswith(f"{NO_RESULTS}; its train.log says why; ")
    assert f"the folder holds results.json.unreadable: {KEPT}" in reason


def test_such_a_run_in_a_sweep_is_skipped_not_left_out_unsaid(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "ok", test_accuracy=0.9, signal=1.0)
    _kept_aside(root / "killed", "results.json.unreadable")
    loaded = load_runs([root])
    assert [r.name for r in loaded.runs] == ["ok"]
    assert "results.json.unreadable" in dict(loaded.skipped)[root / "killed"]


def test_a_folder_with_hydra_names_the_latest_of_several_copies(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "ok", test_accuracy=0.9, signal=1.0)
    _kept_aside(root / "killed", "results.json.unreadable", "results.json.unreadable-2",
                "results.json.unreadable-10")  # fmt: skip
    (root / "killed" / ".hydra").mkdir()
    reason = dict(load_runs([root]).skipped)[root / "killed"]
    assert reason.startswith(NO_RESULTS)
    assert f"results.json.unreadable-10 (and 2 earlier such copies): {KEPT}" in reason


def test_other_names_mark_no_kept_results(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "ok", test_accuracy=0.9, signal=1.0)
    _kept_aside(root / "other", "results.json.unreadable-x", "results.json.unreadable.bak")
    loaded = load_runs([root])
    assert [r.name for r in loaded.runs] == ["ok"]
    assert root / "other" not in dict(loaded.skipped)  # (a folder of train.log only, as before)
