"""A checkpoint folder's resume settings (train.chunk_size, the device type) were compared on
its first file only: a later model_*.pt of the same config trained under another
train.chunk_size (copied from another run of it) was loaded beside the others and the run's
figures measured on the mix. Every loaded file is now held to the settings of the models
trained beside it (this run's, or, a folder of all K models only loaded, its first file's)."""

import shutil

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import DataError
from mia_defense.training.checkpoints import load_checkpoint
from tests.conftest import compose_cfg
from tests.helpers import FAST, built_once

K4 = (*FAST, "plan.num_models=4")


def _two_runs(folder):
    """``one``, a run of chunk size 1 (results.json lost, as after a kill) and its model 2
    trained under chunk size 2, and ``two``, that other run of the same config."""
    one, two = folder / "one", folder / "two"
    run(compose_cfg(*K4, "train.chunk_size=1"), one)
    run(compose_cfg(*K4, "train.chunk_size=2"), two)
    (one / "results.json").unlink()
    shutil.copy(two / "checkpoints" / "model_0002.pt", one / "checkpoints" / "model_0002.pt")
    return folder


@pytest.fixture
def folders(tmp_path_factory, tmp_path):
    """`_two_runs`' ``one`` (``two`` beside it), copied into this test's folder from the two
    runs trained once for the tests of this file, which edit their copies."""
    template = built_once(tmp_path_factory, "h195_two_runs", _two_runs)
    for name in ("one", "two"):
        shutil.copytree(template / name, tmp_path / name)
    return tmp_path / "one"


def test_a_later_checkpoint_of_other_settings_is_refused_and_deleting_it_retrains_it(
    make_cfg, folders
):
    saved = folders / "checkpoints"
    (saved / "model_0003.pt").unlink()  # not trained yet
    with pytest.raises(DataError, match=r"model_0002.pt was trained under other settings than "
                       r"the models saved beside it \(train.chunk_size: 2 -> 1\).*nothing was "
                       r"trained. Delete .*model_0002.pt to retrain that model"):
        run(make_cfg(*K4, "train.chunk_size=1"), folders)
    assert not (saved / "model_0003.pt").exists() and not (folders / "results.json").exists()
    (saved / "model_0002.pt").unlink()  # as the message says
    run(make_cfg(*K4, "train.chunk_size=1"), folders)
    for k in range(4):
        settings = load_checkpoint(saved / f"model_{k:04d}.pt")["settings"]
        assert settings["train.chunk_size"] == 1, k


def test_a_full_folder_of_mixed_settings_is_refused_one_of_the_same_is_loaded(
    make_cfg, folders, tmp_path
):
    # all four saved, so none is trained: still, models of two chunk sizes are not one run's
    with pytest.raises(DataError, match=r"model_0002.pt was trained under other settings .*"
                       r"\(train.chunk_size: 2 -> 1\)"):
        run(make_cfg(*K4, "train.chunk_size=1"), folders)
    with pytest.raises(DataError, match=r"model_0002.pt .*\(train.chunk_size: 2 -> 1\)"):
        run(make_cfg(*K4, "train.chunk_size=4"), folders)  # held to the first file's
    # a folder of one chunk size, all saved: loaded under another, as before
    uniform = tmp_path / "two"
    (uniform / "results.json").unlink()
    run(make_cfg(*K4, "train.chunk_size=1"), uniform)
    assert load_checkpoint(uniform / "checkpoints" / "model_0002.pt")["settings"][
        "train.chunk_size"] == 2


def test_train_fit_holds_later_checkpoints_to_the_settings_too(make_cfg, tmp_path):
    fit = ("+train.fit._target_=tests.training.test_user_fit.class_prior_fit",
           "+train.fit.smoothing=1", "model=logistic")  # fmt: skip
    one, two = tmp_path / "one", tmp_path / "two"
    run(make_cfg(*K4, *fit, "train.chunk_size=1"), one)
    run(make_cfg(*K4, *fit, "train.chunk_size=2"), two)
    (one / "results.json").unlink()
    (one / "checkpoints" / "model_0001.pt").unlink()
    shutil.copy(two / "checkpoints" / "model_0002.pt", one / "checkpoints" / "model_0002.pt")
    with pytest.raises(DataError, match=r"model_0002.pt was trained under other settings than "
                       r"the models saved beside it \(train.chunk_size: 2 -> 1\)"):
        run(make_cfg(*K4, *fit, "train.chunk_size=1"), one)
    assert not (one / "checkpoints" / "model_0001.pt").exists()  # refused before any trained
