"""The tradeoff table: one row per group of runs, utility beside every attack's success, each
figure with its 95% interval (and, over several runs, its spread)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from mia_defense.attacks.base import BLACK_BOX, DEFAULT_ACCESS
from mia_defense.attacks.references import DEFAULT_MAX_TARGETS
from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics.roc import fpr_key, fpr_percent
from mia_defense.report.checks import (
    few_resamples,
    idle_defenses,
    no_strongest,
    one_line,
    other_confidence,
    printable,
    randomized_release,
    strongest_at_zero,
)
from mia_defense.report.checks.notes import idle_counts
from mia_defense.report.objectives import epsilon_doubted, objective, standing_epsilon
from mia_defense.report.runs import RunRecord, software_tag
from mia_defense.report.scores import ScoresRead, read_arrays
from mia_defense.report.stats import LEVEL, Estimate, t_interval
from mia_defense.tracking.artifacts import flat_hparams

__all__ = [
    "BASELINE",
    "LEAK_TPR",
    "LIST_CELLS",
    "NOT_RANKED",
    "TABLE_FPRS",
    "TEXT_CELLS",
    "RunSummary",
    "defense_family",
    "distinguishing",
    "evaluation_labels",
    "flat_hparams",
    "flatten",
    "hyper_items",
    "list_cell",
    "markdown_table",
    "md_code",
    "md_text",
    "name_items",
    "not_ranked_markdown",
    "read_arrays",
    "short_labels",
    "summarise",
    "with_evaluation",
    "write_csv",
]

# The family of runs without any defense.
BASELINE = "no defense"
# FPRs of the TPR columns: 1% and the headline 0.1%.
TABLE_FPRS: tuple[float, ...] = (0.01, 0.001)
_NAMES = ("defense", "release")
_NAN = float("nan")
_NO_INTERVAL = (_NAN, _NAN)


# The headline leakage column: the strongest black-box attack's TPR at 0.1% FPR.
LEAK_TPR = f"max_{fpr_key(0.001)}"

# Sweep sub-directories are "key=value" items joined by commas (conf/hydra/default.yaml);
# a comma inside a list value (model.hidden=[64,64]) is not followed by "key=".
_ITEM_SPLIT = re.compile(r",(?=[^,=\[\]]+=)")
# A Hydra override's ``key=`` (``+train.lr=``, ``~defense=``) starting a folder's item.
_OVERRIDE_ITEM = re.compile(r"[+~]*[\w.-]+=")


def name_items(name: str) -> list[str]:
    """The ``key=value`` items of a run's name (its sweep sub-directory)."""
    return _ITEM_SPLIT.split(name)


def short_labels(names: Sequence[str]) -> list[str]:
    """Run names without the ``key=value`` items every run shares, for legends and lists.

    A name's items are those of each of its folders (``lr=0.1,wd=0/extra``: ``lr=0.1``,
    ``wd=0``, ``extra``), each kept in its folder: a run nested in another's folder read
    as ``lr=0.1`` and ``wd=0/extra``, sharing no ``wd=0``, and its sweep's other labels
    grew that item. Of the folders above the last, only ``key=value`` items are dropped
    (the roots' names, ``x/sweep``, stay; so does a row's ``(dataset.path=/a/b.csv)``)."""
    folders = [[name_items(part) for part in name.split("/")] for name in names]
    owned = [
        {i for k, items in enumerate(f) for i in items
         if k == len(f) - 1 or _OVERRIDE_ITEM.match(i)}
        for f in folders
    ]  # fmt: skip
    shared = set.intersection(*owned) if len(names) > 1 else set()
    labels = []
    for name, parts, own in zip(names, folders, owned, strict=True):
        kept = [",".join(i for i in items if i not in shared or i not in own) for items in parts]
        labels.append("/".join(k for k in kept if k) or name)
    return labels


