"""A refusal's suggested override holding a key that `constraints.keys_shown` clips (a key of
81 to 255 characters) could not be run: ``mia-train "+attack.attacks.<200 x>={_target_: foo}"
"~attack.attacks.<200 x>=[1]"`` ended "To delete attack.attacks.xxx… (215 characters) whatever
it holds: '~attack.attacks.xxx… (215 characters)'", and ``attack.attacks.<200 x>=1`` offered
"'+attack.attacks.xxx… (215 characters)={_target_: ...}'". As 3a1c44b1 rules for a long
suggestion, such a one is said in words now (`composition_errors._valued_delete_refusal`,
`_missing_key_hint`): nothing a refusal offers to copy is cut. A key of up to 80 characters
keeps its suggestion, quoted whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from tests.helpers import refused_before_run_dir

LONG = "x" * 200


def _refusal(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


def _offered(line: str) -> list[str]:
    """The overrides a refusal quotes for copying: each '...' that adds, deletes or sets."""
    return [text for text in re.findall(r"'([^']*)'", line)
            if text[:1] in "+~" or re.match(r"[\w.]+=", text)]  # fmt: skip


@pytest.mark.parametrize(("overrides", "ending"), [
    ((f"+attack.attacks.{LONG}={{_target_: foo}}", f"~attack.attacks.{LONG}=[1]"),
     "whatever it holds: that key with '~' and no value"),
    ((f"+train.optimizer.{LONG}=[1]", f"~train.optimizer.{LONG}=[2]"),
     "To change it, give the whole list: that key, '=' and the list"),
    ((f"attack.attacks.{LONG}=1",),
     "or add one of your own by writing that key with '+' before it and '={_target_: ...}' "
     "after it"),
    ((f"train.optimizer.{LONG}=1",),
     "to give a mapping in its place, write it whole ('train.optimizer={_target_: "
     "torch.optim.NAME, KEY: VALUE}', with that key and its value)"),
    ((f"+attack.attacks.{LONG}={{_target_: foo}}", f"attack.attacks.{LONG}.bar=1"),
     "(no keys besides its _target_); that key with '+' before it and '=VALUE' after it adds "
     "it, for a _target_ of your own that takes it"),
])  # fmt: skip
def test_a_suggestion_holding_a_clipped_key_is_said_in_words(
    overrides: tuple[str, ...], ending: str, tmp_path: Path
):
    line = _refusal(refused_before_run_dir(*overrides, cwd=tmp_path))
    assert line.endswith(ending), line
    assert "characters)" in line, line  # (the key itself is still named, clipped)
    for offered in _offered(line):
        assert "…" not in offered, (offered, line)


@pytest.mark.parametrize("size", [KEY_LIMIT, KEY_LIMIT + 1])
def test_a_key_of_80_characters_keeps_its_suggestions(size: int, tmp_path: Path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    attack = "attack.attacks." + "y" * (size - len("attack.attacks."))
    added = _refusal(refused_before_run_dir(f"{attack}=1", cwd=(tmp_path / "a")))
    listed = "train.optimizer." + "y" * (size - len("train.optimizer."))
    changed = _refusal(refused_before_run_dir(f"+{listed}=[1]", f"~{listed}=[2]",
                                              cwd=(tmp_path / "b")))  # fmt: skip
    if size <= KEY_LIMIT:  # whole, as before
        assert added.endswith(f"add one of your own with '+{attack}={{_target_: ...}}'"), added
        assert changed.endswith(f"give the whole list: '{listed}=[...]'"), changed
    else:
        assert added.endswith("'={_target_: ...}' after it"), added
        assert changed.endswith("that key, '=' and the list"), changed
