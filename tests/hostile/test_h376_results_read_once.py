"""mia-report read a run's results.json twice: once through read_json (a regular file, its
size capped, its depth, JSON) and again, with no such checks, to refuse duplicate keys, so
a file replaced between the two (by a 2 GB one, a FIFO) was read uncapped. It is now read
once and both checks hold for the same bytes."""

from pathlib import Path

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run


def test_results_json_is_read_once(tmp_path, monkeypatch):
    make_run(tmp_path / "run", test_accuracy=0.9, signal=2.0)
    results = tmp_path / "run" / "results.json"
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(self: Path) -> bytes:
        if self == results:
            reads.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert [r.name for r in load_runs([tmp_path / "run"]).runs] == ["run"]
    assert len(reads) == 1


def test_a_duplicate_key_is_still_refused_from_the_one_read(tmp_path):
    make_run(tmp_path / "run", test_accuracy=0.9, signal=2.0)
    path = tmp_path / "run" / "results.json"
    path.write_text(path.read_text().replace('"utility": {', '"utility": {"test_accuracy": 1, ', 1))
    reason = dict(load_runs([tmp_path / "run"]).skipped)[tmp_path / "run"]
    assert reason == ("duplicate key 'test_accuracy' in one object; not a results.json "
                      "mia-defense wrote: rerun the run")
