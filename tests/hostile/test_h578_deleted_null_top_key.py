"""``mia-attack RUN '~seed'`` (seed: null, the run's own) was refused in Hydra's words alone,
"Could not delete from config. 'seed' does not exist", and ``'~source'`` (source: ???,
given as PATH) so too: neither said why nor what to do. A top-level setting that is null or
not given yet is named as such, with what to write."""

from omegaconf import OmegaConf

from mia_defense.config_keys import deleted_key_hint
from tests.helpers import mia_attack


def test_a_null_top_level_setting_is_said_to_stay():
    composed = OmegaConf.create({"source": "???", "seed": None, "attack": {"bootstrap": 1}})
    assert deleted_key_hint("seed", composed) == (
        "seed is null, which Hydra's '~' reads as absent; a setting stays: set it instead "
        "(seed=VALUE)")


def test_a_top_level_setting_not_given_yet_is_said_so():
    composed = OmegaConf.create({"source": "???", "seed": None})
    assert deleted_key_hint("source", composed) == (
        "source has no value yet (???), so there is nothing to delete; a setting stays: "
        "give it instead (source=VALUE), or drop '~source'")


def test_a_key_the_config_lacks_is_left_to_the_other_hints():
    composed = OmegaConf.create({"seed": None})
    assert deleted_key_hint("sed", composed) is None


def test_mia_attack_says_what_to_do_with_a_deleted_seed(tmp_path):
    (tmp_path / "o.npz").write_bytes(b"")
    done = mia_attack("o.npz", "~seed", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "ConfigError: Could not delete from config. 'seed' does not exist: seed is null, which "
        "Hydra's '~' reads as absent; a setting stays: set it instead (seed=VALUE)")
    assert not (tmp_path / "run").exists()
