"""The caveats a reader of a ranked run's row must know (`caveats`): a DP claim refuted,
untested or no guarantee, suspect masks, inverted scores, a TPR below its scores'
resolution, an accuracy on few records or near chance, attacks left out. The TPR's
resolution (`resolution`), the defenses that did not act (`idle`), the test accuracy's
caveats (`accuracy`) and the attacker's (`attacker`) have modules of their own; their public
names are re-exported here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mia_defense.attacks.base import BLACK_BOX, DEFAULT_ACCESS
from mia_defense.errors import first_few
from mia_defense.report.checks._values import (
    _counts,
    _numbers,
    _show,
    one_line,
)
from mia_defense.report.checks.accuracy import (
    SMALL_TEST_SET,
    models_at_chance_note,
    near_chance_note,
    release_near_chance_note,
    small_test_set_note,
)
from mia_defense.report.checks.attacker import (
    _randomized_release,
    randomized_release,
    randomized_release_note,
    weak_attacker_notes,
)
from mia_defense.report.checks.headline import writer_mark
from mia_defense.report.checks.idle import (
    IDLE_MARK,
    _idle_unrecorded,
    idle_counts,
    idle_defense_notes,
    idle_defenses,
    idle_defenses_problem,
    idle_models,
    idle_share,
    idle_share_said,
)
from mia_defense.report.checks.privacy import epsilon_doubt, vacuous_epsilon
from mia_defense.report.checks.provenance import (
    _test_size,
    other_confidence,
    thin_intervals,
)
from mia_defense.report.checks.resolution import resolution_note
from mia_defense.report.objectives import (
    DEFAULT_OBJECTIVE,
    UNDERSTATED_LEAK,
    standing_epsilon,
)

__all__ = [
    "IDLE_MARK",
    "SMALL_TEST_SET",
    "UNDERSTATED_CAVEATS",
    "caveats",
    "duplicates_note",
    "idle_counts",
    "idle_defense_notes",
    "idle_defenses",
    "idle_defenses_problem",
    "idle_models",
    "idle_share",
    "idle_share_said",
    "label_copies_note",
    "models_at_chance_note",
    "near_chance_note",
    "no_gradient_note",
    "randomized_release",
    "randomized_release_note",
    "reasons_said_below",
    "release_near_chance_note",
    "resolution_note",
    "run_end_lines",
    "small_test_set_note",
]


# How the caveat on a run whose black-box attack scores are inverted begins, and the one on
# a run whose outputs are saturated.
INVERTED_CAVEAT = "attack scores inverted, the leak is understated"
SATURATED_CAVEAT = "the models' outputs are saturated"
# The caveats' starts of the runs whose black-box figures understate their leak
# (`mia_defense.report.objectives.UNDERSTATED_LEAK`: a search gets them as the most leaking),
# each with what the report calls it: mia-report leaves such runs off the Pareto fronts.
UNDERSTATED_CAVEATS = {
    INVERTED_CAVEAT: UNDERSTATED_LEAK["attacks_inverted"],
    SATURATED_CAVEAT: UNDERSTATED_LEAK["outputs_saturated"],
}


def _unrecorded_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run of mia-train (`writer_mark`; no ``source``: mia-attack's record
    carries what the run it attacked said) whose results.json lacks a field mia-train writes
    on every run and a caveat is drawn from: ``utility.test_accuracy_models_at_chance`` (with
    a test set; `models_at_chance_note`), ``data_duplicates`` (`duplicates_note`) and, beside
    a finite ε, ``privacy.epsilon_refuted`` (the claim held to the attacks' measured bound)
    and, of a run of a defense, ``training.defenses_idle`` (`_idle_unrecorded`).
    Deleted, the caveat went without a word (3 of 8 models at chance, train.lr=0.2), or a
    refuted ε read as a sound one. Runs written before a field was recorded (2026-12-01 to
    12-07) get it too: what the field tells cannot be checked there either. The caveat
    fields mia-train and mia-attack (its record too) write always since
    `_CAVEATS_ALWAYS_SINCE` (`_unrecorded_caveats`) are named the same way, and
    ``privacy.outputs_saturated`` of either, whatever its age (`_unmeasured_saturation`)."""
    if writer_mark(payload) is None:
        return None
    missing = _unrecorded_caveats(payload) + _unmeasured_saturation(payload)
    if "source" not in payload:
        missing = _unrecorded_fields(payload) + missing
    if not missing:
        return None
    return (f"results.json records no {'; no '.join(missing)}: deleted, or written before runs "
            "recorded it, and with it the caveat it gives; rerun it to know")


