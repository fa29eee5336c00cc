"""The ``objectives`` a sweep returns, checked before Hydra starts it
(`mia_defense.cli.train.RunDirCheck`, as a multirun starts), and the readers of the run's
settings that tell which figures its results.json will hold: its defenses' targets and DP
accountants, its attacks' chosen settings, whether its release is randomized (each run's own
objective check in `mia_defense.cli.train` reads them too). A name no trial's results.json
holds was refused by every trial in turn, after each had trained. Split out of
`mia_defense.cli.sweep_checks` (a module of one job each). Each refusal logs one line (as the
sweep checks') and exits 2; nothing has run yet."""

from __future__ import annotations

import logging
from collections.abc import Collection

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.entry import end_refused
from mia_defense.cli.plugin_checks import _DIRECTIONS
from mia_defense.cli.sweep_checks import override_keys
from mia_defense.hydra_setup import plugin_is

__all__ = [
    "attack_settings",
    "check_objectives",
    "defense_targets",
    "dp_accountants",
    "release_randomized",
]

log = logging.getLogger("mia_defense.cli.sweep_checks")  # (its lines read as the sweep checks')


# Objectives whose better side is plain: accuracy up, leakage, ε and the gap down.
_MAXIMIZED = frozenset(f"utility.{key}" for key in (
    "train_accuracy", "test_accuracy", "test_accuracy_median", "test_accuracy_before_release"))
_MINIMIZED_SECTIONS = ("max_attack.",)
_MINIMIZED = frozenset({"privacy.epsilon", "privacy.empirical_epsilon",
                        "utility.generalization_gap"})  # fmt: skip


def check_objectives(config: DictConfig) -> None:
    """The ``objectives`` a sweep returns, judged before it starts: a name results.json does
    not hold (``utility.test_acc``, ``max_attack.tpr@5%fpr`` with the default attack.fprs)
    was refused by every trial in turn, each in a folder of its own, and the search ended
    with no result (`mia_defense.report.objectives.check_objective_names`, the check each
    trial makes). And an Optuna direction against an objective's better side (``minimize``
    for utility.test_accuracy: the search's Pareto front, its optimization_results.yaml, is
    then that of the least accurate models) is warned of; maximising a leak can be meant (an
    attacker's search), so it is not refused. A sweep of attack.fprs has each of its lists
    checked (`_fprs_given`: ``attack.fprs=choice([0.1],[0.01,0.1])`` with
    ``max_attack.tpr@1%fpr`` had the trials drawing [0.1] refused one by one). Skipped where
    the sweep varies objectives or the attack group, or attack.fprs otherwise than by lists."""
    names = config.get("objectives")
    swept = set(override_keys(config))
    if swept & {"objectives", "attack"}:
        return
    if names is not None and not isinstance(names, ListConfig):
        # (a string, objectives=utility.test_accuracy, was read letter by letter: each trial
        # was refused for its 'i' listed twice)
        from mia_defense.config_tables import TOP  # (torch: only for this refusal)

        listed = f" (objectives=[{names}])" if isinstance(names, str) else ""
        end_refused(log, "%s%s; nothing was run", TOP["objectives"].problem("objectives", names),
                    listed)  # fmt: skip
    if names is None:  # (a search of the default objective, maximised, was not warned of)
        _warn_against_better_side(config, [_DEFAULT_OBJECTIVE])
    if not isinstance(names, ListConfig):
        return
    names = [str(name) for name in names]
    from mia_defense.errors import ConfigError
    from mia_defense.report.objectives import check_objective_names

    if (given := _fprs_given(config, swept)) is None:
        return
    privacy = any(n.startswith("privacy.") for n in names)
    for said, fprs in given:
        try:
            check_objective_names(names, fprs=sorted(float(f) for f in fprs) if isinstance(
                fprs, ListConfig | list) else None, defenses=defense_targets(config, swept),
                dp_accountants=dp_accountants(config, swept) if privacy else None,
                randomized_release=release_randomized(config, swept) if privacy else None,
                bootstrap=None if "attack.bootstrap" in swept else OmegaConf.select(
                    config, "attack.bootstrap", default=None, throw_on_resolution_failure=False),
                attack_settings=attack_settings(config, swept),
            )  # fmt: skip
        except ConfigError as exc:
            end_refused(log, "%s%s; nothing was run", said, exc)
        except (TypeError, ValueError):  # (attack.fprs of another kind: the run's check says it)
            return
    _refuse_epsilon_without_dp(config, names, swept)
    _warn_against_better_side(config, names)


