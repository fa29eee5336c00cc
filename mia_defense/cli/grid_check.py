"""The up-front check of a grid sweep (`refuse_sweep_refused_at_every_point`): each point
composed and checked as its run would, before Hydra makes the sweep's folder, so that a sweep
whose every point would be refused for the same reason, or whose first point Hydra cannot
compose, is refused once in one line, nothing made."""

from __future__ import annotations

import logging
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from mia_defense.cli.entry import end_refused
from mia_defense.cli.run_dirs import task_overrides
from mia_defense.cli.sweep_checks import override_keys
from mia_defense.constraints import clipped
from mia_defense.constraints import keys_shown as _keys_shown
from mia_defense.hydra_setup import plugin_is

__all__ = ["refuse_sweep_refused_at_every_point"]

log = logging.getLogger("mia_defense.cli.sweep_checks")  # (its lines read as the sweep checks')


# The most points of a grid `refuse_sweep_refused_at_every_point` composes and checks.
_CHECKED_POINTS = 256


def refuse_sweep_refused_at_every_point(config: DictConfig) -> None:
    """Refuse a grid sweep each of whose points its run's config check refuses (the check
    each job makes, `check_config` and `check_defense_stack`): ``mia-train -m defense=dp
    defense.dp.noise_multiplier=0.5,1.0`` with ``defense.dp.target_epsilon`` still set made
    the sweep's folder and one per point, each refused ('set exactly one of them'), the
    sweep's end listing the same refusal for every point. The points are composed as the
    sweeper composes them and checked in turn until one passes (the first, as a rule: one
    check); only where none passes, and the first refusal is about a setting the sweep does
    not vary (`_refused_for_fixed_settings`: from its keys, or a check without the swept
    settings), is the sweep refused, once, with that refusal (each point refused for its
    own value of a swept key, ``train.lr=-1,-2``, is left to the points: the sweep's end
    names each; one refused at every point in the same words for a swept key the config
    lacks, ``-m +foo=1,2``'s 'unknown key', is refused: `_refused_for_a_key_it_lacks`). An
    Optuna search (its points drawn as it goes) is refused by the same rule
    where every trial would be, whatever it draws, by
    `mia_defense.cli.search_checks.refuse_search_refused_at_every_point`. A grid Hydra
    composes otherwise, a check failing otherwise than by a refusal, and a grid of more
    than `_CHECKED_POINTS` points but for its first point's composition are left to the
    runs; the points of a sweep of mia-attack are only composed (its jobs are checked
    otherwise: it has no ``check_config`` callback). A grid whose first point Hydra cannot
    compose (``-m plan.foo=1,2``; mia-attack's ``attack.foo=1,2``; ``~train.lr=0.5,0.001``)
    ended at its first job after the sweep's folder was made, whatever its other points: it
    is refused with the composition's refusal, on one line (`refusal_line`), as a single
    run of that point says it (``-m train.<300 x>=1,2``: a key too long for a file name,
    hydra_guard's refusal, read before as the point's own refusal, the sweep let go on)."""
    callbacks = OmegaConf.select(config, "hydra.callbacks", default=None) or {}
    if not plugin_is(config.hydra.sweeper, "basic"):
        return
    points = _grid_points(config)
    if not points:
        return
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import CompactHydraException

    from mia_defense.cli.entry import refusal_line
    from mia_defense.errors import ConfigError, DataError, UnsupportedModelError

    first: tuple[list[str], Exception] | None = None
    refusals: list[Exception] = []  # (each point's, in turn)
    loader = GlobalHydra.instance().config_loader()
    for num, overrides in enumerate(points):
        try:
            job = loader.load_sweep_config(config, list(overrides))
        except (CompactHydraException, ConfigError) as exc:
            if num == 0:  # (the first job's composition: the sweep ends there)
                end_refused(log, "%s", refusal_line(exc).removeprefix("ConfigError: "))
            continue  # (a later job's: left to it)
        except Exception:  # (not a refusal: the point's run says what it is)
            return
        if len(points) > _CHECKED_POINTS:
            return  # (the first job composed: the rest left to the runs)
        try:
            _check_job(job, num=num, check="check_config" in callbacks)
        except (ConfigError, DataError, UnsupportedModelError) as exc:
            first = first or (list(overrides), exc)
            refusals.append(exc)
            continue
        except Exception:  # (not a refusal: the point's run says what it is)
            return
        return  # this point runs
    if first is None:
        return
    overrides, exc = first
    if not (_refused_for_fixed_settings(config, loader, overrides, exc) or (
            len(refusals) == len(points) and _refused_for_a_key_it_lacks(
                config, loader, overrides, refusals))):  # fmt: skip
        return  # (each point refused for its own value of a swept key: each is named at the
        # sweep's end)
    # (one line: the refusal, its problems one after another, then the sweep's; it was a
    # line of its own before the sweep's)
    # (named once, by its own class: a DataError or UnsupportedModelError read 'ConfigError:
    # UnsupportedModelError: defense.dropout: ...', a HydraConfigError's text names itself)
    name = ConfigError.__name__ if isinstance(exc, ConfigError) else type(exc).__name__
    said = str(exc).removeprefix(f"{name}: ")
    first_line, *problems = [line.strip() for line in said.splitlines() if line.strip()] or [
        name]  # (a refusal without words: a user's defense's ConfigError(""))
    said = " ".join([first_line, "; ".join(problems)]).strip()
    # (each key and value clipped as the refusal clips them: -m +<200 x>=1,2 named the key a
    # third time whole, -m +foo=<300 x>,1 the value)
    first_point = " ".join(_keys_shown(key) + eq + clipped(value) for key, eq, value in (
        text.partition("=") for text in overrides))  # fmt: skip
    end_refused(log, "%s; every point of this sweep would be refused so (%d of %d; the first: "
                "%s); nothing was run. Fix the setting the refusal names, then run the sweep "
                "again", said, len(points), len(points), first_point,
                error=name)  # fmt: skip


