"""A refusal listed a data file's column and array names by their repr, so a printable name
holding a backslash (a CSV header written `x\\x41`, a backslash as typed) was listed as
'x\\\\x41', a spelling that names no column: dataset.label_column="x\\\\x41" was refused
in turn, only 'x\\x41' as written named it. Each name is now listed as a setting names it
(`checks.typed_name`): a printable one as written, one holding a character that is not
printable with escapes that `as_written` reads back as that name. Here each listed
spelling is typed through bash and Hydra's parser and names its column (or array)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.errors import ConfigError, DataError
from mia_defense.override_checks import control_character, parsed_override

# (a printable name with a backslash; one beside its own escaped spelling; quotes)
HEADERS = [
    ["x\\x41", "b"],
    ["x\\x41", "xA"],
    ["a\\\\b", "a\\b"],
    ["x\x1b", "x\\x1b"],
    ["tab\\t", "tab\t"],
    ["it's", "q\"uote"],
    ["it's\x07", "x\\u001b", "x\x1b"],
    ["a'b\"c", "ends\\", "e\\\\"],  # (Hydra reads \\' and \\\\ before a quote)
    ["it's \"x\"\x1b", "q"],
]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="types through bash")


def _listed(message: str) -> list[str]:
    """The names a refusal lists, each with its quotes, as a user copies it."""
    assert message.isprintable(), message
    inside = re.search(r"\[(.*)\]", message)[1]
    return re.findall(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*\"""", inside)


def _typed(setting: str, listed: str):
    """``setting=listed`` typed in bash (quoted for it) and read by Hydra's parser."""
    arg = subprocess.run(["bash", "-c", f"printf %s {shlex.quote(f'{setting}={listed}')}"],
                         capture_output=True, check=True).stdout.decode()  # fmt: skip
    assert control_character([arg]) is None, arg
    return parsed_override(arg).value()


def _csv(tmp_path, names: list[str]) -> str:
    header = [*names, "y"]
    rows = [",".join('"' + h.replace('"', '""') + '"' for h in header)]
    rows += [",".join([*(str((i * (c + 2)) % 5) for c in range(len(names))), str(i % 2)])
             for i in range(40)]  # fmt: skip
    path = tmp_path / "c.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("names", HEADERS, ids=range(len(HEADERS)))
def test_each_listed_column_name_names_its_column(tmp_path, names):
    path = _csv(tmp_path, names)
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="nothing")
    listed = _listed(str(caught.value))
    assert len(listed) == len(names) + 1, listed
    for name, spelt in zip([*names, "y"], listed, strict=True):
        if name == "y":
            continue
        dataset = load_csv(path=path, label_column="y",
                           drop_columns=[_typed("dataset.drop_columns", spelt)])
        meant = load_csv(path=path, label_column="y", drop_columns=[name])
        assert dataset.x.shape[1] == len(names) - 1, (name, spelt)
        assert np.array_equal(dataset.x, meant.x), (name, spelt)


@pytest.mark.parametrize("names", HEADERS, ids=range(len(HEADERS)))
def test_each_listed_array_name_names_its_array(tmp_path, names):
    rng = np.random.default_rng(0)
    arrays = {name: rng.normal(size=(40, i + 2)).astype(np.float32)
              for i, name in enumerate(names)}  # fmt: skip
    path = tmp_path / "a.npz"
    np.savez(path, y=np.arange(40) % 2, **arrays)
    with pytest.raises(DataError) as caught:
        load_npz(path=str(path), x_key="nothing")
    listed = _listed(str(caught.value).split("it holds", 1)[1])
    assert len(listed) == len(names) + 1, listed
    for name, spelt in zip(sorted([*names, "y"]), listed, strict=True):
        if name == "y":
            continue
        dataset = load_npz(path=str(path), x_key=_typed("dataset.x_key", spelt))
        assert dataset.x.shape[1] == arrays[name].shape[1], (name, spelt)


@pytest.mark.parametrize(("setting", "mistyped"), [("drop_columns", ["x\\x4"]),
                                                   ("label_column", "Y\\x41")])
def test_the_name_a_refusal_means_names_its_column(tmp_path, setting, mistyped):
    # ("did you mean 'x\\\\x41'?" named no column either)
    path = _csv(tmp_path, ["x\\x41", "b"] if setting == "drop_columns" else ["a", "y\\x41"])
    label = "y" if setting == "drop_columns" else "nothing"
    with pytest.raises((DataError, ConfigError)) as caught:
        load_csv(path=path, **{"label_column": label, setting: mistyped})
    said = re.search(r"did you mean (.*)\?", str(caught.value))
    assert said, str(caught.value)
    value = _typed(f"dataset.{setting}", said[1])
    if setting == "drop_columns":
        assert load_csv(path=path, label_column="y", drop_columns=[value]).x.shape[1] == 1
    else:
        assert value == "y\\x41"
        assert load_csv(path=path, label_column=value).x.shape[1] == 2  # a and y