# A field written on every run of mia-train and mia-attack since 5f675823 (2026-12-06), a
# little before `_unrecorded_caveats`' fields were written always (null where nothing is
# wrong): a file without it is older, and lacks them as a run's normal state.
_CAVEATS_ALWAYS_SINCE = "released_labels_only"


def _unrecorded_caveats(payload: Mapping[str, Any]) -> list[str]:
    """The caveat fields a record of mia-train or mia-attack (`writer_mark`) of
    `_CAVEATS_ALWAYS_SINCE` lacks, each with what it tells: ``privacy.epsilon_untested``
    beside a finite ε not refuted (`_untested_note`; not filled by
    `mia_defense.report.folder_checks._with_claim`, which cannot recompute it for a run with
    canaries or a one-run audit), ``privacy.no_verdict_reason`` (its attacks could not
    judge: targets of one kind of record, models that learned nothing; the run was ranked)
    and, in mia-attack's record (``source``), ``privacy.masks_suspect`` (its masks may not
    be the models' training sets, the leak understated). Each was written only where it
    applied: deleted, the caveat went
    without a word, absence reading as a run's normal state. And ``data_label_copies``
    (`label_copies_note`), written on every record since 1bbfd655, before the mark."""
    privacy = payload.get("privacy")
    if _CAVEATS_ALWAYS_SINCE not in payload or not isinstance(privacy, Mapping):
        return []
    return [
        f"{field} (whether {what})" for field, what, due in (
            ("privacy.epsilon_untested", "any measurement of the run could have refuted its ε",
             _numbers(privacy.get("epsilon")) and privacy.get("epsilon_refuted") is not True
             and "epsilon_untested" not in privacy),
            ("privacy.masks_suspect", "its masks may not be the models' training sets",
             "source" in payload and "masks_suspect" not in privacy),
            ("privacy.no_verdict_reason", "its attacks could judge it at all",
             "no_verdict_reason" not in privacy),
            ("data_label_copies", "feature columns of its data copy the labels",
             "data_label_copies" not in payload),
        ) if due
    ]  # fmt: skip


def _unmeasured_saturation(payload: Mapping[str, Any]) -> list[str]:
    """``privacy.outputs_saturated`` where a record of mia-train or mia-attack lacks it: the
    attack stage writes it on every run (null where the answers are not saturated) since
    the stage measures it; a file of before (2026-12-06) was never checked, and its row
    read as unsaturated, or the field was deleted with its caveat."""
    privacy = payload.get("privacy")
    if not isinstance(privacy, Mapping) or "outputs_saturated" in privacy:
        return []
    return ["privacy.outputs_saturated (whether its answers are saturated to probability 1, "
            "which the attacks on probabilities tie on: their figures then understate the "
            "leak)"]


def _unrecorded_fields(payload: Mapping[str, Any]) -> list[str]:
    """`_unrecorded_note`'s fields of a run of mia-train (no ``source``)."""
    utility, privacy = payload.get("utility"), payload.get("privacy")
    size = _test_size(payload)
    epsilon = privacy.get("epsilon") if isinstance(privacy, Mapping) else None
    return [
        f"{field} (whether {what})" for field, what, due in (
            ("utility.test_accuracy_models_at_chance", "some of its models are at chance",
             isinstance(utility, Mapping) and "test_accuracy_models_at_chance" not in utility
             and _counts(size) and size > 0),
            ("data_duplicates", "its data held copies of the samples it used",
             "data_duplicates" not in payload),
            ("privacy.epsilon_refuted", "a measured bound refutes its ε",
             _numbers(epsilon) and "epsilon_refuted" not in privacy),
            ("training.defenses_idle", "its defenses acted in training",
             _idle_unrecorded(payload)),
        ) if due
    ]  # fmt: skip


