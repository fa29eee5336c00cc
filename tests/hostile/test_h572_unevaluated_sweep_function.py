"""A sweep function Hydra reads but cannot evaluate (``mia-train -m
hparams_search=optuna_custom 'train.lr=interval(a,b)'``, ``choice()``, ``seed=tag(a,b)``)
was told to quote it: ``"train.lr='interval(a,b)'"``, which pasted sets the key to that
text, refused by the run. The refusal now says what the function takes and that, quoted,
the value would be one text, not values to search; it offers no quoted command (h572)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train


@pytest.mark.parametrize(("override", "takes"), [
    ("train.lr=interval(a,b)", "interval(low,high) takes two numbers"),
    ("train.lr=choice()", "choice(...) takes the values to run, at least one"),
    ("seed=tag(a,b)", "tag(...) takes tags, then the values to run last"),
])  # fmt: skip
def test_a_sweep_function_not_evaluated_is_not_offered_quoted(tmp_path, override, takes) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", "hparams_search=optuna_custom", override, f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    key, _, value = override.partition("=")
    said = done.stderr
    assert done.returncode == 2, said[-3000:]
    assert f"{override}: Hydra cannot evaluate {value.partition('(')[0]}() here" in said, said
    assert takes in said, said
    assert f"{key}='{value}'" not in said, said  # (pasted: the key set to the text)
    assert "Traceback" not in said and not sweep.exists()


def test_a_parse_error_still_offers_quotes(tmp_path) -> None:
    """An override the grammar cannot read (not a function's arguments) keeps the advice."""
    done = mia_train("-m", "dataset.path=a b(c", f"hydra.sweep.dir={tmp_path / 's'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Hydra cannot parse this override" in done.stderr, done.stderr[-3000:]
