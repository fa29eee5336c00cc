"""What README promises a new user, checked where a walk through it (h322) found otherwise."""

import shlex
from pathlib import Path

from mia_defense.defenses.dp import preprocessing_reason

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_csv_example_marked_epsilon_valid_keeps_a_guarantee(make_cfg):
    """README's `dataset=csv ... shop.csv ... defense=dp   # ε valid` example left
    dataset.num_classes null, which makes ε no guarantee since 5b2579f3 (the classes are
    taken from the members' labels): the run said epsilon_valid False."""
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    command = next(line for line in text.splitlines() if "dataset.path=shop.csv" in line)
    assert "ε valid" in command
    words = shlex.split(command.split("#")[0])
    overrides = [w for w in words if w.startswith(("dataset", "defense="))]
    cfg = make_cfg(*overrides)
    # the fixed lists encode every text column: the loader one-hot encodes none from the data
    assert preprocessing_reason(cfg.dataset, one_hot_columns=[]) is None