def defense_family(defense: str, release: str) -> str:
    """A run's family for colours and legends: its training defenses and output release."""
    parts = [] if defense in ("none", "") else [defense]
    if release not in ("full", "none", ""):
        parts.append(f"{release} release")
    return " + ".join(parts) or BASELINE


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a nested config (``{"train": {"lr": 0.1}}`` -> ``{"train.lr": 0.1}``);
    an empty mapping stays a value, lists stay whole."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class RunSummary:
    """What the report shows of one run.

    Attributes:
        name: the run's name (its sweep sub-directory).
        label: the name without the items all runs share (for legends).
        path: the run directory.
        family: defense family (see `defense_family`).
        defense: training-time defenses, ``+``-joined (``none`` when undefended).
        release: the output mechanism.
        hyperparameters: the defense's settings and the config values varying in the sweep.
        test_accuracy, train_accuracy, generalization_gap: utility (mean over models).
        epsilon: the DP accountant's ε (``inf`` without noise), ``None`` when not DP; under
            the ``gdp`` accountant alone its RDP upper bound where larger (`_epsilon`).
        epsilon_valid: false when the ε is no guarantee (`_epsilon`): results.json says so
            for the mechanism that ran (``privacy.epsilon_valid``: shuffled batches...; not
            for the gdp accountant alone, whose RDP bound is the guarantee), a measured lower
            bound refutes it (``privacy.epsilon_refuted``), its config doubts it or it is
            vacuous.
        strongest_attack: the black-box attack with the highest TPR at the lowest FPR, as
            results.json records it (whose figures the headline holds); the tables name it
            by `strongest_shown`.
        leak_tpr: the strongest attack's TPR at 0.1% FPR (max over black-box attacks).
        leak_auc: the highest AUC of any black-box attack (max over them; not always the
            AUC of ``strongest_attack``, which results.json's headline holds).
        attacks: attack -> its metrics from results.json (with their ``_ci_low``/``_ci_high``).
        dataset: the dataset's name (with the file's name for a file-backed dataset).
        model: the model's class (the last part of ``config.model._target_``).
        seed: the run's seed (``None`` when not recorded).
        config: results.json's config with dotted keys (see `flatten`): what groups runs.
        settings: the run's defense settings and flat hyperparameters (see ``hyperparameters``).
        own_settings: which ``settings`` are its defenses' own (``dp.target_epsilon``...).
        test_accuracy_ci: the 95% Student-t interval of the mean test accuracy over the
            K models (NaN without ``utility.test_accuracy_std`` or for K=1).
        leak_tpr_ci, leak_auc_ci: the bootstrap interval of the attack giving ``leak_tpr``,
            ``leak_auc`` (NaN when results.json has none).
        evaluation: how this run was attacked, where that differs between the runs of its
            dataset and model (`evaluation_labels`); ``""`` when they were all attacked alike.
        defenses_idle: the run's defenses that did not act (results.json's
            ``training.defenses_idle``): its models trained as without them.
        idle_models: per entry of ``defenses_idle``, ``(idle, models)``: the run's models
            it did not act in, of all (`mia_defense.report.checks.idle.idle_counts`: as
            results.json's entry counts them), ``None`` where that is not known.
        strongest_at_zero: the lowest FPR, where ``strongest_attack``'s TPR there is 0 (so
            every black-box attack's is: none is the strongest), else ``None``.
    """

    name: str
    label: str
    path: Path
    family: str
    defense: str
    release: str
    hyperparameters: dict[str, Any]
    test_accuracy: float
    train_accuracy: float
    generalization_gap: float
    epsilon: float | None
    strongest_attack: str
    leak_tpr: float
    leak_auc: float
    attacks: dict[str, dict[str, float]] = field(default_factory=dict)
    dataset: str = "unknown"
    model: str = "unknown"
    seed: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    own_settings: frozenset[str] = frozenset()
    test_accuracy_ci: tuple[float, float] = _NO_INTERVAL
    leak_tpr_ci: tuple[float, float] = _NO_INTERVAL
    leak_auc_ci: tuple[float, float] = _NO_INTERVAL
    evaluation: str = ""
    epsilon_valid: bool = True
    defenses_idle: tuple[str, ...] = ()
    idle_models: tuple[tuple[int, int] | None, ...] = ()
    scores: ScoresRead | None = field(default=None, compare=False, repr=False)
    strongest_at_zero: float | None = None

    def strongest_shown(self, *, short: bool = False) -> str:
        """``strongest_attack`` as the report names it: the run table's ``none, every
        black-box attack's TPR at 0.1% FPR is 0.0000; its figures are NAME's ...``
        (`no_strongest`) where its TPR at the lowest FPR is 0, not a name that read as a
        winner (a label_only release: 'label_only', every attack at TPR 0)."""
        if self.strongest_at_zero is None:
            return self.strongest_attack
        where = f"at {fpr_percent(self.strongest_at_zero)}% FPR"
        return no_strongest(self.strongest_attack, where=where, short=short)

    @property
    def pair(self) -> tuple[str, str]:
        """(dataset, model): runs of different pairs never share a row or a Pareto front.
        A run attacked otherwise than others of its dataset and model (``evaluation``) has
        it after the model: ``("digits", "MLP [plan.num_models=4]")``."""
        return self.dataset, with_evaluation(self.model, self.evaluation)


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _settings(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A run's settings: its defenses' (``dp.target_epsilon``...), then its flat config
    (``train.epochs``...) without the config copies of the defenses' settings. The flat
    config is read from ``config`` (`flat_hparams`), which the run's checks hold to the
    models (`mia_defense.report.runs.folder_problem`), not from results.json's ``hparams``
    copy of it, which nothing checks (``hparams.train.lr`` edited showed in the table), with
    the classes it chose that no other column names (`_chosen_classes`); a run without a
    config shows its ``hparams``."""
    own = {k: v for k, v in payload["defense"].items() if k not in _NAMES}
    config = payload.get("config")
    recorded = flat_hparams(config) if isinstance(config, Mapping) and config else (
        payload.get("hparams", {}))  # fmt: skip
    if isinstance(config, Mapping) and config:
        recorded = {**recorded, **_chosen_classes(config)}
    flat = {
        k: v for k, v in recorded.items()
        if not any(k == s or k.endswith("." + s) for s in own)
    }  # fmt: skip
    return {**own, **flat}


# The config groups whose class (``_target_``) the report names elsewhere: the dataset and
# model (the front's), the defenses and release (the family), the attacks (the evaluation).
_CLASS_SHOWN = ("dataset", "model", "defense", "release", "attack")


def _chosen_classes(config: Mapping[str, Any]) -> dict[str, Any]:
    """The classes a config chose by ``_target_`` that no other column names (an optimizer
    of one's own: ``train.optimizer._target_``), which `flat_hparams` leaves out: runs of
    AdamW and of SGD were rows alike in every column, hyperparameters included."""
    return {
        key: value for key, value in flatten(config).items()
        if key.endswith("._target_") and key.partition(".")[0] not in _CLASS_SHOWN
    }  # fmt: skip


def distinguishing(
    settings: Sequence[Mapping[str, Any]],
    families: Sequence[str],
    owns: Sequence[Collection[str]],
) -> list[dict[str, Any]]:
    """What tells each run (or row) apart: the settings that differ between those that have
    them, and, for a family seen once, all of its defenses' own settings (``owns``)."""
    values: dict[str, set[str]] = {}
    for s in settings:
        for key, value in s.items():
            values.setdefault(key, set()).add(repr(value))
    varying = {key for key, seen in values.items() if len(seen) > 1}
    alone = {f for f in families if families.count(f) == 1}
    return [
        {k: v for k, v in s.items() if k in varying or (fam in alone and k in own)}
        for s, fam, own in zip(settings, families, owns, strict=True)
    ]


def _dataset(
    payload: Mapping[str, Any],
    config: Mapping[str, Any],
    run_dir: Path,
    metadata: Mapping[str, Any] | None,
) -> str:
    """The dataset's name; a file-backed one (``dataset.path``) also names its file, and
    observations of your own that name no dataset (`_unnamed_observations`) their labels."""
    name = payload.get("dataset")
    if not isinstance(name, str) or not name:
        target = config.get("dataset._target_")
        name = str(target).rpartition(".")[2] if target else "unknown"
    path = config.get("dataset.path")
    if isinstance(path, str) and path:
        return f"{name} ({shown_path(PurePath(str(path)).name)})"
    return _unnamed_observations(payload, name, run_dir, metadata) or name


def _file_metadata(
    payload: Mapping[str, Any], config: Mapping[str, Any], run_dir: Path
) -> dict[str, Any] | None:
    """The metadata of the observations file a mia-attack run attacked (``{}`` when it has
    none), ``None`` for a run of mia-train's models. A run attacked again from such a run's
    folder (``source.kind`` run_directory, a mia-attack ``source`` in its config) records
    none of it: it is read from the folder's copy of the observations, or the same models
    got another dataset and model name than the run attacked first, so another front."""
    source = payload.get("source")
    kind = source.get("kind") if isinstance(source, Mapping) else None
    if kind == "observations":
        metadata = source.get("metadata")
        return dict(metadata) if isinstance(metadata, Mapping) else {}
    if kind != "run_directory" or "source" not in config:
        return None
    try:
        text = str(read_arrays(run_dir / "observations.npz", ["metadata"])["metadata"])
        metadata = json.loads(text)
    except (ValueError, DataError):  # no metadata saved (an empty one), or not readable
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _unnamed_observations(
    payload: Mapping[str, Any], name: str, run_dir: Path, metadata: Mapping[str, Any] | None
) -> str | None:
    """``NAME (labels DIGEST)`` for a mia-attack run of an observations file whose
    ``metadata`` names no dataset (`_file_metadata`), ``None`` for any other run. Such a run
    is named after the file's stem, and such files are all called observations.npz
    (`Observations.save`): runs of digits and of breast-cancer models shared a name, so one
    front, until told apart by the labels of their records (the copy of the observations in
    the run directory)."""
    if metadata is None or metadata.get("dataset") is not None:
        return None
    source = payload["source"]
    try:
        arrays = read_arrays(run_dir / "observations.npz", ["labels"])
        labels = np.ascontiguousarray(arrays["labels"], dtype=np.int64)
    except (ValueError, DataError):
        return f"{name} ({shown_path(source.get('path'), limit=120)})"  # no copy: its file
    return f"{name} (labels {hashlib.blake2b(labels.tobytes(), digest_size=4).hexdigest()})"


def _model(config: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> str:
    """The model's class, or the ``model`` an observations file's ``metadata`` names (models
    of different kinds are not compared on one front), else ``unknown``."""
    target = config.get("model._target_")
    if isinstance(target, str) and target:
        return target.rpartition(".")[2]
    named = metadata.get("model") if metadata is not None else None
    return one_line(named, limit=60) if isinstance(named, str) and named else "unknown"


def _seed(payload: Mapping[str, Any], config: Mapping[str, Any]) -> int | None:
    """The run's seed: ``config.seed`` (which groups it, and which the checkpoints' config
    fingerprint holds to the models), else results.json's ``seed`` or ``hparams.seed``."""
    for value in (config.get("seed"), payload.get("seed"), payload.get("hparams", {}).get("seed")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _accuracy_interval(payload: Mapping[str, Any]) -> tuple[float, float]:
    """Student's t 95% interval of the test accuracy averaged over the K models, from the
    population std (``ddof=0``) that results.json records; NaN when unknown or K < 2."""
    utility = payload["utility"]
    std, count = utility.get("test_accuracy_std"), payload.get("num_models")
    if std is None or not isinstance(count, int) or count < 2:
        return _NO_INTERVAL
    sample_std = float(std) * math.sqrt(count / (count - 1))
    low, high = t_interval(float(utility["test_accuracy"]), sample_std, count, level=LEVEL)
    return max(low, 0.0), min(high, 1.0)


def _strongest(payload: Mapping[str, Any], metric: str) -> tuple[float, tuple[float, float]]:
    """The largest ``metric`` over the black-box attacks, and the interval of the attack that
    reaches it (the run's strongest attack first, on a tie); NaN when no black-box attack
    reports it (an AUC left out by a tool of your own: the whole report was refused with a
    message about "objectives", naming no run)."""
    try:
        value = objective(payload, f"max_attack.{metric}")
    except ConfigError:
        return _NAN, _NO_INTERVAL
    attacks = payload["attacks"]
    first = payload.get("strongest_attack")
    names = sorted(attacks, key=lambda name: name != first)
    for name in names:
        m = attacks[name]
        if m.get("access", DEFAULT_ACCESS) in BLACK_BOX and _num(m.get(metric)) == value:
            return value, (_num(m.get(f"{metric}_ci_low")), _num(m.get(f"{metric}_ci_high")))
    return value, _NO_INTERVAL


def _config(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The run's flat config, with mia-attack's ``source`` (the path as typed: every
    ``cd modelX && mia-attack observations.npz`` had the same) as the absolute path the run
    recorded: runs of two files of one name were one row, two models averaged as seeds."""
    config = flatten(payload["config"]) if isinstance(payload.get("config"), Mapping) else {}
    source = payload.get("source")
    path = source.get("path") if isinstance(source, Mapping) else None
    if "source" in config and isinstance(path, str) and path:
        config["source"] = path
    return config


def _epsilon(payload: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The run's ε as the table shows it (``None`` when not DP; JSON stores an infinite ε, no
    noise, as null) and whether it is a guarantee, by the one rule of a search's objective
    and HParams' ε column (`mia_defense.report.objectives.standing_epsilon`): an ε invalid,
    refuted (the table said "yes", the front showed it as a sound one's), doubted by the
    run's config or vacuous is none, but under the ``gdp`` accountant alone the RDP upper
    bound beside its approximation (``privacy.epsilon_rdp_bound``, where larger) is the
    run's guarantee and its figure: the table showed the approximation "(not a guarantee)"
    while a search and HParams had the bound. An ε that is no guarantee is shown as
    recorded, as in HParams' 'ε, no guarantee' column."""
    privacy = payload.get("privacy", {})
    if "epsilon" not in privacy:
        return None, True
    recorded = math.inf if privacy["epsilon"] is None else float(privacy["epsilon"])
    epsilon, nothing = standing_epsilon(privacy, recorded, doubted=epsilon_doubted(payload))
    return (recorded, False) if nothing else (epsilon, True)


def _summary(run: RunRecord, label: str, hyper: dict[str, Any], family: str) -> RunSummary:
    p = run.payload
    config = _config(p)
    metadata = _file_metadata(p, config, run.path)
    epsilon, epsilon_valid = _epsilon(p)
    leak_tpr, leak_tpr_ci = _strongest(p, fpr_key(0.001))
    leak_auc, leak_auc_ci = _strongest(p, "auc")
    attacks = {
        name: {k: _num(v) for k, v in m.items() if k != "access"}
        for name, m in p["attacks"].items()
    }  # fmt: skip
    # never shown as 95% ones (a caveat says so): at another level, or of too few resamples
    if other_confidence(p) is not None or few_resamples(p) is not None:
        leak_tpr_ci = leak_auc_ci = _NO_INTERVAL
        attacks = {
            name: {k: v for k, v in m.items() if not k.endswith(("_ci_low", "_ci_high"))}
            for name, m in attacks.items()
        }  # fmt: skip
    return RunSummary(
        name=run.name,
        label=label,
        path=run.path,
        family=family,
        defense=str(p["defense"].get("defense", "none")),
        release=str(p["defense"].get("release", "full")),
        hyperparameters=hyper,
        test_accuracy=_num(p["utility"]["test_accuracy"]),
        train_accuracy=_num(p["utility"].get("train_accuracy")),
        generalization_gap=_num(p["utility"].get("generalization_gap")),
        epsilon=epsilon,
        strongest_attack=str(p.get("strongest_attack", "")),
        leak_tpr=leak_tpr,
        leak_auc=leak_auc,
        attacks=attacks,
        dataset=_dataset(p, config, run.path, metadata),
        model=_model(config, metadata),
        seed=_seed(p, config),
        config=config,
        settings=_settings(p),
        own_settings=frozenset(k for k in p["defense"] if "." in k),
        test_accuracy_ci=_accuracy_interval(p),
        leak_tpr_ci=leak_tpr_ci,
        leak_auc_ci=leak_auc_ci,
        epsilon_valid=epsilon_valid,
        defenses_idle=tuple(one_line(d, limit=60) for d, _ in idle_defenses(p)),
        idle_models=idle_counts(p),
        scores=run.scores,
        strongest_at_zero=strongest_at_zero(p),
    )


# What decides how strong the attacker of a run is, and on what data, besides the defended
# models: runs that differ in these were measured with different yardsticks, so their
# leakage figures are not comparable (a run attacked by the entropy threshold alone "beats"
# the same models attacked by LiRA; LiRA with 3 reference models is weaker than with 15).
_EVALUATION_KEYS = ("plan.num_models", "plan.population_size", "attack.shadow_recipe")
# The dataset's own settings too: runs of one loader on other data (make_purchase_like
# with 10 or 100 classes, another max_samples) share the dataset's name but not its task.
_EVALUATION_PREFIXES = ("attack.queries.", "dataset.")
_NOT_EVALUATION = ("dataset.plan.",)  # the csv loader's copy of the run's plan
# How augmented queries are perturbed: no part of a run's evaluation when it made none.
_AUGMENTATION = ("attack.queries.noise_std", "attack.queries.max_shift", "attack.queries.flip")
# How often the attacker asks each query: it shapes the figures of a randomized release only
# (`mia_defense.report.checks.randomized_release`); a deterministic one is asked once.
_RANDOMIZED_ONLY = ("attack.queries.repeats",)


def with_evaluation(model: str, evaluation: str) -> str:
    """The model's name as fronts, panels and legends show it: with ``[evaluation]`` when
    the run was attacked otherwise than others of its dataset and model."""
    return f"{model} [{evaluation}]" if evaluation else model


def _evaluation(
    payload: Mapping[str, Any], config: Mapping[str, Any], apart: str = ""
) -> dict[str, str]:
    """How a run was measured: its black-box attacks (those that ran) with their settings,
    its reference models, population, shadow recipe and queries, its dataset's settings,
    and, for runs of one config and seeds on other data or software, which (``apart``,
    `RunRecord.apart`), as ``key -> text``."""
    black_box = sorted(
        name for name, m in payload["attacks"].items()
        if m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    )  # fmt: skip
    found = {"attacks": "+".join(black_box)}
    # what the run recorded it used, where its config leaves it to the data: a population
    # of null (all the data but the test set) and one of 1000 on 1000 records are one
    # yardstick (they were two fronts), and null on other test sizes are two
    fallback = {
        "plan.num_models": payload.get("num_models"),
        "plan.population_size": payload.get("population_size"),
    }
    for key in _EVALUATION_KEYS:
        value = config.get(key)
        if value is None:
            value = fallback.get(key)
        if value is not None:
            found[key] = str(value)
    targets = _num_targets(config, payload)
    if targets is not None:
        found["attack.num_targets"] = targets
    prefixes = (*_EVALUATION_PREFIXES, *(f"attack.attacks.{name}." for name in black_box))
    # without augmented queries their perturbation settings shaped nothing
    unused = _AUGMENTATION if config.get("attack.queries.num_augmented") == 0 else ()
    for key, value in config.items():
        skip = key.startswith(_NOT_EVALUATION) or key.endswith((".seed", "._partial_"))
        if key.startswith(prefixes) and not skip and key not in unused:
            found[key] = "null" if value is None else str(value)  # (null: a file did not say)
    if apart:
        key, _, value = apart.partition("=")
        found[key] = value
    return found


def _num_targets(config: Mapping[str, Any], payload: Mapping[str, Any]) -> str | None:
    """How many models the run's attacks targeted, as ``attack.num_targets`` would be
    written: ``null`` where that is every model up to `DEFAULT_MAX_TARGETS` (the default,
    as `target_models` reads it: ``4`` at K=4 is the same yardstick), else the number.
    The same models attacked as 1 or 2 targets pool half the non-member scores: the TPR
    at 0.1% FPR of one is read at another threshold than the other's, and a digits run at
    num_targets=1 and 2 sat on one front. ``None`` when the config names no number."""
    value = config.get("attack.num_targets")
    models = config.get("plan.num_models")
    models = payload.get("num_models") if models is None else models
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if isinstance(models, int) and value == min(models, DEFAULT_MAX_TARGETS):
        return "null"
    return str(value)


# `RunRecord.apart`'s keys: a run without one may have trained on either data or software.
_APART = ("data", "software")


def _unset(key: str) -> str:
    return "unknown" if key in _APART else "(not set)"


def evaluation_labels(
    pairs: Sequence[tuple[str, str]],
    evaluations: Sequence[Mapping[str, str]],
    randomized: Sequence[bool] | None = None,
    recorded: Sequence[Mapping[str, str]] | None = None,
) -> list[str]:
    """Per run, how it was attacked where runs of the same (dataset, model) differ: the
    black-box attacks it lacks (``without lira_online, rmia``) and the settings that differ
    (``plan.num_models=4``); ``""`` for every run of a pair attacked alike. A setting that
    shapes a randomized release's figures only (``attack.queries.repeats``) differs where it
    differs between the pair's runs whose ``randomized`` is true (all, without it): runs of
    deterministic releases at 1 and 16 repeats gave the same figures, and were two fronts;
    where it does differ, a deterministic run is labelled with its own value. A run not
    tagged with a `RunRecord.apart` key that varies is labelled with the value it
    ``recorded`` for it (its ``software``: `software_tag`), ``unknown`` without one: a run of
    another seed than the runs told apart by their versions was labelled software=unknown
    though its results.json records them."""
    labels = [""] * len(pairs)
    own: Sequence[Mapping[str, str]] = [{}] * len(pairs) if recorded is None else recorded
    noisy = [True] * len(pairs) if randomized is None else list(randomized)
    for pair in dict.fromkeys(pairs):
        members = [i for i, p in enumerate(pairs) if p == pair]
        sets = {i: set(filter(None, evaluations[i]["attacks"].split("+"))) for i in members}
        every = set.union(*sets.values())
        shared = set.intersection(*sets.values())
        keys = dict.fromkeys(k for i in members for k in evaluations[i] if k != "attacks")
        shaped = {k: [i for i in members if noisy[i]] if k in _RANDOMIZED_ONLY else members
                  for k in keys}  # fmt: skip
        varying = [
            k for k in keys
            if len({evaluations[i].get(k) for i in shaped[k]}) > 1
            and (not k.startswith("attack.attacks.") or k.split(".")[2] in shared)
        ]  # fmt: skip
        for i in members:
            items = []
            if sets[i] != every:
                items.append(f"without {', '.join(sorted(every - sets[i]))}")
            items += [f"{k}={evaluations[i].get(k, own[i].get(k, _unset(k)))}" for k in varying]
            labels[i] = "; ".join(items)
    return labels


def _recorded_apart(payload: Mapping[str, Any]) -> dict[str, str]:
    """What the run's results.json records for `_APART`'s keys, as `RunRecord.apart` would
    tag it: its ``software`` (its ``data`` is tagged by one of two fields, and a fingerprint
    of other seeds is matched to none: a run not tagged stays ``data=unknown``)."""
    tag = software_tag(payload)
    return {} if tag is None else {"software": tag}


def summarise(runs: Sequence[RunRecord]) -> list[RunSummary]:
    """One `RunSummary` per run; hyperparameters list what distinguishes the runs. Runs of
    one dataset and model attacked otherwise (`evaluation_labels`) get their ``evaluation``:
    their leakage figures are not comparable, so they never share a row or a front."""
    families = [
        defense_family(str(r.payload["defense"].get("defense", "none")),
                       str(r.payload["defense"].get("release", "full")))
        for r in runs
    ]  # fmt: skip
    settings = [_settings(run.payload) for run in runs]
    # a defense's own settings are "name.key" (dp.target_epsilon, release.k)
    owns = [{k for k in r.payload["defense"] if "." in k} for r in runs]
    hypers = distinguishing(settings, families, owns)
    labels = short_labels([run.name for run in runs])
    summaries = _models_apart([
        _summary(run, label, hyper, family)
        for run, label, hyper, family in zip(runs, labels, hypers, families, strict=True)
    ])
    pairs = zip(runs, summaries, strict=True)
    evaluations = [_evaluation(run.payload, s.config, run.apart) for run, s in pairs]
    randomized = [randomized_release(run.payload) for run in runs]
    recorded = [_recorded_apart(run.payload) for run in runs]
    tags = evaluation_labels([s.pair for s in summaries], evaluations, randomized, recorded)
    return [replace(s, evaluation=tag) for s, tag in zip(summaries, tags, strict=True)]


def _models_apart(summaries: list[RunSummary]) -> list[RunSummary]:
    """Runs of one dataset whose models share a class name but not their ``_target_``
    (``mia_defense.models.MLP`` and ``mypkg.MLP``) named by their whole ``_target_``: both
    were "MLP", one row's pair and one Pareto front for two different models."""
    targets: dict[tuple[str, str], set[str]] = {}
    for s in summaries:
        target = s.config.get("model._target_")
        if isinstance(target, str) and target:
            targets.setdefault((s.dataset, s.model), set()).add(target)
    clashing = {pair for pair, seen in targets.items() if len(seen) > 1}
    if not clashing:
        return summaries
    return [
        replace(s, model=one_line(s.config["model._target_"], limit=120))
        if (s.dataset, s.model) in clashing and isinstance(s.config.get("model._target_"), str)
        and s.config["model._target_"] else s
        for s in summaries
    ]  # fmt: skip


def hyper_items(hyper: Mapping[str, Any]) -> list[str]:
    """``KEY=VALUE`` of each setting of ``hyper``, floats short (``%g``)."""

    def fmt(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)

    return [f"{k}={fmt(v)}" for k, v in hyper.items()]


def _format_hyper(hyper: Mapping[str, Any]) -> str:
    return "; ".join(hyper_items(hyper))


# How the CSVs' list cells (``runs``, ``hyperparameters``) are written; the report's
# README.md says it in these words.
LIST_CELLS = (
    "The `runs` and `hyperparameters` cells of the CSVs list their items joined by `; `, "
    "each item with `\\` written `\\\\` and `;` written `\\;`, so an item holding "
    "`; ` splits back whole: split at each `; ` whose `;` no backslash escapes."
)


def list_cell(items: Iterable[str]) -> str:
    """``items`` as one CSV cell: joined by ``; ``, each with ``\\`` and ``;``
    backslash-escaped (`LIST_CELLS`): a run folder or config value holding ``; `` (``a; b``)
    read as two items, and nothing could split the cell back."""
    return "; ".join(item.replace("\\", "\\\\").replace(";", "\\;") for item in items)


# Figures whose spread over a row's runs has columns of its own.
_SPREAD = ("test_accuracy", "max_auc", LEAK_TPR)


def _figure_columns(name: str) -> list[str]:
    """A figure's columns: its mean and 95% interval, and its spread for the headline ones."""
    columns = [name, f"{name}_ci_low", f"{name}_ci_high"]
    if name in _SPREAD:
        columns += [f"{name}_std", f"{name}_min", f"{name}_max"]
    return columns


def _figure_cells(name: str, e: Estimate | None) -> list[Any]:
    if e is None:
        return [None] * len(_figure_columns(name))
    cells: list[Any] = [e.value, e.low, e.high]
    if name in _SPREAD:
        cells += [e.std, e.minimum, e.maximum]
    return cells


def _seeds_cell(seeds: Sequence[int | None]) -> str:
    return ", ".join("?" if s is None else str(s) for s in seeds)


# A text cell a spreadsheet would run as a formula starts with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value) if isinstance(value, int) else _inert(str(value))


# Control characters a CSV cell shows as a space: all but the tab and line breaks (CSV
# quotes those), and the bidirectional marks, embeddings, overrides and isolates. A NUL
# ended the cell for sqlite3's .import, an escape code coloured the terminal of whoever
# ran `cat runs.csv`, a run folder holding U+202E showed the rest of its line reversed.
_CSV_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


# Text a spreadsheet opens as a number, date, time or boolean (Excel's and LibreOffice's
# readings of a CSV cell), and the numbers among it that it shows back as written.
_SPREADSHEET_VALUE = re.compile(
    r"\s*(?:[+-]?(?:\d[\d,]*\.?\d*|\.\d+)(?:e[+-]?\d+)?%?|\(\d[\d,]*\.?\d*\)"
    r"|\d{1,4}([-/.])\d{1,2}(?:\1\d{1,4})?|\d{1,2}:\d{2}(?::\d{2})?|true|false)\s*",
    re.IGNORECASE,
)
_SHOWN_AS_WRITTEN = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?")
# (longer numbers are shown rounded or in E notation)
_SHOWN_DIGITS = 11


def _read_otherwise(text: str) -> bool:
    """Whether a spreadsheet opening ``text`` as a CSV cell reads it as a value it shows
    otherwise: a run folder ``007`` became 7, ``1e5`` 100000, ``1.50`` 1.5, ``3/4`` a
    date; ``12``, ``-1`` and ``0.5`` are shown back as written."""
    if not _SPREADSHEET_VALUE.fullmatch(text):
        return False
    return not (_SHOWN_AS_WRITTEN.fullmatch(text) and len(text) <= _SHOWN_DIGITS)


# How the CSVs' text cells are written where a spreadsheet would change them; the report's
# README.md says it in these words.
TEXT_CELLS = (
    "A text cell a spreadsheet would run as a formula (starting with `=`, `+`, `-` or `@`) "
    "or read as a number, date or boolean shown otherwise (a run folder `007` or `1e5`) "
    "starts with `'`, which is no part of the text."
)


def _inert(text: str) -> str:
    """Text from run names and configs as a spreadsheet shows it, never runs it nor reads
    it as another value (`TEXT_CELLS`): a cell such as ``=HYPERLINK(...)`` (a run folder
    or hyperparameter value) gets a leading ``'`` (OWASP's CSV-injection advice), and so
    does one read as a number shown otherwise (`_read_otherwise`: run folder ``007`` was
    7); text that reads as a number shown as written is left as it is; `_CSV_CONTROLS`
    become spaces."""
    text = _CSV_CONTROLS.sub(" ", text)
    if _read_otherwise(text):
        return "'" + text
    if not text.startswith(_FORMULA_START):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The table as CSV, numbers at full precision (``repr``), missing values empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # UTF-8 whatever the locale; a run folder named in bytes that are not UTF-8 (a lone
    # surrogate in Python) as \udcXX, not a UnicodeEncodeError
    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
        writer = csv.writer(handle)
        writer.writerow([_inert(str(h)) for h in headers])
        writer.writerows([[_csv_cell(v) for v in row] for row in rows])


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(header: str, value: Any) -> str:
    if _missing(value):
        return "–"
    if header == "epsilon":
        return "∞" if math.isinf(value) else f"{value:.3g}"
    if isinstance(value, float):
        return f"{value:.4f}" if "tpr@" in header else f"{value:.3f}"
    return md_text(str(value))


def _interval_cell(header: str, value: Any, low: Any, high: Any) -> str:
    """``mean [low, high]``; the mean alone when the interval is unknown."""
    text = _number(header, value)
    if text == "–" or _missing(low) or _missing(high):
        return text
    return f"{text} [{_number(header, low)}, {_number(header, high)}]"


def _spread_cell(header: str, std: Any, low: Any, high: Any) -> str:
    """``±std (min–max)`` over the runs; ``–`` for one run."""
    if _missing(std):
        return "–"
    return f"±{_number(header, std)} ({_number(header, low)}–{_number(header, high)})"


def _markdown_columns(headers: Sequence[str]) -> list[tuple[str, list[int]]]:
    """(title, column indices) of each Markdown column: a figure's ``_ci_low``/``_ci_high``
    join its mean (``X [95% CI]``), its ``_std``/``_min``/``_max`` make ``X spread``."""
    columns: list[tuple[str, list[int]]] = []
    i = 0
    while i < len(headers):
        h, base = headers[i], headers[i].removesuffix("_std")
        if headers[i + 1 : i + 3] == [f"{h}_ci_low", f"{h}_ci_high"]:
            columns.append((f"{h} [95% CI]", [i, i + 1, i + 2]))
            i += 3
        elif h != base and headers[i + 1 : i + 3] == [f"{base}_min", f"{base}_max"]:
            columns.append((f"{base} spread (±std, min–max)", [i, i + 1, i + 2]))
            i += 3
        else:
            columns.append((h, [i]))
            i += 1
    return columns


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, leave_out: Collection[str] = ()
) -> str:
    """The table as GitHub Markdown, rounded for reading (TPRs to 4 decimals, others to 3),
    each figure as ``mean [95% CI]`` and its spread as ``±std (min–max)``; the columns in
    ``leave_out`` are left to the CSV."""
    columns = [(t, idx) for t, idx in _markdown_columns(headers) if t not in leave_out]
    lines = [
        "| " + " | ".join(md_text(title) for title, _ in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        cells = []
        for title, idx in columns:
            values = [row[i] for i in idx]
            if title.endswith("[95% CI]"):
                cells.append(_interval_cell(headers[idx[0]], *values))
            elif " spread " in title:
                cells.append(_spread_cell(headers[idx[0]].removesuffix("_std"), *values))
            else:
                cells.append(_number(headers[idx[0]], values[0]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# Title of the list of runs left out of the ranking, in every file of the report.
NOT_RANKED = "Runs not ranked"


def caveats_markdown(entries: Sequence[tuple[str, str]]) -> str:
    """The ``(run, note)`` of ranked runs whose leakage figure needs a caveat, as a Markdown
    section ("" when none)."""
    if not entries:
        return ""
    lines = ["## Figures to read with care", "", "| run | caveat |", "|---|---|"]
    lines += [f"| `{md_code(run)}` | {md_text(note)} |" for run, note in entries]
    return "\n".join(lines) + "\n"


def visible(text: Any) -> str:
    """``text`` with each unprintable character shown apart from a space: a C0 control
    character or DEL as its picture (``␊`` for a line break, U+2400 + its code), a name's
    byte that is not UTF-8 as ``\\xNN`` (`printable`), another as ``\\uXXXX`` (a no-break
    space, U+2028). Two rows named ``line1\\nline2`` and ``line1 line2`` showed one label in
    the Markdown tables, where `printable` made the line break a space."""
    return "".join(_shown(c) for c in str(text))


def _shown(c: str) -> str:
    if c.isprintable():
        return c
    if c < " " or c == "\x7f":
        return chr(0x2400 + ord(c)) if c < " " else "\u2421"
    if "\udc80" <= c <= "\udcff":
        return printable(c)
    return f"\\u{ord(c):04x}"


def md_code(text: Any) -> str:
    """``text`` safe in a Markdown code span of a table cell (no column, code span or line
    break: unprintable characters `visible`); a code span shows HTML as text."""
    return visible(text).replace("|", "\\|").replace("`", "'")


def md_text(text: Any) -> str:
    """``text`` (a run name, a reason read from a file) safe as plain Markdown table text:
    no column or line break, no HTML (``<`` as ``&lt;``: a renderer would run
    ``<img onerror=...>``), no link or image (``](`` as ``]\\(``: a swept value
    ``![](https://host/pixel.png)`` had the page fetch it from that host when viewed), and
    no emphasis, strike-through or code span (`_md_marks`); unprintable characters
    `visible`."""
    text = _md_marks(visible(text))
    return text.replace("|", "\\|").replace("<", "&lt;").replace("](", "]\\(")


# What Markdown reads as emphasis, strike-through or a code span: `*`, `~` and backticks
# anywhere, `_` where a run of them is not between two letters or digits (GitHub, as
# CommonMark, leaves snake_case alone), and the backslash that would escape the next one.
_MD_MARKS = re.compile(r"[\\*~`]|_+")
_WORD = re.compile(r"[^\W_]")


def _md_marks(text: str) -> str:
    """``text`` with `_MD_MARKS` backslash-escaped: a defense ``my_*strong*_dp`` or a swept
    value ``__init__`` showed in tradeoff.md as ``my_<em>strong</em>_dp`` and a bold
    ``init``; ``weight_decay`` stays as it is."""

    def escape(match: re.Match[str]) -> str:
        start, end = match.span()
        inside = match.group()[0] == "_" and 0 < start and end < len(text) and all(
            _WORD.match(c) for c in (text[start - 1], text[end]))  # fmt: skip
        return match.group() if inside else "".join("\\" + c for c in match.group())

    return _MD_MARKS.sub(escape, text)


def not_ranked_markdown(entries: Sequence[tuple[str, str]]) -> str:
    """The ``(run, reason)`` left out of the ranking as a Markdown section ("" when none):
    diverged or useless runs, and the runs whose results.json could not be trusted."""
    if not entries:
        return ""
    lines = [
        f"## {NOT_RANKED}",
        "",
        "No privacy verdict for these runs: they are neither in the table nor on the front.",
        "",
        "| run | reason |",
        "|---|---|",
    ]
    lines += [f"| `{md_code(run)}` | {md_text(reason)} |" for run, reason in entries]
    return "\n".join(lines) + "\n"
