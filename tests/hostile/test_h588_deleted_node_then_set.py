"""``mia-train '~train' train.epochs=2`` (a node deleted, then a setting of it given) got
Hydra's advice "to append to your config use +train.epochs=2", which pasted was refused for
every other train setting then missing (h578's report). The refusal names the deletion."""

from __future__ import annotations

import pytest

from tests.helpers import refusal_line


@pytest.mark.parametrize(("deleted", "given"), [
    ("~train", "train.epochs=2"),
    ("~attack.attacks.shokri", "attack.attacks.shokri.folds=2"),
])  # fmt: skip
def test_a_setting_of_a_deleted_node_names_the_deletion(tmp_path, deleted, given):
    line = refusal_line(deleted, given, cwd=tmp_path)
    key = given.partition("=")[0]
    assert f"Could not override '{key}': '{deleted}' before it deletes what holds it" in line
    assert f"leave '{deleted}' out" in line and "+" + key not in line
