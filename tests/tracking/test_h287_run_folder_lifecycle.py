"""A single run's folder while the run holds it (h287): removed (``rm -rf`` while mia-train
trained), moved, or made anew by another run, it was made again by the run's next write,
without its .lock and its log lines, and the run ended 'complete' there (exit 0). Now the
write is refused, naming the folder, and nothing is made."""

from __future__ import annotations

import errno
import io
import logging
import os
import shutil

import pytest

from mia_defense.errors import DataError
from mia_defense.files import atomic_write
from mia_defense.tracking.run_dir import claim_run_dir, mark_run


@pytest.mark.parametrize("how", ["removed", "moved", "made anew by another run"])
def test_a_run_folder_gone_while_held_is_not_made_again(tmp_path, how):
    run_dir = tmp_path / "run"
    with claim_run_dir(run_dir):
        mark_run(run_dir, status="running", config={"a": 1}, data_fingerprint=None)
        if how == "moved":
            os.rename(run_dir, tmp_path / "kept")
        else:
            shutil.rmtree(run_dir)
        if how == "made anew by another run":
            claim = claim_run_dir(run_dir)
            claim.__enter__()
        for path in (run_dir / "results.json", run_dir / "checkpoints" / "model_0000.pt"):
            with pytest.raises(DataError, match="the run folder was removed or moved while "
                               "this run was writing it") as exc:
                atomic_write(path, lambda handle: handle.write(b"x"))
            assert str(exc.value).startswith(f"{run_dir}: ") and str(path) in str(exc.value)
        if how == "made anew by another run":
            claim.__exit__(None, None, None)
            assert sorted(os.listdir(run_dir)) == [".lock"]  # (the other run's alone)
        else:
            assert not os.path.lexists(run_dir)
    if how == "moved":  # what the run had written stays where it was moved
        assert sorted(os.listdir(tmp_path / "kept")) == [".lock", "results.json"]
    atomic_write(tmp_path / "elsewhere.json", lambda handle: handle.write(b"x"))  # (no claim)


@pytest.mark.parametrize(("code", "advice"), [
    (errno.EFBIG, "The file is larger than this file system or `ulimit -f` allows: raise the "
                  "limit or write elsewhere (hydra.job_logging.handlers.file.filename=...)"),
    (errno.ENOSPC, "Free disk space or point hydra.job_logging.handlers.file.filename at a "
                   "writable file"),
    (errno.EACCES, "Point hydra.job_logging.handlers.file.filename at a writable file"),
], ids=["EFBIG", "ENOSPC", "EACCES"])
def test_a_log_file_that_failed_is_advised_by_its_error(tmp_path, code, advice, capsys):
    # train.log past `ulimit -f` (EFBIG: a log grown by many resumes) was told 'Free space
    # there', which gives no room under a size limit
    from mia_defense.cli.held_log import guard_log_files, log_files_failed

    class Refusing(io.StringIO):
        def write(self, text):
            raise OSError(code, os.strerror(code))

    handler = logging.FileHandler(tmp_path / "train.log", delay=True)
    handler.stream = Refusing()
    root = logging.getLogger()
    root.addHandler(handler)
    failed: list[str] = []
    try:
        guard_log_files(failed)
        logging.getLogger("mia_defense.h287").warning("a line")
    finally:
        root.removeHandler(handler)
    assert failed == [str(tmp_path / "train.log")]
    assert f"({os.strerror(code)}); its log lines go to the console" in capsys.readouterr().err
    assert log_files_failed(failed).endswith(f"where it says. {advice}" + (
        "" if code == errno.EFBIG else " (hydra/job_logging=disabled: no log file)"))


