import logging

from mia_defense.report import load_runs
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
    assert load_runs([tmp_path / "missing"]).skipped[0][1] == "not a directory"


def test_runs_of_several_sweeps_are_named_after_their_sweep(tmp_path):
    make_run(tmp_path / "dp" / "x=1", test_accuracy=0.9, signal=1.0)
    make_run(tmp_path / "release" / "x=1", test_accuracy=0.8, signal=1.0)
    loaded = load_runs([tmp_path / "dp", tmp_path / "release"])
    assert [r.name for r in loaded.runs] == ["dp/x=1", "release/x=1"]
