"""What reading a run folder gives mia-report (`mia_defense.report.runs.load_runs`): one run
(`RunRecord`), and the runs read with those skipped or not ranked and why (`LoadedRuns`),
apart from the modules that fill and sort them, which share them (no import cycle)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mia_defense.constraints import shown_path
from mia_defense.report.checks import PrintableLog
from mia_defense.report.scores import ScoresRead

__all__ = ["RESULTS", "LoadedRuns", "RunRecord", "log"]

# (the loading's own logger, by the name it has always had, whichever module warns)
log = logging.getLogger("mia_defense.report.runs")
log.addFilter(PrintableLog())

RESULTS = "results.json"


@dataclass(frozen=True)
class RunRecord:
    """One finished run: its directory and the content of its results.json.

    Attributes:
        path: the run directory.
        name: the run's name relative to the directory it was found under (its sweep
            sub-directory, e.g. ``train.epochs=10``; ``SWEEP/train.epochs=10`` when several
            directories are read), or the directory's own name.
        payload: results.json as a dict.
        apart: what tells this run apart from runs of the same config and seeds that are
            no repeat of it (`_tell_apart`): ``data=FINGERPRINT`` (other data: an edited data
            file) or ``software=DIGEST`` (other library versions or code); ``""`` for none.
        scores: its strongest attack's scores, read once (`read_scores`) for the checks of
            its figures and its ROC curve; ``None`` where it names no such attack.
    """

    path: Path
    name: str
    payload: Mapping[str, Any]
    apart: str = ""
    scores: ScoresRead | None = field(default=None, compare=False, repr=False)


@dataclass
class LoadedRuns:
    """The runs that could be read, and why the others were skipped.

    Attributes:
        runs: the finished runs that may be ranked, in directory order.
        skipped: ``(directory, reason)`` of every run (or unreadable directory) left out
            because its results.json could not be read or trusted.
        unranked: ``(run, reason)`` of the readable runs that get no privacy verdict:
            training diverged, utility not above chance, no leakage figure.
        caveats: ``(run, note)`` of ranked runs whose leakage figure needs a caveat
            (`caveats`: a refuted DP claim, too few non-member scores for its FPR).
    """

    runs: list[RunRecord] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    unranked: list[tuple[RunRecord, str]] = field(default_factory=list)
    caveats: list[tuple[RunRecord, str]] = field(default_factory=list)

    def not_ranked(self, record: RunRecord, reason: str) -> None:
        """Set ``record`` aside without a verdict, for ``reason``, and warn of it."""
        self.unranked.append((record, reason))
        log.warning("%s: %s; not ranked", shown_path(record.path / RESULTS), reason)

    def caveat(self, record: RunRecord, note: str) -> None:
        """Note a caveat on the ranked ``record``, and warn of it."""
        self.caveats.append((record, note))
        log.warning("%s: %s", shown_path(record.path / RESULTS), note)
