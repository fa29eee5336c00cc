"""mia-attack's copy of its source (observations.npz in its run directory) was checked by
`Observations.save` as a file of unknown origin: every entry and every row's mass of the
log_probs that `Observations.load` had just checked, unchanged. Those value checks run once
now, on load; everything else `save` checks, and any array changed since, is checked again."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from mia_defense import observations as observations_module
from mia_defense.cli import attack as attack_cli
from mia_defense.constraints import hydra_quoted
from mia_defense.errors import DataError
from mia_defense.observations import Observations, load_checked, values_digest
from tests.helpers import synthetic_observations


def _counted(monkeypatch):
    calls = []
    for name in ("_value_problems", "normalisation_problems"):
        original = getattr(observations_module, name)

        def counted(values, kind, field, _original=original, _name=name):
            calls.append((_name, values.shape))
            return _original(values, kind, field)

        monkeypatch.setattr(observations_module, name, counted)
    return calls


def test_mia_attack_checks_the_values_it_copies_once(tmp_path, monkeypatch):
    source = tmp_path / "obs.npz"
    synthetic_observations(num_models=4, num_samples=200, num_classes=3).save(source)
    calls = _counted(monkeypatch)
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose(attack_cli.CONFIG_NAME, overrides=[
            f"source={hydra_quoted(str(source))}", "progress=false", "attack.bootstrap=0",
            "~attack.attacks.shokri"])  # fmt: skip
    attack_cli.run(cfg, tmp_path / "out")
    assert calls == [("_value_problems", (4, 200, 3)), ("normalisation_problems", (4, 200, 3))]
    copied = Observations.load(tmp_path / "out" / "observations.npz")
    np.testing.assert_array_equal(copied.log_probs, Observations.load(source).log_probs)


def test_changed_values_are_checked_again(tmp_path):
    source = tmp_path / "obs.npz"
    synthetic_observations(num_models=4, num_samples=50, num_classes=3).save(source)
    obs, extras, loaded = load_checked(source)
    assert loaded == values_digest(obs.log_probs)
    obs.log_probs[1, 7, 0] = np.nan  # written into after the load's check
    with pytest.raises(DataError, match=r"Observations\.save: .*log_probs"):
        obs._save(tmp_path / "copy.npz", extras, loaded=loaded)
    assert not (tmp_path / "copy.npz").exists()


def test_converted_outputs_have_no_digest(tmp_path):
    """A file of probabilities (or float64 log-probabilities) was checked before its
    conversion to the float32 log_probs a copy holds: the copy is checked in full."""
    obs = synthetic_observations(num_models=4, num_samples=50, num_classes=3)
    for name, arrays in (
        ("probs.npz", {"outputs": np.exp(obs.log_probs), "output_kind": np.array("probabilities")}),
        ("float64.npz", {"log_probs": obs.log_probs.astype(np.float64)}),
    ):
        np.savez(tmp_path / name, masks=obs.masks, labels=obs.labels, schema_version=np.array(2),
                 **arrays)  # fmt: skip
        assert load_checked(tmp_path / name)[2] is None


def test_save_checks_in_full(tmp_path, monkeypatch):
    obs = synthetic_observations(num_models=4, num_samples=50, num_classes=3)
    calls = _counted(monkeypatch)
    obs.save(tmp_path / "obs.npz")
    assert [name for name, _ in calls] == ["_value_problems", "normalisation_problems"]
