"""A CSV column named with a character that is not printable (a terminal's escape, a line
end in a header's cell) and empty on every row was refused with "drop it
($'dataset.drop_columns=\\'x\\x1b[2Jz\\'')", a setting holding the ESC itself, which
mia-train then refused in turn (`control_character`: "no setting of mia-defense's holds
one"): the suggestion could not be run. The suggestion now spells the character as an
escape ('dataset.drop_columns="x\\x1b[2Jz"'), printable, which the loader reads back as
the header's name (`as_written`); each suggestion here is typed through bash, read by
Hydra's parser and given to the loader, which then keeps the rows."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError
from mia_defense.override_checks import control_character, parsed_override, unquoted_non_ascii

NAMES = ["x\x1b[2Jz", "a\nb", "tab\there", "r\u202el", "it's \"x\"\x1b", "back\\x1b\x07"]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="types through bash")


def _csv(tmp_path, header: list[str], empty: set[int]) -> str:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    rows = [",".join(map(cell, header))]
    for i in range(40):
        rows.append(",".join("" if c in empty else str((i * (c + 3)) % 7) if c < len(header) - 1
                             else str(i % 2) for c in range(len(header))))  # fmt: skip
    path = tmp_path / "c.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _suggested(message: str) -> str:
    """The drop setting the refusal suggests, as bash passes it to mia-train."""
    said = re.search(r"drop (?:it|them) \((.*)\) or fill", message)
    assert said, message
    assert said[1].isprintable(), repr(said[1])
    return subprocess.run(["bash", "-c", f"printf %s {said[1]}"], capture_output=True,
                          check=True).stdout.decode()  # fmt: skip


def _value(arg: str):
    assert control_character([arg]) is None, arg
    assert unquoted_non_ascii([arg]) is None, arg
    override = parsed_override(arg)
    assert override is not None, arg
    return override.value()


@pytest.mark.parametrize("name", NAMES)
def test_the_suggested_drop_runs(tmp_path, name):
    path = _csv(tmp_path, [name, "a", "y"], empty={0})
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="y")
    arg = _suggested(str(caught.value))
    assert arg.startswith("dataset.drop_columns="), arg
    dataset = load_csv(path=path, label_column="y", drop_columns=_value(arg))
    assert len(dataset.y) == 40


def test_two_such_columns_one_list(tmp_path):
    path = _csv(tmp_path, ["x\x1b[2Jz", "p\nq", "a", "y"], empty={0, 1})
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="y")
    dataset = load_csv(path=path, label_column="y",
                       drop_columns=list(_value(_suggested(str(caught.value)))))
    assert len(dataset.y) == 40


def test_repr_escapes_and_exact_names_too(tmp_path):
    # the refusal shows the name by its repr ('a\nb'): that spelling names it as well;
    # a header written with a backslash is named as written, never taken for an escape
    path = _csv(tmp_path, ["a\nb", "x\\x41", "xA", "y"], empty={0})
    dataset = load_csv(path=path, label_column="y", drop_columns=["a\\nb"])
    assert dataset.x.shape[1] == 2
    with pytest.raises(DataError):  # the column 'a\nb' still empty: 'x\x41' is not it
        load_csv(path=path, label_column="y", drop_columns=["x\\x41"])


def test_the_float32_refusal_suggests_a_drop_that_runs(tmp_path):
    # (encoding's refusal of a column standardised beyond float32 said the raw name too)
    import numpy as np

    from mia_defense.data import Dataset
    from mia_defense.data.encoding import rows_outside_test

    plan = {"population_size": 100, "test_size": 50, "reference_size": 0, "seed": 1}
    n = 300
    data = Dataset(x=np.zeros((n, 1), np.float32), y=np.arange(n) % 3, num_classes=3,
                   name="csv", source="d.csv")
    outside = rows_outside_test(data, plan, seed=1)
    a = np.zeros(n)
    a[outside[0]], a[np.setdiff1d(np.arange(n), outside)[0]] = 1e-30, 1e10
    rows = [f"{float(a[i])!r},{i * 0.37 % 5},{i % 3}" for i in range(n)]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(['"a\x1b[2J",b,label', *rows]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_csv(path=str(path), label_column="label", plan=plan)
    said = re.search(r"drop the column \((.*)\), or", str(caught.value))
    assert said and said[1].isprintable(), str(caught.value)
    arg = subprocess.run(["bash", "-c", f"printf %s {said[1]}"], capture_output=True,
                         check=True).stdout.decode()  # fmt: skip
    dataset = load_csv(path=str(path), label_column="label", plan=plan,
                       drop_columns=_value(arg))
    assert dataset.x.shape == (n, 1)


@pytest.mark.parametrize(("name", "typed"), [
    ("x\x1b[2Jz", "dataset.drop_columns='x\x1b[2Jz'"),
    ("x\x1b[2Jz", "dataset.drop_columns=x\x1b[2Jz"),
    ("x\x1b[2Jz", 'dataset.drop_columns=["x\x1b[2Jz"]'),
    ("p\\x1b\x07", "dataset.drop_columns='p\\x1b\x07'")])
def test_a_column_setting_holding_the_character_itself_says_how_to_spell_it(tmp_path, name,
                                                                             typed):
    # (it said "no setting of mia-defense's holds one; remove it", of a column's name)
    said = control_character([typed])
    assert said is not None and said.isprintable(), said
    suggested = re.search(r"written with escapes: (.*)$", said)
    assert suggested, said
    arg = subprocess.run(["bash", "-c", f"printf %s {suggested[1]}"], capture_output=True,
                         check=True).stdout.decode()  # fmt: skip
    path = _csv(tmp_path, [name, "a", "y"], empty={0})
    assert len(load_csv(path=path, label_column="y", drop_columns=_value(arg)).y) == 40


def test_other_settings_are_refused_as_before():
    assert control_character(["train.lr=0.1\x1b"]).endswith(
        "remove it (a line end or tab pasted with the value)")
