"""h433: a defense or release of one's own whose ``name`` held a line break went into
results.json and the log as given (mia-train +defense.q._target_=my.Named with name
'quiet\\nWARNING forged': results.json's defense 'quiet\\nWARNING forged', status complete),
as would a megabyte name; mia-report shows a name to 60 characters. Such a name is refused
before training, as names already are (`name_problem`), naming the class."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import LabelSmoothing, Release, TrainingDefense, check_defenses
from mia_defense.defenses.release import probe_release
from mia_defense.defenses.values import MAX_NAME_CHARS
from mia_defense.errors import ConfigError


def _defense(name: str) -> TrainingDefense:
    return type("Mine", (TrainingDefense,), {"name": name, "__module__": __name__})()


def _release(name: str) -> Release:
    def answer(self, logits, generator=None):
        return torch.log_softmax(logits.float() / 2, dim=-1)

    return type("Halved", (Release,), {"name": name, "__call__": answer,
                                       "__module__": __name__})()  # fmt: skip


BAD = {"line break": "quiet\nWARNING forged", "tab": "a\tb", "escape": "a\x1b[2J",
       "too long": "x" * (MAX_NAME_CHARS + 1)}  # fmt: skip


@pytest.mark.parametrize("name", BAD.values(), ids=BAD.keys())
def test_a_defense_named_with_control_characters_or_at_length_is_refused(name):
    with pytest.raises(ConfigError, match=rf"^defense {__name__}\.Mine: its name .* must be "
                                          rf"one printable line of at most {MAX_NAME_CHARS} "
                                          r"characters .*set a class attribute name = 'mine'"):
        check_defenses([LabelSmoothing(), _defense(name)])


@pytest.mark.parametrize("name", BAD.values(), ids=BAD.keys())
def test_a_release_named_so_is_refused(name):
    with pytest.raises(ConfigError, match=rf"^release {__name__}\.Halved: its name .* must be "
                                          "one printable line"):
        probe_release(_release(name), num_classes=10)


def test_a_name_of_one_line_up_to_the_length_passes():
    check_defenses([LabelSmoothing(), _defense("my penalty " + "x" * (MAX_NAME_CHARS - 11))])
    probe_release(_release("halved"), num_classes=10)
