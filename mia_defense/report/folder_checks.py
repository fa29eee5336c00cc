"""The checks of a run folder's files against its results.json, which mia-report applies to
every run it reads (`mia_defense.report.runs.load_runs`): its checkpoints, observations.npz,
scores.npz and folder's name (`folder_problem`, why a run is skipped), a run left
``running`` by a killed writer, the checkpoints not read, and the caveat fields a
results.json lacks that its files let the report find again (`_with_scored_ties`,
`_with_inverted`, `_with_claim`, `_with_unbalanced`)."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mia_defense.attacks.base import DEFAULT_ACCESS
from mia_defense.constraints import shown_path
from mia_defense.errors import DataError, first_few
from mia_defense.files import (
    cut_short_at,
    gib,
    lfs_pointer_at,
    no_regular_file,
    npz_member_shape,
    require_regular_file,
)
from mia_defense.metrics.roc import top_tied_nonmembers
from mia_defense.report.checks import (
    count_too_large,
    dp_schedule_problem,
    one_line,
    strongest_attack,
    test_records_problem,
)
from mia_defense.report.checks._values import _show, _type_name
from mia_defense.report.checks.headline import writer_mark
from mia_defense.report.run_record import RESULTS
from mia_defense.report.scores import (
    AttackScores,
    ScoresRead,
    _canaries,
    attack_scores,
    other_auc,
    read_arrays,
)
from mia_defense.tracking.artifacts import (
    MAX_CHECKED_CHECKPOINT,
    models_problem,
    recorded_checkpoints,
    recorded_sha256,
    regular_file_sha256,
)

# The largest observations.npz `_observations_problem` hashes (as checkpoints: one far
# larger than a sweep reports many of is left unchecked rather than read for every report).
MAX_CHECKED_OBSERVATIONS = MAX_CHECKED_CHECKPOINT


def _unread_checkpoints(run_dir: Path, payload: Mapping[str, Any]) -> str | None:
    """What the report did with the checkpoints results.json records (``sha256``) that the
    folder holds but it did not read: no regular file (a link to /dev/zero, a FIFO, a
    folder) or one larger than `MAX_CHECKED_CHECKPOINT` (a sparse file of 200 GiB), each
    neither hashed (`checkpoint_mismatch`) nor its fingerprint read (`config_mismatch`),
    or ``None``: else its models go unchecked without a word. A checkpoint deleted (to save
    space) is not named."""
    unread = []
    for name in recorded_checkpoints(payload):
        path = run_dir / name
        if not os.path.lexists(path):
            continue
        what = no_regular_file(path)
        if what is None:
            try:
                size = path.stat().st_size
            except OSError:  # (deleted since: not named, as one deleted)
                continue
            if size <= MAX_CHECKED_CHECKPOINT:
                continue
            what = f"{gib(size)}, more than the {gib(MAX_CHECKED_CHECKPOINT)} the report hashes"
            if path.is_symlink():
                what = f"a link to {shown_path(os.path.realpath(path))}: {what}"
        unread.append(f"{name} ({what})")
    if not unread:
        return None
    return (f"{first_few(unread, 3, sep='; ', more=True)}: not read, so not checked against "
            "the sha256 results.json records, nor the run's config against the fingerprint "
            "stamped on it; the run is reported on its results.json. To train such a model "
            f"again, delete it and {RESULTS} alone, not the folder, and run the run's command "
            "again (its other saved models are reused)")


def _killed_problem(run_dir: Path, payload: Mapping[str, Any]) -> str | None:
    """The reason to skip a run reading ``running`` whose writer was killed (`killed_writer`:
    no process holds its lock), which `payload_problem` says may still be running."""
    from mia_defense.tracking.run_dir import killed_words, killed_writer

    killed = killed_writer(run_dir) if payload.get("status") == "running" else None
    if killed is None:
        return None
    return (f"status is 'running', but {killed_words(killed)}: it will not end by itself; run "
            "its command again with the same directory (hydra.run.dir=... of a single run, "
            "hydra.sweep.dir=... of a sweep) to resume it (its saved models are reused)")


def folder_problem(
    run_dir: Path, payload: Mapping[str, Any], *, name: str, scores: ScoresRead | None = None
) -> str | None:
    """Why the files of a run folder (named ``name``) are not those its readable results.json
    (``payload``) was written with, or ``None``: its checkpoints and the config that trained
    them (`models_problem`), its observations.npz (`_observations_problem`,
    `test_records_problem`, `_population_problem`, `_classes_problem`) and its folder's
    name (`_renamed_problem`). The studies' summary scripts and mia-train's skip of a
    finished run apply it too. ``scores``: the strongest attack's, already read."""
    return (models_problem(run_dir, payload) or _observations_problem(run_dir, payload)
            or test_records_problem(payload, _test_records(run_dir))
            or _population_problem(run_dir, payload) or _classes_problem(run_dir, payload)
            or _renamed_problem(name, payload) or _ties_problem(run_dir, payload, scores)
            or dp_schedule_problem(payload, _members(run_dir, payload)))  # fmt: skip