def _refused_for_fixed_settings(
    config: DictConfig, loader: Any, overrides: list[str], exc: Exception
) -> bool:
    """Whether ``exc``, the refusal of a sweep's point composed with ``overrides``, is about
    a setting the sweep does not vary: one of the keys it names (`ConfigError.keys`, each
    problem's key or node) lies outside every swept key (``defense.dp``'s 'set exactly one
    of them' beside a swept ``defense.dp.noise_multiplier``); where it names none (a
    cross-check's, check_defense_stack's), whether the point's settings without the swept
    ones (the swept keys at their config's values) are refused too (a model unfit for the
    data's shape). A data file's `DataError` (a missing file) is left to the points. Read
    from the keys and the check, not from the message's text (any 'word=' in it counted:
    a swept path holding '=' was taken for a fixed setting)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.errors import ConfigError, DataError, UnsupportedModelError

    swept = {key.lstrip("+~") for key in override_keys(config)}

    def is_swept(key: str) -> bool:
        return any(key == name or key.startswith(f"{name}.") for name in swept)

    keys = getattr(exc, "keys", None)
    if keys is not None:
        return not all(map(is_swept, keys))
    if isinstance(exc, DataError):  # (a data file's: each point names it, as before)
        return False
    try:
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(overrides)
        fixed = [text for text, override in zip(overrides, parsed, strict=True)
                 if not is_swept(override.key_or_group.lstrip("+~"))]  # fmt: skip
        _check_point(config, loader, fixed, num=0)
    except ConfigError as refused:  # (but for the swept keys' own values, unset: ???)
        return refused.keys is None or not all(map(is_swept, refused.keys))
    except (DataError, UnsupportedModelError):
        return True
    except Exception:  # (not a refusal: the points' runs say what it is)
        return False
    return False


def _refused_for_a_key_it_lacks(config: DictConfig, loader: Any, overrides: list[str],
                                refusals: list[Exception]) -> bool:
    """Whether ``refusals``, of every point of a sweep (the first composed with
    ``overrides``), are about swept keys the config lacks, the same at each point: each
    names only such keys (`ConfigError.keys`: ``-m +foo=1,2``, ``+train.foo=1,2`` or
    ``model.foo=1,2``, 'unknown key', made the sweep's folder and one per point) and says
    the same past each problem's first ': ' (its point's ``KEY=value``). A key the config
    lacks is one the point composed without the swept overrides does not hold."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    swept = {key.lstrip("+~") for key in override_keys(config)}
    keys = [getattr(exc, "keys", None) for exc in refusals]
    if not all(keys) or len({_words_past_the_point(exc) for exc in refusals}) != 1:
        return False
    try:
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(overrides)
        fixed = [text for text, override in zip(overrides, parsed, strict=True)
                 if override.key_or_group.lstrip("+~") not in swept]  # fmt: skip
        job = loader.load_sweep_config(config, fixed)
    except Exception:  # (not said here: the points' runs say it)
        return False
    lacks = set()
    for key in swept:
        *parents, leaf = key.split(".")
        try:
            node = OmegaConf.select(job, ".".join(parents)) if parents else job
        except Exception:
            return False
        if not (isinstance(node, DictConfig) and leaf in node):
            lacks.add(key)
    return all(k in lacks for named in keys for k in named or ())  # (each names one: above)


def _words_past_the_point(exc: Exception) -> tuple[str, ...]:
    """The lines of ``exc``'s words, each past its first ': ' (its ``KEY=value``)."""
    return tuple(line.partition(": ")[2] or line for line in str(exc).splitlines())


def _check_point(config: DictConfig, loader: Any, overrides: list[str], *, num: int,
                 check: bool = True) -> None:
    """The config check a sweep's job ``num`` makes (`check_config`, `check_defense_stack`),
    on the point composed with ``overrides`` as the sweeper composes it, in its own folder
    (not ``check``: composed only)."""
    _check_job(loader.load_sweep_config(config, overrides), num=num, check=check)


def _check_job(job: DictConfig, *, num: int, check: bool = True) -> None:
    """`_check_point` of the point ``job`` Hydra has composed."""
    if not check:
        return
    from mia_defense.config import check_config, check_defense_stack  # (torch)
    from mia_defense.hydra_setup import hydra_config_of_the_job

    with open_dict(job):
        job.hydra.job.num = num
        job.hydra.run.dir = "${hydra.sweep.dir}/${hydra.sweep.subdir}"  # (its folder)
    with hydra_config_of_the_job(job):
        check_config(job)
        check_defense_stack(job)


def _grid_points(config: DictConfig) -> list[list[str]] | None:
    """Each point of a grid sweep as the overrides Hydra's basic sweeper composes it with
    (``hydra.sweeper.params`` then the command line); ``None`` where Hydra reads them
    otherwise here (its own error follows)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not GlobalHydra.instance().is_initialized():
        return None
    params = OmegaConf.select(config, "hydra.sweeper.params", default=None)
    texts = [f"{key}={value}" for key, value in (params or {}).items()]
    try:
        parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
        overrides = parser.parse_overrides(texts + task_overrides(config))
        batches = BasicSweeper.split_arguments(overrides, None)
    except Exception:
        return None
    return [list(point) for batch in batches for point in batch]
