"""What Hydra needs before it composes a config, set up without importing torch.

`mia-train --help` and ``mia-train --cfg job`` only compose and print the config, so the
start-up of every Hydra entry point (and of the tests' ``compose``) must stay light:

- `register_configs`: the typed ``schema`` nodes of the train and plan groups. Their
  dataclasses live in modules that import torch; each node is built from its dataclass the
  first time Hydra loads it (a config that selects ``train: schema``), never at start-up.
- `register_resolvers`: ``${mia_safe_dirname:...}`` (the sweep's run directory names),
  which imports its implementation when a sweep resolves a directory name.
- `share_config_store`: Hydra 1.3 deep-copies its `ConfigStore` singleton with every config
  repository it makes (106 of them for ``--help``, one per job of a sweep); the copies are
  never written to, and Hydra itself reads the live singleton since hydra PR 2928. Copying
  the store as itself does the same here: ``--help`` takes 0.7 s instead of 1.8 s.
- `skip_mode_composition`: before a run, Hydra 1.3 composes the whole config once only to
  read ``hydra.mode``, then composes it again for the run (0.2-0.3 s each). Where the
  config can come only from this package and Hydra's own files, none of which sets
  ``hydra.mode`` (``tests/test_hydra_setup.py`` reads them all), that first composition
  can only find it unset: Hydra is told so without composing.
- `lazy_help_sections`: Hydra 1.3's help fills every placeholder a help template may hold,
  whichever the template shows; each config-group listing walks every config source (53
  lookups, each parsing the override grammar anew). ``--help`` shows the app's groups,
  ``--hydra-help`` Hydra's: each now walks once, not twice, and reads the repository
  directly. A placeholder the template does not know is a `ConfigError` naming its key.
"""

from __future__ import annotations

import contextlib
import functools
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from hydra.core.config_store import ConfigNode, ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.errors import ConfigError

__all__ = [
    "hydra_config_of_the_job",
    "lazy_help_sections",
    "plugin_is",
    "register_configs",
    "register_resolvers",
    "setup_hydra",
    "share_config_store",
    "skip_mode_composition",
]

_PROVIDER = "mia_defense"


def _train_schema() -> type:
    from mia_defense.training.config import TrainConfig

    return TrainConfig


def _plan_schema() -> type:
    from mia_defense.pipeline.spec import PlanConfig

    return PlanConfig


@functools.cache
def _structured(schema: Callable[[], type]) -> DictConfig:
    """The config node of the dataclass ``schema()`` returns, built once per process."""
    return OmegaConf.structured(schema())


class _LazyNode(ConfigNode):
    """A stored `ConfigNode` whose ``node`` is built from its dataclass on first read.

    `ConfigStore.load` reads ``node`` of a shallow copy and deep-copies it, so every load
    gets a fresh node, as from an eagerly stored one.
    """

    def __init__(self, *, name: str, group: str, schema: Callable[[], type]) -> None:
        self._schema = schema
        super().__init__(name=name, node=None, group=group, package=None, provider=_PROVIDER)

    @property  # type: ignore[override]
    def node(self) -> DictConfig:
        own = self.__dict__.get("_node")
        return own if own is not None else _structured(self._schema)

    @node.setter
    def node(self, value: DictConfig | None) -> None:
        self.__dict__["_node"] = value


def _store_lazy(group: str, name: str, schema: Callable[[], type]) -> None:
    """What ``ConfigStore.store(group=group, name=name, node=schema())`` stores, deferred."""
    options = ConfigStore.instance().repo.setdefault(group, {})
    options[f"{name}.yaml"] = _LazyNode(name=f"{name}.yaml", group=group, schema=schema)


# The typed nodes `register_configs` stores: (group, option) under ``--help``'s listing they
# are not shown in (building blocks for a config of your own, not settings to pick).
_SCHEMA_NODES = {("train", "schema"): _train_schema, ("plan", "schema"): _plan_schema}


def register_configs() -> None:
    """Register typed ``schema`` nodes for the train and plan groups (idempotent).

    The packaged YAML does not use them (`mia_defense.config.check_config` reports every
    problem at once where Hydra stops at the first); a config of your own may list
    ``- schema`` in its defaults to have Hydra enforce the types at composition. ``--help``
    does not list them among the groups' options: ``plan: default, schema`` invited
    ``plan=schema``, which runs the dataclass's defaults, not the packaged ones
    (``plan.population_size`` 1000 instead of null).
    """
    for (group, name), schema in _SCHEMA_NODES.items():
        _store_lazy(group, name, schema)


