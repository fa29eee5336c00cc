"""Named figures of a run's results.json: what sweepers optimise and reports plot."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from mia_defense.attacks.base import BLACK_BOX, DEFAULT_ACCESS
from mia_defense.errors import ConfigError, closest
from mia_defense.metrics.roc import fpr_percent
from mia_defense.metrics.utility import blown_up_loss

__all__ = [
    "DEFAULT_OBJECTIVE", "UNDERSTATED_LEAK", "UTILITY_FIGURES", "blown_up_training",
    "check_objective_names", "epsilon_doubted", "epsilon_guarantees_nothing", "epsilon_vacuous",
    "objective", "objectives", "rdp_bound_stand_in", "standing_epsilon", "stated_no_verdict",
    "understated_leak",
]

# The run's headline privacy figure: the strongest black-box attack's TPR at 0.1% FPR (lower
# is better).
DEFAULT_OBJECTIVE = "max_attack.tpr@0.1%fpr"
_SECTIONS = ("utility", "privacy", "max_attack")
# What mia-train's results.json holds under ``utility``
# (`mia_defense.pipeline.utility.utility_figures`): a ``utility.KEY`` objective of another
# name is refused before training (it was refused only once each point was trained).
UTILITY_FIGURES = (
    "train_accuracy", "test_accuracy", "test_accuracy_std", "test_accuracy_median",
    "generalization_gap", "test_accuracy_models_at_chance", "test_accuracy_before_release",
    "train_loss", "test_loss", "epochs_trained", "chance_accuracy",
)  # fmt: skip
# The figures mia-train's results.json holds under ``privacy`` (DP-SGD's accountant,
# `mia_defense.defenses.accounting.privacy_report`; the attacks' bound and the repeats,
# `mia_defense.pipeline.evaluate`); its other entries are texts and flags. A ``privacy.KEY``
# close to one of them is refused as a typo before training (``privacy.epsilonn`` was NaN in
# every trial); another key may be a figure of a defense's own ``privacy_report``.
PRIVACY_FIGURES = (
    "epsilon", "delta", "noise_multiplier", "epsilon_rdp_bound", "empirical_epsilon",
    "empirical_epsilon_delta", "randomized_release_repeats",
)  # fmt: skip
# The figures of `PRIVACY_FIGURES` that DP-SGD's accountant alone writes
# (`mia_defense.defenses.accounting.privacy_report`), each with the accountant it needs
# (None: any): as an objective of a run without it, each trial trained, then failed on its
# absent value. (``privacy.epsilon`` absent is infinity to a sweeper: no guarantee.)
_DP_FIGURES = {"delta": None, "noise_multiplier": None, "epsilon_rdp_bound": "gdp"}
# The figure of `PRIVACY_FIGURES` only a release that answers at random has written
# (`mia_defense.pipeline.evaluate.RANDOMIZED_RELEASE_REPEATS`).
_REPEATS = "randomized_release_repeats"
# Each attack's figures in results.json besides its TPRs, spelt in lower case
# (`mia_defense.pipeline.evaluate._attack_summary`; a TPR's spellings: `_check_tpr`).
_ATTACK_FIGURES = ("auc", "auc_ci_low", "auc_ci_high", "advantage", "empirical_epsilon")
# What results.json's entry of an attack holds besides its figures, its TPRs, the FPRs they
# were read at (``fpr_read@...``) and the settings it chose (`_attack_summary` too): its time
# and ``nonmember_top_ties`` (the non-member scores at the highest one: 1 where none tie;
# written for every attack of a complete run, so an objective no trial fails on).
_ATTACK_RECORDS = ("seconds", "nonmember_top_ties")
_FPR_READ = "fpr_read@"


# Entries of an attack's results that are no figure (``access``: outputs, labels, weights;
# ``name``: the key its entry is under, no entry of it).
_NOT_FIGURES = ("access", "name")
# The entries of results.json's ``privacy`` that mia-train writes as texts, flags, lists or
# blocks (the accountant's, `mia_defense.defenses.accounting.privacy_report`; the verdict's
# and the claim's, `mia_defense.pipeline.evaluate`, `mia_defense.pipeline.claim`): as an
# objective, each trial trained, then failed on its value, not a number.
_PRIVACY_NOT_FIGURES = (
    "accountant", "epsilon_valid", "epsilon_invalid_reason", "noise_source", "preprocessing",
    "per_model", "epsilon_refuted", "epsilon_refuted_reason", "epsilon_refuted_by",
    "epsilon_untested", "no_verdict_reason", "outputs_saturated", "attacks_inverted",
    "white_box_attacks_inverted", "leak_without_utility", "leak_without_utility_reason",
    "masks_unbalanced", "masks_suspect", "audit", "noise_caveat",
)  # fmt: skip
# A TPR at an FPR as typed (any case, spaces, an exponent as in 1e-05): results.json's keys
# are fpr_key's exactly, in plain decimals (tpr@0.00001%fpr), so other spellings are refused.
_TPR = re.compile(
    r"\s*tpr\s*@\s*([0-9.]+(?:e[-+]?[0-9]+)?)\s*%\s*fpr(_ci_low|_ci_high)?\s*", re.IGNORECASE
)


def check_objective_names(
    names: Sequence[str], *, fprs: Sequence[float] | None = None,
    defenses: Sequence[str] | None = None,
    dp_accountants: Mapping[str, str | None] | None = None,
    randomized_release: bool | None = None,
    bootstrap: int | None = None,
    attack_settings: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Fail before any training when an objective name is malformed (see `objective`): an
    unknown section, ``max_attack.access`` or ``.name`` (no figure), or, given the run's
    ``attack.fprs``, a ``privacy`` entry mia-train writes as a text or a flag
    (``privacy.no_verdict_reason``), a ``max_attack.tpr@X%fpr`` that results.json will not
    hold (an FPR the attacks do not measure, another spelling: found only once every model
    was trained), a ``utility.KEY`` not among `UTILITY_FIGURES` and, where the ``_target_``
    of each of the run's ``defenses`` is mia-defense's own (no defense of one's own, whose
    ``privacy_report`` may hold figures of its own), a ``privacy.KEY`` not among
    `PRIVACY_FIGURES`; given ``dp_accountants`` (`mia_defense.cli.objective_checks.dp_accountants`:
    the accountant of each DP-SGD defense by its key under ``defense``, ``{}`` for none), a
    figure DP-SGD's accountant alone writes that this run will not (``privacy.delta`` without
    DP-SGD, ``privacy.epsilon_rdp_bound`` under an accountant other than gdp); and, where
    ``randomized_release`` is False (`mia_defense.cli.objective_checks.release_randomized`: the
    release answers each query the same), ``privacy.randomized_release_repeats``; and, at
    ``bootstrap`` 0 (``attack.bootstrap``: no intervals), a ``max_attack`` interval's bound
    (``max_attack.auc_ci_low``: null in every run, each trial given the worst stand-in); and,
    given ``attack_settings`` (`mia_defense.cli.objective_checks.attack_settings`: the settings
    each of the run's attacks may choose, by its name), a ``max_attack.KEY`` that is neither a
    figure an attack's entry holds nor one of those settings (``max_attack.precision``: each
    trial trained, then failed, 'no attack reports it'). And none
    (``objectives=[]``: the default objective was returned,
    which the user did not ask for) or one twice (in any spelling: `_one_spelling`)."""
    if not names:
        raise ConfigError(
            "objectives=[]: no objective for a sweeper; list the figures it should get "
            "(e.g. objectives=[utility.test_accuracy,max_attack.tpr@1%fpr]), or leave "
            "objectives out (null) for the strongest attack's TPR at the lowest attack.fprs"
        )
    seen: dict[str, str] = {}  # (each figure in one spelling: the name it was first given)
    for name in map(str, names):
        spelling = _one_spelling(name)
        if spelling in seen:
            first = seen[spelling]
            named = repr(name) if first == name else f"{first!r} (as {name!r})"
            raise ConfigError(
                f"objectives: {named} is listed more than once (a sweeper would get its value "
                "twice, and a search optimise it twice over); give each objective once"
            )
        seen[spelling] = name
    for name in names:
        section, _, key = str(name).partition(".")
        if section not in _SECTIONS or not key:
            raise ConfigError(
                f"objectives: unknown objective {name!r}; use SECTION.KEY with SECTION one of "
                f"{', '.join(_SECTIONS)} (e.g. utility.test_accuracy, max_attack.tpr@1%fpr)"
            )
        if section == "max_attack" and key in _NOT_FIGURES:
            what = "an attack's access: outputs, labels or weights" if key == "access" else (
                "an attack's name is the key of its entry in results.json")
            raise ConfigError(
                f"objectives: {name!r} is no figure ({what}); choose max_attack.METRIC with a "
                "metric such as auc or tpr@1%fpr"
            )
        if section == "privacy" and key in _PRIVACY_NOT_FIGURES and fprs is not None:
            # (the run's check; read from a results.json, `_number` says its value)
            raise ConfigError(
                f"objectives: {name!r} is no figure (a text, flag or list mia-train writes in "
                "results.json, not a number); choose from "
                f"{', '.join(f'privacy.{k}' for k in PRIVACY_FIGURES)}"
            )
        if fprs is not None:
            _check_figure(name, section, key, ours=defenses is not None and all(
                str(target).startswith("mia_defense.") for target in defenses))
        if section == "privacy" and fprs is not None and dp_accountants is not None:
            _check_dp_figure(name, key, dp_accountants)
        if (section, key) == ("privacy", _REPEATS) and fprs is not None and (
                randomized_release is False):  # fmt: skip
            raise ConfigError(
                f"objectives: {name!r} is written only for a release that answers each query "
                "at random (release=noise: the repeated queries its figures hold for), and "
                "this run's release answers the same each time: each run would train, then "
                "fail on its absent value; choose another objective, or a random release"
            )
        match = _TPR.fullmatch(key)
        if section == "max_attack" and match and fprs is not None:
            _check_tpr(name, key, match, fprs)
        if section == "max_attack" and not match and fprs is not None and (
                attack_settings is not None):  # fmt: skip
            _check_attack_key(name, key, attack_settings, fprs)
        if section == "max_attack" and fprs is not None and type(bootstrap) is int and (
                bootstrap == 0 and key.lower().endswith(("_ci_low", "_ci_high"))):  # fmt: skip
            figure = key.lower().rsplit("_ci_", 1)[0]
            raise ConfigError(
                f"objectives: {name!r} is a bound of a confidence interval, which "
                "attack.bootstrap=0 does not compute (null in every run: each would train, "
                "then give the sweeper the worst stand-in, and the search find nothing); set "
                f"attack.bootstrap (e.g. 200), or choose max_attack.{figure}"
            )