def _members(run_dir: Path, payload: Mapping[str, Any]) -> list[int] | None:
    """Each model's member count (observations.npz's ``masks`` [num_models, population]), the
    N of its DP-SGD schedule and default δ; ``None`` for a run without DP-SGD's per_model,
    or where the file holds no such masks (deleted, or unreadable: mia-attack says why)."""
    privacy = payload.get("privacy")
    models = privacy.get("per_model") if isinstance(privacy, Mapping) else None
    if not isinstance(models, list) or not models:
        return None
    try:  # (capped as every array the report reads: `read_arrays`)
        masks = read_arrays(run_dir / "observations.npz", ["masks"])["masks"]
    except DataError:
        return None
    if masks.dtype != bool or masks.ndim != 2 or len(masks) != len(models):
        return None
    return [int(n) for n in masks.sum(axis=1)]


def _strongest_ties(payload: Mapping[str, Any]) -> tuple[str | None, Any]:
    """The strongest attack's name and its ``nonmember_top_ties`` (``None`` where results.json
    records none), or ``(None, None)`` without such an attack."""
    name, attack = strongest_attack(payload)
    return (None, None) if attack is None else (name, attack.get("nonmember_top_ties"))


def _scored_ties(
    run_dir: Path, name: str, scores: ScoresRead | None
) -> tuple[AttackScores, int] | None:
    """Attack ``name``'s scores in the run folder's scores.npz and how many of its non-member
    scores share the highest one (`top_tied_nonmembers`, canaries left out as the run's
    figures leave them), or ``None``: no non-member score, or files that cannot be read or do
    not fit (`attack_scores`; ``scores``: already read)."""
    try:
        found = attack_scores(run_dir, name, scores)
    except DataError:
        return None
    ties = top_tied_nonmembers(found.scores, found.members)
    return None if ties is None else (found, ties)


def _measured_on(found: AttackScores, payload: Mapping[str, Any], name: str) -> bool:
    """Whether ``found`` are the scores results.json's figures of attack ``name`` were
    measured on: their AUC is the one it records (`other_auc`; not another run's scores.npz,
    nor edited). Computed only where a count of their ties would change what the report says
    (a sort of every score: a second for 64 models of 60,000 records)."""
    recorded = payload["attacks"][name].get("auc")
    return isinstance(recorded, float) and other_auc(found, name, recorded) is None


def _ties_problem(
    run_dir: Path, payload: Mapping[str, Any], scores: ScoresRead | None = None
) -> str | None:
    """How the strongest attack's ``nonmember_top_ties`` contradicts its scores in the run
    folder's scores.npz (`_scored_ties`), or ``None``: the count drives the caveat of a TPR
    that tied scores leave unresolved (`mia_defense.report.checks.resolution._tied_note`), and a
    results.json edited from 11 to 1 of 2,000 (release=label_only) hid it. Not checked: a run
    that records no count (`_with_scored_ties` counts its scores for the caveats), or whose
    scores cannot be read or are not the ones its AUC was measured on (`_measured_on`)."""
    name, recorded = _strongest_ties(payload)
    if name is None or recorded is None:
        return None
    scored = _scored_ties(run_dir, name, scores)
    if scored is None:
        return None
    found, ties = scored
    if isinstance(recorded, int) and not isinstance(recorded, bool) and recorded == ties:
        return None
    if not _measured_on(found, payload, name):
        return None
    return (f"attacks.{name}.nonmember_top_ties is {one_line(repr(recorded), limit=60)}, but "
            f"its scores in scores.npz (their AUC the one results.json records) give {ties} "
            "non-member scores tied at the highest one: results.json was edited after the run, "
            "and with it the caveat on a TPR that tied scores leave unresolved; rerun the run, "
            "or put its own results.json back")


