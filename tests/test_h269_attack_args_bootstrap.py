"""mia-attack's arguments and the bootstrap's resamples (helper 269).

- attack.bootstrap=2 gave each attack's "95%" intervals from two resamples (the 2.5th and
  97.5th percentiles of two numbers: '0.853 [0.870, 0.883]' under 'AUC [95% CI]'), warned
  in the log above the table only below 40 resamples. A percentile interval needs 5
  resamples in each tail (200 at 95%, 1000 at 99%): `few_resamples_note` says so, in the
  attack stage's warning and under the end-of-run table, where the intervals are read.
"""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.metrics.bootstrap import few_resamples_note, resamples_needed
from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS, mia_attack, overridden, synthetic_observations


@pytest.mark.parametrize(("count", "confidence", "needed"),
                         [(2, 0.95, 200), (199, 0.95, 200), (999, 0.99, 1000)])
def test_fewer_than_five_resamples_a_tail_are_said(count, confidence, needed):
    note = few_resamples_note(count, confidence)
    level = f"{confidence:.0%}"
    assert note is not None and f"attack.bootstrap={count} resamples" in note
    assert f"of the {level} intervals" in note
    assert f"use attack.bootstrap={needed} or more for {level} intervals" in note
    assert resamples_needed(confidence) == needed


@pytest.mark.parametrize(("count", "confidence"), [(0, 0.95), (200, 0.95), (1000, 0.99)])
def test_enough_resamples_or_none_say_nothing(count, confidence):
    assert few_resamples_note(count, confidence) is None


def test_two_resamples_are_said_under_the_table_and_recorded(attacked_template, tmp_path):
    (tmp_path / "o.npz").symlink_to(attacked_template / "o.npz")
    done = mia_attack("o.npz", *overridden(LEAN_ATTACKS, "attack.bootstrap=2"),
                      "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.split("\nattacked:")[0]
    assert "FEW RESAMPLES: attack.bootstrap=2 resamples leave 0.05 in each 2.5% tail" in table
    assert "use attack.bootstrap=200 or more for 95% intervals" in table
    assert "FEW RESAMPLES: attack.bootstrap=2" in done.stderr  # (the log's warning)
    assert read_json(tmp_path / "run" / "results.json")["config"]["attack"]["bootstrap"] == 2


def test_the_api_table_says_it_too():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    done = api.audit(obs, overrides=["attack.bootstrap=20", "attack.confidence=0.99",
                                     "~attack.attacks.shokri", "attack.queries.num_augmented=0"])
    assert "FEW RESAMPLES: attack.bootstrap=20" in done.table()
    assert "use attack.bootstrap=1000 or more for 99% intervals" in done.table()
    assert np.isfinite(done.result.attacks["loss"]["auc_ci_low"])


# - An argument over 255 bytes (a 5,000-digit override, a long list of values) was stat-ed by
#   `split_path` to tell a PATH from an override: a raw 'OSError: File name too long', exit 1
#   with a traceback. A text no path can be is now never looked up: an override is read as one
#   (and refused by the config checks, exit 2, as mia-train refuses it), a PATH too long or
#   holding a NUL byte is refused by name, exit 2, before any run directory is made.

from mia_defense.cli.attack import split_path  # noqa: E402


def test_an_override_too_long_for_a_file_name_is_an_override():
    long = "attack.bootstrap=" + "9" * 5000
    assert split_path(["o.npz", long]) == ("o.npz", [long])
    assert split_path([long, "o.npz"]) == ("o.npz", [long])
    assert split_path(["attack.fprs=[" + ",".join(["0.5"] * 100) + "]"])[0] is None


@pytest.fixture
def observations_file(tmp_path):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    return tmp_path


@pytest.mark.parametrize(("override", "said"), [
    ("attack.bootstrap=" + "9" * 5000, "ConfigError: attack.bootstrap=<an integer of 5000 digits>"),
    ("attack.fprs=[" + ",".join(["0.5"] * 100) + "]", "ConfigError: attack.fprs=[0.5, 0.5"),
])
def test_a_long_override_is_refused_by_the_config_checks(observations_file, override, said):
    done = mia_attack("o.npz", override, "hydra.run.dir=run", cwd=observations_file)
    assert done.returncode == 2, done.stderr[-2000:]
    assert said in done.stderr
    assert "OSError" not in done.stderr and "Traceback" not in done.stderr
    assert not (observations_file / "run").exists()


@pytest.mark.parametrize(("path", "said"), [
    ("a" * 300, "holds a name of 300 bytes, longer than any file or folder's (255 bytes at most)"),
    ("d/" * 2100 + "o.npz", "is 4205 bytes long, longer than any path (4095 bytes at most)"),
    ("o.npz\0x", "holds a NUL byte"),
])
def test_a_path_no_file_can_have_is_refused_by_name(observations_file, path, said):
    # (source=PATH with a NUL: Hydra's lexer refuses the override, exit 2, as mia-train's)
    for args in ([path], [f"source={path}"])[: 1 if "\0" in path else 2]:
        done = mia_attack(*args, "hydra.run.dir=run", cwd=observations_file)
        assert done.returncode == 2, done.stderr[-2000:]
        shown = repr(path) if "\0" in path else path[:20]  # (a NUL made visible: its repr)
        assert f"DataError: source={shown}" in done.stderr and said in done.stderr
        assert "OSError" not in done.stderr and "Traceback" not in done.stderr
        assert not (observations_file / "run").exists()
