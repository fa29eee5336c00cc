"""Hostile shapes of the folders mia-report is pointed at (h318): names that end up printed."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
from pathlib import Path

import pytest

from mia_defense.attack_source import missing_source
from mia_defense.cli.report import main as report_main
from mia_defense.errors import DataError
from mia_defense.files import lfs_pointer_at, require_zip
from mia_defense.report import runs
from mia_defense.tracking import read_json
from mia_defense.tracking.artifacts import file_sha256, regular_file_sha256
from tests.report.fake_runs import make_run


def test_a_run_name_quoted_in_another_runs_reason_is_printed_escaped(tmp_path, capsys):
    # a copy of a run (same config and seeds) is not ranked with a reason naming the kept
    # one: a folder named with a terminal's escape codes was printed raw in that reason
    root = tmp_path / "sweep"
    make_run(root / "z", test_accuracy=0.9, signal=1.0)
    make_run(root / "evil\x1b[2J\x1b]0;title\x07\nWARNING forged", test_accuracy=0.9, signal=1.0)
    assert report_main([str(root), "--no-tensorboard", "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "the same experiment as" in printed
    assert "\x1b" not in printed and "\x07" not in printed and "\nWARNING" not in printed


@pytest.mark.parametrize("shape", ["missing target", "link loop"])
def test_mia_attack_names_a_broken_link_as_one(tmp_path, shape):
    # `ls` shows the link, and mia-attack said "no such file or directory"
    link = tmp_path / "run"
    if shape == "link loop":
        (tmp_path / "other").symlink_to(link)
        link.symlink_to(tmp_path / "other")
    else:
        link.symlink_to(tmp_path / "gone")
    said = missing_source(link)
    assert said is not None and said.startswith(f"{link}: a broken link (to '{tmp_path}/")


def test_a_run_reached_by_its_folder_and_a_link_keeps_its_folders_name(
    tmp_path, monkeypatch, caplog
):
    # the walk read whichever came first in the directory's order: the link, the run then
    # named after it and its real folder said to be "a link ... already read"
    root = tmp_path / "sweep"
    make_run(root / "z", test_accuracy=0.9, signal=1.0)
    (root / "a").symlink_to(root / "z")
    listed = runs._list_dir
    monkeypatch.setattr(runs, "_list_dir", lambda d: sorted(listed(d), key=lambda e: e.name,
                                                            reverse=True))  # (z, then a)
    with caplog.at_level(logging.WARNING):
        loaded = runs.load_runs([root])
    assert [r.name for r in loaded.runs] == ["z"]
    assert f"{root / 'a'}: links to" in caplog.text and f"{root / 'z'}: links" not in caplog.text


@pytest.mark.parametrize(("code", "advice"), [(errno.ENAMETOOLONG, "shorten its path"),
                                              (errno.EACCES, "fix its permissions")])
def test_a_folder_that_cannot_be_listed_gets_the_advice_of_its_error(tmp_path, monkeypatch,
                                                                     code, advice):
    # a folder under a path of more than PATH_MAX characters was told "fix its permissions"
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    (root / "deep").mkdir()
    listed = runs._list_dir

    def refuse(directory):
        if directory.name == "deep":
            raise OSError(code, os.strerror(code), str(directory))
        return listed(directory)

    monkeypatch.setattr(runs, "_list_dir", refuse)
    loaded = runs.load_runs([root])
    (reason,) = [why for where, why in loaded.skipped if where.name == "deep"]
    assert os.strerror(code) in reason and advice in reason
    assert [r.name for r in loaded.runs] == ["a"]


def test_a_run_linked_from_another_root_keeps_its_folders_name(tmp_path):
    # mia-report coll sweep, coll/best a link to sweep/z: the run was named coll/best (the
    # root given first), its row label losing sweep/z's
    make_run(tmp_path / "sweep" / "z", test_accuracy=0.9, signal=1.0)
    (tmp_path / "coll").mkdir()
    (tmp_path / "coll" / "best").symlink_to(tmp_path / "sweep" / "z")
    loaded = runs.load_runs([tmp_path / "coll", tmp_path / "sweep"])
    assert [r.name for r in loaded.runs] == ["sweep/z"]


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs Linux's /proc")
def test_a_results_json_of_0_bytes_is_refused_unopened(tmp_path):
    # /proc's files are regular files of size 0: a results.json linked to /proc/kmsg blocked
    # mia-report for ever (as root), one linked to /proc/self/environ had the environment read
    run = tmp_path / "sweep" / "a"
    make_run(run, test_accuracy=0.9, signal=1.0)
    (run / "results.json").unlink()
    (run / "results.json").symlink_to("/proc/self/environ")
    with pytest.raises(DataError, match=r"results\.json: empty \(0 bytes\), not valid JSON"):
        read_json(run / "results.json")


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs Linux's /proc")
def test_a_run_file_of_0_bytes_is_never_read(tmp_path, monkeypatch):
    # observations.npz, scores.npz or a checkpoint linked to /proc/kmsg (a regular file of 0
    # bytes that blocks) hung mia-report in the LFS check, the zip check or the sha256
    link = tmp_path / "file"
    link.symlink_to("/proc/self/environ")  # (0 bytes, yet it reads the environment)
    empty = hashlib.sha256().hexdigest()
    assert regular_file_sha256(link, max_size=1) == empty
    with pytest.raises(DataError, match=r"empty \(0 bytes\)"):
        require_zip(link)

    def never(*args, **kwargs):
        raise AssertionError(f"opened {args[0]}")

    monkeypatch.setattr("builtins.open", never)
    assert lfs_pointer_at(link) is None and file_sha256(link) == empty