def _check_figure(name: str, section: str, key: str, *, ours: bool = False) -> None:
    """Refuse (the run's check, given ``attack.fprs``) a ``utility.KEY`` not among
    `UTILITY_FIGURES`, a ``privacy.KEY`` close to one of `PRIVACY_FIGURES` but not it
    (``privacy.epsilonn``: NaN in every trial, without an error) and a ``max_attack`` figure
    in another spelling than results.json's (``max_attack.AUC``: refused only once every
    model was trained), naming the closest figure. Where the run's defenses are all ``ours``
    (mia-defense's, whose privacy figures are `PRIVACY_FIGURES`), any other ``privacy.KEY``
    (``privacy.verdict``: each trial trained, then failed on its absent value)."""
    figures = {"utility": UTILITY_FIGURES, "privacy": PRIVACY_FIGURES}.get(
        section, _ATTACK_FIGURES)  # fmt: skip
    spelt = _one_spelling(name).partition(".")[2]
    if key in figures or (section == "max_attack" and spelt not in figures):
        return  # (a TPR: `_check_tpr`; a setting an attack chose)
    close = spelt if spelt in figures else closest(key, figures)
    if section == "privacy" and not close and not ours:
        return  # (a figure of a defense's own privacy_report)
    meant = f"did you mean '{section}.{close}'? " if close else ""
    if section == "max_attack":
        raise ConfigError(f"objectives: {name!r} is no figure results.json holds (its attacks' "
                          f"figures are spelt in lower case); {meant.rstrip()}")
    raise ConfigError(
        f"objectives: {name!r} is no figure mia-train records; {meant}choose from "
        f"{', '.join(f'{section}.{k}' for k in figures)}"
    )


