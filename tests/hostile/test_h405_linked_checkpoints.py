"""h405: a run whose checkpoints/ was a link to an empty folder outside it saved its models
through the link: mia-train hydra.run.dir=R with R/checkpoints -> O (empty) trained and wrote
O/model_0000.pt..., exit 0, no word, so another run's folder (or a shared one) got this run's
models, which a resume of that run takes for its own. Such a link is now refused before
training, nothing written; a link inside the run's folder, or to a folder holding every model
(only read), is taken as before."""

from __future__ import annotations

import pytest

from mia_defense.errors import DataError
from mia_defense.pipeline.train import check_checkpoint_folders
from tests.conftest import TINY
from tests.helpers import FAST, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())


def _check(run_dir, num_models=2):
    return check_checkpoint_folders(run_dir, fingerprint=None, settings={},
                                    num_models=num_models)


@pytest.mark.parametrize("name", ["checkpoints", "checkpoints_undefended"])
def test_a_link_out_to_an_empty_folder_is_refused(tmp_path, name):
    (tmp_path / "out").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / name).symlink_to(tmp_path / "out")
    with pytest.raises(DataError, match=rf"run/{name}: a link to .*out, outside the run's "
                                        "folder, .*nothing was trained. Remove the link"):
        _check(tmp_path / "run")


def test_a_link_out_missing_a_model_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "model_0000.pt").write_bytes(b"")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoints").symlink_to(tmp_path / "out")
    with pytest.raises(DataError, match="outside the run's folder"):
        _check(tmp_path / "run")


def test_a_link_inside_the_run_or_to_every_model_is_taken(tmp_path):
    run = tmp_path / "run"
    (run / "kept").mkdir(parents=True)
    (run / "checkpoints").symlink_to(run / "kept")
    assert _check(run) == {}
    (tmp_path / "out").mkdir()
    for k in range(2):
        (tmp_path / "out" / f"model_{k:04d}.pt").write_bytes(b"")
    (run / "checkpoints_undefended").symlink_to(tmp_path / "out")
    assert _check(run) == {}


def test_mia_train_writes_nothing_through_the_link(tmp_path):
    out, run = tmp_path / "out", tmp_path / "run"
    out.mkdir()
    run.mkdir()
    (run / "checkpoints").symlink_to(out)
    done = mia_train(*RUN, f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"DataError: {run / 'checkpoints'}: a link to {out}" in done.stderr
    assert list(out.iterdir()) == []