def _with_scored_ties(
    run_dir: Path, payload: Mapping[str, Any], scores: ScoresRead | None = None
) -> Mapping[str, Any]:
    """``payload`` for its caveats: where its strongest attack records no
    ``nonmember_top_ties`` (runs written before runs recorded it, or the field deleted), the
    count of its scores in scores.npz (`_scored_ties`, `_measured_on`) when more than one
    score shares the top (a single one leaves no FPR unresolved that the count of scores
    resolves)."""
    name, recorded = _strongest_ties(payload)
    if name is None or recorded is not None:
        return payload
    scored = _scored_ties(run_dir, name, scores)
    if scored is None or scored[1] < 2 or not _measured_on(scored[0], payload, name):
        return payload
    counted = {**payload["attacks"][name], "nonmember_top_ties": scored[1]}
    return {**payload, "attacks": {**payload["attacks"], name: counted}}


def _with_inverted(payload: Mapping[str, Any], scores: ScoresRead | None) -> Mapping[str, Any]:
    """``payload`` for its caveats: where its privacy block records no ``attacks_inverted``
    (``white_box_attacks_inverted``: runs written before 6bcc83e of 2026-12-03, or the field
    deleted: an attack of one's own of the wrong sign, AUC 0.380 beside the others' 0.567,
    lost the caveat that the leak is understated), the run's own rule
    (`mia_defense.pipeline.trust_checks.inverted_attacks`) on its attacks' recorded AUCs,
    intervals and access, over the members and non-members of its strongest attack's scores
    (``scores``: each attack's are of the same records). Asked only where an attack's AUC is
    below 0.5 (the rule's module costs 0.3 s to import)."""
    privacy, attacks = payload.get("privacy"), payload.get("attacks")
    found = scores.found if scores is not None else None
    if found is None or not isinstance(privacy, Mapping) or not isinstance(attacks, Mapping):
        return payload
    figures = {name: m for name, m in attacks.items()
               if isinstance(m, Mapping) and _finite(m.get("auc"))}  # fmt: skip
    fields = [f for f in ("attacks_inverted", "white_box_attacks_inverted") if f not in privacy]
    if not fields or not any(m["auc"] < 0.5 for m in figures.values()):
        return payload
    from types import SimpleNamespace

    from mia_defense.attacks.base import BLACK_BOX, WHITE_BOX
    from mia_defense.pipeline.trust_checks import inverted_attacks

    def result(m: Mapping[str, Any]) -> SimpleNamespace:  # (what the rule reads of one)
        high = m.get("auc_ci_high")
        return SimpleNamespace(
            access=m.get("access", DEFAULT_ACCESS), metrics=SimpleNamespace(auc=m["auc"]),
            intervals=SimpleNamespace(auc=(math.nan, high)) if _finite(high) else None)

    results, said = {n: result(m) for n, m in figures.items()}, {}
    for field_name in fields:
        access = WHITE_BOX if field_name.startswith("white_box") else BLACK_BOX
        inverted = inverted_attacks(results, found.members, access=access)
        if inverted:
            named = "; ".join(f"{name} AUC {auc:.3f} (flipped: {1 - auc:.3f})"
                              for name, auc, _ in inverted)  # fmt: skip
            said[field_name] = (
                f"{named}: found by the report on the attacks' recorded AUCs (results.json "
                f"records no privacy.{field_name}: deleted, or written before runs recorded "
                "it); these scores rank members below non-members, more strongly than any "
                "attack ranks them above")
    return {**payload, "privacy": {**privacy, **said}} if said else payload


