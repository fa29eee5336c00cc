"""h481: refusals outside h471's modules still put a path into the commands they suggest with
shlex.quote, and showed it unclipped: mia-attack of a run folder with no results.json said
the folder and 'mia-attack FOLDER/observations.npz' whole, a 1,500-character folder twice
over; a checkpoint folder linked out of its run said 'rm LINK' and its target whole; an IDX
file gzip-compressed twice 'gzip -dc FILE > once.gz && mv once.gz FILE'. Each now shows a
path as every refusal does (`constraints.shown_path`: clipped, with its length, beyond
`constraints.PATH_LIMIT`) and puts it into a command whole and shell-quoted, or says
'<that folder>' ('<that link>', '<that file>') where it is too long to type
(`constraints.typed_path`). A path of 300 characters is named whole in both, as before."""

from __future__ import annotations

import gzip
import os
import shlex
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.constraints import PATH_LIMIT
from mia_defense.data.idx import read_idx
from mia_defense.errors import DataError
from mia_defense.pipeline.train import check_checkpoint_folders


def _long(root: Path) -> Path:
    folder = root.joinpath(*["r" * 200] * 7)  # (some 1,500 characters)
    assert PATH_LIMIT < len(str(folder)) < 4000
    return folder


def _ordinary(root: Path) -> Path:
    folder = root.joinpath(*["run one" + "o" * 92] * 3)  # (a space, 300-odd characters)
    assert 300 <= len(str(folder)) <= PATH_LIMIT
    return folder


def _unfinished_run(folder: Path) -> str:
    """mia-attack's refusal of a run folder without its results.json."""
    folder.mkdir(parents=True)
    (folder / "observations.npz").write_bytes(b"PK")
    (folder / "train.log").write_text("")
    with pytest.raises(DataError) as caught:
        read_source(folder)
    return str(caught.value)


def _linked_out(root: Path) -> tuple[Path, Path, str]:
    """check_checkpoint_folders' refusal of a checkpoint folder linked out of its run."""
    run, elsewhere = root / "run", root / "elsewhere"
    run.mkdir(parents=True)
    elsewhere.mkdir()
    os.symlink(elsewhere, run / "checkpoints")
    with pytest.raises(DataError) as caught:
        check_checkpoint_folders(run, fingerprint=None, settings={}, num_models=2)
    return run / "checkpoints", elsewhere, str(caught.value)


def _gzipped_twice(folder: Path) -> tuple[Path, str]:
    folder.mkdir(parents=True)
    file = folder / "train-images-idx3-ubyte.gz"
    file.write_bytes(gzip.compress(gzip.compress(b"\0\0\x08\x01\0\0\0\x01x")))
    with pytest.raises(DataError) as caught:
        read_idx(file)
    return file, str(caught.value)


def test_a_run_folder_too_long_to_show_is_clipped_and_left_out_of_its_command(
        tmp_path: Path) -> None:  # fmt: skip
    folder = _long(tmp_path)
    message = _unfinished_run(folder)
    assert message.startswith(str(folder)[:500]), message[:300]
    assert f"… ({len(str(folder))} characters): a run folder without" in message, message[-400:]
    assert message.endswith("(mia-attack <that folder>/observations.npz)"), message[-300:]
    assert str(folder) not in message and len(message) < PATH_LIMIT + 600, len(message)


def test_a_run_folder_of_300_characters_is_named_whole(tmp_path: Path) -> None:
    folder = _ordinary(tmp_path)
    message = _unfinished_run(folder)
    assert message.startswith(f"{folder}: a run folder without"), message[:400]
    assert message.endswith(f"(mia-attack {shlex.quote(str(folder / 'observations.npz'))})")


def test_a_long_checkpoint_link_is_clipped_and_left_out_of_rm(tmp_path: Path) -> None:
    link, elsewhere, message = _linked_out(_long(tmp_path))
    assert "(rm <that link>: the run makes its own folder)" in message, message[-400:]
    assert f"… ({len(str(link))} characters): a link to" in message, message[:1200]
    assert f"… ({len(str(elsewhere))} characters), outside" in message, message[-800:]
    assert str(link) not in message and len(message) < 2 * PATH_LIMIT + 600, len(message)


def test_a_checkpoint_link_of_300_characters_is_named_whole(tmp_path: Path) -> None:
    link, elsewhere, message = _linked_out(_ordinary(tmp_path))
    assert message.startswith(f"{link}: a link to {elsewhere}, outside"), message[:800]
    assert f"(rm {shlex.quote(str(link))}: the run makes" in message, message[-500:]


def test_a_long_idx_file_gzipped_twice_is_clipped_and_left_out_of_its_commands(
        tmp_path: Path) -> None:  # fmt: skip
    file, message = _gzipped_twice(_long(tmp_path))
    assert f"… ({len(str(file))} characters): gzip-compressed twice" in message, message[:1200]
    assert "gzip -dc <that file> > once.gz && mv once.gz <that file> (" in message, message
    assert str(file) not in message and len(message) < PATH_LIMIT + 700, len(message)


def test_an_idx_file_of_300_characters_gzipped_twice_is_named_whole(tmp_path: Path) -> None:
    file, message = _gzipped_twice(_ordinary(tmp_path))
    quoted = shlex.quote(str(file))
    assert message.startswith(f"{file}: gzip-compressed twice"), message[:400]
    assert f"gzip -dc {quoted} > once.gz && mv once.gz {quoted} (" in message, message


def test_the_command_of_a_run_whose_models_are_another_runs_is_shell_quoted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    # (its command held the path bare: 'mia-attack /tmp/.../run one/observations.npz', two
    # words to the shell; checkpoint_mismatch stood in for: its own tests build the mismatch)
    import mia_defense.attack_source as attack_source
    import mia_defense.tracking.artifacts as artifacts

    run = tmp_path / "run one"
    run.mkdir()
    monkeypatch.setattr(artifacts, "checkpoint_mismatch", lambda *_, **__: "another run's")
    with pytest.raises(DataError) as caught:
        attack_source._refuse_other_models(run, {})
    assert str(caught.value).endswith(
        f"(mia-attack {shlex.quote(str(run / 'observations.npz'))})"), str(caught.value)


def _tb_refusal(log_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The refusal of a TensorBoard folder this user may not write (chmod a-w tb of an
    interrupted run: PermissionError from the writer, as test_h287 stands it in)."""
    import errno

    from mia_defense.tracking.tensorboard import log_run

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("mia_defense.tracking.tensorboard.SummaryWriter", refused)
    log_dir.mkdir(parents=True)
    with pytest.raises(DataError) as caught:
        log_run(log_dir, histories=[], attacks={}, scalars={}, hparams={}, figures=False)
    return str(caught.value)


def test_a_tb_folder_with_a_space_is_one_word_of_its_chmod(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    log_dir = _ordinary(tmp_path) / "t b"
    message = _tb_refusal(log_dir, monkeypatch)
    assert message.startswith(f"{log_dir}: cannot write the TensorBoard events"), message
    assert f"(chmod -R u+w {shlex.quote(str(log_dir))}, or ask" in message, message


def test_a_long_tb_folder_is_clipped_and_left_out_of_its_chmod(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    log_dir = _long(tmp_path) / "tb"
    message = _tb_refusal(log_dir, monkeypatch)
    assert f"… ({len(str(log_dir))} characters): cannot write" in message, message[:1200]
    assert "(chmod -R u+w <that folder>, or ask its owner)" in message, message[-400:]
    assert str(log_dir) not in message and len(message) < PATH_LIMIT + 400, len(message)
