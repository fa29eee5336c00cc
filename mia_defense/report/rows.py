"""The tradeoff table's rows: one per group of runs (`mia_defense.report.groups`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from mia_defense.metrics.roc import fpr_key
from mia_defense.report.groups import RunGroup
from mia_defense.report.table import (
    LEAK_TPR,
    TABLE_FPRS,
    _figure_cells,
    _figure_columns,
    _seeds_cell,
    hyper_items,
    list_cell,
)

__all__ = ["table_rows"]


def _validity(group: RunGroup) -> str:
    if group.epsilon is None:
        return ""
    return "yes" if group.epsilon_valid else "no"


def table_rows(
    groups: Sequence[RunGroup],
    *,
    front: Collection[int] = (),
    careful: Collection[int] = (),
    fprs: Sequence[float] = TABLE_FPRS,
) -> tuple[list[str], list[list[Any]]]:
    """Headers and raw rows (numbers unrounded, ``None`` or NaN for missing) of the table.

    One row per group (see `mia_defense.report.groups`): run (the row's name; the column
    keeps the name it had when every row was a run), dataset, model (with its runs'
    evaluation in brackets where they were attacked otherwise, as their front is named: a
    ``pareto`` ``yes`` is of that front), family,
    defense, the defenses that did not act in its runs (`RunGroup.defenses_idle`: its
    figures are not the defense's), release, hyperparameters, n (runs), seeds, then each
    figure as mean, ``_ci_low`` and ``_ci_high`` (95% interval), with ``_std``, ``_min``
    and ``_max`` over the runs for test accuracy and the strongest attack's AUC and TPR at
    0.1% FPR; train accuracy, gap, ε (the largest of the runs), whether it is a guarantee (``yes``,
    ``no`` when a run's results.json says it is not, ``""`` without ε), the strongest
    attack; each attack's AUC and TPR at ``fprs``; whether the row is on its (dataset,
    model) Pareto front (``front``: indices into ``groups``); whether a run of the row has
    a caveat (``careful``: its leakage may be understated, its ε no guarantee; the report
    lists them); the runs' names. The lists (hyperparameters, runs) are `list_cell`s: joined
    by ``; ``, each item's ``\\`` and ``;`` backslash-escaped.
    """
    attacks: list[str] = []
    for g in groups:
        for run in g.runs:
            attacks += [a for a in run.attacks if a not in attacks]
    figures = [f"{a}.{m}" for a in attacks for m in ("auc", *(fpr_key(f) for f in fprs))]
    headers = [
        "run", "dataset", "model", "family", "defense", "defense_idle", "release",
        "hyperparameters", "n", "seeds", *_figure_columns("test_accuracy"), "train_accuracy",
        "generalization_gap", "epsilon", "epsilon_valid", "strongest_attack",
        *_figure_columns("max_auc"), *_figure_columns(LEAK_TPR),
        *(c for f in figures for c in _figure_columns(f)), "pareto", "read_with_care", "runs",
    ]  # fmt: skip
    rows = []
    for i, g in enumerate(groups):
        m = g.metrics
        rows.append(
            [
                g.name, g.dataset, g.pair[1], g.family, g.defense, g.defenses_idle, g.release,
                list_cell(hyper_items(g.hyperparameters)), g.n, _seeds_cell(g.seeds),
                *_figure_cells("test_accuracy", m["test_accuracy"]),
                m["train_accuracy"].value, m["generalization_gap"].value, g.epsilon,
                _validity(g),
                g.strongest_attack, *_figure_cells("max_auc", m["max_auc"]),
                *_figure_cells(LEAK_TPR, m[LEAK_TPR]),
                *(c for f in figures for c in _figure_cells(f, m.get(f))),
                "yes" if i in front else "", "yes" if i in careful else "",
                list_cell(r.name for r in g.runs),
            ]
        )  # fmt: skip
    return headers, rows