def _check_attack_key(
    name: str, key: str, settings: Mapping[str, Collection[str]], fprs: Sequence[float]
) -> None:
    """Refuse ``max_attack.KEY`` (``name``, no TPR: `_check_tpr`) where no attack of the run
    writes ``KEY`` in its entry of results.json: no figure of `_ATTACK_FIGURES` (in any case:
    `_check_figure` names the spelling), no record of `_ATTACK_RECORDS` or ``fpr_read@...``,
    and no setting one of its attacks may choose (``settings``, by attack name: `chooses`), or
    that setting's ``_min``/``_max``: each trial trained, then failed on it."""
    spelt = _one_spelling(name).partition(".")[2]
    chosen = {f"{setting}{end}" for declared in settings.values() for setting in declared
              for end in ("", "_min", "_max")}  # fmt: skip
    if spelt in _ATTACK_FIGURES or key in _ATTACK_RECORDS or key in chosen or key.startswith(
            _FPR_READ):  # fmt: skip
        return
    choices = [*_ATTACK_FIGURES, *(f"tpr@{fpr_percent(f)}%fpr" for f in fprs), *sorted(chosen)]
    close = closest(key, [*_ATTACK_FIGURES, *chosen])
    meant = f"did you mean 'max_attack.{close}'? " if close else ""
    attacks = ", ".join(settings) or "none"
    raise ConfigError(
        f"objectives: {name!r} is no figure this run's attacks record (attack.attacks: "
        f"{attacks}; each run would train, then fail on its absent value); {meant}choose "
        f"max_attack.METRIC with METRIC one of {', '.join(choices)}"
    )