def test_a_vast_finite_epsilon_curve_says_how_to_read_the_chart(tmp_path):
    # defense.dp.noise_multiplier=1e-4 (ε about 1.5e9) drawn beside runs of ε 1 to 10 on one
    # linear axis flattened their curves, with no word of why
    from mia_defense.tracking.tensorboard import log_run
    from mia_defense.training.loop import EpochRecord, ModelHistory
    from tests.tracking.test_h277_unbounded_epsilon import _events

    epochs = [EpochRecord(e, 1.0, 0.5, 1.2, 0.3) for e in range(3)]
    for name, curve in (("vast", [500.0, 2e8, 1.5e9]), ("usual", [2.0, 3.0, 4.0])):
        history = ModelHistory(epochs=epochs, epoch_stats=[{"epsilon": e} for e in curve])
        log_run(tmp_path / name, histories=[history], hparams={"defense": "dp"}, attacks={},
                figures=False, scalars={"privacy/epsilon": curve[-1]})
    vast, usual = _events(tmp_path / "vast"), _events(tmp_path / "usual")
    # (filed apart, as no guarantee: test_h518_vacuous_epsilon_hparams)
    assert [v for _, v in vast["defense/epsilon_no_guarantee"]] == pytest.approx(
        [500.0, 2e8, 1.5e9])
    ((_, note),) = vast["defense/epsilon_no_guarantee/text_summary"]
    assert note.startswith("**ε = 1.5e+09 (from epoch 2 on above 1000, where ε guarantees "
                           "nothing)**") and "'Toggle Y-axis log scale'" in note
    assert "defense/epsilon/text_summary" not in usual


def test_a_lock_this_user_may_not_write_is_named_not_the_folder(tmp_path, monkeypatch):
    # (chmod a-w .lock of an interrupted run): 'cannot use it as the run directory; point
    # hydra.run.dir at a writable directory', where the run's saved models are
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".lock").write_text("pid 1 on host since then\n")
    (run_dir / "results.json").write_text("{}")
    opened = os.open

    def refused(path, *args, **kwargs):
        if str(path) == str(run_dir / ".lock"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return opened(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(DataError) as exc, claim_run_dir(run_dir):
        pytest.fail("the run went on")
    assert str(exc.value) == (
        f"{run_dir / '.lock'}: cannot open it (Permission denied); nothing was changed. Make "
        f"it writable for this user (chmod u+w {run_dir / '.lock'}, or ask its owner), then "
        "run the same command again")
    assert sorted(os.listdir(run_dir)) == [".lock", "results.json"]


def test_a_tb_folder_this_user_may_not_write_is_named_with_its_fix(tmp_path, monkeypatch):
    # (chmod a-w tb of an interrupted run): 'choose a writable run directory', where the
    # run's saved models are, and only tb/ needs the fix
    from mia_defense.tracking.tensorboard import log_run

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("mia_defense.tracking.tensorboard.SummaryWriter", refused)
    (tmp_path / "tb").mkdir()
    with pytest.raises(DataError) as exc:
        log_run(tmp_path / "tb", histories=[], attacks={}, scalars={}, hparams={},
                figures=False)
    assert str(exc.value) == (
        f"{tmp_path / 'tb'}: cannot write the TensorBoard events (Permission denied); make it "
        f"writable for this user (chmod -R u+w {tmp_path / 'tb'}, or ask its owner), or delete "
        "it (the run writes its events anew), then run the same command again")


def test_a_refused_run_puts_nothing_back_into_a_folder_made_anew(tmp_path):
    # removed while the run checked its settings, then made anew by another run: the refused
    # run deleted (or wrote over) that run's results.json, 'putting back' what it found
    from mia_defense.experiment import _found_state, _restore_if_nothing_saved

    run_dir = tmp_path / "run"
    with claim_run_dir(run_dir):
        found = _found_state(run_dir)  # (no results.json)
        shutil.rmtree(run_dir)
        run_dir.mkdir()
        (run_dir / ".lock").write_text("pid 2 on host since now\n")  # (the other run's)
        (run_dir / "results.json").write_text('{"status": "running"}')
        assert _restore_if_nothing_saved(run_dir, found)
        assert (run_dir / "results.json").read_text() == '{"status": "running"}'
