"""h445: mia-train --config-dir '/x/my conf' holding its own config.yaml was refused with
the example for a group's file ('model=my_mlp for model/my_mlp.yaml'): shadowed_configs
tested the shell-quoted path ("'/x/my conf/config.yaml'") for an ending '/config.yaml'.
It tests the path itself now; the message still shows the path quoted."""

from __future__ import annotations

from importlib.resources import files

import pytest

from mia_defense.cli.arguments import shadowed_configs
from mia_defense.cli.commands import shell_path


@pytest.mark.parametrize("name", ["my conf", "plain", "it's"])
def test_a_shadowed_config_yaml_gets_the_config_name_example(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    packaged = files("mia_defense.conf").joinpath("config.yaml").read_bytes()
    (folder / "config.yaml").write_bytes(packaged + b"# mine\n")
    said = shadowed_configs(["--config-dir", str(folder)])
    assert said is not None
    assert said.startswith(f"ConfigError: {shell_path(str(folder / 'config.yaml'))}: not read")
    assert said.endswith("(e.g. --config-name my_config for my_config.yaml)")


def test_a_shadowed_group_file_in_a_quoted_folder_gets_the_group_example(tmp_path):
    folder = tmp_path / "my conf"
    (folder / "model").mkdir(parents=True)
    packaged = files("mia_defense.conf").joinpath("model", "mlp.yaml").read_bytes()
    (folder / "model" / "mlp.yaml").write_bytes(packaged + b"# mine\n")
    said = shadowed_configs(["--config-dir", str(folder)])
    assert said is not None and said.endswith("(e.g. model=my_mlp for model/my_mlp.yaml)")