def _check_dp_figure(name: str, key: str, accountants: Mapping[str, str | None]) -> None:
    """Refuse ``privacy.KEY`` (``name``), a figure DP-SGD's accountant alone writes
    (`_DP_FIGURES`), where the run's DP-SGD ``accountants`` (by the defense's key; an
    accountant ``None`` where it is not known) make it certain that results.json will not
    hold it: each trial trained, then failed on its absent value (mia-train -m
    hparams_search=optuna_custom 'objectives=[utility.test_accuracy,privacy.delta]')."""
    if key not in _DP_FIGURES:
        return
    if not accountants:
        raise ConfigError(
            f"objectives: {name!r} is written by DP-SGD's accountant alone, and this run "
            "trains without DP-SGD (no defense=dp among its defenses): each run would train, "
            "then fail on its absent value; add defense=dp, or choose another objective "
            "(privacy.empirical_epsilon, a max_attack figure)"
        )
    needed = _DP_FIGURES[key]
    if needed is None or any(accountant in (None, needed) for accountant in accountants.values()):
        return
    settings = ", ".join(f"defense.{dp}.accountant={accountant}"
                         for dp, accountant in accountants.items())  # fmt: skip
    raise ConfigError(
        f"objectives: {name!r} is written only under defense.dp.accountant={needed} (the RDP "
        f"accountant's upper bound beside its approximate ε), and this run has {settings}: "
        f"each run would train, then fail on its absent value; set "
        f"defense.{next(iter(accountants))}.accountant={needed}, or choose privacy.epsilon"
    )


def _one_spelling(name: str) -> str:
    """``name`` in one spelling (any case and spaces; a TPR's FPR as ``1``, ``1.0`` or
    ``1e0``), so that one figure listed in two spellings is told apart as a repeat:
    ``[max_attack.auc,max_attack.AUC]`` was taken, and its run failed on ``AUC`` only once
    every model was trained."""
    section, _, key = name.lower().partition(".")
    match = _TPR.fullmatch(key)
    fpr = _as_float(match.group(1)) / 100 if match else math.nan
    if match and math.isfinite(fpr):
        key = f"tpr@{fpr_percent(fpr)}%fpr{match.group(2) or ''}"
    return f"{section.strip()}.{key.strip()}"


def _check_tpr(name: str, key: str, match: re.Match[str], fprs: Sequence[float]) -> None:
    """Refuse ``max_attack.tpr@X%fpr`` (``key``) that is not a key results.json will hold:
    an FPR not in ``attack.fprs``, or another spelling (``tpr@1%FPR``, ``tpr@1.0%fpr``)."""
    measured = {fpr_percent(f) for f in fprs}
    suffix = (match.group(2) or "").lower()
    if match.group(1) in measured and key == f"tpr@{match.group(1)}%fpr{suffix}":
        return
    choices = ", ".join(f"max_attack.tpr@{m}%fpr{suffix}" for m in sorted(measured))
    fpr = _as_float(match.group(1)) / 100
    known = math.isnan(fpr) or fpr_percent(fpr) in measured
    # (an FPR of 100% or more is none attack.fprs takes: 'add 1 to attack.fprs' was said)
    add = "" if known or not 0 < fpr < 1 else f"add {fpr:g} to attack.fprs or "
    raise ConfigError(
        f"objectives: {name!r} is no TPR results.json holds (attack.fprs: "
        f"{', '.join(str(f) for f in fprs)}); {add}choose one of {choices}"
    )


def _as_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _number(value: Any, name: str = "") -> float:
    """A results.json number as float; null (a NaN or infinity when written) becomes NaN.

    Raises:
        ConfigError: ``value`` is no number (a text, a flag, an object): the objective
            ``name`` names no figure.
    """
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = repr(value) if isinstance(value, str | bool) else type(value).__name__
        raise ConfigError(
            f"objectives: {name!r} is {shown[:60]} in results.json, not a number; choose a "
            "figure (e.g. utility.test_accuracy, privacy.epsilon, max_attack.tpr@1%fpr)"
        )
    return float(value)