def _fprs_given(config: DictConfig, swept: Collection[str]) -> list[tuple[str, object]] | None:
    """(how to name it in a refusal, the list) of each value of attack.fprs the runs take:
    the config's own, or each list a sweep of it chooses from (``attack.fprs=[0.1],[0.01,0.1]``
    or ``choice(...)``, on the command line or in ``hydra.sweeper.params``); ``None`` where a
    sweep gives it otherwise (a range: the run's own check says it)."""
    if "attack.fprs" not in swept:
        return [("", OmegaConf.select(config, "attack.fprs", default=None))]
    from hydra.core.override_parser.types import ChoiceSweep

    from mia_defense.cli.search_space_checks import _sweep_values

    for said, _, key, value in _sweep_values(config):
        if key == "attack.fprs" and isinstance(value, ChoiceSweep):
            return [(f"{said}: the runs given attack.fprs={_listed(fprs)} would each be "
                     "refused: ", fprs) for fprs in value.list]  # fmt: skip
    return None


def _listed(value: object) -> str:
    """A swept value as the command line writes it (``[0.01,0.1]``)."""
    if isinstance(value, list):
        return f"[{','.join(map(_listed, value))}]"
    return str(value)


def defense_targets(config: DictConfig, swept: Collection[str] = ()) -> list[str] | None:
    """The ``_target_`` of each of the run's defenses (`check_objective_names` refuses a
    ``privacy.KEY`` no defense of mia-defense's own writes), or ``None`` where they are not
    known: a sweep (``swept``: its keys) that varies which defenses run, or a defense
    without a ``_target_`` in text."""
    if any(k == "defense" or k.startswith("defense/") or (k.startswith("defense.") and (
            k.count(".") == 1 or k.endswith("._target_"))) for k in swept):  # fmt: skip
        return None
    try:  # (an interpolation that does not resolve: the config's check says it)
        node = OmegaConf.select(config, "defense", default=None, throw_on_missing=False)
        nodes = [node.get(key) for key in node] if isinstance(node, DictConfig) else None
        targets = [n.get("_target_") if isinstance(n, DictConfig) else None
                   for n in nodes or ()]  # fmt: skip
    except OmegaConfBaseException:
        return None
    if nodes is None or not all(isinstance(t, str) for t in targets):
        return None
    return targets


def dp_accountants(config: DictConfig, swept: Collection[str] = ()) -> dict[str, str | None] | None:
    """The accountant of each DP-SGD defense of the run, by its key under ``defense``
    (``{}``: none trains with DP-SGD; an accountant ``None`` where the sweep varies it or it is
    no text), or ``None`` where that is not known: the defenses are not (`defense_targets`),
    or one is not mia-defense's own or does not import (a defense of one's own may report
    what DP-SGD's accountant does). Imports the defenses' modules (torch)."""
    targets = defense_targets(config, swept)
    if targets is None or not all(target.startswith("mia_defense.") for target in targets):
        return None
    from hydra._internal.utils import _locate

    node = config.defense
    found: dict[str, str | None] = {}
    for key, target in zip(node, targets, strict=True):
        try:
            defense = _locate(target)
        except Exception:
            return None
        if not str(getattr(defense, "__module__", "")).startswith("mia_defense."):
            return None
        if getattr(defense, "name", None) == "dp":
            try:  # (an interpolation that does not resolve: the config's check says it)
                accountant = node[key].get("accountant")
            except OmegaConfBaseException:
                accountant = None
            known = isinstance(accountant, str) and f"defense.{key}.accountant" not in swept
            found[str(key)] = accountant if known else None
    return found


def attack_settings(
    config: DictConfig, swept: Collection[str] = ()
) -> dict[str, tuple[str, ...]] | None:
    """The settings each of the run's attacks may choose per target, by its name under
    ``attack.attacks`` (what the attack function declares, `mia_defense.attacks.base.chooses`:
    its entry of results.json holds them beside its figures; none where its ``chooses_unless``
    keyword is set true, online RMIA), or ``None`` where that is not
    known: the sweep (``swept``: its keys) varies the attacks, or one is not mia-defense's own,
    no text or does not import (a user's attack may choose settings of any name)."""
    if any(k == "attack" or k.startswith(("attack/", "attack.attacks")) for k in swept):
        return None
    try:
        node = OmegaConf.select(config, "attack.attacks", default=None)
        targets = {str(key): node[key].get("_target_") if isinstance(node[key], DictConfig)
                   else None for key in node} if isinstance(node, DictConfig) else None  # fmt: skip
    except OmegaConfBaseException:
        return None
    if targets is None or not all(isinstance(t, str) and t.startswith("mia_defense.")
                                  for t in targets.values()):  # fmt: skip
        return None
    from hydra._internal.utils import _locate

    found: dict[str, tuple[str, ...]] = {}
    for key, target in targets.items():
        try:
            attack = _locate(target)
        except Exception:
            return None
        if not str(getattr(attack, "__module__", "")).startswith("mia_defense."):
            return None
        unless = getattr(attack, "chooses_unless", None)
        try:  # (online RMIA chooses no a; a value not known yet: what it declares)
            off = isinstance(unless, str) and node[key].get(unless) is True
        except OmegaConfBaseException:
            off = False
        found[key] = () if off else tuple(map(str, getattr(attack, "chooses", ())))
    return found


