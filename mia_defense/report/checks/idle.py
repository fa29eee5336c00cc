"""The run's defenses that did not act (results.json's ``training.defenses_idle``): their
caveats (`idle_defense_notes`), how many of the run's models each did not act in
(`idle_counts`, `idle_share`), and how an edited field is not what mia-train writes
(`idle_defenses_problem`, which `payload` asks). `notes` re-exports the public names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mia_defense.report.checks._values import _counts, _show, one_line
from mia_defense.report.checks.provenance import _built_in_nodes

__all__ = [
    "IDLE_MARK",
    "idle_counts",
    "idle_defense_notes",
    "idle_defenses",
    "idle_defenses_problem",
    "idle_models",
    "idle_share",
    "idle_share_said",
]


def _idle_unrecorded(payload: Mapping[str, Any]) -> bool:
    """Whether a run of a training defense lacks ``training.defenses_idle``, which mia-train
    writes on every run (``[]`` where every defense acted, `idle_defenses`): deleted, the run
    of a defense that did not act (early stopping that never stopped) read as one whose
    defense acted, ranked under its name with no caveat or mark."""
    training, defense = payload.get("training"), payload.get("defense")
    name = defense.get("defense") if isinstance(defense, Mapping) else None
    return (isinstance(training, Mapping) and "defenses_idle" not in training
            and isinstance(name, str) and name not in ("", "none"))  # fmt: skip


def idle_defense_notes(payload: Mapping[str, Any]) -> list[str]:
    """A caveat per defense of the run that did not act (results.json's
    ``training.defenses_idle``, `mia_defense.pipeline.train.idle_defenses`): early stopping
    that neither stopped a model nor restored an earlier epoch, RelaxLoss at an alpha no
    batch loss fell to, a dropout at p=1e-12 trained the undefended run's models bit for bit,
    and the table named the run by the defense with no word, read as a defense that costs
    nothing and protects nothing. Absent (runs of earlier versions, or every defense
    acted) or not a list: none. A blank reason (``""`` of a run from before e2d843d6, which
    records none now) is said to be none: 'did not act: ' ended with nothing after. One idle
    in some of the run's models only says in how many (`idle_counts`, `idle_share`: 'did not
    act in 2 of 4 models: '), as the report's fronts mark it: it said 'did not act', as of
    one idle in every model."""
    return [
        f"defense {one_line(defense, limit=60)} did not act{idle_share_said(count)}: "
        f"{one_line(reason, limit=400) or 'no reason recorded'}"
        for (defense, reason), count in zip(
            idle_defenses(payload), idle_counts(payload), strict=True)
    ]


def idle_share(count: tuple[int, int] | None) -> str:
    """``in 2 of 4 models`` of a defense that did not act in ``(idle, models)`` of a run's or
    a row's models (`idle_counts`) where it acted in the others, else ``""``: how every
    place that lists the idle defenses says it (the fronts' mark, the caveats, mia-train's
    end-of-run line)."""
    if count is None or not 0 < count[0] < count[1]:
        return ""
    return f"in {count[0]} of {count[1]} models"


def idle_share_said(count: tuple[int, int] | None) -> str:
    """`idle_share` after 'did not act': with a space before it, or nothing (the caveats,
    mia-train's end-of-run line)."""
    share = idle_share(count)
    return f" {share}" if share else ""


# What the report's fronts (summary and console) write beside the family of a row whose
# run's defense did not act (`idle_defenses`), in brackets with the defenses' names.
IDLE_MARK = "did not act"


def idle_defenses(payload: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """``(defense, reason)`` of each defense of the run that did not act, as results.json's
    ``training.defenses_idle`` records them (`idle_defense_notes`); none where the field is
    absent or not a list, and no entry that is not a mapping."""
    return [(e.get("defense"), e.get("reason")) for e in _idle_entries(payload)]


def idle_counts(payload: Mapping[str, Any]) -> tuple[tuple[int, int] | None, ...]:
    """``(idle, models)`` per defense of `idle_defenses`: the models it did not act in, of
    the run's, as mia-train records them (the entry's ``idle_models`` and ``models``), else
    as its reason's words count them (`idle_models`: runs written before the fields were;
    not those of a defense of one's own, `_words_read`), else every one of results.json's
    ``num_models``; ``None`` where none is known."""
    every = _every_model(payload)
    return tuple(_recorded_count(e) or _words_read(e, payload) or every
                 for e in _idle_entries(payload))  # fmt: skip


# How a reason of training.defenses_idle counts the models the defense did not act in, of
# the run's (RelaxLoss's and early stopping's idle_reason: "... in the training of 2 of the
# 4 model(s) ..."): results.json of runs before the entries' idle_models and models fields
# recorded the count in these words only.
_IDLE_MODELS = re.compile(r"\b(\d+) of the (\d+) model\(s\)")


# The fields of an entry of training.defenses_idle that count its models (`_recorded_count`).
_IDLE_COUNT_FIELDS = ("idle_models", "models")


def idle_models(reason: Any) -> tuple[int, int] | None:
    """``(idle, models)`` where the ``reason`` of a defense that did not act
    (`idle_defenses`) says it did not act in ``idle`` of the run's ``models`` only (some
    of them did act); ``None`` where it names no such count or counts every model: the
    run was marked a defense that did not act, when 2 of its 4 models had (RelaxLoss at an
    alpha two models reached). For runs that record no count of their own (`idle_counts`)."""
    counted = _worded_count(reason)
    return counted if counted is not None and 0 < counted[0] < counted[1] else None


def _worded_count(reason: Any) -> tuple[int, int] | None:
    """The ``(idle, models)`` a reason's words name ("2 of the 4 model(s)"), else ``None``."""
    match = _IDLE_MODELS.search(reason) if isinstance(reason, str) else None
    return None if match is None else (int(match[1]), int(match[2]))


def _recorded_count(entry: Mapping[str, Any]) -> tuple[int, int] | None:
    """An entry's ``(idle_models, models)`` where both are whole numbers with
    ``1 <= idle_models <= models``, else ``None`` (absent: a run before them; otherwise
    edited, which `idle_defenses_problem` refuses)."""
    idle, models = (entry.get(key) for key in _IDLE_COUNT_FIELDS)
    return (idle, models) if _counts(idle, models) and 0 < idle <= models else None


def _words_count(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Whether an entry's reason was worded by mia-defense's own code, which says its count
    as its ``idle_models`` ("2 of the 4 model(s)": RelaxLoss, early stopping): the entry names
    a defense of the run's config whose ``_target_`` is built in (`_built_in_nodes`; one's
    own subclass of a built-in keeps its name, not its target). A defense of one's own may word
    another count, or such a count of something else: mia-train records its hook's count
    beside its words and never compares them, so its genuine run was skipped as edited."""
    config = payload.get("config")
    return isinstance(config, Mapping) and entry.get("defense") in _built_in_nodes(config)


def _words_read(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> tuple[int, int] | None:
    """`idle_models` of an entry's reason, for `idle_counts` of an entry that records no count,
    or ``None`` where its words are not mia-defense's (a release's, which count nothing, or
    a defense of one's own, `_ones_own`): one without the idle_models hook records none, and
    mia-report read one off words such as '... in epoch 1 in 3 of the 4 model(s)', marking a
    defense idle in every model as idle in 3 of 4. Only RelaxLoss's and early stopping's
    reasons count in these words (the runs written before the fields are read by them)."""
    if _release_entry(entry, payload) or _ones_own(entry, payload):
        return None
    return idle_models(entry.get("reason"))


def _ones_own(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Whether an entry is a defense of one's own: none of the run's built-in defenses by
    its name (`_built_in_nodes`; one's own subclass of a built-in keeps its name, not its
    target), in a run whose config names a class of one's own under ``defense`` (a
    ``_target_`` outside mia_defense). A run without a config tells nothing: ``False``."""
    config = payload.get("config")
    nodes = config.get("defense") if isinstance(config, Mapping) else None
    if not isinstance(nodes, Mapping) or entry.get("defense") in _built_in_nodes(config):
        return False
    targets = (node.get("_target_") for node in nodes.values() if isinstance(node, Mapping))
    return any(isinstance(t, str) and not t.startswith("mia_defense.") for t in targets)


def _release_entry(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Whether an entry is the run's release (``release=NAME`` of results.json's
    ``defense.release``, `mia_defense.defenses.release.release_idle`), not a defense."""
    defense = payload.get("defense")
    release = defense.get("release") if isinstance(defense, Mapping) else None
    return isinstance(release, str) and entry.get("defense") == f"release={release}"


def _every_model(payload: Mapping[str, Any]) -> tuple[int, int] | None:
    """``(K, K)`` of a run of results.json's ``num_models`` K: a defense that did not act
    and counts no models did not act in any (`idle_counts`)."""
    count = payload.get("num_models")
    return (count, count) if _counts(count) and count > 0 else None


def _idle_entries(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The entries of results.json's ``training.defenses_idle`` that are mappings; none
    where it is absent or not a list."""
    idle = _idle_field(payload)
    return [e for e in idle if isinstance(e, Mapping)] if isinstance(idle, list) else []


def _idle_field(payload: Mapping[str, Any]) -> Any:
    """results.json's ``training.defenses_idle`` as written, ``None`` where absent."""
    training = payload.get("training")
    return training.get("defenses_idle") if isinstance(training, Mapping) else None


def idle_defenses_problem(payload: Mapping[str, Any]) -> str | None:
    """How results.json's ``training.defenses_idle`` is not what mia-train writes (a list of
    ``{"defense": name, "reason": text}``, each naming one of the run's defenses in
    ``defense.defense``, with its count where it has one, `_idle_count_problem`), or
    ``None`` (null or ``[]``: every defense acted; absent: a caveat, `_idle_unrecorded`).
    `idle_defenses` reads no entry of a field edited to a name, a list of names or an
    object, so the run of a defense that did not act was ranked under its name with no
    mark, as a defense that acted."""
    idle = _idle_field(payload)
    if idle is None:
        return None
    if not isinstance(idle, list) or not all(
            isinstance(e, Mapping) and isinstance(e.get("defense"), str)
            and isinstance(e.get("reason"), str) for e in idle):  # fmt: skip
        return (f"training.defenses_idle is {_show(idle)}, not a list of {{defense, reason}} "
                "as mia-train writes it (the run's defenses that did not act): the file was "
                "edited; rerun the run")
    defense = payload.get("defense")
    name = defense.get("defense") if isinstance(defense, Mapping) else None
    ran = name.split("+") if isinstance(name, str) else None
    if ran is not None and isinstance(defense.get("release"), str):  # (`release_idle`)
        ran.append(f"release={defense['release']}")
    stray = [e["defense"] for e in idle if ran is not None and e["defense"] not in ran]
    if stray:
        return (f"training.defenses_idle names {_show(stray[0])}, no defense of the run "
                f"(defense.defense is {_show(name)}): the file was edited; rerun the run")
    problems = (_idle_count_problem(e, payload) for e in idle)
    return next((p for p in problems if p is not None), None)


def _idle_count_problem(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> str | None:
    """How an entry's count (``idle_models`` of ``models``, `_recorded_count`) is not what
    mia-train writes: one without the other, no whole numbers with ``1 <= idle_models <=
    models`` (``-1``, ``true``, ``2.0``, 5 of 4), ``models`` other than the run's
    ``num_models``, or, for a release or one of mia-defense's own defenses, a count other
    than mia-train writes there (`_count_written`); ``None`` where it has neither field (a run
    before them).
    Such a count marked a defense idle in every model as idle in some, or the reverse."""
    num_models = payload.get("num_models")
    idle, models = (entry.get(key) for key in _IDLE_COUNT_FIELDS)
    if not any(key in entry for key in _IDLE_COUNT_FIELDS):
        return None
    where = f"training.defenses_idle's entry for {_show(entry['defense'])}"
    if _recorded_count(entry) is None:
        return (f"{where} counts idle_models={_show(idle)} of models={_show(models)}, not "
                "whole numbers with 1 <= idle_models <= models as mia-train writes them: the "
                "file was edited; rerun the run")
    if _counts(num_models) and models != num_models:
        return (f"{where} counts models={models}, but the run trained num_models="
                f"{num_models}: the file was edited; rerun the run")
    written = _count_written(entry, payload, models)
    if written is not None and written[0] != (idle, models):
        return (f"{where} counts idle_models={idle} of models={models}, but {written[1]}: the "
                "file was edited; rerun the run")
    return None


def _count_written(
    entry: Mapping[str, Any], payload: Mapping[str, Any], models: int
) -> tuple[tuple[int, int], str] | None:
    """The ``(idle_models, models)`` mia-train writes beside an entry of mia-defense's own
    words, with what says so, or ``None`` (a defense of one's own: its hook's count, which
    mia-train never compares with its words). A release's: every model
    (`release.release_idle`). A built-in defense's (`_words_count`): the count its reason's
    words name (RelaxLoss, early stopping), else every model (idle at its setting,
    `compose.inactive_setting`, whose words name none: an edited count was read as written,
    'did not act in 2 of 4 models')."""
    every = (models, models)
    if _release_entry(entry, payload):
        return every, ("a release lets out every model's outputs alike: mia-train writes it "
                       f"idle in every model ({models} of {models})")  # fmt: skip
    if not _words_count(entry, payload):
        return None
    worded = _worded_count(entry["reason"])
    if worded is None:
        return every, ("its reason names no count, which mia-defense's own defenses write only "
                       f"of one idle in every model ({models} of {models})")  # fmt: skip
    return worded, f"its reason says {worded[0]} of the {worded[1]} model(s)"
