"""An .npz array whose name holds a control character could not be named by dataset.x_key
or dataset.y_key: the command line cannot carry the character (`control_character`
refused it, saying no setting holds one) and the loader had no escaped spelling, so
'dataset.x_key=x\\x1b' was refused with "no array 'x\\\\x1b' (features); it holds
['x\\x1b', 'y']". The keys are now read as the CSV's column settings are (`as_written`):
the spelling the refusal lists, and the one `control_character` suggests, name the array."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError
from mia_defense.override_checks import control_character, parsed_override

NAMES = ["x\x1b", "fe\x1b[2Jat", "a\nb", "tab\there", "it's\x07"]


def _npz(tmp_path, x_name: str, y_name: str) -> str:
    rng = np.random.default_rng(0)
    path = tmp_path / "a.npz"
    np.savez(path, **{x_name: rng.normal(size=(40, 3)).astype(np.float32),
                      y_name: np.arange(40) % 2})  # fmt: skip
    return str(path)


@pytest.mark.parametrize("name", NAMES)
def test_the_listed_spelling_names_the_array(tmp_path, name):
    path = _npz(tmp_path, name, "y")
    with pytest.raises(DataError) as caught:
        load_npz(path=path, x_key="nothing")
    message = str(caught.value)
    assert message.isprintable(), message
    listed = re.search(r"it holds \[(.*)\]", message)[1]
    spelt = next(s for s in re.findall(r"""'[^']*'|"[^"]*\"""", listed) if s != "'y'")[1:-1]
    dataset = load_npz(path=path, x_key=spelt)
    assert dataset.x.shape == (40, 3)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("key", ["x_key", "y_key"])
def test_the_refusal_of_the_typed_character_says_how_to_write_it(tmp_path, name, key):
    path = _npz(tmp_path, name if key == "x_key" else "x", name if key == "y_key" else "y")
    message = control_character([f"dataset.{key}={name}"])
    assert message is not None and "written with escapes: " in message, message
    suggested = message.rsplit("written with escapes: ", 1)[1]
    assert suggested.isprintable(), suggested
    if shutil.which("bash") is None:
        pytest.skip("types through bash")
    arg = subprocess.run(["bash", "-c", f"printf %s {suggested}"], capture_output=True,
                         check=True).stdout.decode()  # fmt: skip
    assert control_character([arg]) is None, arg
    value = parsed_override(arg).value()
    assert load_npz(path=path, **{key: value}).x.shape == (40, 3)


def test_a_printable_name_with_a_backslash_is_named_as_written(tmp_path):
    path = _npz(tmp_path, "x\\x41", "y")
    assert load_npz(path=path, x_key="x\\x41").x.shape == (40, 3)
    with pytest.raises(DataError, match="no array"):
        load_npz(path=_npz(tmp_path, "xA", "y"), x_key="x\\x41")