def objective(payload: Mapping[str, Any], name: str) -> float:
    """The figure ``name`` of a run, read from its results.json ``payload``.

    Names are ``SECTION.KEY``:
    ``utility.KEY`` (e.g. ``utility.test_accuracy``, ``utility.generalization_gap``),
    ``privacy.KEY`` (accountant figures, e.g. ``privacy.epsilon``; NaN when absent),
    ``max_attack.METRIC``: the largest value over the run's black-box attacks of ``METRIC``
    (``auc``, ``advantage``, ``tpr@1%fpr``, ``tpr@0.1%fpr``...), i.e. the strongest attack
    the release allows. Attacks whose results.json ``access`` is ``weights`` (white box)
    never count: no release lets the weights out; an attack without ``access`` (older
    results, a user's attack) reads the released outputs.

    Raises:
        ConfigError: an unknown section or key (a typo in ``objectives``).
    """
    check_objective_names([name])
    section, _, key = name.partition(".")
    if section == "privacy":
        return _number(payload.get("privacy", {}).get(key), name)
    if section == "utility":
        utility = payload.get("utility", {})
        if key not in utility:
            raise ConfigError(
                f"objectives: {name!r} is not in results.json; choose from "
                f"{', '.join('utility.' + k for k in utility)}"
            )
        return _number(utility[key], name)
    attacks = [
        m for m in payload.get("attacks", {}).values()
        if m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    ]
    values = [_number(m[key], name) for m in attacks if key in m]
    if not values:
        known = sorted({k for m in attacks for k in m if k not in ("seconds", "access")})
        raise ConfigError(
            f"objectives: no attack reports {key!r}; choose max_attack.METRIC with METRIC one "
            f"of {', '.join(known)}"
        )
    finite = [v for v in values if not math.isnan(v)]
    return max(finite) if finite else float("nan")


def objectives(
    payload: Mapping[str, Any], names: Sequence[str], *, maximized: Collection[str] = ()
) -> list[float]:
    """Each of ``names`` (see `objective`), in order: what mia-train returns to a sweeper.

    A ``max_attack`` figure of a run without a privacy verdict (``utility_below_chance``:
    a model that learned nothing leaks nothing; ``privacy.no_verdict_reason``), of one whose
    figures understate its leak (`understated_leak`: ``privacy.attacks_inverted``,
    ``privacy.outputs_saturated``) or without any value (NaN, which a sweeper cannot take)
    is returned as the worst there is, 1 for a fraction (AUC, TPR, advantage) and infinity
    else, so a search minimising leakage never converges on a useless model. results.json
    keeps the measured figures. ``privacy.empirical_epsilon`` (the attacks' ε lower bound) is
    infinity where those figures understate the leak or a white-box attack's scores are
    inverted (`_bound_understated`), and, as the
    max_attack figures, where the run has no privacy verdict (a model at chance measures a
    bound of 0). ``utility.generalization_gap`` (minimised as a proxy for leakage) is 1, its
    worst, for a run at chance or whose training blew up (no gap to a model that learned
    nothing: 0 or below, the best).

    ``privacy.epsilon`` is infinity where the run holds no DP claim (no accountant ε: a run
    without DP-SGD, or one without noise, written null), where a measured lower bound
    refutes the claim (``privacy.epsilon_refuted``), where the ε is no guarantee for the
    mechanism that ran (``privacy.epsilon_valid`` false) and where it is vacuous
    (`epsilon_vacuous`: above 1000, a 1.8e3 ranked as a plain point) or doubted by the run's
    own config (`epsilon_doubted`, mia-report's rule): a search minimising ε
    was handed the refuted accountant's figure as if it held, and NaN for a run without DP
    (a failed trial). Under ``accountant=gdp`` (a central-limit approximation that can
    underestimate ε) it is the RDP accountant's upper bound (``privacy.epsilon_rdp_bound``)
    when that is larger (infinity where that bound is vacuous).

    Those stand-ins of the max_attack figures, the bound and the gap are the worst for the
    side the sweeper optimises: for a name in ``maximized`` (``hydra.sweeper.direction:
    maximize``, an attacker's search for the most leaking setting) the least there is, 0 for
    a fraction, -infinity else and -1 for the gap (a run without a verdict ranked best).
    Not so for a run with a verdict whose figures understate its leak (inverted scores,
    saturated outputs): its leak is larger than its figures, so its stand-ins are the most
    leaking there is (1, infinity) in either direction, as mia-report leaves it off the
    Pareto front (its figures read with care).

    A run whose defense did not act (``training.defenses_idle``: early stopping that never
    stopped) is scored as measured: its figures are true of the models it trained, as
    mia-report keeps it on its front marked (`mia_defense.report.charts.idle_note`):
    '(did not act)' where it acted in none of the row's models, '(did not act in 2 of 4
    models)' where it acted in the others, else by name, '(did not act: relaxloss)', each
    name followed by '(1 of 2 runs)' or '(in 2 of 4 models)' where it acted in the others;
    only no point of that defense; a search's end names such trials
    (`mia_defense.cli.train`).
    """
    useless = payload.get("utility_below_chance") is True or _at_chance(payload)
    useless = useless or blown_up_training(payload) is not None
    # the attacks could not judge (targets each trained on all or none of the records:
    # figures that compare models, not members), as results.json says
    no_verdict = useless or stated_no_verdict(payload) is not None
    # an attack's scores rank members below non-members more strongly than any attack ranks
    # them above, or the answers tie at probability 1 (UNDERSTATED_LEAK): the figures
    # understate the leak, so they stand in as the most leaking there is whichever way the
    # search goes: a search minimising leakage would converge on a defense that inverts the
    # signal (or on unscaled features that saturate it), and an attacker's, maximising it,
    # would be handed the least for a leak the attacks could not read
    understated = not no_verdict and understated_leak(payload) is not None
    doubted = "privacy.epsilon" in names and epsilon_doubted(payload)
    values = []
    for name in names:
        value = objective(payload, name)
        leaks = (
            (name.startswith("max_attack.") and understated)
            or (name == "privacy.empirical_epsilon" and not no_verdict
                and _bound_understated(payload))
        )  # fmt: skip
        worst = (
            (name.startswith("max_attack.") and (no_verdict or math.isnan(value)))
            or (name == "privacy.empirical_epsilon" and no_verdict)
            or (name == "utility.generalization_gap" and useless)
        )  # fmt: skip
        if leaks:
            value = _worst_value(name, maximized=False)  # the most leaking: 1, infinity
        elif worst:
            value = _worst_value(name, maximized=name in maximized)
        if name == "privacy.epsilon" and math.isnan(value):
            value = math.inf  # no DP claim: the worst ε there is
        if name == "privacy.epsilon":
            value, nothing = standing_epsilon(payload.get("privacy"), value, doubted=doubted)
            if nothing:
                value = math.inf  # no guarantee: the worst ε there is, as mia-report says
        values.append(value)
    return values


