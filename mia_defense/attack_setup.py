"""The ``attack`` config of observations attacked on their own (`mia_defense.api.audit`,
mia-attack): composed as mia-train composes it, checked, the settings the observations fix
(their queries, gradient norms, canaries and audit) kept to their own values, and built into
the attacks and their evaluation."""

from __future__ import annotations

import logging
import reprlib
import shlex
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from omegaconf import DictConfig

from mia_defense.attacks.base import BLACK_BOX, access_of
from mia_defense.attacks.label_only import budget_work as label_only_work
from mia_defense.attacks.lira import budget_work as augmented_work
from mia_defense.attacks.references import target_models
from mia_defense.attacks.runner import Attack, EvaluationConfig, check_attacks
from mia_defense.attacks.shokri import budget_work
from mia_defense.budget import HELD_ARRAYS, check_attack_budget, observations_bytes
from mia_defense.errors import ConfigError, MiaDefenseError, a_type
from mia_defense.metrics.inputs import as_integer
from mia_defense.observations import MissingObservationError, Observations, zero_one_flags

__all__ = [
    "FIXED_SETTINGS",
    "AttackSettings",
    "attack_config",
    "attack_settings",
    "check_attack_config",
    "check_observed_budget",
    "check_overrides",
    "check_runnable",
    "fixed_overrides",
    "fixed_problem",
    "observed_settings",
    "record_settings",
]

log = logging.getLogger(__name__)


def check_overrides(overrides: Any) -> list[str]:
    """``overrides`` as a list of strings; one string would be read letter by letter, a
    generator was used up by the check and its overrides silently dropped, ``None`` (or
    another non-iterable) was a raw TypeError, and a mapping gave its keys alone
    ({'attack.bootstrap': 0}: "Error parsing override 'attack.bootstrap'")."""
    given = overrides
    try:
        overrides = None if isinstance(overrides, str | bytes | Mapping) else list(overrides)
    except TypeError:
        overrides = None
    if overrides is None or not all(isinstance(o, str) for o in overrides):
        shown = given if overrides is None else overrides
        raise ConfigError(
            f"overrides={shown!r}: a list of strings, one override each, e.g. "
            "['attack.bootstrap=0', '~attack.attacks.shokri']"
        )
    return overrides