def _epsilon_text(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else one_line(repr(value), limit=40)


def caveats(payload: Mapping[str, Any]) -> list[str]:
    """What a reader of a ranked run's row must know: its DP claim refuted by a measured
    bound (``privacy.epsilon_refuted``) or that none could refute (`_untested_note`), an ε
    the accountant did not compute for the mechanism that ran (``privacy.epsilon_valid``
    false: shuffled batches, which the report's ε column would otherwise show as a claim),
    an ε so large it guarantees nothing (`vacuous_epsilon`), masks that may not be the
    models' training sets (``privacy.masks_suspect``) or unbalanced
    (``privacy.masks_unbalanced``), answers saturated to probability 1 that the attacks tie
    on (``privacy.outputs_saturated``), attack scores that rank members below non-members
    (``privacy.attacks_inverted``; a white-box attack's:
    ``privacy.white_box_attacks_inverted``), its leakage figure below the resolution of its
    scores (`resolution_note`), its test accuracy measured on few records
    (`small_test_set_note`) or not above chance on them (`near_chance_note`), null for
    some of its attacks (`_null_leakage`: its TPR at 0.1% FPR, else its AUC), some of its
    models at chance (`models_at_chance_note`), a release of fresh noise per query, whose
    figures hold for its attacker's number of queries only (`randomized_release_note`), or
    data with exact copies among the samples it used (`duplicates_note`), trainable
    parameters of its models that got no gradient (`no_gradient_note`), or a defense that
    did not act (`idle_defense_notes`)."""
    return [note for _, note in _keyed_caveats(payload)]


def _keyed_caveats(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`caveats`, each with the key of what it says (`TABLE_SAYS`: the end-of-run
    table's own lines say some of them)."""
    notes: list[tuple[str, str]] = []
    privacy = payload.get("privacy", {})
    if privacy.get("epsilon_refuted") is True:
        reason = privacy.get("epsilon_refuted_reason") or "no reason recorded"
        notes.append(("epsilon_refuted", f"DP claim refuted: {one_line(reason)}"))
    untested = _untested_note(privacy)
    if untested is not None:
        notes.append(("epsilon_untested", untested))
    invalid = _invalid_note(privacy)
    if invalid is not None:
        notes.append(("epsilon_valid", invalid))
    doubt = epsilon_doubt(payload)
    if doubt is not None:
        notes.append(("epsilon_doubt", (
            f"its ε {_epsilon_text(privacy['epsilon'])} is not a guarantee, though results.json "
            f"says epsilon_valid true (written before mia-defense checked this, or edited): "
            f"{doubt}"
        )))
    vacuous = vacuous_epsilon(privacy) if invalid is None and doubt is None else None
    if vacuous is not None:  # (an ε already said to be no guarantee is not said twice)
        notes.append(("epsilon_vacuous", vacuous))
    unbalanced = privacy.get("masks_unbalanced")
    if unbalanced:  # mia-attack / api.audit: reference-based attacks read chance
        notes.append(("masks_unbalanced", f"masks unbalanced: {one_line(unbalanced, limit=400)}"))
    suspect = privacy.get("masks_suspect")
    if suspect:  # mia-attack / api.audit: the masks may not be the models' (metrics.consistency)
        notes.append(("masks_suspect", "masks suspect, the leak may be understated: "
                      f"{one_line(suspect, limit=400)}"))
    saturated = privacy.get("outputs_saturated")
    if saturated:  # pipeline.trust_checks._check_saturated: answers the attacks tie on
        notes.append(("outputs_saturated", f"{SATURATED_CAVEAT}: {one_line(saturated, limit=400)}"))
    inverted = privacy.get("attacks_inverted")
    if inverted:  # pipeline.trust_checks.inverted_attacks: a leak its TPRs read as none
        notes.append(("attacks_inverted", f"{INVERTED_CAVEAT}: {one_line(inverted, limit=400)}"))
    inverted = privacy.get("white_box_attacks_inverted")
    if inverted:  # the same of an attack on the weights: its figures and the ε bound
        notes.append(("white_box_attacks_inverted", (
            "white-box attack scores inverted, the leak to whoever holds the weights (and "
            f"empirical_epsilon) is understated: {one_line(inverted, limit=400)}"
        )))
    level = other_confidence(payload)
    if level is not None:
        written = payload["config"]["attack"]["confidence"]  # (other_confidence read it)
        shown = (f"{level:g}" if isinstance(written, int | float)
                 and not isinstance(written, bool) else _show(written))  # fmt: skip
        notes.append(("confidence", (
            f"its attacks' intervals are at attack.confidence={shown}, not the 95% the report "
            "shows: left out of its row; rerun it with attack.confidence=0.95 to compare them"
        )))
    thin = thin_intervals(payload)
    if thin is not None:
        notes.append((thin[0], f"its attacks' intervals are left out of its row: {thin[1]}"))
    small = small_test_set_note(payload)
    found = (
        ("resolution", resolution_note(payload)),
        ("small_test_set", small) if small else ("near_chance", near_chance_note(payload)),
        # the TPR's null, else the AUC column's and the AUC chart's front: the others' alone
        ("null_leakage",
         _null_leakage(payload) or _null_leakage(payload, leakage="max_attack.auc")),
        ("models_at_chance", models_at_chance_note(payload)),
        ("no_gradient", no_gradient_note(payload)),
        ("duplicates", duplicates_note(payload)),
        ("label_copies", label_copies_note(payload)),
        ("randomized_release", randomized_release_note(*_randomized_release(payload))),
        ("unrecorded", _unrecorded_note(payload)),
    )
    notes += [(key, note) for key, note in found if note is not None]
    notes += [("idle_defense", note) for note in idle_defense_notes(payload)]
    notes += [("weak_attacker", note) for note in weak_attacker_notes(payload)]
    return notes


# The caveats (`_keyed_caveats`' keys) that the end-of-run table (`mia_defense.report.
# run_table.format_table`) says in lines of its own: a DP claim refuted, the verdict's
# caveats in capitals, FEW RESAMPLES (of resamples drawn or kept), the header's CI level,
# its NOTEs on the TPR's resolution, NEAR CHANCE, SOME MODELS AT CHANCE, RANDOMIZED
# RELEASE. `run_end_lines` leaves them out, lest a line be said twice.
TABLE_SAYS = frozenset({
    "epsilon_refuted", "masks_unbalanced", "masks_suspect", "outputs_saturated",
    "attacks_inverted", "white_box_attacks_inverted", "confidence", "few_resamples",
    "one_class_resamples", "resolution", "near_chance", "models_at_chance", "randomized_release",
})


def run_end_lines(payload: Mapping[str, Any]) -> list[str]:
    """mia-report's caveats on the run ``payload`` (its results.json: `caveats`, its words),
    as the end-of-run lines of mia-train and mia-attack and `api.Audit.table` print them,
    but those the table above them says in lines of its own (`TABLE_SAYS`): a K=4 run, or a
    label release attacked without label queries, printed its verdict unmarked, which
    mia-report then read with care; an idle early stopping's run (defense=early_stopping
    train.epochs=3) and a seeded-noise ε 50 (defense=dp defense.dp.target_epsilon=50) its
    table bare, which mia-report and TensorBoard read with care."""
    return [f"READ WITH CARE: {note}" for key, note in _keyed_caveats(payload)
            if key not in TABLE_SAYS]


def _invalid_note(privacy: Mapping[str, Any]) -> str | None:
    """A caveat on an ε that is no guarantee (``privacy.epsilon_valid: false``, its
    ``epsilon_invalid_reason``: seeded noise whose tail ends short, say), or ``None``, as
    where the ``gdp`` accountant alone made it false and its RDP upper bound stands in
    (`_bound_stands`)."""
    if privacy.get("epsilon_valid") is not False or privacy.get("epsilon") is None:
        return None
    if _bound_stands(privacy):
        return None
    reason = privacy.get("epsilon_invalid_reason") or "no reason recorded"
    return (f"its ε {_epsilon_text(privacy['epsilon'])} is not a guarantee (epsilon_valid "
            f"false): {one_line(reason, limit=800)}")  # (the table's only words of it)


def _bound_stands(privacy: Mapping[str, Any]) -> bool:
    """Whether an ε results.json says is invalid stands as a guarantee all the same by the
    one rule of the report's ε column, a search's objective and HParams
    (`mia_defense.report.objectives.standing_epsilon`): the ``gdp`` accountant's
    approximation the only reason, the RDP upper bound beside it holding. Its caveat
    'not a guarantee' marked the row '(read with care)' beside that bound shown as the
    guarantee (mia-train defense=dp defense.dp.accountant=gdp: 'its ε 2.33 is not a
    guarantee' by an ε column of 3.65). No doubt of its config is asked: `epsilon_doubt`
    asks none of an ε results.json says is invalid."""
    epsilon = privacy.get("epsilon")
    return _numbers(epsilon) and not standing_epsilon(privacy, epsilon, doubted=False)[1]


def reasons_said_below(privacy: Mapping[str, Any]) -> frozenset[str]:
    """The keys of results.json's ``privacy`` whose reason `run_end_lines` says in a READ
    WITH CARE line (``epsilon_invalid_reason``, ``epsilon_untested``): the end-of-run table
    leaves their raw lines out, which said each reason twice (``defense=dp
    defense.dp.target_epsilon=50``), and keeps ``epsilon_valid False``."""
    said = {"epsilon_invalid_reason": _invalid_note(privacy),
            "epsilon_untested": _untested_note(privacy)}
    return frozenset(key for key, note in said.items() if note is not None)


def _untested_note(privacy: Mapping[str, Any]) -> str | None:
    """A caveat on a DP claim no measurement of the run could have exceeded
    (``privacy.epsilon_untested``, `mia_defense.pipeline.claim.check_claim`): its
    ``epsilon_refuted: false`` is no evidence that the claim holds, and the report showed
    the ε beside it without a word."""
    untested = privacy.get("epsilon_untested")
    if not untested or privacy.get("epsilon_refuted") is True:
        return None
    reason = untested if isinstance(untested, str) else "no reason recorded"
    return f"DP claim untested: {one_line(reason, limit=800)}"


def no_gradient_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose models' trainable parameters got no gradient from their
    training-mode outputs (results.json's ``training.parameters_without_gradient``, the
    model check's `mia_defense.models.build.NO_GRADIENT` warning): a forward reading a
    detached alias of a weight (``self.w = self.fc.weight.detach().t()``) trained with that
    weight frozen at its initial values (PYTHONPATH=/tmp/h435 mia-train model=custom
    model._target_=hmods.Alias: test accuracy 0.137, 1 of 2 models at chance), and only the
    log said why; the run was ranked as any other. Absent (runs of earlier versions),
    ``null`` (none) or not a list of names: none."""
    training = payload.get("training")
    names = (training.get("parameters_without_gradient")
             if isinstance(training, Mapping) else None)  # fmt: skip
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return None
    shown = first_few([one_line(n, limit=60) for n in names], 3, more=True)
    return (f"its models' trainable parameter(s) {shown} got no gradient from their outputs "
            "in training (a forward reading a detached copy or alias of a weight, or a head "
            "it never calls), so training left them at their initial values: where the model "
            "should use them, it did not learn as built, and its figures are those of the "
            "model that trained")


def duplicates_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose data held exact copies among the samples it used (results.json's
    ``data_duplicates``, a positive count; `mia_defense.pipeline.data.warn_duplicates`): a
    copy on the other side of a model's membership reads as a member, so the attacks
    understate the leak, and a copy of a member in the test set overstates test accuracy
    (digits saved twice over, dataset=npz: RMIA's TPR@0.1%FPR 0.0293 once, the strongest
    0.0194 twice over, a run more private on paper). Only the log said so, and mia-report
    ranked the run as any other. Absent (runs of earlier versions) or not a count: none.

    Runs made since the plan gives copies the same models (a29082a) and keeps them out of
    the test set (974a24a) understate nothing that way: their figures count each copy
    again. results.json records no mark of that change but in a DP run's
    ``privacy.epsilon_untested`` (the copies' reason, `_copies_untested`), so the note says
    which holds where it can tell and names both where it cannot."""
    count = payload.get("data_duplicates")
    if not (_counts(count) and count > 0):
        return None
    start = (f"{count} of the samples it used have an exact copy among them (the same "
             "features): ")
    end = "; deduplicate the data"
    if _copies_shared(payload):
        return (start + "this run gave copies the same models (privacy.epsilon_untested "
                "says so), so its figures count each copy again and its test set holds "
                "copies of population records only if other rows ran short" + end)
    return (start + "in a run made before mia-defense gave copies the same models and kept "
            "them out of the test set (results.json does not say which), copies on both "
            "sides of a model's membership made the attacks understate the leak and test "
            "accuracy overstate utility; in a run made since, the figures count each copy "
            "again" + end)


def label_copies_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose data held feature columns copying the labels, exactly or
    nearly (results.json's ``data_label_copies``, a list of names;
    `mia_defense.data.checks.warn_label_copies`): the models read the label off the copy,
    so test accuracy says nothing of the task and the attacks measure the copy, not the
    data. Only the log said so. Absent (runs of earlier versions), empty or no list: none."""
    columns = payload.get("data_label_copies")
    if not isinstance(columns, list) or not columns:
        return None
    shown = first_few(columns, 3, each=lambda c: repr(str(c)))
    return (f"feature column{'s' if len(columns) > 1 else ''} {shown} of its data "
            f"{'copy' if len(columns) > 1 else 'copies'} the labels (exactly or nearly): the "
            "models read the label off it, so test accuracy says nothing of the task and the "
            "attacks measure the copy, not the data; drop the column and rerun")


def _copies_shared(payload: Mapping[str, Any]) -> bool:
    """Whether results.json shows the run gave its copies the same models: a DP run's
    ``privacy.epsilon_untested`` holds the copies' reason (c1b9ff0, after a29082a)."""
    untested = (payload.get("privacy") or {}).get("epsilon_untested")
    return isinstance(untested, str) and "have an exact copy among them, and copies train " \
        "the same models" in untested


def _null_leakage(payload: Mapping[str, Any], *, leakage: str = DEFAULT_OBJECTIVE) -> str | None:
    """A caveat on a run whose black-box attacks give ``leakage`` but some as null (a NaN):
    the run's figure is the max of the others, and the attack left out may be its strongest.
    Every attack of a run scores the same records, so mia-defense writes all or none of them
    null: a file edited, or of a tool of your own."""
    metric = leakage.partition(".")[2]
    black_box = {
        name: m.get(metric) for name, m in payload["attacks"].items()
        if isinstance(m, Mapping) and metric in m and m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    }  # fmt: skip
    null = sorted(name for name, value in black_box.items() if value is None)
    # the key deleted instead (every attack of a run reports the same metrics): the run's
    # figure was the others' alone, without a word, the attacks that leak left out
    missing = sorted(
        name for name, m in payload["attacks"].items()
        if isinstance(m, Mapping) and metric not in m
        and m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    )  # fmt: skip
    if missing and len(null) < len(black_box):
        return (
            f"{metric} of {one_line(', '.join(missing), limit=200)} is missing while other "
            "attacks have one (the file was edited, or written by a tool of your own): its "
            "leakage is theirs alone and may be understated; rerun it"
        )
    if not null or len(null) == len(black_box):
        return None
    return (
        f"{metric} of {one_line(', '.join(null), limit=200)} is null (NaN) while other attacks "
        "have one: its leakage is theirs alone and may be understated; rerun it"
    )