def standing_epsilon(privacy: Any, epsilon: float, *, doubted: bool) -> tuple[float, bool]:
    """The ε a run's results.json ``privacy`` block stands for, and whether it guarantees
    nothing (`epsilon_guarantees_nothing`): under the ``gdp`` accountant alone (results.json's
    ``epsilon_valid`` false for its approximation only, `_gdp_alone`) the RDP upper bound
    beside it (`rdp_bound_stand_in`, where larger) is the run's guarantee; any other reason
    leaves none. ``doubted``: `epsilon_doubted` of the run (gdp's approximation excused where
    its bound stands in). The one rule of a search's objective (`objectives`) and HParams' ε
    columns (`mia_defense.tracking.hparams.comparison_metrics`): the search was handed the
    bound while HParams filed the approximation under 'ε, no guarantee'."""
    privacy = privacy if isinstance(privacy, Mapping) else {}
    bound = rdp_bound_stand_in(privacy, epsilon)  # accountant=gdp: an approximation
    value = epsilon if bound is None else bound
    valid = True if _gdp_alone(privacy) else privacy.get("epsilon_valid")
    nothing = epsilon_guarantees_nothing(
        value, valid=valid, refuted=privacy.get("epsilon_refuted"), doubted=doubted)
    return value, nothing


def rdp_bound_stand_in(privacy: Any, epsilon: float) -> float | None:
    """The RDP accountant's upper bound (``privacy.epsilon_rdp_bound``) that a search gets
    for the ``epsilon`` of a run of the ``gdp`` accountant (an approximation), where larger
    (`objectives`; `mia_defense.cli.train` names it), or ``None``. Only gdp writes that bound:
    beside another accountant (a results.json edited: accountant rdp, ε 2.0, bound 9.0) it is
    no stand-in, and the run's ε was handed on as the bound."""
    bound = gdp_rdp_bound(privacy)
    return bound if bound is not None and bound > epsilon else None


