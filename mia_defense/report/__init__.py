"""Reports over many runs: the tradeoff table, charts and Pareto fronts.

Each name loads its module on first use (PEP 562): mia-train reads a few modules of this
package (its end-of-run table and checks) and none of the report's table, charts and run
loading.
"""

from importlib import import_module
from typing import Any

# Loaded here: the function `objectives` shares its module's name, which the module's
# import would otherwise bind in this package (mia-train imports it anyway).
from mia_defense.report.objectives import (
    DEFAULT_OBJECTIVE,
    check_objective_names,
    objective,
    objectives,
)

# name -> the module that defines it
_NAMES = {
    "DEFAULT_OBJECTIVE": "objectives",
    "Estimate": "stats",
    "LoadedRuns": "runs",
    "Report": "build",
    "RunGroup": "groups",
    "RunRecord": "runs",
    "RunSummary": "table",
    "check_objective_names": "objectives",
    "describe_grouping": "groups",
    "group_runs": "groups",
    "load_runs": "runs",
    "objective": "objectives",
    "objectives": "objectives",
    "pareto_front": "pareto",
    "pareto_fronts": "pareto",
    "parse_group_by": "groups",
    "summarise": "table",
    "write_report": "build",
}

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


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
