"""An unknown ``dataset.plan`` key was written raw into mia-train's error (helper 537):
``rows_outside_test(None, {'x\\x1b[2J': 1}, seed=0)`` said ``dataset.plan.x<ESC>[2J``, a
terminal's escape that clears the screen. It is spelt as `data.checks.typed_name` spells a
name (``\\x1b``), a printable key as written."""

from __future__ import annotations

import pytest

from mia_defense.data.encoding import rows_outside_test
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("key", "said"), [("x\x1b[2J", "dataset.plan.x\\x1b[2J: unknown key"),
                                           ("sizes", "dataset.plan.sizes: unknown key")])
def test_an_unknown_plan_key_is_said_printably(key, said):
    with pytest.raises(ConfigError) as raised:
        rows_outside_test(None, {key: 1}, seed=0)
    message = str(raised.value)
    assert message.isprintable()
    assert message.startswith(said)