def gdp_rdp_bound(privacy: Any) -> float | None:
    """``privacy.epsilon_rdp_bound`` where it can stand in for the ``gdp`` accountant's ε
    (a number, not NaN, beside accountant gdp, which alone writes it), or ``None``: the one
    check of `rdp_bound_stand_in`, `_gdp_alone` and `epsilon_doubted`."""
    if not isinstance(privacy, Mapping) or privacy.get("accountant") != "gdp":
        return None
    bound = privacy.get("epsilon_rdp_bound")
    if isinstance(bound, bool) or not isinstance(bound, numbers.Real) or math.isnan(bound):
        return None
    return float(bound)


def epsilon_guarantees_nothing(
    epsilon: Any, *, valid: Any, refuted: Any, doubted: bool = False
) -> bool:
    """Whether a run's ``epsilon`` is no guarantee: none for the mechanism that ran
    (``valid``, results.json's ``privacy.epsilon_valid``, false: shuffled batches, the gdp
    accountant...), refuted by a measured lower bound (``refuted``,
    ``privacy.epsilon_refuted``, true), ``doubted`` by the run's own config
    (`epsilon_doubted`, which the caller asks: HParams' headline holds no config) or vacuous
    (`epsilon_vacuous`). The one rule a search's objective (`objectives`: infinity, where
    the gdp accountant's RDP upper bound stands in as a valid ε) and HParams' ε columns
    (`mia_defense.tracking.hparams`: ``privacy/epsilon_no_guarantee``) follow."""
    return valid is False or refuted is True or doubted or epsilon_vacuous(epsilon)


def epsilon_vacuous(epsilon: Any) -> bool:
    """Whether ``epsilon`` is a finite ε above `MAX_TARGET_EPSILON` (the largest target
    mia-train accepts), where ε guarantees nothing: mia-train defense=dp
    defense.dp.target_epsilon=null defense.dp.noise_multiplier=0.15
    defense.dp.secure_mode=true spent 1.8e3, recorded with ``epsilon_valid: true``.
    mia-report says so (`mia_defense.report.checks.vacuous_epsilon`), HParams puts it in the
    no-guarantee column (`mia_defense.tracking.hparams`) and a search minimising ε gets
    infinity for it (`objectives`), as for an ε that is no guarantee."""
    from mia_defense.defenses.accounting import MAX_TARGET_EPSILON  # (numpy alone: no torch)

    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real):
        return False
    return MAX_TARGET_EPSILON < epsilon < math.inf


def epsilon_doubted(payload: Mapping[str, Any]) -> bool:
    """Whether the run's own config makes its ε, stated as a guarantee, none
    (`mia_defense.report.checks.doubt.epsilon_doubt`, mia-report's caveat: a results.json
    above its ``target_epsilon`` without ``privacy.per_model``, shuffled batches, scaled
    features...), bar the ``gdp`` accountant's approximation where the RDP upper bound
    beside it (``privacy.epsilon_rdp_bound``) stands in (`objectives`; the doubts after it
    still count: gdp with ``dataset.standardize=true`` was handed its bound). Such an ε was
    a plain figure to a search minimising ε and in HParams' ε column, though mia-report says
    it is no guarantee."""
    from mia_defense.report.checks.doubt import epsilon_doubt  # (no torch)

    bounded = gdp_rdp_bound(payload.get("privacy")) is not None  # (gdp's alone: `objectives`)
    return epsilon_doubt(payload, gdp_bounded=bounded) is not None


def _worst_value(name: str, *, maximized: bool) -> float:
    """The stand-in `objectives` returns for the figure ``name`` (a max_attack figure, the
    bound or the gap) without a verdict: the worst for a search minimising it, or the least
    there is where it is ``maximized`` (an attacker's search)."""
    fraction = name.startswith("max_attack.") and _is_fraction(name.partition(".")[2])
    if maximized:
        return 0.0 if fraction else -1.0 if name.startswith("utility.") else -math.inf
    if name.startswith("max_attack."):
        return 1.0 if fraction else math.inf
    # the bound: a model that learned nothing measures 0, the best a search minimising it
    # could find (it was on the search's Pareto front), and an attack's inverted scores hold
    # a larger one; the gap: a model that learned nothing has none, 0 or below (the leakage
    # proxy's best)
    return math.inf if name == "privacy.empirical_epsilon" else 1.0


# What results.json's ``privacy.epsilon_invalid_reason`` says when the GDP accountant is the
# only reason (mia_defense.defenses.accounting._gdp_reason): its ``epsilon_rdp_bound`` holds.
_GDP_REASON = (
    "defense.dp.accountant=gdp: ",
    "use defense.dp.accountant=rdp or prv for a guarantee",
)


