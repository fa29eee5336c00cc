"""mia-report and mia-attack disagreed on a results.json whose ``sha256`` names the run's
checkpoints but not its observations.npz (the entry deleted by hand): mia-report ranked the
run without checking the file, mia-attack refused it ('sha256 holds no digest of
observations.npz'). Every run records both since results.json has a ``sha256``, so such a
record was edited: both tools now refuse it through the one check (`recorded_sha256`); a
results.json with no ``sha256`` at all is refused by both where its versions.training_code
says its writer recorded one (`digests_problem`), and an older run's is still read by both
unchecked."""

import shutil

import pytest

from mia_defense.attack_source import _sha256_matches, read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs
from tests.report.fake_runs import older_record, rewrite_results

MISSING = "sha256 holds no digest of observations.npz, which every run records"
DELETED = "sha256 is missing, but versions.training_code says"


def test_a_record_without_the_observations_digest_is_refused_by_both(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    payload = rewrite_results(run, lambda p: p["sha256"].pop("observations.npz"))
    assert any(name.startswith("checkpoints/") for name in payload["sha256"])  # (kept)
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run].startswith(MISSING)
    with pytest.raises(DataError, match=MISSING):
        _sha256_matches(run, payload)


def test_an_older_record_without_any_digest_is_read_by_both(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    payload = rewrite_results(run, older_record)
    assert [r.name for r in load_runs([run]).runs] == ["run"]
    assert _sha256_matches(run, payload) is None
    read_source(run)  # (no refusal)


def test_a_record_whose_digests_were_deleted_is_refused_by_both(fast_run, tmp_path):
    """sha256 gone from a record that holds versions.training_code, written only since every
    record holds sha256: mia-attack refused it (3cac4b36), mia-report ranked it."""
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, lambda p: p.pop("sha256"))
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run].startswith(f"results.json's {DELETED}")
    with pytest.raises(DataError, match=DELETED):
        read_source(run)