def _with_claim(payload: Mapping[str, Any], scores: ScoresRead | None) -> Mapping[str, Any]:
    """``payload`` for its caveats: where a record of mia-train or mia-attack (`writer_mark`;
    mia-attack measures the claim it carries again) with a finite ε records no
    ``privacy.epsilon_untested`` (deleted: 'DP claim untested' went without a word; or the
    claim was tested, a run's normal state) or no
    ``epsilon_refuted`` (deleted with its reason: `_unrecorded_note` says so), the run's own
    check (`mia_defense.pipeline.claim.check_claim`) on what it held the claim to: its
    strongest attack's scores (``scores``) where that attack's bound is the run's
    ``empirical_epsilon``, at the run's ``empirical_epsilon_delta`` and
    ``attack.confidence``, over all its attacks, with its one-run audit's recorded counts.
    Not where the run held no attack bound to the claim or held another one (canaries, its
    own or a one-run audit's: each attack's bound on them, whose scores the report does not
    read, made the check's ceiling 5.58 where the report's was 5.61; exact copies in its
    data; a target of one kind of record): there the fields stay missing. Each filled field
    says the report found it."""
    privacy, attacks = payload.get("privacy"), payload.get("attacks")
    found = scores.found if scores is not None else None
    if (found is None or writer_mark(payload) is None
            or not isinstance(privacy, Mapping) or not isinstance(attacks, Mapping)
            or ("epsilon_untested" in privacy and "epsilon_refuted" in privacy)
            or privacy.get("epsilon_refuted") is True):  # fmt: skip
        return payload
    config = payload.get("config")
    attack_config = config.get("attack") if isinstance(config, Mapping) else None
    confidence = attack_config.get("confidence") if isinstance(attack_config, Mapping) else None
    strongest = attacks.get(scores.name)
    delta = privacy.get("empirical_epsilon_delta")
    rows = found.members
    if not (_finite(privacy.get("epsilon")) and _finite(delta) and _finite(confidence)
            and 0 < confidence < 1 and isinstance(strongest, Mapping)
            and _finite(privacy.get("empirical_epsilon"))
            and strongest.get("empirical_epsilon") == privacy["empirical_epsilon"]
            and payload.get("canaries") == 0 and payload.get("data_duplicates") == 0
            and rows.any(axis=1).all() and (~rows).any(axis=1).all()
            and not found.canaries.any()):  # fmt: skip
        return payload
    from types import SimpleNamespace

    from mia_defense.metrics.roc import roc_metrics
    from mia_defense.pipeline.claim import attack_evidence, audit_evidence, check_claim

    best = SimpleNamespace(name=scores.name, metrics=roc_metrics(found.scores, rows))
    evaluation = SimpleNamespace(delta=delta, confidence=confidence)
    judged, quiet = dict(privacy), logging.getLogger(check_claim.__module__)
    quiet.disabled = True  # (its 'DP CLAIM REFUTED' is the run's; the caveat says the report's)
    try:
        check_claim(judged, [*attack_evidence(best, rows, evaluation, attacks=len(attacks)),
                             *audit_evidence(privacy, confidence=confidence)])  # fmt: skip
    finally:
        quiet.disabled = False
    said = {}
    for key in ("epsilon_refuted", "epsilon_untested"):
        if key not in privacy and key in judged:
            said[key] = judged[key]
    if said.get("epsilon_refuted") is True:
        said["epsilon_refuted_reason"] = (
            "found by the report on the attack's scores (results.json records no "
            "privacy.epsilon_refuted: deleted, or written before runs recorded it): "
            f"{judged['epsilon_refuted_reason']}")
    if said.get("epsilon_untested"):
        said["epsilon_untested"] = (
            f"{judged['epsilon_untested']} (found by the report: results.json records no "
            "privacy.epsilon_untested: deleted, or written before runs recorded it)")
    return {**payload, "privacy": {**privacy, **said}} if said else payload


