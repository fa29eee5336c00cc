"""A sweep (hydra.sweep.dir) or a run (hydra.run.dir) inside another sweep's directory, not
inside one of its runs, was accepted (h295): ``mia-report S`` then ranked the inner runs as
S's, and ``tensorboard --logdir S`` (the command S's end prints) read one of the two HParams
experiment configs, the inner sweep's (S's columns and values lost). It is refused, naming
the sweep and how to add runs to it."""

from __future__ import annotations

import pytest

from mia_defense.cli.run_dirs import refuse_inside_a_run


@pytest.mark.parametrize("key", ["hydra.sweep.dir", "hydra.run.dir"])
def test_a_folder_inside_a_sweep_is_refused(tmp_path, caplog, key):
    sweep = tmp_path / "S"
    (sweep / "train.lr=0.1").mkdir(parents=True)
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    with pytest.raises(SystemExit) as stopped:
        refuse_inside_a_run(str(sweep / "inner" / "deeper"), key=key)
    assert stopped.value.code == 2
    assert f"{key}={sweep / 'inner' / 'deeper'} lies inside the sweep directory {sweep}:" in (
        caplog.text)
    assert f"sweep into it (mia-train -m ... hydra.sweep.dir={sweep})" in caplog.text
    refuse_inside_a_run(str(sweep), key=key)  # the sweep's own folder: another sweep into it
    refuse_inside_a_run(str(tmp_path / "S-inner"), key=key)  # beside it
    (tmp_path / "runs" / ".model_store").mkdir(parents=True)  # a user's cache_dir: no sweep
    refuse_inside_a_run(str(tmp_path / "runs" / "a"), key=key)
