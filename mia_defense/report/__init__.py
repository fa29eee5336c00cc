"""Reports over many runs: the tradeoff table, charts and Pareto front."""

from mia_defense.report.build import Report, write_report
from mia_defense.report.objectives import (
    DEFAULT_OBJECTIVE,
    check_objective_names,
    objective,
    objectives,
)
from mia_defense.report.pareto import pareto_front
from mia_defense.report.runs import LoadedRuns, RunRecord, load_runs
from mia_defense.report.table import RunSummary, summarise

__all__ = [
    "DEFAULT_OBJECTIVE",
    "LoadedRuns",
    "Report",
    "RunRecord",
    "RunSummary",
    "check_objective_names",
    "load_runs",
    "objective",
    "objectives",
    "pareto_front",
    "summarise",
    "write_report",
]