def _with_unbalanced(run_dir: Path, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """``payload`` for its caveats: where mia-attack's record (``source``; it checks every
    attack's masks, `mia_defense.api._check_balance`, and writes the field only where they
    are unbalanced) records no ``privacy.masks_unbalanced``, the same rule
    (`mia_defense.metrics.consistency.unbalanced_masks`) on the masks of the observations.npz
    it saved, its canaries left out as it left them: deleted, the caveat that the
    reference-based attacks may overstate the leak (every record IN for 1 of 4 models) went
    without a word. The field it fills says the report found it."""
    privacy = payload.get("privacy")
    if "source" not in payload or not isinstance(privacy, Mapping) or (
            "masks_unbalanced" in privacy):  # fmt: skip
        return payload
    try:
        masks = read_arrays(run_dir / "observations.npz", ["masks"])["masks"]
    except DataError:  # (said where the report reads it: its scores' check)
        return payload
    if masks.ndim != 2 or masks.dtype != bool:
        return payload
    from mia_defense.metrics.consistency import unbalanced_masks

    reason = unbalanced_masks(masks[:, ~_canaries(run_dir / "scores.npz", masks.shape[1])])
    if reason is None:
        return payload
    said = ("found by the report on its observations.npz (results.json records no privacy."
            f"masks_unbalanced: deleted, or written before runs recorded it): {reason}")
    return {**payload, "privacy": {**privacy, "masks_unbalanced": said}}


def _finite(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def _observations_problem(run_dir: Path, payload: Mapping[str, Any]) -> str | None:
    """Why the run folder's observations.npz is not the file its results.json records the
    sha256 of (``sha256["observations.npz"]``, written by every run since 2026-12-02), with
    what to do, or ``None``: its test_idx edited with test_size passed the report (mia-attack
    checked the digest, the report did not). A record that is no object, or a digest that is
    no sha256, or one that names the run's files but not the observations.npz its folder
    holds (every run records both since results.json has a ``sha256``: the digest deleted
    by hand), is refused (`recorded_sha256`), as mia-attack does (one rule). Not checked: a
    run without any ``sha256`` (older; nothing signs the record, so an edit that rewrote it
    too passes), a folder without the file (deleted to save space), a file that is no
    regular one (never opened) or is larger than `MAX_CHECKED_OBSERVATIONS`."""
    record = payload.get("sha256", {})
    if (isinstance(record, Mapping) and "observations.npz" not in record
            and not os.path.lexists(run_dir / "observations.npz")):
        return None
    try:  # (a record that is no object turned both checks off: refused, as mia-attack does)
        said = recorded_sha256(payload, "observations.npz")
    except ValueError as exc:
        return f"{exc}; the report checks the run's observations.npz against it: rerun the run"
    if said is None:  # (no sha256 at all: an older run)
        return None
    found = regular_file_sha256(run_dir / "observations.npz", max_size=MAX_CHECKED_OBSERVATIONS)
    if found is None or found == said:
        return None
    pointer = lfs_pointer_at(run_dir / "observations.npz")  # (no edit: never downloaded)
    if pointer is not None:
        return (f"observations.npz in its folder is {pointer}, not the file it stands for: "
                "the file itself was never downloaded; run 'git lfs pull' in its repository")
    cut = cut_short_at(run_dir / "observations.npz")  # (no edit either)
    if cut is not None:
        return (f"observations.npz in its folder is {cut}, so its sha256 is not the one "
                "results.json records (sha256['observations.npz']); copy the run's "
                "observations.npz again from where it wrote it, or rerun the run")
    return ("observations.npz in its folder has another sha256 than results.json records for "
            "it (sha256['observations.npz']): replaced or edited after the run (its test_idx, "
            "another run's file); rerun the run, or put its own observations.npz back")


def _number(text: str) -> float | None:
    """``text`` as a number (an int or float a sweep's folder name writes), or ``None``."""
    try:
        return float(int(text)) if text.lstrip("+-").isdigit() else float(text)
    except (ValueError, OverflowError):
        return None


def _flat(config: Mapping[str, Any], key: str) -> Any:
    """The value of dotted ``key`` in ``config``, or ``None``."""
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _renamed_problem(name: str, payload: Mapping[str, Any]) -> str | None:
    """How a ``key=value`` of the run's folder names (a sweep's overrides, as Hydra names
    its runs) contradicts the number its results.json's config holds at that key, or
    ``None``: a folder renamed by hand (train.epochs=2 to train.epochs=50) showed its run
    under the new name in the fronts and tables. Numbers only (a name writes a float of more
    than 6 digits with 6, and other values escaped); keys the config lacks are not read, a
    key's characters that are not printable or are white space left out."""
    config = payload.get("config")
    if not isinstance(config, Mapping):
        return None
    for folder in name.split("/"):
        for part in folder.split(","):
            key, eq, text = part.partition("=")
            # (a key Hydra writes holds no line end, tab or escape: one there came with the
            # rename, $'\ntrain.epochs=50', and is read away as float() reads '50\n' as 50)
            key = "".join(c for c in key if c.isprintable() and not c.isspace()).lstrip("+~")
            said = _number(text) if eq else None
            held = _flat(config, key) if key else None
            if said is None or isinstance(held, bool) or not isinstance(held, int | float):
                continue
            if not math.isclose(said, held, rel_tol=1e-5, abs_tol=1e-12):
                # (a line end or an escape in the name written as the shell types it,
                # as the folder's path: collapsed to a space, it named another folder)
                return (f"its folder's name says {shown_path(part, limit=80)}, but its "
                        f"results.json's config holds {key}={one_line(held, limit=40)}: the "
                        "folder was renamed, or another run's results.json copied in; give it "
                        "back its name, or rerun the run")
    return None


def _test_records(run_dir: Path) -> int | None:
    """How many test records the run folder's observations.npz keeps the indices of
    (``test_idx``: the length its header states, nothing else read; no FIFO opened), or
    ``None`` where it keeps none or cannot be read (mia-attack, which reads it whole, says
    why)."""
    shape = _observed_shape(run_dir, "test_idx.npy")
    return shape[0] if shape is not None and len(shape) == 1 else None


def _observed_shape(run_dir: Path, member: str) -> tuple[int, ...] | None:
    """The shape the header of array ``member`` of the run folder's observations.npz states
    (nothing else read; no FIFO opened), or ``None`` where it holds none or cannot be read."""
    import zipfile

    path = run_dir / "observations.npz"
    try:
        require_regular_file(path)
        with zipfile.ZipFile(path) as archive:
            return npz_member_shape(archive, member, file=path, size=path.stat().st_size)
    except (DataError, KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile):
        return None


def _population_problem(run_dir: Path, payload: Mapping[str, Any]) -> str | None:
    """How ``population_size`` differs from the records the run folder's observations.npz
    holds the membership of (``masks`` [num_models, population]: its header's width, the
    file `_observations_problem` checks against its recorded sha256), or ``None``: where
    ``config.plan.population_size`` is null the report groups runs on the recorded figure
    (`_evaluation`), and one edited by hand (digits' 1000 to 1500, above what the default
    split bounds) put the run on a front of its own. Only a file whose sha256 results.json
    records is read (the run's own, as every run since 2026-12-02 writes it), and one
    without masks is not. One that is no count (1e400 read as inf, 300.0, "300"), which
    mia-attack refuses as well, is named: the report ranked it."""
    said, record = payload.get("population_size"), payload.get("sha256")
    if said is None:
        return None
    if not isinstance(said, int) or isinstance(said, bool):
        return (f"population_size is {_type_name(said)} {_show(said)}, not an integer >= 0 as "
                "mia-train writes it: the file was edited; rerun the run")
    if count_too_large("population_size", said):
        return count_too_large("population_size", said)
    if not isinstance(record, Mapping) or "observations.npz" not in record:
        return None
    shape = _observed_shape(run_dir, "masks.npy")
    if shape is None or len(shape) != 2 or shape[1] == said:
        return None
    return (f"population_size is {said}, but the run's observations.npz holds the membership "
            f"of {shape[1]} records (masks, num_models x population): the file was edited; "
            "rerun the run")


def _classes_problem(run_dir: Path, payload: Mapping[str, Any]) -> str | None:
    """How ``num_classes`` differs from the classes the run folder's observations.npz holds
    its models' outputs over (``log_probs``, or a user's ``outputs``, [num_models,
    population, classes]: its header's last width), or ``None``. The chance floor
    (1/num_classes, below which no chance_accuracy lies) rests on it: num_classes edited
    from 10 to 1 (no run records fewer than 2) or 20, with the chance lowered beside it, put
    a model that learned nothing above chance and ranked it. Read as `_population_problem`
    reads masks: only from a file whose sha256 results.json records."""
    said, record = payload.get("num_classes"), payload.get("sha256")
    if not isinstance(said, int) or isinstance(said, bool):
        return None
    if not isinstance(record, Mapping) or "observations.npz" not in record:
        return None
    for member in ("log_probs.npy", "outputs.npy"):
        shape = _observed_shape(run_dir, member)
        if shape is not None:
            break
    if shape is None or len(shape) != 3 or shape[2] == said:
        return None
    return (f"num_classes is {said}, but the run's observations.npz holds its models' outputs "
            f"over {shape[2]} classes ({member.removesuffix('.npy')}, num_models x population "
            "x classes): the file was edited; rerun the run")