def release_randomized(config: DictConfig, swept: Collection[str] = ()) -> bool | None:
    """Whether the run's release answers each query at random (its class's ``randomized``:
    only then does results.json hold ``privacy.randomized_release_repeats``), or ``None``
    where that is not known: the sweep (``swept``: its keys) varies the release, or its
    ``_target_`` is not mia-defense's own, not a text or does not import. Imports the
    release's module (torch)."""
    if any(k == "release" or k.startswith(("release/", "release._target_")) for k in swept):
        return None
    try:
        target = OmegaConf.select(config, "release._target_", default=None)
    except OmegaConfBaseException:
        return None
    if not isinstance(target, str) or not target.startswith("mia_defense."):
        return None
    from hydra._internal.utils import _locate

    try:
        randomized = getattr(_locate(target), "randomized", None)
    except Exception:
        return None
    return randomized if isinstance(randomized, bool) else None


# What a run returns to a sweeper without ``objectives`` (`cli.sweep_end.objective_names`).
_DEFAULT_OBJECTIVE = "max_attack.tpr at the lowest attack.fprs (the default objective)"


def _warn_against_better_side(config: DictConfig, names: list[str]) -> None:
    """Warn of an Optuna direction against the better side of one of ``names``."""
    direction = config.hydra.sweeper.get("direction") if plugin_is(
        config.hydra.sweeper, "optuna") else None  # fmt: skip
    directions = list(direction) if isinstance(direction, ListConfig) else [direction]
    for name, way in zip(names, directions, strict=False):
        better = ("maximize" if name in _MAXIMIZED else "minimize"
                  if name in _MINIMIZED or name.startswith(_MINIMIZED_SECTIONS) else None)
        if better is not None and way in _DIRECTIONS and way != better:
            fix = ("set hydra.sweeper.direction=minimize, or list objectives" if name ==
                   _DEFAULT_OBJECTIVE else "give the directions in the order of objectives "
                   f"({', '.join(names)})")  # fmt: skip
            log.warning("hydra.sweeper.direction: %s for %s, whose better side is to %s: the "
                        "search's best trials (optimization_results.yaml) are then the %s; "
                        "%s", way, name, better,
                        "least accurate" if better == "maximize" else "most exposed",
                        fix)  # fmt: skip


def _refuse_epsilon_without_dp(config: DictConfig, names: list[str], swept: set[str]) -> None:
    """``privacy.epsilon`` among several objectives of a TPE search none of whose trials
    trains with DP-SGD: each trial trained, then failed on its infinite ε (no guarantee to
    report), which multi-objective TPE cannot rank (mia-train's `_hydra_main` fails it), so
    the whole search trained for nothing. As its one objective (any sampler), every trial
    tied at infinity and the search ended 'Best value: inf', exit 0. Left alone where the
    sweep varies the defenses or a defense is not ours to judge (not importable, a class of
    one's own)."""
    sweeper = config.hydra.sweeper
    if "privacy.epsilon" not in names or not plugin_is(sweeper, "optuna"):
        return
    sampler = sweeper.get("sampler")
    sampler_target = str(sampler.get("_target_", "")) if isinstance(sampler, DictConfig) else ""
    tpe = sampler_target.rsplit(".", 1)[-1] == "TPESampler"
    alone = names == ["privacy.epsilon"]  # (every trial ties at infinity, whatever samples)
    varies_defenses = any(k.split(".")[0].split("/")[0] == "defense" for k in swept)
    if not (alone or (len(names) > 1 and tpe)) or varies_defenses:
        return
    if dp_accountants(config, swept) != {}:
        return  # (DP-SGD, or a defense of one's own that may be)
    why = ("its one objective: every trial would train and tie, its best trial none" if alone
           else "which Optuna's multi-objective TPE cannot rank: every trial would train, "
           "then fail")  # fmt: skip
    end_refused(log, "objectives: privacy.epsilon is infinite in every trial of this "
                "search (no DP-SGD among the defenses: no guarantee to report), %s; nothing "
                "was run. Train with defense=dp (its knobs in the search space), or choose "
                "other objectives (privacy.empirical_epsilon, a max_attack figure)", why)
