"""h564: `mia-attack FILE` with attack settings none of whose black-box attacks can read the
file (lira_online_augmented alone, on observations without augmented queries) made its run
directory (its .lock and attack.log) and only then refused, in the attack stage. README:
settings that cannot attack the source are refused before the run directory is made, in one
line, exit 2, no folder."""

from __future__ import annotations

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

_AUGMENTED_ALONE = ("'~attack.attacks'", "+attack.attacks.lira_online_augmented={_target_: "
                    "mia_defense.attacks.lira, _partial_: true, online: true, augmented: true}")


def test_attacks_none_of_which_can_read_the_file_are_refused_before_the_folder(tmp_path):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, *(a.strip("'") for a in _AUGMENTED_ALONE),
                      "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not (tmp_path / "out").exists()
    said = done.stderr.strip().splitlines()
    assert said[-1].startswith("ConfigError: attack.attacks: none of lira_online_augmented "
                               "can run on these observations"), said
    assert "augmented_logits" in said[-1]


def test_attacks_one_of_which_can_read_the_file_still_run(tmp_path):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, *(a.strip("'") for a in _AUGMENTED_ALONE),
                      "+attack.attacks.loss={_target_: mia_defense.attacks.loss_attack, "
                      "_partial_: true}", "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out" / "results.json").exists()
