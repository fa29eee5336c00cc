"""Hydra's run-mode probe (a whole composition before each run) is skipped only where no
config file can set ``hydra.mode``: `mia_defense.hydra_setup.skip_mode_composition`; its
help fills only the placeholders the help template names: `lazy_help_sections`."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.config_repository import ConfigRepository
from hydra._internal.hydra import Hydra
from hydra.core.config_store import ConfigNode, ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.object_type import ObjectType
from omegaconf import OmegaConf

from mia_defense.errors import ConfigError
from mia_defense.hydra_setup import PACKAGED_SOURCES, mode_is_unset
from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train


def _keyed(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(key path, value)`` of every mapping key in ``node``, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, str(key)), value
            yield from _keyed(value, (*path, str(key)))
    elif isinstance(node, list):
        for value in node:
            yield from _keyed(value, path)


@pytest.mark.parametrize("package", ["mia_defense.conf", "hydra.conf"])
def test_no_packaged_config_file_sets_hydra_mode_or_the_search_path(package):
    yamls = sorted(Path(str(files(package))).rglob("*.yaml"))
    assert len(yamls) > 5
    for path in yamls:
        for keys, _ in _keyed(yaml.safe_load(path.read_text())):
            if keys[-1] in ("mode", "searchpath"):  # only a logging handler's file mode
                assert keys[0] == "handlers", (path, keys)


def _store_nodes(repo: dict[str, Any]) -> Iterator[ConfigNode]:
    for value in repo.values():
        if isinstance(value, dict):
            yield from _store_nodes(value)
        else:
            yield value


def test_no_config_store_node_sets_hydra_mode():
    import mia_defense.cli.attack as attack  # stores mia-attack's primary config

    nodes = list(_store_nodes(ConfigStore.instance().repo))
    assert any(node.name == "config.yaml" and node.group == "hydra" for node in nodes)
    assert any(node.name == f"{attack.CONFIG_NAME}.yaml" for node in nodes)
    for node in nodes:
        content = OmegaConf.to_container(OmegaConf.create(node.node), resolve=False)
        for keys, value in _keyed(content):
            if keys[-1] == "mode":  # Hydra's own schema: hydra.mode, unset
                assert value is None, (node.group, node.name, keys, value)


@pytest.mark.parametrize(
    ("overrides", "unset"),
    [
        ([], True),
        (["seed=1", "defense=dp", "hydra.run.dir=x", "hydra.job.chdir=false"], True),
        (["hydra.mode=MULTIRUN"], False),
        (["+hydra.mode=MULTIRUN"], False),
        (["++hydra.mode=RUN"], False),
        (["~hydra.mode"], False),
        (["hydra.searchpath=[file:///elsewhere]"], False),
        (["hydra=mine"], False),
        (["hydra/output=mine"], False),
        (["seed=1", "hydra={mode: MULTIRUN}"], False),
        ([" +hydra.mode=MULTIRUN"], False),
        (["+dataset@hydra.mode=digits"], False),
        (["+experiment@hydra=study_digits"], False),
    ],
)
def test_the_mode_is_known_unset_only_where_no_override_can_set_it(overrides, unset):
    assert mode_is_unset(sorted(PACKAGED_SOURCES), overrides) is unset


def test_a_config_source_of_the_users_own_means_composing():
    assert not mode_is_unset([*PACKAGED_SOURCES, ("file", "/home/me/conf")], ["seed=1"])


def test_a_run_composes_its_config_once(tmp_path, monkeypatch):
    calls: list[str] = []
    load = ConfigLoaderImpl.load_configuration

    def counted(self: ConfigLoaderImpl, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(kwargs.get("run_mode")))
        return load(self, *args, **kwargs)

    monkeypatch.setattr(ConfigLoaderImpl, "load_configuration", counted)
    done = mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert calls == ["RunMode.RUN"]  # no composition that only reads hydra.mode


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_a_config_folder_of_the_users_own_still_sets_hydra_mode(tmp_path):
    experiment = tmp_path / "conf" / "experiment"
    experiment.mkdir(parents=True)
    (experiment / "two_seeds.yaml").write_text(
        "# @package _global_\nhydra:\n  mode: MULTIRUN\n  sweeper:\n    params:\n      seed: 1,2\n"
    )
    sweep = tmp_path / "sweep"
    done = mia_train("--config-dir", str(tmp_path / "conf"), "+experiment=two_seeds", *TINY,
                     *LEAN_ATTACKS, f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list(sweep.glob("*/results.json"))) == 2  # a sweep, as Hydra reads the file


@pytest.mark.parametrize(
    ("flag", "shown", "not_shown"),
    [
        ("--help", "dataset: ", "hydra/launcher: "),
        ("--hydra-help", "hydra/launcher: ", "dataset: "),
    ],
)
def test_help_walks_the_config_groups_once_for_the_groups_it_shows(
    tmp_path, monkeypatch, flag, shown, not_shown
):
    walks: list[str] = []  # a walk of the config groups starts at the root's groups
    options = ConfigRepository.get_group_options

    def counted(self: ConfigRepository, group_name: str, results_filter: Any = None) -> Any:
        if group_name == "" and results_filter == ObjectType.GROUP:
            walks.append(group_name)
        return options(self, group_name, results_filter)

    monkeypatch.setattr(ConfigRepository, "get_group_options", counted)
    done = mia_train(flag, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shown in done.stdout and not_shown not in done.stdout
    assert len(walks) == 1  # Hydra 1.3 walked twice, for both listings


def test_help_text_is_hydras_own_and_an_unknown_placeholder_is_named():
    from hydra._internal.utils import create_config_search_path, get_args_parser

    import mia_defense.cli.train  # noqa: F401  (sets Hydra up, as the console script does)

    hydra = Hydra.create_main_hydra2(
        "mia-train", create_config_search_path("pkg://mia_defense.conf")
    )
    try:
        cfg = OmegaConf.create({"seed": 0, "dataset": {"name": "digits"}})
        every = OmegaConf.create(
            {"template": "$FLAGS_HELP|$HYDRA_CONFIG_GROUPS|$APP_CONFIG_GROUPS|$CONFIG|$$x"}
        )
        text = hydra.get_help(every, cfg, get_args_parser(), False)
        hydras = Hydra.get_help.__wrapped__(hydra, every, cfg, get_args_parser(), False)
        # Hydra's own, less the typed schema nodes (register_configs) in the groups' listing
        assert "plan: default, schema\n" in hydras and "schema" not in text
        assert text == hydras.replace(", schema\n", "\n")
        assert "dataset: " in text and "hydra/launcher: " in text and "|$x" in text
        unknown = OmegaConf.create({"hydra": {"help": {"template": "$CONFIG $NOT_A_SECTION"}}})
        with pytest.raises(ConfigError, match=r"hydra.help.template: \$NOT_A_SECTION is no"):
            hydra.get_help(unknown.hydra.help, cfg, get_args_parser(), False)
    finally:
        GlobalHydra.instance().clear()  # create_main_hydra2 initialised it