def _gdp_alone(privacy: Mapping[str, Any]) -> bool:
    """Whether a run's ε is no guarantee only because its accountant is GDP (an
    approximation; the RDP upper bound beside it, ``epsilon_rdp_bound``, is one): any other
    reason (shuffled batches, a defense of your own) leaves the run without a guarantee."""
    reason = privacy.get("epsilon_invalid_reason")
    if gdp_rdp_bound(privacy) is None or not isinstance(reason, str):
        return False
    start, end = _GDP_REASON
    return reason.startswith(start) and reason.endswith(end) and reason.count(start) == 1


# The privacy fields of results.json (a reason each) that say its black-box attacks' figures
# understate the leak, each as mia-report names it: scores that rank members below
# non-members (`mia_defense.pipeline.trust_checks.inverted_attacks`) and answers of probability 1
# that the attacks on probabilities tie on (`mia_defense.pipeline.trust_checks._check_saturated`).
UNDERSTATED_LEAK = {
    "attacks_inverted": "inverted attack scores",
    "outputs_saturated": "saturated outputs",
}


def understated_leak(payload: Mapping[str, Any]) -> str | None:
    """The first field of `UNDERSTATED_LEAK` results.json sets (its max_attack figures
    understate the leak: a search gets the most leaking stand-ins, mia-report leaves its row
    off the Pareto fronts), or ``None``."""
    privacy = payload.get("privacy")
    if not isinstance(privacy, Mapping):
        return None
    return next((name for name in UNDERSTATED_LEAK if privacy.get(name)), None)


def _bound_understated(payload: Mapping[str, Any]) -> bool:
    """Whether results.json says the black-box attacks' figures understate the leak
    (`understated_leak`) or a white-box attack's scores are inverted
    (``privacy.white_box_attacks_inverted``): the attacks' ε lower bound,
    ``privacy.empirical_epsilon``, then understates the leak too."""
    privacy = payload.get("privacy")
    return understated_leak(payload) is not None or (
        isinstance(privacy, Mapping) and bool(privacy.get("white_box_attacks_inverted"))
    )


def _at_chance(payload: Mapping[str, Any]) -> bool:
    """Whether the run's test accuracy is not above its ``chance_accuracy``, whatever its
    ``utility_below_chance`` flag says (`mia_defense.report.checks.rank_problem` reads it so:
    a file edited, or of a tool of your own, that leaves the flag out or false)."""
    utility = payload.get("utility")
    if not isinstance(utility, Mapping):
        return False
    accuracy, chance = utility.get("test_accuracy"), utility.get("chance_accuracy")
    numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (accuracy, chance)
    )
    return numbers and accuracy <= chance


def stated_no_verdict(payload: Mapping[str, Any]) -> str | None:
    """results.json's ``privacy.no_verdict_reason`` (the attacks could not judge: targets
    each trained on all or none of the records judged), or ``None`` where it is absent or
    blank."""
    privacy = payload.get("privacy")
    reason = privacy.get("no_verdict_reason") if isinstance(privacy, Mapping) else None
    return reason if isinstance(reason, str) and reason.strip() else None


def blown_up_training(payload: Mapping[str, Any]) -> str | None:
    """Why the run's training blew up (`mia_defense.metrics.utility.blown_up_loss` of its
    ``utility``, ``num_classes`` and ``privacy``), or ``None``: mia-train says it in
    ``privacy.no_verdict_reason``, which runs written before it lack (train.lr=1e6: loss
    5e15, accuracy 0.159 against chance 0.106, ranked as a private model). Without a
    ``chance_accuracy``, against 1/``num_classes``."""
    utility = payload.get("utility")
    if not isinstance(utility, Mapping):
        return None
    accuracy, chance = utility.get("test_accuracy"), utility.get("chance_accuracy")
    classes = payload.get("num_classes")
    if chance is None and isinstance(classes, int) and not isinstance(classes, bool) and (
            classes >= 2):  # fmt: skip
        # chance_accuracy deleted or null: 1/num_classes, the least chance is (its accuracy
        # judged the nearer to learned): that run was ranked as a private model
        chance = 1.0 / classes
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (accuracy, chance)):
        return None
    return blown_up_loss(utility, payload.get("num_classes"), accuracy=float(accuracy),
                         chance=float(chance), privacy=payload.get("privacy"))  # fmt: skip


def _is_fraction(metric: str) -> bool:
    return metric.startswith(("auc", "tpr@", "advantage"))