def _safe_dirname(overrides: str) -> str:
    from mia_defense.tracking.run_dir import safe_dirname

    return safe_dirname(overrides)


def register_resolvers() -> None:
    """Register ``${mia_safe_dirname:...}`` (`mia_defense.tracking.run_dir.safe_dirname`)."""
    OmegaConf.register_new_resolver("mia_safe_dirname", _safe_dirname, replace=True)


def _same_store(store: ConfigStore, memo: dict[int, Any]) -> ConfigStore:
    return store


def share_config_store() -> None:
    """Make a deep copy of the `ConfigStore` singleton the singleton itself (idempotent).

    Only where the installed Hydra copies it (1.3): a Hydra that defines its own copy
    behaviour is left alone.
    """
    if getattr(ConfigStore, "__deepcopy__", _same_store) is _same_store:
        ConfigStore.__deepcopy__ = _same_store  # type: ignore[attr-defined]


# The config sources of a run composed from this package alone: Hydra's own files, this
# package's conf/ and the ConfigStore (the schema nodes above, plugins' hydra/* nodes).
PACKAGED_SOURCES = frozenset(
    {("pkg", "hydra.conf"), ("pkg", "mia_defense.conf"), ("structured", "")}
)
# Keys under hydra that set the mode or bring in config files of the user's own.
_MODE_KEYS = ("hydra.mode", "hydra.searchpath")


def mode_is_unset(sources: Sequence[tuple[str, str]], overrides: Sequence[str]) -> bool:
    """Whether a config composed from ``sources`` (``(scheme, path)`` of Hydra's config
    sources) with ``overrides`` leaves ``hydra.mode`` unset without composing it: every
    source packaged, and no override that names ``hydra`` other than as a setting of
    Hydra's own (``hydra.run.dir=...``, but not ``hydra.mode``, ``hydra.searchpath``, the
    ``hydra`` group or a config placed in it: ``hydra/output=...``, ``+x@hydra=...``)."""
    if not set(sources) <= PACKAGED_SOURCES:
        return False
    for override in overrides:
        key = override.strip().lstrip("+~").split("=", 1)[0].strip()
        if key.startswith("hydra.") and "@" not in key and not key.startswith(_MODE_KEYS):
            continue
        if "hydra" in key:
            return False
    return True


def skip_mode_composition() -> None:
    """Let Hydra 1.3's run-mode probe (`Hydra.get_mode`) answer "unset" without composing
    the config where `mode_is_unset` says so (idempotent); elsewhere it composes as before."""
    from hydra._internal.hydra import Hydra

    get_mode = Hydra.get_mode
    if getattr(get_mode, "_mia_skips", False):
        return

    @functools.wraps(get_mode)
    def probe(self: Hydra, config_name: str | None, overrides: list[str]) -> Any:
        sources = [(s.scheme(), s.path) for s in self.config_loader.get_sources()]
        if mode_is_unset(sources, overrides):
            return None
        return get_mode(self, config_name, overrides)

    probe._mia_skips = True  # type: ignore[attr-defined]
    Hydra.get_mode = probe  # type: ignore[method-assign]


class _Sections(Mapping[str, str]):
    """A help template's placeholders, each computed when the template names it."""

    def __init__(self, makers: dict[str, Callable[[], str]]) -> None:
        self._makers = makers

    def __getitem__(self, name: str) -> str:
        return self._makers[name]()

    def __contains__(self, name: object) -> bool:  # (Mapping's would compute the section)
        return name in self._makers

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _is_hydra_group(group: str) -> bool:
    return group == "hydra" or group.startswith("hydra/")


def _format_groups(hydra: Any, shown: Callable[[str], bool]) -> str:
    """`Hydra.format_config_groups`'s text, read from the config loader's repository: Hydra
    asks the loader, which parses the (empty) overrides and wraps the same repository anew
    for each of the 53 lookups, a third of the listing's time. The typed schema nodes
    (`register_configs`) are left out of it."""
    from hydra.core.object_type import ObjectType

    repository = hydra.config_loader.repository

    def options(group: str, kind: ObjectType = ObjectType.CONFIG) -> list[str]:
        return repository.get_group_options(group_name=group, results_filter=kind)

    def groups(parent: str) -> Iterator[str]:
        for name in options(parent, ObjectType.GROUP):
            group = f"{parent}/{name}" if parent else name
            if options(group):
                yield group
            yield from groups(group)

    def listed(group: str) -> list[str]:  # (the schema nodes: see register_configs)
        return sorted(name for name in options(group) if (group, name) not in _SCHEMA_NODES)

    return "".join(
        f"{group}: {', '.join(listed(group))}\n" for group in sorted(groups("")) if shown(group)
    )


