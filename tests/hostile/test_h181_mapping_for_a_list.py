"""A mapping given where a setting is a list (dataset.drop_columns={id:1}, attack.fprs={a:1},
model.hidden={a:1}), or a list where it is a mapping (attack.queries=[1], attack.attacks=
[loss]), got Hydra's "Error merging override ... / Cannot merge DictConfig with ListConfig /
full_key: ... object_type=list" (the same words both ways), and api.audit only its first
line. Now: the key, what was given, what it takes, and a setting to type
(`constraints.shape_refusal`, through `composition_errors.merge_problem`)."""

from __future__ import annotations

import os
import subprocess

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import mia_attack, refused_before_run_dir, synthetic_observations


def _typed(hint: str) -> tuple[str, object]:
    """The key and value Hydra reads when ``hint`` is typed into bash as shown (failglob:
    zsh refuses an unmatched pattern such as [a,b])."""
    done = subprocess.run(["bash", "-O", "failglob", "-c", f"printf '%s\\0' {hint}"],
                          capture_output=True, check=False, timeout=10, env=dict(os.environ))
    assert done.returncode == 0, (hint, done.stderr)
    [word] = done.stdout.decode().split("\0")[:-1]
    override = OverridesParser.create().parse_override(word)
    return override.key_or_group, override.value()


@pytest.mark.parametrize("override, said, typed", [
    ("attack.fprs={a:1}", "attack.fprs={a:1}: a mapping, where attack.fprs takes a list (now "
     "[0.1, 0.01, 0.001]); write a list in square brackets, e.g. "
     "'attack.fprs=[0.1,0.01,0.001]'", ("attack.fprs", [0.1, 0.01, 0.001])),
    ("model.hidden={}", "model.hidden={}: a mapping, where model.hidden takes a list (now "
     "[128])", ("model.hidden", [128])),
    ("attack.queries=[1]", "attack.queries=[1]: a list, where attack.queries is a mapping of "
     "settings (its keys: num_augmented, noise_std, max_shift, flip, repeats); set its keys "
     "one by one, e.g. attack.queries.num_augmented=8", None),
])
def test_mia_train_names_the_key_and_what_to_write(tmp_path, override, said, typed):
    stderr = refused_before_run_dir(override, cwd=tmp_path)
    assert f"ConfigError: {said}" in stderr
    assert "Cannot merge" not in stderr and "Traceback" not in stderr
    if typed is not None:  # the example, typed into a shell as shown, is the list
        hint = stderr.split("e.g. ", 1)[1].split(" (quoted", 1)[0]
        assert _typed(hint) == typed


def test_a_csv_column_mapping_gives_its_names_as_the_list(tmp_path):
    stderr = refused_before_run_dir("dataset=csv", f"dataset.path={tmp_path}/d.csv",
                                    "dataset.label_column=label",
                                    "dataset.drop_columns={id:1,note:2}", cwd=tmp_path)
    assert "ConfigError: dataset.drop_columns={id:1,note:2}: a mapping, where " \
        "dataset.drop_columns takes a list (now [])" in stderr
    hint = stderr.split("e.g. ", 1)[1].split(" (quoted", 1)[0]
    assert _typed(hint) == ("dataset.drop_columns", ["id", "note"])


def test_mia_attack_and_api_audit_say_the_same(tmp_path):
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", "attack.attacks=[loss]", "hydra.run.dir=out", cwd=tmp_path)
    said = ("attack.attacks=[loss]: a list, where attack.attacks is a mapping of settings (its "
            "keys: loss, confidence, ")
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Cannot merge" not in done.stderr
    assert not (tmp_path / "out").exists()
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError) as caught:
        api.audit(obs, overrides=["attack.fprs={a:1}"])
    assert str(caught.value) == (  # (no shell's quotes for the API)
        "attack overrides ['attack.fprs={a:1}']: attack.fprs={a:1}: a mapping, where "
        "attack.fprs takes a list (now [0.1, 0.01, 0.001]); write a list in square brackets, "
        "e.g. attack.fprs=[0.1,0.01,0.001]")


def test_a_mapping_of_mappings_is_told_to_remove_entries():
    from mia_defense.constraints import shape_refusal

    line = shape_refusal("attack.attacks", "[loss]", ["loss"],
                         {"loss": {"_target_": "x"}, "shokri": {"_target_": "y"}})
    assert line.endswith("set or remove its entries one by one, e.g. ~attack.attacks.shokri "
                         "removes one")


def test_an_empty_mapping_for_a_list_gets_the_refusal_alone(tmp_path):
    # the warning "an empty mapping merges nothing into dataset.drop_columns ... its entries
    # stay as they are; to leave one out, write ~dataset.drop_columns.NAME" came first,
    # advice for a mapping, then the refusal
    stderr = refused_before_run_dir("model.hidden={}", cwd=tmp_path)
    assert "merges nothing" not in stderr
    assert "ConfigError: model.hidden={}: a mapping, where model.hidden takes a list" in stderr
