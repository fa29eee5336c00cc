"""The README's own-knob Optuna search (`hparams_search=optuna_custom defense=dp` searching
`defense.dp.noise_multiplier`) must give trials DP-SGD can run: with the default
`target_epsilon` (8) left beside a sampled σ, every trial was refused ("set exactly one of
them") and the search failed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from mia_defense.cli.train import build_experiment

README = Path(__file__).resolve().parents[2] / "README.md"


def _search_example() -> list[str]:
    """The overrides of the README's `hparams_search=optuna_custom` command."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"^\.venv/bin/mia-train -m hparams_search=optuna_custom (.*?)\n```",
                      text, flags=re.MULTILINE | re.DOTALL)  # fmt: skip
    assert found, "the README's optuna_custom example is gone"
    return shlex.split(found.group(1).replace("\\\n", " "))


def test_the_readme_search_over_the_noise_multiplier_gives_runnable_trials(make_cfg):
    overrides = _search_example()
    searched = [o for o in overrides if o.startswith("+hydra.sweeper.params=")]
    assert searched and "defense.dp.noise_multiplier" in searched[0]
    # one trial: the sampler's value for the searched key beside the command's overrides
    trial = [o for o in overrides if not o.startswith("+hydra.")]
    trial.append("defense.dp.noise_multiplier=1.5")
    defenses = build_experiment(make_cfg(*trial)).build_defenses()
    assert [type(d).__name__ for d in defenses] == ["DPSGD"]
