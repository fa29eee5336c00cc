"""An Optuna search over a key of hundreds of characters was refused in a line quoting the key
whole, several times: ``'+hydra.sweeper.params={train.<300 x>: "choice(1,2)"}'`` gave 880
characters, the key twice (`search_space_checks.refuse_unknown_search_keys`), ``{+<300 x>: ...}``
1,585, the key four times (`search_checks._refuse_points_the_run_refuses`, the config check's
words quoted inside). Each names such a key clipped now (`constraints.clipped`: its start,
'…' and its length); a short key's words are unchanged (tests/cli/test_h217_*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train

LONG = "x" * 300
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "hydra.sweeper.n_trials=1"]  # fmt: skip


def _refusal(key: str, tmp_path: Path) -> str:
    sweep = tmp_path / "search"
    done = mia_train("-m", "hparams_search=optuna_custom", *TINY,
                     f'+hydra.sweeper.params={{{key}: "choice(1,2)"}}', f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert not sweep.exists()
    lines = [line for line in done.stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1, done.stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize(("key", "said"), [
    (f"train.{LONG}", [f"hydra.sweeper.params: train.x{'x' * 50}", f"… ({len(LONG) + 6} "
                       "characters) is no key of the config (train has epochs", "or a '+' before "
                       "a key adds it"]),
    (f"release.topk.{LONG}", [f"… ({len(LONG) + 13} characters) is no key of the config: "
                              "'topk' is a config of conf/release/", "then set its keys as "
                              "release.xx", f"… ({len(LONG) + 8} characters); nothing was run"]),
    (f"+{LONG}", ["every value the search draws is refused", f"… ({len(LONG)} characters)=1: "
                  f"unknown top-level key 'xx", f"… ({len(LONG)} characters)'; valid keys: seed",
                  "Give xxx", f"… ({len(LONG)} characters) values the run's config check"]),
    (f"+train.{LONG}", [f"… ({len(LONG) + 6} characters)=1: unknown key 'xx",
                        f"… ({len(LONG)} characters)' in train"]),
])  # fmt: skip
def test_a_long_search_key_is_clipped_wherever_said(key: str, said: list[str], tmp_path: Path):
    line = _refusal(key, tmp_path)
    assert LONG[:100] not in line and len(line) < 800, line
    for words in said:
        assert words in line, line


def test_a_short_key_keeps_its_words(tmp_path: Path):
    assert _refusal("train.lrr", tmp_path) == (
        "ConfigError: hydra.sweeper.params: train.lrr is no key of the config (did you mean "
        "train.lr?); nothing was run. Name an existing key (mia-train --cfg job shows them), or "
        "+train.lrr to add one")
    assert "(+foo=1: unknown top-level key 'foo'; valid keys: seed" in _refusal("+foo", tmp_path)