def attack_config(overrides: Sequence[str] = (), *, seed: int = 0) -> DictConfig:
    """The ``attack`` config group (and ``seed``) as mia-train composes it, with
    ``overrides`` such as ``attack.bootstrap=0`` or ``~attack.attacks.shokri``."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from hydra.initialize import get_gh_backup, restore_gh_from_backup

    from mia_defense.composed_overrides import override_problems
    from mia_defense.composition_errors import composition_refusal, merge_problem, sweep_problem
    from mia_defense.config_keys import (
        misspelt_group_key,
        misspelt_group_key_message,
        packaged_setting,
        training_group,
    )
    from mia_defense.hydra_guard import list_append_problem
    from mia_defense.override_checks import (
        control_character,
        misspelt_key_problem,
        null_group_problem,
        parsed_override,
        repeated_keys,
        unquoted_non_ascii,
    )

    overrides = check_overrides(overrides)
    # (seed=True, 1.5, NaN, None or '${oc.env:HOME}' was composed as given, and refused
    # later as the config's seed=, if at all; the range is the config check's: _seed_range)
    as_integer(seed, key="attack_config: seed", low=0)
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        if key.strip() == "seed":  # (it won over the seed= argument, silently)
            raise ConfigError(
                f"overrides: {override!r}: the seed is the seed= argument (seed={seed} here), "
                f"not an override; pass seed={value.strip() or '...'} instead"
            )
        if key.strip().split(".")[0] == "hydra":  # (taken, and nothing was written there)
            raise ConfigError(
                f"overrides: {override!r}: Hydra's settings do nothing here (the API writes "
                "no run directory: save the figures and tables yourself); drop it"
            )
        group = training_group(override)
        if group is not None:  # (Hydra's "To append ... use +release=topk" misled)
            how = ("without it (leave it out of mia-train's overrides" if override.startswith(
                "~") else f"with it (mia-train {shlex.quote(override.lstrip('+'))}")  # fmt: skip
            raise ConfigError(
                f"overrides: {override!r}: the attacks read what the models released; "
                f"{group} is fixed when they are trained and queried: train and query them "
                f"{how}; a release: api.observe_models(..., release=...)), then audit those "
                "outputs (overrides take the attack settings, attack.*)"
            )
    # as the tools refuse them before Hydra: its LexerNoViableAltException for 'naïve', a
    # traceback's words for attack=null, 'To append ... use +atack.bootstrap=0'
    unread = (control_character(overrides) or unquoted_non_ascii(overrides, shell=False)
              or null_group_problem(overrides)
              or misspelt_key_problem(
                  overrides, ("attack", "seed", "hydra"),
                  listed="the overrides take the attack group's keys, attack.*"))
    if unread is not None:
        raise ConfigError(f"attack overrides {_given(overrides)}: {unread}")
    for message in repeated_keys(overrides, where="in the overrides"):  # (as the tools warn)
        log.warning(message)
    misspelt = misspelt_group_key(overrides, groups=("attack",))
    if misspelt is not None:  # (Hydra advised "+attack.num_target=4", then refused as unknown)
        raise ConfigError(f"attack overrides {_given(overrides)}: {misspelt[0]}: "
                          f"{misspelt_group_key_message(misspelt)}")  # fmt: skip
    for text in overrides:  # (the tools' loader refuses it as Hydra applies it)
        parsed = parsed_override(text) if text.startswith("+") and "[" in text else None
        there = packaged_setting("attack", "default", parsed.key_or_group.split(".")[1:]) \
            if parsed is not None and parsed.key_or_group.startswith("attack.") else None
        problem = list_append_problem(parsed, there) if isinstance(there, tuple) else None
        if problem is not None:
            raise ConfigError(f"attack overrides {_given(overrides)}: {problem}")
    backup = get_gh_backup()  # a notebook inside another Hydra app keeps that app's state
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
            cfg = compose(overrides=["+attack=default", f"+seed={seed}", *overrides])
    except MiaDefenseError:
        raise
    except (HydraException, ValueError) as exc:  # ValueError: Hydra's own, for attack=null
        # (attack.fprs={a:1}: "Error merging override" only; a,b: Hydra's -m advice; the
        # rest as the tools word it: attack.attacks.lira=null, ~attack.attacks.lira)
        refusal = composition_refusal(exc, overrides, shell=False)
        said = (str(refusal).removeprefix("ConfigError: ") if refusal is not None else None) \
            or merge_problem(exc, shell=False) or sweep_problem(exc, shell=False) \
            or _unparsed(exc) or exc
        raise ConfigError(f"attack overrides {_given(overrides)}: {said}") from None
    finally:
        restore_gh_from_backup(backup)
    problems = override_problems(cfg, overrides)  # (attack.attacks={} ran every attack)
    if problems:
        raise ConfigError(f"attack overrides {_given(overrides)}: {'; '.join(problems)}")
    return cfg


def _unparsed(exc: Exception) -> str | None:
    """Hydra's refusal of an override its grammar cannot read, as one line naming it and the
    fix, or ``None`` for another error: its words ran over three lines, a caret under a
    place of the override and a link (``' attack.bootstrap=0'``: 'LexerNoViableAltException:
    ...'; ``''``: "mismatched input '<EOF>' expecting {EQUAL, ...}"), where the tools say the
    override and how to write it (a space before it or around '=', no '=VALUE')."""
    import re

    from hydra.errors import OverrideParseException

    if not isinstance(exc, OverrideParseException):
        return None
    text = exc.override
    if not text.strip():
        fix = "an empty override; leave it out"
    elif text != text.lstrip() or re.search(r"\s=", text):
        written = re.sub(r"\s*=", "=", text.strip(), count=1)
        fix = f"a space before it or before '='; give {written!r}"
    elif "=" not in text and not text.startswith("~"):
        fix = ("no '=VALUE'; write KEY=VALUE (e.g. 'attack.bootstrap=0'), or '~KEY' to delete "
               "an entry")  # fmt: skip
    else:
        why = " ".join(line.strip() for line in str(exc.message).splitlines() if line.strip()
                       and not line.strip().startswith(("Error parsing override", "See https")))
        fix = (f"{why}; correct it (its brackets and quotes closed; a text that holds "
               "brackets, commas or spaces in Hydra's quotes, KEY='...'; the grammar: "
               "https://hydra.cc/docs/1.3/advanced/override_grammar/basic)")
    return f"{text!r}: Hydra cannot parse this override: {fix}"


def _given(overrides: Sequence[str]) -> str:
    """``overrides`` as a refusal names them: an override of thousands of characters (an
    integer of 5,000 digits) shortened as every refusal shortens a value (`clipped`), so the
    line says what was wrong once, not after it."""
    from mia_defense.constraints import clipped

    return repr([clipped(o) for o in overrides])


@dataclass(frozen=True)
class AttackSettings:
    """The attacks of a composed ``attack`` config and how their scores are evaluated."""

    attacks: dict[str, Attack]
    targets: np.ndarray
    evaluation: EvaluationConfig
    shadow_recipe: str


def _attack_walk(cfg: DictConfig, *, seed_required: bool = True) -> Any:
    """The config check's walk over mia-attack's keys (``seed``, ``progress``, ``figures``,
    ``source``, ``attack``): its problem lines and the values that passed. ``seed_required=False``:
    a null seed passes (mia-attack's default: the source run's)."""
    from mia_defense.attacks.shokri import MAX_SEED
    from mia_defense.config import _Walk
    from mia_defense.config_cross import (
        _fpr_key_clashes,
        _low_confidence,
        _seed_range,
        _unmeasurable_fprs,
    )
    from mia_defense.config_tables import ATTACK, Group, Param

    walk = _Walk()
    walk.forbidden_targets(cfg, "")  # os.system & co. as mia-train refuses them, at any depth
    seed = Param("int", low=0, required=True, nullable=not seed_required, most=MAX_SEED)
    table = {"seed": seed, "progress": Param("bool"), "figures": Param("bool"),
             "source": Param("str"), "attack": Group(ATTACK)}  # fmt: skip
    walk.group(cfg, table, "")
    walk.problems += _seed_range(walk.ok.get("seed"))  # as mia-train's, before any work
    # mia-train's cross-key checks of the attack (the API and mia-attack skipped them)
    walk.problems += _fpr_key_clashes(walk.ok.get("attack.fprs"))
    walk.problems += _unmeasurable_fprs(walk.ok.get("attack.fprs"))
    walk.problems += _low_confidence(walk.ok.get("attack.confidence"))
    return walk


def _refuse(problems: Sequence[str], overrides: Sequence[str] = ()) -> None:
    """One `ConfigError` listing every problem, if there is any; named after the API's
    ``overrides`` that composed the config where they are given, as its other refusals of
    them are ("attack overrides ['attack.bootstrap=null']: attack.bootstrap=null: ...")."""
    if not problems:
        return
    lines = "\n".join(f"  {line}" for line in problems)
    said = problems[0] if len(problems) == 1 else (
        f"{len(problems)} problems in the attack config:\n{lines}")  # fmt: skip
    raise ConfigError(f"attack overrides {_given(overrides)}: {said}" if overrides else said)


def check_attack_config(
    cfg: DictConfig, overrides: Sequence[str] = (), *, named: bool = True
) -> None:
    """Refuse an ``attack`` config (and ``seed``, ``progress``) with one `ConfigError` listing
    every problem: wrong types, values out of range, interpolations that fail. What needs
    the observations (``attack.num_targets`` against their models) is `attack_settings`'s.
    ``overrides``: those `attack_config` composed ``cfg`` with (the API's), named in the
    refusal, and a required key one deleted worded with the override and what to do, the
    keys reading it folded after it (`override_checks.deleted_said`, mia-train's words too)
    among the other problems;
    ``named=False`` (mia-attack's command line, as mia-train's check): only the latter."""
    from mia_defense.override_checks import deleted_said

    _check_cfg("check_attack_config", cfg)  # (None: "=null: must be a mapping", unnamed)
    problems = _attack_walk(cfg, seed_required=False).problems
    _refuse(deleted_said(problems, overrides), overrides if named else ())


def _check_cfg(where: str, cfg: Any) -> None:
    """A `ConfigError` naming ``where`` for a ``cfg`` that is no composed config ("x", a
    dict: an AttributeError in the walk)."""
    if not isinstance(cfg, DictConfig):
        raise ConfigError(
            f"{where}: cfg is {a_type(cfg)}, not a composed config; make it with "
            "api.attack_config(overrides)"
        )


# The attack settings (under ``attack.``) that shape what the models were asked, or are part
# of their training: observations hold their own queries, gradient norms, canaries and audit,
# which the attacks only read. mia-attack and `audit` refuse an override of another value
# than the observations' own (it could not take effect), and mia-attack's record states the
# own values (null where nobody knows them), not the config's defaults.
FIXED_SETTINGS = ("queries.num_augmented", "queries.noise_std", "queries.max_shift",
                  "queries.flip", "queries.repeats", "white_box", "canaries.num",
                  "canaries.kind", "audit", "audit_canaries", "audit_gradient_canaries")
_FIXED_NODES = ("queries", "canaries")
# A setting the observations do not state (a file's noise_std), or an override deleting one.
_UNKNOWN: Any = object()


def observed_settings(obs: Observations, is_canary: np.ndarray | None = None) -> dict[str, Any]:
    """The `FIXED_SETTINGS` that observations state themselves: their augmented queries
    (``queries.num_augmented``), their gradient norms (``white_box``), the records flagged
    as canaries (``canaries.num``) and no one-run audit; the others they do not say."""
    if not isinstance(obs, Observations):  # (an AttributeError 'augmented_logits' before)
        raise ConfigError(f"observed_settings: obs is {a_type(obs)}, not "
                          "Observations")  # fmt: skip
    queries = 0 if obs.augmented_logits is None else int(obs.augmented_logits.shape[1])
    flags = None if is_canary is None else zero_one_flags(is_canary)
    n = len(obs.labels)
    if is_canary is not None and (flags is None or flags.shape != (n,)):
        # (2, -1, NaN or the text '0' counted as canaries, 3 flags for 30 records as 3)
        raise ConfigError(
            f"observed_settings: is_canary: give [{n}] flags of 0/1 or true/false, one per "
            f"record of obs (got {reprlib.repr(is_canary)})"
        )
    flagged = 0 if flags is None else int(flags.sum())
    return {"queries.num_augmented": queries, "white_box": obs.grad_norms is not None,
            "canaries.num": flagged, "audit": "none"}  # fmt: skip


def fixed_overrides(overrides: Sequence[str]) -> list[str]:
    """The `FIXED_SETTINGS` (or other keys of their nodes) that ``overrides`` set, add or
    delete, whole nodes (``attack.queries={...}``) included."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    checked = check_overrides(overrides)  # (one string was read letter by letter)
    try:
        parsed = OverridesParser.create().parse_overrides(checked)
    except (HydraException, ValueError):  # Hydra refuses it itself (a number of over
        return []  # 4,300 digits: Python's int() refuses it, a raw ValueError)
    given: list[str] = []
    for override in parsed:
        key = override.key_or_group.removeprefix("attack.")
        if key == override.key_or_group:
            continue
        hits = [f for f in FIXED_SETTINGS if f == key or f.startswith(f"{key}.")
                or key.startswith(f"{f}.")]  # fmt: skip
        if not hits and key.split(".")[0] in _FIXED_NODES:
            hits = [key]  # a key of its own (+attack.queries.extra=1): no more effect
        given += hits
    return list(dict.fromkeys(given))


def _shown(value: Any) -> str:
    """A setting as an override writes it (true, null, 0.3, one_run)."""
    import json

    return str(value) if isinstance(value, str) else json.dumps(value, default=str)


def fixed_problem(
    cfg: DictConfig, own: Mapping[str, Any], overrides: Sequence[str], *, whose: str,
    reader: str, hint: str = "",
) -> str | None:
    """Why the overrides of `FIXED_SETTINGS` in ``overrides`` cannot take effect (each named,
    with the observations' ``own`` value where known), or ``None``: one equal to the own
    value is harmless. ``whose``: the observations named (``the observations of PATH``);
    ``reader``: who only reads them; ``hint``: how to get other ones."""
    from omegaconf import OmegaConf

    if not isinstance(cfg, DictConfig) or not isinstance(own, Mapping):
        # (a dict as cfg: None, no problem, for any override; a list as own: AttributeError)
        raise ConfigError(
            f"fixed_problem: cfg is {a_type(cfg)} and own {a_type(own)}: "
            "give the composed config (api.attack_config(overrides)) and the observations' "
            "own settings (api.observed_settings(obs))"
        )
    attack = cfg.get("attack")
    if not isinstance(attack, DictConfig):  # ~attack: the config check names it
        return None
    problems = []
    for key in fixed_overrides(overrides):
        value = OmegaConf.select(attack, key, default=_UNKNOWN, throw_on_missing=False)
        value = OmegaConf.to_container(value) if isinstance(value, DictConfig) else value
        mine = own.get(key, _UNKNOWN)
        if mine is not _UNKNOWN and value is not _UNKNOWN and (
            value == mine and isinstance(value, bool) == isinstance(mine, bool)
        ):
            continue
        given = f"~attack.{key}" if value is _UNKNOWN else f"attack.{key}={_shown(value)}"
        said = (f"were made with attack.{key}={_shown(mine)}" if mine is not _UNKNOWN
                else f"do not say their attack.{key}")  # fmt: skip
        problems.append(f"{given}: cannot take effect: {whose} {said}, and {reader} only reads "
                        "them (they hold their own queries, gradient norms, canaries and "
                        "audit); drop the override"
                        + ("" if mine is _UNKNOWN else f", or give {_shown(mine)}") + hint)
    if len(problems) > 1:
        lines = "\n".join(f"  {line}" for line in problems)
        return f"{len(problems)} settings the observations fix:\n{lines}"
    return problems[0] if problems else None


def record_settings(attack: dict[str, Any], own: Mapping[str, Any]) -> None:
    """Write the observations' ``own`` `FIXED_SETTINGS` into a recorded ``attack`` config,
    and null for those they do not say: the config's defaults (8 augmented queries, noise
    0.3, no audit) are not what the observations were made with."""
    nodes_ok = isinstance(attack, MutableMapping) and all(
        isinstance(attack.get(node, {}), MutableMapping) for node in _FIXED_NODES
    )
    if not nodes_ok or not isinstance(own, Mapping):  # (raw AttributeError or TypeError)
        raise ConfigError(
            f"record_settings: attack is {a_type(attack)} and own "
            f"{a_type(own)}: give the recorded attack config as a dict (its "
            f"{' and '.join(_FIXED_NODES)} dicts too, or absent) and the observations' own "
            "settings (api.observed_settings(obs))"
        )
    for key in FIXED_SETTINGS:
        value = own.get(key)
        *nodes, name = key.split(".")
        node = attack
        for part in nodes:
            node = node.setdefault(part, {})
        node[name] = value


# num_models x num_classes that `attack_settings` takes: its rehearsal of the attacks holds
# [K, 8, C] float64 outputs (1 GiB here), and observations of more are beyond memory anyway.
_MAX_MODEL_CLASSES = 2**24


def attack_settings(
    cfg: DictConfig, *, num_models: int, num_classes: int, defended: bool
) -> AttackSettings:
    """Check the ``attack`` node of ``cfg`` (every problem at once, as mia-train does) and
    build its attacks for observations of ``num_models`` models and ``num_classes`` classes.

    ``defended``: the models may carry defenses, so ``attack.shadow_recipe=undefended``
    (shadows trained without them, which observations do not hold) is refused.
    """
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    _check_cfg("attack_settings", cfg)
    # (num_classes=1 was taken: observations, datasets and loaders need at least 2 classes)
    for name, value, low in (("num_models", num_models, 1), ("num_classes", num_classes, 2)):
        # (-1: numpy's 'negative dimensions are not allowed'; "4": a raw TypeError)
        as_integer(value, key=f"attack_settings: {name}", low=low,
                   note="the observations' own: obs.num_models, obs.num_classes")
    if int(num_models) * int(num_classes) > _MAX_MODEL_CLASSES:
        # (the rehearsal's [K, 8, C]: num_models=10**12 was numpy's raw 'Unable to allocate')
        raise ConfigError(
            f"attack_settings: num_models={num_models}, num_classes={num_classes}: more "
            f"outputs per record than any observations hold (num_models x num_classes at "
            f"most {_MAX_MODEL_CLASSES}); give the observations' own: obs.num_models, "
            "obs.num_classes"
        )
    if not isinstance(defended, bool | np.bool_):  # ("no", 0 or 1 read as a truth value)
        raise ConfigError(f"attack_settings: defended={defended!r}: must be True or False")
    walk = _attack_walk(cfg)
    node = cfg.get("attack")
    if not isinstance(node, DictConfig):  # ~attack: the walk names it
        _refuse(walk.problems or ["attack: missing; it is required"])
    num_targets = walk.ok.get("attack.num_targets")  # (a checked integer, or None)
    if num_targets is not None and num_targets > num_models:  # (more than the observations')
        walk.problems.append(f"attack.num_targets={num_targets}: must lie in [1, {num_models}] "
                             "(the observations' models) or be null")  # fmt: skip
    recipe = str(node.get("shadow_recipe", "same"))
    if recipe == "undefended" and defended:
        walk.problems.append(
            "attack.shadow_recipe=undefended: needs shadow models trained without the "
            "defenses, which observations do not hold (mia-train trains them); use same"
        )
    _refuse(walk.problems)
    attacks = {}
    for name in node.attacks:
        try:
            attacks[str(name)] = instantiate(node.attacks[name])
        except InstantiationException as exc:
            cause = exc.__cause__
            if isinstance(cause, MiaDefenseError):
                raise cause from None
            raise ConfigError(f"attack.attacks.{name}: cannot build it: {exc}") from exc
    # null: as mia-train attacks them (every model, at most 16), so mia-attack on a run
    # directory of K > 16 models pools the run's targets (all K gave other figures)
    targets = target_models(num_models, num_targets)
    check_attacks(attacks, num_models=num_models, num_classes=num_classes, targets=targets,
                  observed=True)  # (observations made before: no plan.num_models changes them)
    evaluation = EvaluationConfig(
        fprs=tuple(float(f) for f in node.fprs), bootstrap=int(node.get("bootstrap", 200)),
        confidence=float(node.get("confidence", 0.95)), seed=int(cfg.seed),
    )  # fmt: skip
    return AttackSettings(attacks, targets, evaluation, recipe)


def check_observed_budget(settings: AttackSettings, obs: Observations) -> None:
    """Refuse ``settings``' attacks whose own memory or time cannot be met on ``obs``
    (`mia_defense.budget.check_attack_budget` of `shokri.budget_work`, `lira.budget_work` and
    `label_only.budget_work`, mia-train's up-front count of the same attacks, fed from the
    observations: their masks, classes and augmented queries, their arrays held beside).
    mia-attack of observations of 3000 classes started gradient boosting's fit on 1 GB of
    features mia-train refuses before training (h488); of 10**6 augmented queries a record,
    LiRA's working copies of them (h495), and the label-only attack's (h500)."""
    queried, tested = obs.augmented_logits, obs.test_labels
    arrays = {name: getattr(obs, name) for name in HELD_ARRAYS}
    # (mia-train's count of the same arrays, each in its own dtype here)
    held = observations_bytes(
        obs.num_models, len(obs.labels), obs.num_classes,
        test_size=0 if tested is None else len(tested),
        num_augmented=0 if queried is None else int(queried.shape[1]),
        white_box=obs.grad_norms is not None,
        itemsize={name: int(array.itemsize) for name, array in arrays.items()
                  if array is not None},
    )  # fmt: skip
    work = budget_work(settings.attacks, obs.masks, settings.targets,
                       num_classes=obs.num_classes, planned=False)
    work += augmented_work(settings.attacks, num_models=obs.num_models,
                           num_augmented=0 if queried is None else int(queried.shape[1]),
                           num_records=len(obs.labels))  # fmt: skip
    predicted = obs.augmented_predictions  # (the label-only attack's, h500)
    work += label_only_work(settings.attacks, num_models=obs.num_models,
                            num_augmented=0 if predicted is None else int(predicted.shape[1]),
                            num_records=len(obs.labels))  # fmt: skip
    check_attack_budget(work, held=held)


# The records of the observations each black-box attack is tried on by `check_runnable`.
_PROBED_RECORDS = 16


def check_runnable(settings: AttackSettings, obs: Observations) -> None:
    """Refuse ``settings`` when none of its black-box attacks can run on ``obs``, each
    needing a signal the observations lack (`MissingObservationError`: lira_online_augmented
    alone on a file without augmented queries). Each is tried on the first records, in turn
    until one runs; one that fails there otherwise is left to the real run. mia-attack asks
    it before it makes its run directory: the attack stage refused such settings once the
    folder held its .lock and attack.log."""
    probe = _first_records(obs, _PROBED_RECORDS)
    missing: dict[str, str] = {}
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # (a probe of a few records: its warnings are noise)
    try:
        for name, attack in settings.attacks.items():
            if access_of(attack) not in BLACK_BOX:
                continue
            try:
                attack(probe, settings.targets)
            except MissingObservationError as exc:
                missing[name] = str(exc)
                continue
            except Exception:  # (a probe only asks for the signals: left to the real run)
                pass
            return
    finally:
        logging.disable(previous)
    if missing:
        first = next(iter(missing.values()))
        raise ConfigError(f"attack.attacks: none of {', '.join(missing)} can run on these "
                          f"observations ({first}); add an attack that reads the released "
                          "outputs, e.g. loss")  # fmt: skip


def _first_records(obs: Observations, count: int) -> Observations:
    """``obs`` of its first ``count`` records (all of them where it holds fewer)."""
    n = min(count, len(obs.labels))
    queried, predicted, norms = obs.augmented_logits, obs.augmented_predictions, obs.grad_norms
    return replace(
        obs, log_probs=obs.log_probs[:, :n], labels=obs.labels[:n], masks=obs.masks[:, :n],
        augmented_logits=None if queried is None else queried[:, :, :n],
        augmented_predictions=None if predicted is None else predicted[:, :, :n],
        grad_norms=None if norms is None else norms[:, :n],
    )  # fmt: skip
