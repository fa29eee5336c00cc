"""The tradeoff table: one row per run, utility beside every attack's success."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mia_defense.report.objectives import objective
from mia_defense.report.runs import RunRecord

__all__ = [
    "BASELINE",
    "NOT_RANKED",
    "TABLE_FPRS",
    "RunSummary",
    "defense_family",
    "markdown_table",
    "not_ranked_markdown",
    "short_labels",
    "summarise",
    "table_rows",
    "write_csv",
]

# The family of runs without any defense.
BASELINE = "no defense"
# FPRs of the TPR columns: 1% and the headline 0.1%.
TABLE_FPRS: tuple[float, ...] = (0.01, 0.001)
_NAMES = ("defense", "release")


def _fpr_key(fpr: float) -> str:
    return f"tpr@{fpr * 100:g}%fpr"


# Sweep sub-directories are "key=value" items joined by commas (conf/hydra/default.yaml);
# a comma inside a list value (model.hidden=[64,64]) is not followed by "key=".
_ITEM_SPLIT = re.compile(r",(?=[^,=\[\]]+=)")


def short_labels(names: Sequence[str]) -> list[str]:
    """Run names without the ``key=value`` items every run shares, for legends and lists."""
    items = [_ITEM_SPLIT.split(name) for name in names]
    shared = set.intersection(*(set(i) for i in items)) if len(items) > 1 else set()
    labels = []
    for name, parts in zip(names, items, strict=True):
        kept = [p for p in parts if p not in shared]
        labels.append(",".join(kept) or name)
    return labels


def defense_family(defense: str, release: str) -> str:
    """A run's family for colours and legends: its training defenses and output release."""
    parts = [] if defense in ("none", "") else [defense]
    if release not in ("full", "none", ""):
        parts.append(f"{release} release")
    return " + ".join(parts) or BASELINE


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
        epsilon: the DP accountant's ε (``inf`` without noise), ``None`` when not DP.
        strongest_attack: the black-box attack with the highest TPR at the lowest FPR.
        leak_tpr: the strongest attack's TPR at 0.1% FPR (max over black-box attacks).
        leak_auc: the strongest attack's AUC (max over black-box attacks).
        attacks: attack -> its metrics from results.json.
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


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _settings(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A run's settings: its defenses' (``dp.target_epsilon``...), then its flat config
    (``train.epochs``...) without the config copies of the defenses' settings."""
    own = {k: v for k, v in payload["defense"].items() if k not in _NAMES}
    flat = {
        k: v for k, v in payload.get("hparams", {}).items()
        if not any(k == s or k.endswith("." + s) for s in own)
    }  # fmt: skip
    return {**own, **flat}


def _hyperparameters(runs: Sequence[RunRecord], families: Sequence[str]) -> list[dict[str, Any]]:
    """What distinguishes each run: the settings that differ between the runs that have them,
    and, for a family with a single run, all of its defenses' own settings."""
    settings = [_settings(run.payload) for run in runs]
    values: dict[str, set[str]] = {}
    for s in settings:
        for key, value in s.items():
            values.setdefault(key, set()).add(repr(value))
    varying = {key for key, seen in values.items() if len(seen) > 1}
    alone = {f for f in families if families.count(f) == 1}
    # a defense's own settings are "name.key" (dp.target_epsilon, release.k)
    owns = [{k for k in r.payload["defense"] if "." in k} for r in runs]
    return [
        {k: v for k, v in s.items() if k in varying or (fam in alone and k in own)}
        for s, fam, own in zip(settings, families, owns, strict=True)
    ]


def summarise(runs: Sequence[RunRecord]) -> list[RunSummary]:
    """One `RunSummary` per run; hyperparameters list what distinguishes the runs."""
    families = [
        defense_family(str(r.payload["defense"].get("defense", "none")),
                       str(r.payload["defense"].get("release", "full")))
        for r in runs
    ]  # fmt: skip
    hypers = _hyperparameters(runs, families)
    labels = short_labels([run.name for run in runs])
    summaries = []
    for run, label, hyper in zip(runs, labels, hypers, strict=True):
        p = run.payload
        defense = str(p["defense"].get("defense", "none"))
        release = str(p["defense"].get("release", "full"))
        privacy = p.get("privacy", {})
        # JSON stores an infinite ε (no noise) as null.
        epsilon = None
        if "epsilon" in privacy:
            epsilon = math.inf if privacy["epsilon"] is None else float(privacy["epsilon"])
        summaries.append(
            RunSummary(
                name=run.name,
                label=label,
                path=run.path,
                family=defense_family(defense, release),
                defense=defense,
                release=release,
                hyperparameters=hyper,
                test_accuracy=_num(p["utility"]["test_accuracy"]),
                train_accuracy=_num(p["utility"].get("train_accuracy")),
                generalization_gap=_num(p["utility"].get("generalization_gap")),
                epsilon=epsilon,
                strongest_attack=str(p.get("strongest_attack", "")),
                leak_tpr=objective(p, f"max_attack.{_fpr_key(0.001)}"),
                leak_auc=objective(p, "max_attack.auc"),
                attacks={
                    name: {k: _num(v) for k, v in m.items() if k != "access"}
                    for name, m in p["attacks"].items()
                },
            )
        )
    return summaries


def _format_hyper(hyper: Mapping[str, Any]) -> str:
    def fmt(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)

    return "; ".join(f"{k}={fmt(v)}" for k, v in hyper.items())


def table_rows(
    summaries: Sequence[RunSummary],
    *,
    front: Sequence[int] = (),
    fprs: Sequence[float] = TABLE_FPRS,
) -> tuple[list[str], list[list[Any]]]:
    """Headers and raw rows (numbers unrounded, ``None`` for missing) of the tradeoff table.

    Columns: run, family, defense, release, hyperparameters, test/train accuracy, gap, ε,
    the strongest attack and its AUC and TPRs, then each attack's AUC and TPR at ``fprs``,
    and whether the run is on the Pareto front (``front``: indices into ``summaries``).
    """
    attacks: list[str] = []
    for s in summaries:
        attacks += [a for a in s.attacks if a not in attacks]
    metrics = ["auc", *(_fpr_key(f) for f in fprs)]
    headers = [
        "run", "family", "defense", "release", "hyperparameters",
        "test_accuracy", "train_accuracy", "generalization_gap", "epsilon",
        "strongest_attack", "max_auc", f"max_{_fpr_key(0.001)}",
        *(f"{a}.{m}" for a in attacks for m in metrics),
        "pareto",
    ]  # fmt: skip
    on_front = set(front)
    rows = []
    for i, s in enumerate(summaries):
        per_attack = [s.attacks.get(a, {}).get(m) for a in attacks for m in metrics]
        rows.append(
            [
                s.name, s.family, s.defense, s.release, _format_hyper(s.hyperparameters),
                s.test_accuracy, s.train_accuracy, s.generalization_gap, s.epsilon,
                s.strongest_attack, s.leak_auc, s.leak_tpr,
                *per_attack,
                "yes" if i in on_front else "",
            ]
        )  # fmt: skip
    return headers, rows


def _csv_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The table as CSV, numbers at full precision (``repr``), missing values empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows([[_csv_cell(v) for v in row] for row in rows])


def _md_cell(header: str, value: Any) -> str:
    if header == "epsilon":
        if value is None:
            return "–"
        return "∞" if math.isinf(value) else f"{value:.3g}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}" if "tpr@" in header else f"{value:.3f}"
    return str(value).replace("|", "\\|")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The table as GitHub Markdown, rounded for reading (TPRs to 4 decimals, others to 3)."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        cells = [_md_cell(h, v) for h, v in zip(headers, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# Title of the list of runs left out of the ranking, in every file of the report.
NOT_RANKED = "Runs not ranked"


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
    for run, reason in entries:
        cells = [str(c).replace("|", "\\|").replace("`", "'") for c in (run, reason)]
        lines.append(f"| `{cells[0]}` | {cells[1]} |")
    return "\n".join(lines) + "\n"
