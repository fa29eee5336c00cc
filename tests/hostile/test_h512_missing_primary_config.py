"""h512: a ``--config-name`` that names no config (``mia-train --config-name confg``, or
``--config-name tpo`` with ``--config-dir`` holding top.yaml) was refused in Hydra's words,
"Cannot find primary config 'confg'. Check that it's in your config search path" and the
whole config search path. It is now one line
(`mia_defense.missing_config_refusals.unknown_group_words`): the name, that no config of it
is in the config folders (named), the closest config (`mia_defense.errors.closest`), the
configs there and what to write."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import mia_train


def _refusal(tmp_path: Path, *args: str) -> str:
    done = mia_train(*args, f"hydra.run.dir={tmp_path / 'run'}", "progress=false",
                     cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not (tmp_path / "run").exists()
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert "search path" not in lines[0] and "provider=" not in lines[0], lines[0]
    # (mia-attack's primary config, stored in Hydra's ConfigStore once mia_defense.cli.attack
    # is imported, as an earlier test in this process may have: mia-train alone lacks it)
    return lines[0].replace(" or the tool's built-in configs", "").replace(", mia_attack", "")


def test_a_misspelt_config_name_is_named_with_the_closest(tmp_path):
    said = _refusal(tmp_path, "--config-name", "confg")
    assert said == ("ConfigError: Cannot find primary config 'confg': no config of that name "
                    "in the config folders (pkg://mia_defense.conf) (did you mean 'config'?); "
                    "nothing was run. Name one of the configs there (config) with "
                    "--config-name, e.g. --config-name config, or add confg.yaml to a folder "
                    "of yours and give it with --config-dir DIR"), said


def test_a_misspelt_config_name_in_ones_own_config_dir_names_that_folder(tmp_path):
    folder = tmp_path / "cd"
    folder.mkdir()
    (folder / "top.yaml").write_text(
        "defaults:\n  - _self_\nhydra:\n  searchpath: [pkg://mia_defense.conf]\n")
    said = _refusal(tmp_path, "--config-dir", str(folder), "--config-name", "tpo")
    assert said == ("ConfigError: Cannot find primary config 'tpo': no config of that name in "
                    f"the config folders (pkg://mia_defense.conf, {folder}) (did you mean "
                    "'top'?); nothing was run. Name one of the configs there (config, top) "
                    f"with --config-name, e.g. --config-name top, or add tpo.yaml to "
                    f"{folder}"), said


def test_a_misspelt_option_of_a_group_as_config_name_is_told_to_select_it(tmp_path):
    # (--config-name model/mlp is refused before Hydra: select it as a group instead)
    said = _refusal(tmp_path, "--config-name", "model/mlpp")
    assert said.startswith("ConfigError: Cannot find primary config 'model/mlpp': no config "
                           "of that name in the config folders (pkg://mia_defense.conf) (did "
                           "you mean 'model/mlp'?); nothing was run. "), said
    assert said.endswith("select one instead, e.g. model=mlp (drop --config-name)"), said


def test_an_empty_config_name_is_one_line_too(tmp_path):
    said = _refusal(tmp_path, "--config-name", "")
    assert said == ("ConfigError: Cannot find primary config '': no config of that name in "
                    "the config folders (pkg://mia_defense.conf); nothing was run. Name one of "
                    "the configs there (config) with --config-name"), said
