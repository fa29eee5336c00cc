"""The README's own-knob Optuna search (`hparams_search=optuna_custom defense=dp` searching
`defense.dp.noise_multiplier`) must give trials DP-SGD can run: with the default
`target_epsilon` (8) left beside a sampled σ, every trial was refused ("set exactly one of
them") and the search failed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mia_defense.cli.train import build_experiment

ROOT = Path(__file__).resolve().parents[2]
COMMAND = r"mia-train -m hparams_search=optuna_custom ((?:[^\n]*\\\n)*[^\n]*)"  # to its last line


def _search_example(source: str) -> list[str]:
    """The overrides of the `hparams_search=optuna_custom` command of README (or of the
    preset's own comment, which lacked `target_epsilon=null`)."""
    text = (ROOT / source).read_text(encoding="utf-8")
    found = re.search(r"^(?:\.venv/bin/|#   )" + COMMAND, text, flags=re.MULTILINE)
    assert found, f"the {source} optuna_custom example is gone"
    return shlex.split(re.sub(r"\\\n#?", " ", found.group(1)))


@pytest.mark.parametrize("source", ["README.md", "conf/hparams_search/optuna_custom.yaml"])
def test_the_readme_search_over_the_noise_multiplier_gives_runnable_trials(make_cfg, source):
    overrides = _search_example(source)
    searched = [o for o in overrides if o.startswith("+hydra.sweeper.params=")]
    assert searched and "defense.dp.noise_multiplier" in searched[0]
    # one trial: the sampler's value for the searched key beside the command's overrides
    trial = [o for o in overrides if not o.startswith("+hydra.")]
    trial.append("defense.dp.noise_multiplier=1.5")
    defenses = build_experiment(make_cfg(*trial)).build_defenses()
    assert [type(d).__name__ for d in defenses] == ["DPSGD"]