def _fill(help_cfg: DictConfig, sections: _Sections) -> str:
    """The help template filled in; a `ConfigError` naming the template's key for a
    placeholder it does not know (Hydra's own help stops there with a KeyError)."""
    key = help_cfg._get_full_key("template")
    try:
        template = help_cfg.get("template")
    except OmegaConfBaseException as exc:  # ${CONFIG}: an interpolation, not a placeholder
        raise ConfigError(f"{key}: {exc}; a placeholder of the help is $NAME") from None
    if not isinstance(template, str):
        raise ConfigError(f"{key}={template!r}: a help template is text")
    for match in string.Template.pattern.finditer(template):  # checked before any is made
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None or (name is not None and name not in sections):
            unknown = f"${name}" if name else "a lone '$'"
            raise ConfigError(
                f"{key}: {unknown} is no placeholder of the help; "
                f"use {', '.join('$' + known for known in sections)} and write $$ for a "
                "dollar sign"
            )
    return string.Template(template).substitute(sections)


def lazy_help_sections() -> None:
    """Make Hydra 1.3's `Hydra.get_help` fill only the placeholders its template names
    (idempotent): the same text; a placeholder it does not know is a `ConfigError` naming
    the template's key (Hydra's was a KeyError traceback)."""
    from hydra._internal.hydra import Hydra

    if getattr(Hydra.get_help, "_mia_lazy", False):
        return

    @functools.wraps(Hydra.get_help)
    def get_help(
        self: Hydra, help_cfg: DictConfig, cfg: DictConfig, args_parser: Any, resolve: bool
    ) -> str:
        sections = _Sections(
            {
                "FLAGS_HELP": lambda: self.format_args_help(args_parser),
                "HYDRA_CONFIG_GROUPS": lambda: _format_groups(self, _is_hydra_group),
                "APP_CONFIG_GROUPS": lambda: _format_groups(
                    self, lambda group: not _is_hydra_group(group)
                ),
                "CONFIG": lambda: OmegaConf.to_yaml(cfg, resolve=resolve),
            }
        )
        return _fill(help_cfg, sections)

    get_help._mia_lazy = True  # type: ignore[attr-defined]
    Hydra.get_help = get_help  # type: ignore[method-assign]


def setup_hydra() -> None:
    """All of the above: what an entry point calls before Hydra composes its config."""
    from mia_defense.hydra_guard import guard_config_loading

    share_config_store()
    register_configs()
    register_resolvers()
    guard_config_loading()
    skip_mode_composition()
    lazy_help_sections()


@contextlib.contextmanager
def hydra_config_of_the_job(config: DictConfig) -> Iterator[None]:
    """Hydra's config set as Hydra sets it when the job starts (hydra.runtime.output_dir:
    the run directory), so that the callbacks' checks, which run before (on_run_start),
    resolve ``${hydra:runtime.cwd}`` and the like as the run will: dataset.path=
    ${hydra:runtime.cwd}/data.csv was refused ('cannot resolve its value (... HydraConfig
    was not set)'), and mia-attack's source check was skipped with a warning. The setting
    in place before is put back."""
    import copy
    import os

    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict, read_write

    instance = HydraConfig.instance()
    before = instance.cfg
    job = copy.deepcopy(config)
    instance.set_config(job)  # first, as Hydra: the folder's name may read it (runtime.cwd)
    run_dir = OmegaConf.select(job, "hydra.run.dir", throw_on_resolution_failure=False)
    if run_dir is not None:  # (into job and set_config's copy of its hydra node: a second
        for runtime in (job.hydra.runtime, instance.cfg.hydra.runtime):  # set_config copied
            with read_write(runtime), open_dict(runtime):  # it all again)
                runtime.output_dir = os.path.abspath(str(run_dir))
    try:
        yield
    finally:
        instance.cfg = before


def plugin_is(node: Any, name: str) -> bool:
    """Whether the Hydra sweeper or launcher ``node`` (its config) is the ``name`` plugin's
    (``optuna``, ``joblib``, ``basic``): by its ``_target_``."""
    return name in str(node.get("_target_", "")).lower()
