"""Since 113a390a `constraints.keys_shown` keeps a long value whole, so that a command a
refusal suggests runs when pasted; but a value the refusal's running text mentions was kept
whole too: ``mia-train -m defense=dp,none defense.dp.accountant=<100,000 x>`` gave a message
of 200,000 characters, the value said once in a sentence and once in the command. The
sentence now cuts it (its start, '…' and its length); the suggested commands keep it whole
(h551)."""

from __future__ import annotations

import shlex

import pytest

from mia_defense.constraints import keys_shown
from tests.helpers import mia_train

LONG = "x" * 100_000


def _commands(said: str) -> list[list[str]]:
    """The commands a sweep's refusal suggests, as the shell splits them."""
    tail = said.partition("compares them all): ")[2].splitlines()[0]
    return [shlex.split(command) for command in tail.split(", then ")]


@pytest.mark.parametrize("plus", ["", "++"])
def test_a_long_value_is_whole_in_the_commands_and_cut_in_the_sentence(tmp_path, plus):
    done = mia_train("-m", "defense=dp,none", f"{plus}defense.dp.accountant={LONG}",
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in said, said[-3000:]
    assert said.count(LONG) == 1, len(said)  # (once: in the first command)
    first, second = _commands(said)
    assert first[:3] == ["mia-train", "-m", "defense=dp"], first
    assert f"defense.dp.accountant={LONG}" in first, [w[:60] for w in first]
    assert second == ["mia-train", "-m", "defense=none", "hydra.sweep.dir=s"], second
    sentence = said.partition("compares them all): ")[0]
    assert "… (100000 characters)" in sentence and len(sentence) < 2000, sentence[-3000:]


@pytest.mark.parametrize("text", [
    f"defense.dp.accountant={LONG} sets a key of the defense 'dp'",
    f"Could not override 'defense.dp.accountant' in a sweep: defense.dp.accountant={LONG}: no",
])  # fmt: skip
def test_keys_shown_cuts_a_long_value_in_running_text(text):
    shown = keys_shown(text)
    assert LONG not in shown and "… (100000 characters)" in shown and len(shown) < 400, shown


@pytest.mark.parametrize("text", [
    f"run it: mia-train -m defense=dp defense.dp.accountant={LONG} hydra.sweep.dir=s, then",
    f"write '++defense.dp.accountant={LONG}' (Hydra's force-add)",
])  # fmt: skip
def test_keys_shown_keeps_a_long_value_in_a_suggested_command_whole(text):
    assert keys_shown(text) == text


def test_a_long_list_in_quotes_is_cut_in_the_sentence_and_whole_in_the_setting(tmp_path):
    items = ",".join(["0.1"] * 30_000)
    done = mia_train(f"attack.fprs='[{items}]'", "hydra.run.dir=run", cwd=tmp_path)
    said = done.stdout + done.stderr
    line = next(line for line in said.splitlines() if "brackets included" in line)
    assert line.count(items) == 1, len(line)  # (once: in the setting to type)
    assert line.endswith(f"quote the setting for the shell only, 'attack.fprs=[{items}]'"), \
        line[-200:]  # fmt: skip
    assert "it is the text '[0.1,0.1" in line and "… (120003 characters)" in line, line[:600]
