"""Shokri's attack classifier's fit was in no time estimate: texas_like at 5000 classes spent
189 s of a 214 s run in it (h450), and `shokri.fit_work` said so only in a log line once the
models had trained. The up-front check now counts the largest fit (`shokri.fit_seconds`, the
same `fit_work` at `FIT_SECONDS`, on the one thread the fit gets: h496) after the training's
estimate, so a run whose Shokri fit passes the time limit is refused before any training,
naming the attack and what to do (helper h467). The limit is patched (to 2 s, below the
least such a fit of the test's 300 classes can take, 3 s); nothing is trained."""

from __future__ import annotations

import functools
import re

import pytest

from mia_defense.attacks.shokri import fit_seconds
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg
from tests.hostile.test_h458_shokri_features_in_budget import (
    MANY_CLASSES,
    Checked,
    stop_after_the_budget_check,
)

CLASSES = 300  # h458's run at a tenth of its classes: the rehearsal before training, 10x less
LIMIT_SECONDS = 2.0


@pytest.fixture
def limit(monkeypatch):
    from mia_defense import budget
    from mia_defense.pipeline import data

    monkeypatch.setattr(budget, "available_memory", lambda: 10**13)  # (the time alone)
    monkeypatch.setattr(data, "check_budget",
                        functools.partial(budget.check_budget, max_hours=LIMIT_SECONDS / 3600))
    stop_after_the_budget_check(monkeypatch)


def _run(tmp_path, *overrides: str) -> None:
    from mia_defense.cli.build import run

    settings = [f"dataset.num_classes={CLASSES}" if o.startswith("dataset.num_classes=") else o
                for o in MANY_CLASSES]  # fmt: skip
    run(compose_cfg(*settings, *overrides), tmp_path)


def test_a_shokri_fit_over_the_limit_is_refused_before_training(limit, tmp_path):
    with pytest.raises(ConfigError) as refused:
        _run(tmp_path)
    said = str(refused.value)
    assert "\n" not in said, said  # the training's own estimate passes: the attack's alone
    found = re.fullmatch(
        r"attack\.attacks\.shokri: fitting its attack classifier on (\d+) rows of 601 "
        r"features \(2 x 300 classes \+ 1\) would take about (\S+) min after the training's "
        r"\S+ min, over the \S+ h limit; lower attack\.attacks\.shokri\.max_train_samples "
        r"\(now 20000\), use a dataset of fewer classes, or leave it out with "
        r"'~attack\.attacks\.shokri'", said)
    assert found, said
    rows, minutes = int(found[1]), float(found[2])
    assert 0 < rows <= 20000
    assert minutes == pytest.approx(fit_seconds(rows, CLASSES) / 60, rel=0.01)


def test_without_shokri_the_run_goes_on(limit, tmp_path):
    with pytest.raises(Checked):
        _run(tmp_path, "~attack.attacks.shokri")


def test_under_another_name_it_is_counted_too(limit, tmp_path):
    with pytest.raises(ConfigError, match=r"^attack\.attacks\.mine: fitting its attack "):
        _run(tmp_path, "~attack.attacks.shokri", "+attack.attacks.mine._target_="
             "mia_defense.attacks.shokri", "+attack.attacks.mine._partial_=true")
