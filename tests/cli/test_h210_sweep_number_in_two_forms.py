"""A sweep over a float setting given one number in two forms (``train.lr=1,1.0``,
``train.weight_decay=0,0.0,-0.0``) ran one config twice, each form in a folder of its own
(named as typed), and mia-report showed both as rows; the check of values given twice read
them as the strings Hydra prints ('1' and '1.0'). Such a sweep is now refused before
anything is made (helper h210)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1"]  # fmt: skip


@pytest.mark.parametrize(("override", "forms"), [
    ("train.lr=1,1.0", "1 and 1.0"),
    ("train.weight_decay=0,0.0,-0.0", "0 and 0.0"),
    ("train.weight_decay=0.0,-0.0", "0.0 and -0.0"),
])  # fmt: skip
def test_one_number_in_two_forms_is_refused(tmp_path, override, forms):
    done = mia_train("-m", *TINY, override, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    key = override.partition("=")[0]
    assert (f"ConfigError: {override}: gives {forms}, one number for {key} (a float setting), "
            "so two of the sweep's runs would train one config twice, each in a folder of its "
            "own; nothing was run. Give each value once") in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_one_form_twice_keeps_its_own_refusal(tmp_path):
    done = mia_train("-m", *TINY, "train.lr=0.1,1e-1", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "gives 0.1 more than once, so two of the sweep's runs would share one folder" in \
        done.stderr  # fmt: skip


def test_distinct_numbers_and_int_settings_are_left_alone(tmp_path, monkeypatch):
    """Only a float setting's equal numbers: 1 and 2 of an int key, 0.01 and 0.02 pass."""
    import mia_defense.cli.train as cli

    monkeypatch.setattr(cli, "refuse_unselected_settings", _stop)
    for override in ("train.lr=0.01,0.02", "seed=1,2", "train.epochs=1,2"):
        done = mia_train("-m", *TINY, override, "hydra.sweep.dir=sweep", cwd=tmp_path)
        assert "reached the next check" in done.stderr, (override, done.stderr[-2000:])


def _stop(config) -> None:
    """The check after refuse_number_in_two_forms: the sweep got past it."""
    import logging

    logging.getLogger("mia_defense.cli.train").error("reached the next check")
    raise SystemExit(2)
