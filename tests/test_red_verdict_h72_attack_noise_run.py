"""mia-attack on any release=noise run folder (attack.queries.repeats=16, the default) was
refused: "the members' accuracy on them is 0.795078, 0.790042 in results.json
(utility.train_accuracy): their masks, labels or outputs were changed, yet observations.npz
is the file the run wrote ... results.json was edited after the run": a false accusation,
since f9892cc records a randomized release's train accuracy of one answer per member
(release_members_once), not of the averaged answers observations.npz holds. The check now
leaves such runs' accuracy alone; deterministic releases' runs are checked as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.attack_source_facts import _not_the_runs
from tests.helpers import FAST, mia_attack, mia_train, synthetic_observations


def _results(obs, target: str, repeats: int = 16) -> dict:
    return {"num_models": obs.num_models, "population_size": len(obs.labels),
            "num_classes": obs.num_classes, "utility": {"train_accuracy": 0.123456},
            "config": {"release": {"_target_": target},
                       "attack": {"queries": {"repeats": repeats}}}}  # fmt: skip


def test_a_randomized_releases_one_answer_accuracy_is_not_held_against_the_averages():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    assert _not_the_runs(obs, _results(obs, "mia_defense.defenses.NoiseRelease")) is None
    assert _not_the_runs(obs, _results(obs, "my.own.RandomRelease")) is None
    # asked once, or a release that answers the same every time: the check holds
    for results in (_results(obs, "mia_defense.defenses.NoiseRelease", repeats=1),
                    _results(obs, "mia_defense.defenses.FullRelease"),
                    _results(obs, "mia_defense.defenses.TopKRelease")):  # fmt: skip
        assert "utility.train_accuracy" in _not_the_runs(obs, results)
    hostile = _results(obs, "mia_defense.defenses.NoiseRelease")
    hostile["config"]["attack"]["queries"]["repeats"] = "16"  # not a number: checked
    assert "utility.train_accuracy" in _not_the_runs(obs, hostile)


@pytest.mark.slow  # 2-4 s: a tiny mia-train release=noise run, then mia-attack on it
def test_mia_attack_attacks_a_release_noise_run(tmp_path: Path):
    done = mia_train(*FAST, "plan.num_models=2", "plan.population_size=100",
                     "train.batch_size=16", "release=noise", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    done = mia_attack("run", *FAST[1:], "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "again" / "results.json").exists()


def test_the_deterministic_releases_by_name_are_the_built_in_ones_not_randomized():
    """attack_source_facts.py names the deterministic built-in releases without importing them (no
    torch in mia-attack): the list must be exactly the built-in classes whose ``randomized``
    is False, or a new random release would be held to the averages' accuracy."""
    import mia_defense.defenses as defenses
    from mia_defense.attack_source_facts import _DETERMINISTIC_RELEASES
    from mia_defense.defenses.release import Release

    built_in = {f"mia_defense.defenses.{name}": getattr(defenses, name)
                for name in defenses.__all__}  # fmt: skip
    releases = {path: cls for path, cls in built_in.items()
                if isinstance(cls, type) and issubclass(cls, Release) and cls is not Release}
    assert releases, "no release classes found"
    assert _DETERMINISTIC_RELEASES == {p for p, cls in releases.items() if not cls.randomized}

