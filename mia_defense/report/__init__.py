"""Reports over many runs: the tradeoff table, charts and Pareto fronts."""

from mia_defense.report.build import Report, write_report
from mia_defense.report.groups import RunGroup, describe_grouping, group_runs, parse_group_by
from mia_defense.report.objectives import (
    DEFAULT_OBJECTIVE,
    check_objective_names,
    objective,
    objectives,
)
from mia_defense.report.pareto import pareto_front, pareto_fronts
from mia_defense.report.runs import LoadedRuns, RunRecord, load_runs
from mia_defense.report.stats import Estimate
from mia_defense.report.table import RunSummary, summarise

__all__ = [
    "DEFAULT_OBJECTIVE",
    "Estimate",
    "LoadedRuns",
    "Report",
    "RunGroup",
    "RunRecord",
    "RunSummary",
    "check_objective_names",
    "describe_grouping",
    "group_runs",
    "load_runs",
    "objective",
    "objectives",
    "pareto_front",
    "pareto_fronts",
    "parse_group_by",
    "summarise",
    "write_report",
]
