"""Another run's results.json and observations.npz copied into a run folder (a DP run's
over an undefended one's, whose checkpoints stay): mia-report ranked the folder as the DP
run and mia-attack carried its facts, though the models beside them are others."""

import shutil

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs
from mia_defense.tracking.artifacts import file_sha256
from tests.report.fake_runs import make_run, rewrite_results, with_observations_digest

MODEL = "checkpoints/model_0000.pt"


def _with_model(run, content):
    (run / "checkpoints").mkdir()
    (run / MODEL).write_bytes(content)
    rewrite_results(run, lambda p: p.update(
        sha256=with_observations_digest(run, {MODEL: file_sha256(run / MODEL)})))


def test_a_results_json_copied_beside_other_checkpoints_is_skipped(tmp_path):
    make_run(tmp_path / "own", test_accuracy=0.9, signal=2.0)
    _with_model(tmp_path / "own", b"the run's own model")
    make_run(tmp_path / "gone", test_accuracy=0.9, signal=2.0, seed=1)  # (deleted: kept)
    _with_model(tmp_path / "gone", b"a model deleted to save space")
    (tmp_path / "gone" / MODEL).unlink()
    forged = tmp_path / "forged"
    make_run(forged, test_accuracy=0.8, signal=0.3, defense="dp", epsilon=1.0, seed=2)
    _with_model(forged, b"the DP run's model")
    (forged / MODEL).write_bytes(b"the undefended model left in the folder")
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["gone", "own"]
    assert dict(loaded.skipped)[forged] == (
        f"{MODEL} in its folder has another sha256 than results.json records for it "
        f"(sha256['{MODEL}']): the folder's models are not the ones its figures measured "
        "(results.json and observations.npz copied from another run, or the checkpoints "
        "replaced); rerun the run, or put its own results.json and observations.npz back")


def test_mia_attack_refuses_a_run_folder_whose_checkpoints_are_others(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    read_source(run)  # (the copy whole: the same run)
    (run / MODEL).write_bytes(b"another run's model")
    with pytest.raises(DataError, match=r"has another sha256 than results.json records for it"):
        read_source(run)
