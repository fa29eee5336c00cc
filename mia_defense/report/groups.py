"""Rows of the report: runs grouped by their config, each figure a mean over the row's runs
with its 95% interval and spread.

By default a row holds the runs that differ only in their seeds (``seed`` and the ``*.seed``
keys that follow it, e.g. ``attack.attacks.shokri.seed``; ``progress``, ``figures`` and
``cache_dir`` are ignored too);
``by`` names config keys instead (dotted, as in results.json's ``config``), and ``run``
keeps one row per run. Runs of different datasets or models never share a row.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mia_defense.errors import ConfigError, closest_few
from mia_defense.report.checks.notes import idle_share
from mia_defense.report.stats import Estimate, estimate
from mia_defense.report.table import (
    LEAK_TPR,
    RunSummary,
    _format_hyper,
    distinguishing,
    name_items,
    short_labels,
    with_evaluation,
)

__all__ = [
    "PER_RUN",
    "RunGroup",
    "describe_grouping",
    "group_runs",
    "is_seed_key",
    "parse_group_by",
]

# ``--group-by run``: one row per run.
PER_RUN = "run"
# Config keys that change no result.
_COSMETIC = frozenset({"progress", "figures", "cache_dir"})  # (runs.py: _NO_EFFECT)
_MISSING = "(not set)"
# A grouping key whose value is an empty mapping (``defense`` of an undefended run: the
# defense group chose nothing): its rows were named ``defense={}``.
_EMPTY = "(empty)"
_RATE = (0.0, 1.0)


def is_seed_key(key: str) -> bool:
    """Whether a dotted config key is a seed (``seed``, ``attack.attacks.rmia.seed``...)."""
    return key == "seed" or key.endswith(".seed")


@dataclass(frozen=True)
class RunGroup:
    """One row of the report: runs that share a dataset, a model and the grouping keys.

    Attributes:
        name: what the runs' names share but their seeds, or their family when that is
            all (``by``: ``key=value`` of the grouping keys, ``(not set)`` for a run without
            the key; one row per run: the run's name).
        label: ``name`` without the items every row shares (for legends).
        dataset, model: shared by all its runs.
        runs: its runs, in directory order.
        family, defense, release: of its runs (``a / b`` when they differ).
        hyperparameters: the settings its runs share and that tell the rows apart.
        metrics: figure -> `Estimate`: ``test_accuracy``, ``train_accuracy``,
            ``generalization_gap``, ``max_auc``, ``max_tpr@0.1%fpr`` (a run's strongest
            black-box attack) and ``ATTACK.METRIC`` (``lira_online.auc``, ...).
        epsilon: the largest ε of its runs (``inf`` without noise), ``None`` when not DP.
        epsilon_valid: false when one of its runs' ε is not a guarantee
            (`RunSummary.epsilon_valid`): the row's ε is then no claim of privacy.
        strongest_attack: its runs' strongest attacks (``a ×2, b ×1`` when they differ), as
            `RunSummary.strongest_shown` names them (``none, ...`` where all are at TPR 0).
        evaluation: how its runs were attacked where runs of its dataset and model differ
            (`mia_defense.report.table.evaluation_labels`); ``""`` otherwise.
    """

    name: str
    label: str
    dataset: str
    model: str
    runs: tuple[RunSummary, ...]
    family: str
    defense: str
    release: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Estimate] = field(default_factory=dict)
    epsilon: float | None = None
    strongest_attack: str = ""
    evaluation: str = ""
    epsilon_valid: bool = True

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def defenses_idle(self) -> str:
        """The defenses that did not act in its runs (`RunSummary.defenses_idle`),
        ``, ``-joined, each with ``(k of n runs)`` where it acted in some of them, or
        ``(in i of m models)`` where it acted in some of their models (`idle_defenses`);
        ``""`` where every defense acted: its figures are those of models trained as without
        them, a point for those models but none for the defense its name says."""
        return ", ".join(f"{d} ({part})" if part else d for d, part in self.idle_defenses())

    def idle_defenses(self) -> list[tuple[str, str]]:
        """``(defense, part)`` of each defense that did not act in its runs: ``part`` is
        ``""`` where it acted in none of their models, ``k of n runs`` where it acted in
        some runs, ``in i of m models`` where it did not act in ``i`` of their ``m`` models
        only (`RunSummary.idle_models`, summed over the runs; ``""`` where a run's count is
        unknown): RelaxLoss idle in 2 of a run's 4 models was marked '(did not act)', as
        one that acted in none."""
        counts: dict[str, list[tuple[int, int] | None]] = {}
        for run in self.runs:
            models = dict(zip(run.defenses_idle, run.idle_models, strict=False))
            for defense in dict.fromkeys(run.defenses_idle):
                counts.setdefault(defense, []).append(models.get(defense))
        parts = []
        for defense, shares in counts.items():
            part = "" if len(shares) == self.n else f"{len(shares)} of {self.n} runs"
            if not part and all(shares):
                idle, models = (sum(share[i] for share in shares if share) for i in (0, 1))
                part = idle_share((idle, models))
            parts.append((defense, part))
        return parts

    @property
    def pair(self) -> tuple[str, str]:
        """(dataset, model), the model with ``[evaluation]`` when its runs were attacked
        otherwise than others of the pair (`RunSummary.pair`)."""
        return self.dataset, with_evaluation(self.model, self.evaluation)

    @property
    def seeds(self) -> list[int | None]:
        return [run.seed for run in self.runs]

    @property
    def test_accuracy(self) -> Estimate:
        return self.metrics["test_accuracy"]

    @property
    def leak_tpr(self) -> Estimate:
        return self.metrics[LEAK_TPR]

    @property
    def leak_auc(self) -> Estimate:
        return self.metrics["max_auc"]


def parse_group_by(text: str) -> tuple[str, ...]:
    """``KEY[,KEY]`` as keys; ``run`` alone for one row per run.

    Raises:
        ConfigError: an empty key, or ``run`` combined with keys.
    """
    keys = tuple(k.strip() for k in text.split(","))
    if not all(keys):
        raise ConfigError(
            f"--group-by {text!r}: an empty key; give dotted config keys separated by commas, "
            "e.g. --group-by defense.dp.target_epsilon,train.epochs"
        )
    if PER_RUN in keys and len(keys) > 1:
        raise ConfigError(
            f"--group-by {text!r}: '{PER_RUN}' (one row per run) cannot be combined with keys"
        )
    _check_repeats(keys, given=f"--group-by {text!r}")
    return keys


def _check_repeats(keys: Sequence[str], *, given: str) -> None:
    """Refuse a key given twice: ``--group-by defense,defense`` was accepted, and its rows
    named ``defense=...,defense=...``."""
    repeated = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if repeated is not None:
        raise ConfigError(
            f"{given}: the key {repeated!r} is given twice; give each key once: "
            f"{','.join(dict.fromkeys(keys))}"
        )


def describe_grouping(by: Sequence[str] | None) -> str:
    """One sentence saying how the rows were formed, for every output of the report."""
    if by is None:
        rule = (
            "runs that differ only in their seeds (seed and the *.seed keys that follow it) "
            "share a row"
        )
    elif tuple(by) == (PER_RUN,):
        rule = "one row per run"
    else:
        rule = (
            f"runs that share dataset, model and {', '.join(by)} share a row, whatever else "
            "they differ in"
        )
    return (
        f"Rows: {rule}. Each figure is the mean over a row's n runs with its 95% interval "
        "(one run: its attacks' bootstrap interval, and Student's t over its K models for test "
        "accuracy; several runs: Student's t over the runs, never narrower than the runs' own "
        "intervals combined) and, for several runs, its spread."
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _lookup(config: Mapping[str, Any], key: str) -> str:
    """The value of a dotted key as text; a prefix (``defense.dp``) gives its whole subtree
    (its contents: ``{"noise_multiplier": 1.0, ...}``), an empty mapping `_EMPTY`."""
    if key in config:
        value = config[key]
        return _EMPTY if isinstance(value, Mapping) and not value else _text(value)
    subtree = {k[len(key) + 1 :]: v for k, v in config.items() if k.startswith(f"{key}.")}
    return _text(subtree) if subtree else _MISSING


def _check_keys(by: Sequence[str], summaries: Sequence[RunSummary]) -> None:
    """Every key of ``by`` is in some run's config (or is a prefix of such a key)."""
    known = sorted(set().union(*(s.config for s in summaries)))
    for key in by:
        if any(k == key or k.startswith(f"{key}.") for k in known):
            continue
        close = closest_few(key, known)
        varying = [
            k for k in known
            if not is_seed_key(k) and len({_lookup(s.config, k) for s in summaries}) > 1
        ]  # fmt: skip
        hint = f"did you mean {', '.join(close)}? " if close else ""
        if varying:
            examples = f"varying in these runs: {', '.join(varying[:6])}"
        else:
            examples = f"e.g. {', '.join(known[:6])}" if known else "these runs record no config"
        raise ConfigError(
            f"--group-by: no run's config has the key {key!r}; {hint}use dotted keys of "
            f"results.json's config ({examples}), or '{PER_RUN}'"
        )


def _identity(summary: RunSummary, index: int, by: Sequence[str] | None) -> tuple[Any, ...]:
    """What runs of one row share: dataset and model, then the grouping keys' values. A run
    whose results.json has no config cannot be compared: it keeps a row of its own."""
    if not summary.config or (by is not None and tuple(by) == (PER_RUN,)):
        return (summary.pair, ("run", index))
    if by is None:
        rest: tuple[Any, ...] = tuple(
            sorted(
                (k, _text(v)) for k, v in summary.config.items()
                if not is_seed_key(k) and k not in _COSMETIC
            )
        )  # fmt: skip
    else:
        rest = tuple(_lookup(summary.config, key) for key in by)
    return (summary.pair, rest)


def _joined(values: Sequence[str]) -> str:
    return " / ".join(dict.fromkeys(values))


def _strongest(runs: Sequence[RunSummary]) -> str:
    if len({r.strongest_shown() for r in runs}) == 1:
        return runs[0].strongest_shown()
    # (the long words, then ' ×1, lira ×1' after them, read as one phrase)
    counts = Counter(r.strongest_shown(short=True) for r in runs)
    return ", ".join(f"{name} ×{n}" for name, n in counts.most_common())


def _epsilon(runs: Sequence[RunSummary]) -> float | None:
    """The ε every run of a row is private to: the largest; infinite when some of its runs
    are DP and some not (``--group-by train.epochs`` of a DP run and an undefended one showed
    the row's ε as the DP run's, a guarantee for a row averaging a run that had none)."""
    values = [r.epsilon for r in runs if r.epsilon is not None]
    if not values:
        return None
    return math.inf if len(values) < len(runs) else max(values)


def _attack_figures(runs: Sequence[RunSummary]) -> dict[str, Estimate]:
    """``ATTACK.METRIC`` -> estimate, for every AUC and TPR figure an attack reports."""
    # (a dict as an ordered set: a list's `in` made a results.json of 20,000 attacks, within
    # the size any run may have, take the report over ten minutes)
    keys: dict[tuple[str, str], None] = {}
    for run in runs:
        for attack, metrics in run.attacks.items():
            keys.update(((attack, m), None) for m in metrics
                        if m == "auc" or (m.startswith("tpr@") and m.endswith("fpr")))
    figures = {}
    for attack, m in keys:
        values, intervals = [], []
        for run in runs:
            own = run.attacks.get(attack, {})
            values.append(own.get(m, math.nan))
            intervals.append((own.get(f"{m}_ci_low", math.nan), own.get(f"{m}_ci_high", math.nan)))
        figures[f"{attack}.{m}"] = estimate(values, intervals, bounds=_RATE)
    return figures


def _figures(runs: Sequence[RunSummary]) -> dict[str, Estimate]:
    """Every figure of a row: utility, the strongest attack's, then each attack's."""

    def rate(value: str, interval: str) -> Estimate:
        return estimate(
            [getattr(r, value) for r in runs], [getattr(r, interval) for r in runs], bounds=_RATE
        )

    none = [(math.nan, math.nan)] * len(runs)
    return {
        "test_accuracy": rate("test_accuracy", "test_accuracy_ci"),
        "train_accuracy": estimate([r.train_accuracy for r in runs], none, bounds=_RATE),
        "generalization_gap": estimate([r.generalization_gap for r in runs], none),
        "max_auc": rate("leak_auc", "leak_auc_ci"),
        LEAK_TPR: rate("leak_tpr", "leak_tpr_ci"),
        **_attack_figures(runs),
    }


def _shared(dicts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The items every one of ``dicts`` has with the same value (in the first's order)."""
    first, *rest = dicts
    return {k: v for k, v in first.items() if all(k in d and repr(d[k]) == repr(v) for d in rest)}


def _name(runs: Sequence[RunSummary], by: Sequence[str] | None) -> str:
    """A row's name: ``key=value`` of the grouping keys; by default, the items its runs'
    names share but their seeds (their family when nothing else is left)."""
    if by is not None and tuple(by) == (PER_RUN,):
        return runs[0].name
    if by is not None:
        return ",".join(f"{key}={_lookup(runs[0].config, key)}" for key in by)
    head, sep, _ = runs[0].name.rpartition("/")  # the sweep's folder, when several were read
    prefix = head + sep if all(r.name.startswith(head + sep) for r in runs) else ""
    # each run's items without its own folder: seeds of one config from two sweeps lost the
    # items that tell the row apart (``sw/defense=none`` is no item of ``sw2/...``)
    names = [name_items(r.name[len(prefix) :] if prefix else r.name.rpartition("/")[2])
             for r in runs]  # fmt: skip
    kept = [
        item for item in names[0]
        if all(item in other for other in names) and not is_seed_key(item.partition("=")[0])
    ]  # fmt: skip
    return prefix + (",".join(kept) or runs[0].family)


def _told_apart(
    names: Sequence[str], runs: Sequence[Sequence[RunSummary]], hypers: Sequence[Mapping[str, Any]]
) -> list[str]:
    """``names`` of the rows, where rows of one (dataset, model) share one, with what tells
    them apart: their ``hypers`` (``no defense (train.lr=0.1)``), else their first run's
    name. Rows of runs whose folders hold no ``key=value`` item (single runs in
    outputs/DATE/TIME) were each named after their family: two rows of other settings read
    the same in the front, the summary, tradeoff.csv and the charts' legends."""

    def clashing(named: Sequence[str]) -> Counter[tuple[Any, str]]:
        return Counter((rs[0].pair, name) for rs, name in zip(runs, named, strict=True))

    seen = clashing(names)
    named = [
        name if seen[rs[0].pair, name] == 1 else f"{name} ({_format_hyper(hyper) or rs[0].name})"
        for name, rs, hyper in zip(names, runs, hypers, strict=True)
    ]
    seen = clashing(named)  # (rows alike in what they show: their first run's name)
    return [
        name if seen[rs[0].pair, name] == 1 else f"{old} ({rs[0].name})"
        for name, old, rs in zip(named, names, runs, strict=True)
    ]


def group_runs(
    summaries: Sequence[RunSummary], *, by: Sequence[str] | None = None
) -> list[RunGroup]:
    """The rows of the report, ordered by (dataset, model), then by their first run.

    Args:
        summaries: the ranked runs.
        by: ``None``: runs that differ only in their seeds share a row; config keys (dotted):
            runs that share these keys' values share a row; ``("run",)``: one row per run.
            Dataset and model always tell rows apart.

    Raises:
        ConfigError: a key of ``by`` is in no run's config (the message names it, close
            matches and the keys that vary).
    """
    if by is not None and tuple(by) != (PER_RUN,):
        _check_repeats(list(by), given=f"group_by={list(by)!r}")
        _check_keys(by, summaries)
    members: dict[tuple[Any, ...], list[int]] = {}
    for i, s in enumerate(summaries):
        members.setdefault(_identity(s, i, by), []).append(i)
    pairs = list(dict.fromkeys(s.pair for s in summaries))
    ordered = sorted(members.values(), key=lambda m: (pairs.index(summaries[m[0]].pair), m[0]))
    runs = [tuple(summaries[i] for i in m) for m in ordered]
    per_run = by is not None and tuple(by) == (PER_RUN,)
    settings = [_shared([r.settings for r in rs]) for rs in runs]
    if not per_run:  # seeds are their own column
        settings = [{k: v for k, v in s.items() if not is_seed_key(k)} for s in settings]
    families = [_joined([r.family for r in rs]) for rs in runs]
    owns = [set().union(*(r.own_settings for r in rs)) for rs in runs]
    hypers = distinguishing(settings, families, owns)
    names = _told_apart([_name(rs, by) for rs in runs], runs, hypers)
    labels = short_labels(names)
    rows = []
    for name, label, rs, family, hyper in zip(names, labels, runs, families, hypers, strict=True):
        row = RunGroup(
            name=name, label=label, dataset=rs[0].dataset, model=rs[0].model, runs=rs,
            family=family, defense=_joined([r.defense for r in rs]),
            release=_joined([r.release for r in rs]), hyperparameters=hyper,
            metrics=_figures(rs), epsilon=_epsilon(rs), strongest_attack=_strongest(rs),
            evaluation=rs[0].evaluation,
            epsilon_valid=all(r.epsilon_valid for r in rs if r.epsilon is not None),
        )  # fmt: skip
        rows.append(row)
    return rows
