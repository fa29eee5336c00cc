"""The plan and the release refused against a dataset's sizes known without loading it
(`_bundled_fits`, the last of `mia_defense.config.check_config`; `dataset_fit_problems` for
a sweep's check): the plan's sizes, DP-SGD's delta, the released outputs against the RAM,
the release against the dataset's classes, before the run directory is made."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from hydra._internal.utils import _locate
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.budget import available_memory
from mia_defense.config_nodes import _HYDRA_KEYS, _SOURCE_CHECKS
from mia_defense.defenses.release import Release
from mia_defense.errors import ConfigError
from mia_defense.files import gib
from mia_defense.plan import plan_sizes


def _bundled_fits(cfg: DictConfig, ok: Mapping[str, Any]) -> list[str]:
    """The plan sizes and the release refused against a bundled dataset's sizes, known
    without loading it (``BUNDLED_SIZES`` of the loader's module, already imported by the
    walk), or against the classes a CSV or NPZ dataset is given (``dataset.num_classes``,
    which its loader holds the labels to): `plan.plan_sizes` and the release's own
    ``check``, the checks the run makes once the data is loaded, so mia-train refuses these
    before the run directory is made (release.k=5 on a 3-class CSV made the folder first)."""
    try:
        target = _locate(str(cfg.dataset._target_))
        sizes = getattr(sys.modules[target.__module__], "BUNDLED_SIZES", {})
        known = sizes.get(target.__name__)
        if known is None and _SOURCE_CHECKS.get((target.__module__, target.__name__)):
            given, size = cfg.dataset.get("num_classes"), cfg.dataset.get("num_samples")
            size = size if target.__module__.endswith(".synthetic") and type(size) is int else None
            known = (size, given) if type(given) is int and given >= 2 else None
    except Exception:  # (no dataset node, or not ours: nothing is known of it)
        return []
    if known is None:
        return []
    total, num_classes = known
    problems = []
    name = target.__name__.removeprefix("load_").removeprefix("make_")
    try:
        if total is not None:
            sizes = plan_sizes(total, population_size=ok.get("plan.population_size"),
                               test_size=ok.get("plan.test_size"),
                               reference_size=ok.get("plan.reference_size") or 0,
                               description=f"dataset {name!r}")
            problems += _outputs_fit(ok.get("plan.num_models"), *sizes, num_classes)
            problems += _dp_delta_fits(cfg, sizes[0], f"dataset {name!r}")
    except ConfigError as exc:
        problems.append(str(exc))
    release = cfg.get("release")
    if isinstance(release, DictConfig):
        try:
            cls = _locate(str(release._target_))
            if isinstance(cls, type) and issubclass(cls, Release) \
                    and cls.__module__.startswith("mia_defense."):
                values = OmegaConf.to_container(release, resolve=True)
                assert isinstance(values, dict)
                built = cls(**{k: v for k, v in values.items() if k not in _HYDRA_KEYS})
                quiet = logging.getLogger(cls.__module__)  # (its warnings: once, in the run)
                was, quiet.disabled = quiet.disabled, True
                try:
                    built.check(num_classes=num_classes)
                finally:
                    quiet.disabled = was
        except ConfigError as exc:
            problems.append(str(exc))
        except Exception:  # (refused, or built, where it stands)
            pass
    return problems


def dataset_fit_problems(cfg: DictConfig) -> list[str]:
    """`_bundled_fits` of ``cfg`` with its own plan settings: what the run's config check
    refuses against the dataset's sizes known before loading it (``release.k=11`` on
    digits' 10 classes), for a sweep check that varies one setting (`mia_defense.cli.
    grid_check`); a plan setting that does not resolve is left out (its own check's)."""
    ok = {}
    for key in ("population_size", "test_size", "reference_size", "num_models"):
        try:
            ok[f"plan.{key}"] = OmegaConf.select(cfg, f"plan.{key}")
        except OmegaConfBaseException:
            continue
    return _bundled_fits(cfg, ok)


def _dp_delta_fits(cfg: DictConfig, population: int, description: str) -> list[str]:
    """DP-SGD's ``defense.dp.delta`` at or above 1/N, N the most members a model trains on,
    judged against a dataset of known size: every record of the plan's ``population`` trains
    half of the models, so some model trains on at least half of them (canaries only add to
    that). `DPSGD.plan` refuses it on the actual counts, but once the data is loaded, in the
    run directory (``defense.dp.delta=0.5``: the folder held the error's log)."""
    from mia_defense.defenses.dp import DPSGD

    node = cfg.get("defense")
    if not isinstance(node, DictConfig) or OmegaConf.select(cfg, "train.fit") is not None:
        return []  # (train.fit trains without the defenses: nothing is planned)
    least = (population + 1) // 2
    problems = []
    for key in node:
        values = OmegaConf.to_container(node[key], resolve=True)
        target = _locate(str(values.get("_target_"))) if isinstance(values, dict) else None
        if not (isinstance(target, type) and issubclass(target, DPSGD)
                and target.__module__.startswith("mia_defense.")):  # fmt: skip
            continue
        delta = values.get("delta")
        if isinstance(delta, int | float) and not isinstance(delta, bool) and delta * least >= 1:
            problems.append(
                f"defense.{key}.delta={delta:g}: at or above 1/N, where N, the most members a "
                f"model trains on, is at least {least} here (each of the plan's {population} "
                f"population records of {description} trains half of the models), and (ε, "
                "δ)-DP at such a δ allows publishing a member's record outright; set it below "
                f"1/N (e.g. {0.1 / population:.1g}) or to null (1/(10·N))"
            )
    return problems


def _outputs_fit(num_models: Any, population: int, test: int, num_classes: int) -> list[str]:
    """The released outputs of a dataset of known size, float32 [K, N + test, C], against the
    RAM available: the run's budget check (`mia_defense.budget.check_budget`) counts them
    with more, but only after the data is made (texas_like num_classes=1000000: two minutes
    of generation, after the run directory, for a run that needed 120 TB)."""
    if type(num_models) is not int:
        return []
    need, available = 4 * num_models * (population + test) * num_classes, available_memory()
    if need <= available:
        return []
    return [f"plan.num_models={num_models}, dataset.num_classes={num_classes}: the released "
            f"outputs alone need {gib(need)} of RAM (float32, models x {population} population "
            f"and {test} test records x classes) but {gib(available)} is available; lower "
            "plan.num_models, plan.test_size or dataset.num_classes"]
