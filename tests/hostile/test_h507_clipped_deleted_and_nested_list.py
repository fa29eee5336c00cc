"""Refusals that still quoted a part of an override whole after h501 (h507): the override of
a deleted required setting (mia-train "~train.lr=0.001$(printf '0%.0s' {1..1500})", a value
Hydra reads as the config's own, so the deletion goes through: a 1,637-character refusal),
and the value a config group was given in place of a config's name (mia-train
"defense=[[$(printf 'x%.0s' {1..1500})]]": 1,937 characters; defense=<1,500 digits>: 1,874).
Each is now clipped as `override_checks._said` clips the override (`constraints.clipped`)."""

from __future__ import annotations

from mia_defense.override_checks import deleted_required, unnamed_group_choice
from tests.helpers import refused_before_run_dir

LONG = 1500


def test_mia_train_clips_a_long_deleting_override(tmp_path):
    deleted = "~train.lr=0.001" + "0" * LONG  # (equal to train.lr's 0.001: Hydra deletes it)
    line = refused_before_run_dir(deleted, cwd=tmp_path).strip().splitlines()[-1]
    start = "ConfigError: train.lr: missing; it is required: '~train.lr=0.0010"
    assert line.startswith(start), line[:300]
    assert f"… ({LONG + 17} characters) deletes it; leave that override out (to change it, " \
        "give train.lr=VALUE)" in line  # fmt: skip
    assert len(line) < 400, len(line)


def test_an_ordinary_deleting_override_is_said_whole():
    said = deleted_required(["train.lr: missing; it is required"], ["~train.lr=1e-3"])
    assert said == {0: "train.lr: missing; it is required: '~train.lr=1e-3' deletes it; leave "
                       "that override out (to change it, give train.lr=VALUE)"}  # fmt: skip


def test_mia_train_clips_a_long_list_inside_a_list(tmp_path):
    stderr = refused_before_run_dir("defense=[[" + "x" * LONG + "]]", cwd=tmp_path)
    line = stderr.strip().splitlines()[-1]
    assert ", not a list inside a list (['xxx" in line, line[-600:]
    assert f"… ({LONG + 4} characters)); write 'defense=[A,B]'" in line
    assert len(line) < 800, len(line)


def test_a_long_number_for_a_config_group_is_clipped():
    message = unnamed_group_choice(["defense=" + "1" * LONG])
    assert message is not None
    assert message.endswith(f"… ({LONG} characters)")
    assert len(message) < 800, len(message)


def test_ordinary_group_choices_are_said_whole():
    assert unnamed_group_choice(["defense=[[mixup]]"]).endswith(
        ", not a list inside a list (['mixup']); write 'defense=[A,B]'")
    assert unnamed_group_choice(["train=5"]).endswith(", not 5")
