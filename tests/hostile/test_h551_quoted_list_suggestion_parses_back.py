"""A list given in quotes (``"dataset.drop_columns='[a,b]'"``) is text to Hydra, and the
refusal suggests the setting that gives the list. Its items were read by splitting on commas
and stripping quote marks from each end separately: ``'[say "hi",q]'`` was suggested as
``["say \\"hi",q]`` (the item ``say "hi`` to Hydra), ``"['a,b',c]"`` as ``[a,b,c]`` (three
items) and ``["a",'b"']`` as ``[a,b]``. Each suggestion is read back here by Hydra's
override parser, as mia-train reads it, and gives the items the user wrote (h551)."""

from __future__ import annotations

import shlex

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from tests.helpers import mia_train

KEY = "dataset.drop_columns"


def _suggested_items(said: str) -> list:
    """The list the refusal's suggested setting gives, as bash and Hydra read it."""
    line = next(line for line in said.splitlines() if "brackets included" in line)
    word = shlex.split(line.rpartition("quote the setting for the shell only, ")[2])[0]
    return OverridesParser.create().parse_override(word).value()


@pytest.mark.parametrize(("text", "items"), [
    ('[say "hi",q]', ['say "hi"', "q"]),  # (Hydra cannot read it unquoted: the items as typed)
    ("['a,b',c]", ["a,b", "c"]),
    ("[\"a\",'b\"']", ["a", 'b"']),
    ('["say \\"hi\\"",q]', ['say "hi"', "q"]),
    ("['a b', c]", ["a b", "c"]),
    ("[it's,q]", ["it's", "q"]),
    ("[id,'null']", ["id", "null"]),
])  # fmt: skip
def test_the_suggested_list_gives_the_items_written(tmp_path, text, items):
    (tmp_path / "t.csv").write_text("a,b,label\n1,2,0\n3,4,1\n")
    quoted = f"'{text}'" if "'" not in text else f'"{text}"' if '"' not in text else None
    given = f"{KEY}={quoted}" if quoted else f"{KEY}='{text.replace(chr(39), chr(92) + chr(39))}'"
    assert OverridesParser.create().parse_override(given).value() == text  # (the text given)
    done = mia_train("dataset=csv", "dataset.path=t.csv", "dataset.label_column=label", given,
                     "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "brackets included" in said, said[-3000:]
    assert _suggested_items(said) == items, said[-3000:]
