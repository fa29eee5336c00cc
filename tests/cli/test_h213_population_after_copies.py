"""release_population released and kept the population's [K, N, C] outputs before querying
the perturbed copies (1e3ce69), so each copy's own [K, N, C] outputs were held beside them:
the large run's peak RSS grew from 3.55 to 4.65 GB (scripts/bench.py --large; helper
h213). The copies are queried first again; NaN on a copy still checks the population
first, so a divergence is refused as such."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.cli.build import run
from mia_defense.errors import DivergedError, UnsupportedModelError
from mia_defense.pipeline import release

SMALL = ["dataset=digits", "plan.num_models=2", "plan.population_size=100", "train.epochs=1",
         "train.batch_size=16", "attack.bootstrap=0", "attack.queries.num_augmented=2"]  # fmt: skip


def test_no_copy_is_queried_while_the_populations_outputs_are_held(make_cfg, tmp_path,
                                                                   monkeypatch):
    events: list[str] = []
    observe, observe_augmented = release.observe, release.observe_augmented

    def population(models, x, **kwargs):
        log_probs = observe(models, x, **kwargs)
        events.append(f"population {log_probs.shape}")
        return log_probs

    def copies(*args, check, **kwargs):
        def checked(released):
            events.append(f"copy {released.shape}")
            check(released)

        return observe_augmented(*args, check=checked, **kwargs)

    monkeypatch.setattr(release, "observe", population)
    monkeypatch.setattr(release, "observe_augmented", copies)
    run(make_cfg(*SMALL), tmp_path)
    # each release of the population (targets, shadows) comes after its 2 copies' checks
    released = [i for i, event in enumerate(events) if event == "population (2, 100, 10)"]
    assert released, events
    for i in released:
        assert events[i - 2:i] == ["copy (2, 100, 10)"] * 2, events


def test_nan_on_a_copy_checks_the_population_first():
    nan = np.full((2, 5), np.nan, dtype=np.float32)

    class Experiment:
        queries = type("Q", (), {"noise_std": 0.1})()
        release = type("R", (), {"name": "full"})()

    def diverged():
        raise DivergedError("the released outputs on the population contain NaN or +inf")

    with pytest.raises(DivergedError, match="on the population contain"):
        release._check_perturbed(nan, [object()], Experiment(), diverged)
    with pytest.raises(UnsupportedModelError, match="while those on the population itself"):
        release._check_perturbed(nan, [object()], Experiment(), lambda: None)
    release._check_perturbed(np.zeros((2, 5), np.float32), [object()], Experiment(), diverged)
