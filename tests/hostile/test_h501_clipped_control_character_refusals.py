"""Refusals that quoted a user's override or run folder whole (h501): an override of 1,500
characters holding control characters, and a run folder the locale cannot write, were echoed
in full (a refusal of 4,000-odd characters). Each is now clipped, still naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.constraints import PATH_LIMIT
from mia_defense.errors import DataError
from mia_defense.override_checks import control_character
from mia_defense.tracking.run_dir import refuse_unwritable_name

MIA_TRAIN = str(Path(sys.executable).parent / "mia-train")
LONG_VALUE = "/tmp/" + "e\x1b" * 745  # (h499's override: 1,495 characters, repr 4,000-odd)


def test_a_long_override_with_control_characters_is_clipped_and_names_the_key():
    message = control_character([f"dataset.path={LONG_VALUE}"])
    assert message is not None
    assert len(message) < 600, len(message)
    assert message.startswith("$'dataset.path=/tmp/e\\x1be\\x1b")
    assert "characters)" in message  # (its length said where cut)
    assert "in the value of dataset.path;" in message
    assert "\x1b" not in message


def test_a_long_key_with_a_control_character_is_clipped():
    message = control_character(["train.l\tr" + "x" * 1500 + "=1"])
    assert message is not None
    assert len(message) < 500, len(message)
    assert message.startswith("$'train.l\\x09r")
    assert "in the override's key" in message


def test_an_ordinary_override_with_a_control_character_is_said_whole():
    assert control_character(["train.lr=0.1\n"]) == (
        "$'train.lr=0.1\\x0a': a control character ('\\n') in the value of train.lr; no setting "
        "of mia-defense's holds one (Hydra's grammar stops on it outside quotes; inside them "
        "it would be part of the value, a folder's name over two lines); remove it (a line "
        "end or tab pasted with the value)")


def test_mia_train_refuses_the_long_override_in_a_short_line(tmp_path):
    # h499: mia-train -m dataset.path=a,b "dataset.path=/tmp/$(printf 'e\x1b%.0s' {1..745})"
    # said a 4,035-character refusal
    done = subprocess.run(
        [MIA_TRAIN, "-m", "dataset.path=a,b", f"dataset.path={LONG_VALUE}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "in the value of dataset.path" in said
    assert len(said) < 1000, len(said)
    assert "Traceback" not in said


def test_an_unwritable_run_folder_of_a_long_name_is_clipped():
    folder = Path("/tmp/runs") / ("\udcc3\udca9" * 800)  # (a byte that is no UTF-8, 1,600)
    with pytest.raises(DataError) as caught:
        refuse_unwritable_name(folder)
    message = str(caught.value)
    assert len(message) < PATH_LIMIT + 400, len(message)
    assert message.startswith("'/tmp/runs/\\udcc3\\udca9")
    assert "characters):" in message
    assert "writes this name as other bytes than UTF-8" in message


def test_an_unwritable_run_folder_of_an_ordinary_name_is_said_whole():
    folder = Path("/tmp/runs/\udcc3\udca9 dir/outputs")
    with pytest.raises(DataError) as caught:
        refuse_unwritable_name(folder)
    assert str(caught.value).startswith(
        "'/tmp/runs/\\udcc3\\udca9 dir/outputs': the locale's file-system encoding (")


@pytest.mark.parametrize(("arg", "names"), [
    ("x" * 1500 + "=1", "no config group or key 'xxx"),  # (said whole, and its key twice)
    ("=" + "x" * 1500, "no config group or key before '='"),
    ("datset.path=" + "x" * 1500, "no config group or key 'datset' (Key 'datset' is not"),
])
def test_mia_train_quotes_a_long_override_clipped(tmp_path, arg, names):
    # each said the override whole: 4,648, 1,620 and 1,674 characters
    done = subprocess.run([MIA_TRAIN, arg], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-300:]
    assert names in said
    assert f"… ({len(arg)} characters): " in said
    assert len(said) < 1000, len(said)


def test_mia_train_quotes_an_ordinary_misspelt_override_whole(tmp_path):
    done = subprocess.run([MIA_TRAIN, "atack.bootstrap=0"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2
    assert ("ConfigError: atack.bootstrap=0: no config group or key 'atack' (Key 'atack' is "
            "not in struct); did you mean 'attack'?") in done.stdout + done.stderr
