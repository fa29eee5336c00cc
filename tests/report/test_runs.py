import logging
import shutil

from mia_defense.report import load_runs
from mia_defense.tracking import write_json
from tests.report.fake_runs import make_run


def test_load_runs_skips_corrupt_partial_and_unfinished_runs_with_a_warning(tmp_path, caplog):
    make_run(tmp_path / "a=1", test_accuracy=0.9, signal=1.0)
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "results.json").write_text('{"status": "compl')
    make_run(tmp_path / "partial", test_accuracy=0.9, signal=1.0)
    (tmp_path / "partial" / "results.json").write_text('{"status": "running"}')
    (tmp_path / "crashed" / ".hydra").mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["a=1"]
    reasons = {path.name: reason for path, reason in loaded.skipped}
    assert set(reasons) == {"corrupt", "partial", "crashed"}
    assert "not valid JSON" in reasons["corrupt"]
    assert "'running'" in reasons["partial"]
    assert "no results.json" in reasons["crashed"]
    assert "corrupt/results.json: not valid JSON" in caplog.text
    assert "skipping this run" in caplog.text


def test_a_run_directory_given_directly_is_named_after_itself(tmp_path):
    make_run(tmp_path / "one", test_accuracy=0.9, signal=1.0)
    loaded = load_runs([tmp_path / "one", tmp_path])  # found twice, loaded once
    assert [r.name for r in loaded.runs] == ["one"]
    assert load_runs([tmp_path / "missing"]).skipped[0][1].startswith("not a directory")


def test_runs_of_several_sweeps_are_named_after_their_sweep(tmp_path):
    make_run(tmp_path / "dp" / "x=1", test_accuracy=0.9, signal=1.0)
    make_run(tmp_path / "release" / "x=1", test_accuracy=0.8, signal=1.0, seed=1)
    loaded = load_runs([tmp_path / "dp", tmp_path / "release"])
    assert [r.name for r in loaded.runs] == ["dp/x=1", "release/x=1"]


def test_a_repeat_of_a_run_is_counted_once_never_as_a_seed_replicate(tmp_path, caplog):
    # a copied run directory (or a rerun of the same config, seed and data) is the same
    # deterministic experiment: as a second "replicate" it gave a zero-width interval
    first = make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    (tmp_path / "sweep" / "b").mkdir()
    shutil.copy(tmp_path / "sweep" / "a" / "results.json", tmp_path / "sweep" / "b")
    make_run(tmp_path / "sweep" / "c", test_accuracy=0.9, signal=1.0, seed=1)
    with caplog.at_level(logging.WARNING):
        loaded = load_runs([tmp_path / "sweep"])
    assert [r.name for r in loaded.runs] == ["a", "c"]
    ((repeat, reason),) = loaded.unranked
    assert repeat.name == "b" and reason.startswith("the same experiment as a (same config")
    assert "b/results.json: the same experiment as a" in caplog.text
    # another library version, or other data, is not a repeat
    for key, value in (("versions", {"torch": "0.0"}), ("data_fingerprint", "other")):
        (tmp_path / key / "b").mkdir(parents=True)
        shutil.copytree(tmp_path / "sweep" / "a", tmp_path / key / "a")
        write_json(tmp_path / key / "b" / "results.json", {**first, key: value})
        assert len(load_runs([tmp_path / key]).runs) == 2
