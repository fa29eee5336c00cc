"""The source mia-attack re-attacks: read it, and check it can be attacked as what it says it is.

`read_source` reads PATH (an observations .npz, or a finished mia-train run directory: its
observations.npz and results.json) into a `Source` and refuses, with a `DataError` naming the
file and the fix, a source that is not what it claims: a results.json whose facts, privacy
claim, audit or settings cannot be carried into a new record, observations that are not the
run's own (replaced, edited, or changed while read), extra arrays (``is_canary``,
``population_idx``, ``copy_groups``) that do not fit the records. The other public helpers
answer the same question for the command line (`missing_source`, `unreadable_source`,
`fixed_settings_problem`) or give what the attack carries from the source (`checked_extra`,
`copy_groups`, `own_settings`, `doubt_claim`, `MEASURED_PRIVACY`).

It imports no more than the error types at start-up (``mia-attack --help`` stays fast); the
readers and checks are imported when a source is read.
"""

from __future__ import annotations

import logging
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mia_defense.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    from omegaconf import DictConfig

    from mia_defense.observations import Observations

__all__ = [
    "MEASURED_PRIVACY",
    "Source",
    "checked_extra",
    "copy_groups",
    "doubt_claim",
    "fixed_settings_problem",
    "missing_source",
    "own_settings",
    "read_source",
    "unreadable_source",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """What mia-attack attacks, read from PATH.

    Attributes:
        path: the file or run directory given.
        observations: the file's observations.
        extras: its other arrays (mia-train's ``is_canary``, ``population_idx``, ``test_idx``,
            ``copy_groups``).
        results: results.json of a mia-train run directory (``None`` for a file).
    """

    path: Path
    observations: Observations
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    results: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return "observations" if self.results is None else "run_directory"

    @property
    def file(self) -> Path:
        return self.path / "observations.npz" if self.path.is_dir() else self.path


def missing_source(path: Path | str) -> str | None:
    """Why PATH names nothing to attack: no such file, or an empty PATH (which ``Path``
    would read as the working directory), or ``None``."""
    if str(path) == "" or (not str(path).strip() and not Path(path).exists()):
        return (f"source={str(path)!r}: an empty PATH; give an observations .npz "
                "(docs/observations.md) or a finished mia-train run directory")  # fmt: skip
    if Path(path).exists():
        return None
    return (f"{path}: no such file or directory; give an observations .npz "
            "(docs/observations.md) or a finished mia-train run directory")  # fmt: skip


def _no_observations(path: Path) -> str:
    return (f"{path}: no observations.npz in it; give a finished mia-train run directory "
            "(for a sweep, one of its run folders) or an observations .npz")  # fmt: skip


def unreadable_source(path: Path) -> str | None:
    """Why PATH, which exists, holds nothing to read (a folder without observations.npz, a
    FIFO or a device, never opened: it would block), or ``None``; asked before Hydra makes
    the run directory, so that such a PATH leaves no empty run folder behind."""
    from mia_defense.files import require_regular_file

    if path.is_dir():
        if not (path / "observations.npz").exists():
            return _no_observations(path)
        path = path / "observations.npz"
    try:
        require_regular_file(path)
    except DataError as exc:
        return str(exc)
    return None



def _attack_alone(folder: Path) -> str:
    """The command that attacks ``folder``'s observations.npz alone, shell-quoted."""
    return f"mia-attack {shlex.quote(str(folder / 'observations.npz'))}"

def read_source(path: Path) -> Source:
    """The observations (and results.json) of PATH; a `DataError` names what is missing."""
    from mia_defense.observations import load_file
    from mia_defense.tracking import read_json

    path = Path(path)
    missing = missing_source(path)
    if missing:
        raise DataError(missing)
    if path.is_dir():
        if not (path / "observations.npz").exists():
            raise DataError(_no_observations(path))
        results = read_json(path / "results.json") if (path / "results.json").exists() else None
        if results is not None and results.get("status") != "complete":
            raise DataError(
                f"{path / 'results.json'}: status {results.get('status')!r}, not complete; "
                "finish the run first (run the same mia-train command again)"
            )
        problem = None if results is None else _results_problem(results)
        if problem:
            raise DataError(_unusable_facts(path, problem))
        before = _identity(path / "observations.npz")
        recorded = _sha256_matches(path, results)  # (hashed first: as the run wrote it)
        _refuse_other_models(path, results)
        _refuse_edited_config(path, results)
        obs, extras = load_file(path / "observations.npz")
        _refuse_changed(path / "observations.npz", before)  # (the file hashed is the one read)
        mismatch = None if results is None else (_not_the_runs(obs, results)
                                                 or _canaries_unflagged(extras, results))
        if mismatch and recorded:
            raise DataError(
                f"{path / 'results.json'}: {mismatch}, yet observations.npz is the file the run "
                "wrote (its sha256 is the one recorded): results.json was edited after the run; "
                "put the run's own results.json back, or attack the observations alone "
                f"({_attack_alone(path)})"
            )
        if mismatch or recorded is False:
            found = mismatch or (
                "its sha256 differs from the one results.json records (sha256[\"observations."
                "npz\"]): replaced or edited after the run (another run's, an edited copy, one "
                "of another mia-defense version)")  # fmt: skip
            raise DataError(
                f"{path / 'observations.npz'}: {found}: they are not this run's (replaced, or "
                f"copied from another run), and its facts would be recorded beside another "
                f"run's figures; attack the file alone ({_attack_alone(path)}) "
                "or put the run's own observations back"
            )
        # (after the observations' checks, which say more of the same edits)
        edited = None if results is None else _edited_problem(results, extras)
        if edited:
            raise DataError(_unusable_facts(path, edited))
        return _checked_extras(Source(path, obs, extras, results))
    before = _identity(path)
    obs, extras = load_file(path)
    _refuse_changed(path, before)
    return _checked_extras(Source(path, obs, extras))


def _identity(file: Path) -> tuple[int, ...] | None:
    """What tells a file's content apart without reading it: its inode, size and change
    times (``None`` where it cannot be read: the reader names that)."""
    try:
        info = os.stat(file)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _refuse_changed(file: Path, before: tuple[int, ...] | None) -> None:
    """A `DataError` when ``file`` was replaced or written to while mia-attack read it (a
    run writing it again, a copy still under way): the sha256 checked was that of the file
    before, the arrays attacked another's."""
    if before is not None and _identity(file) != before:
        raise DataError(
            f"{file}: changed while mia-attack read it (replaced or written to: a run or a "
            "copy still writing it); nothing was attacked. Attack it again once nothing "
            "writes to it"
        )


def _unusable_facts(run: Path, problem: str) -> str:
    """The refusal of a run folder whose results.json has ``problem``."""
    return (f"{run / 'results.json'}: {problem}; mia-attack reads the run's facts from it: "
            f"attack the observations alone instead ({_attack_alone(run)})")


def _refuse_other_models(run: Path, results: dict[str, Any] | None) -> None:
    """A `DataError` when the run folder's checkpoints are not the models its results.json
    measured (`checkpoint_mismatch`: another run's results.json and observations.npz copied
    into the folder), whose facts mia-attack would carry as the folder's run's."""
    from mia_defense.tracking.artifacts import checkpoint_mismatch

    found = None if results is None else checkpoint_mismatch(run, results)
    if found is not None:
        raise DataError(f"{run / 'results.json'}: {found}; put the run's own results.json and "
                        "observations.npz back, or attack the observations alone (mia-attack "
                        f"{run / 'observations.npz'})")  # fmt: skip


def _refuse_edited_config(run: Path, results: dict[str, Any] | None) -> None:
    """A `DataError` when results.json's config is not the one that trained the run's models
    (`config_mismatch`: the fingerprint its config, ``data_fingerprint`` and
    ``versions.training_code`` give differs from the one mia-train stamped on
    ``checkpoints/model_0000.pt``, a file `_refuse_other_models` found to be the one
    results.json records). A results.json edited after the run (``train.lr``,
    ``model.hidden``, a defense added with its name) was carried into mia-attack's record, and
    its figures were reported as those of a config that never trained these models. Not
    checked without that checkpoint or its recorded sha256, or where it cannot be read
    without torch."""
    from mia_defense.tracking.artifacts import FIRST_CHECKPOINT, config_mismatch

    mismatch = None if results is None else config_mismatch(run, results)
    if mismatch is None:
        return
    found, expected = mismatch
    raise DataError(
        f"{run / 'results.json'}: its config (with data_fingerprint and versions.training_code) "
        f"is not the one that trained the run's models: {FIRST_CHECKPOINT}, the file the run "
        f"wrote, was trained under fingerprint {found}, and results.json's config gives "
        f"{expected}: results.json was edited after the run (config.train, config.model, "
        "config.defense, seed...), and mia-attack would record these figures as that config's; "
        "put the run's own results.json back, or attack the observations alone (mia-attack "
        f"{run / 'observations.npz'})"
    )


def _sha256_matches(run: Path, results: dict[str, Any] | None) -> bool | None:
    """Whether the run's observations.npz has the sha256 its results.json records (written
    by every run since they record it); ``None`` when it records none (an older run, or no
    results.json). A malformed record is a `DataError` naming the key."""
    from mia_defense.files import require_readable
    from mia_defense.tracking.artifacts import matches_recorded_sha256

    if results is None:
        return None
    # (chmod 000: a PermissionError, exit 1, as the file was hashed)
    require_readable(run / "observations.npz")
    try:
        return matches_recorded_sha256(run, results, "observations.npz")
    except ValueError as exc:
        raise DataError(f"{run / 'results.json'}: {exc}; mia-attack checks the run's "
                        "observations.npz against it: put the run's own results.json back, or "
                        f"attack the observations alone ({_attack_alone(run)})"
                        ) from None


def _checked_extras(source: Source) -> Source:
    """``source`` once its ``is_canary`` and ``population_idx`` pass `checked_extra` (asked
    here, before Hydra makes the run directory, as well as by `mia_defense.cli.attack.run`,
    which reads their values)."""
    import numpy as np

    n = len(source.observations.labels)
    checked_extra(source, "is_canary", np.zeros(n, dtype=bool))
    checked_extra(source, "population_idx", np.arange(n))
    copy_groups(source)
    return source


def copy_groups(source: Source) -> np.ndarray | None:
    """The file's ``copy_groups`` (mia-train's, where the population holds exact copies),
    checked; ``None`` for a file without them (no copies, or written before runs saved
    them)."""
    import numpy as np

    from mia_defense.observations import COPY_GROUPS, copy_group_problem

    if COPY_GROUPS not in source.extras:
        return None
    groups = np.asarray(source.extras[COPY_GROUPS])
    problem = copy_group_problem(groups, source.observations.masks)
    if problem:
        raise DataError(f"{source.file}: {COPY_GROUPS}: {problem}")
    return groups


# Sections of a run's results.json that mia-attack carries into its own: JSON objects (null
# reads as empty), ``utility`` and ``defense`` required; and the utility figures it reads.
_SECTIONS = ("utility", "defense", "config", "hparams", "privacy", "training")
_UTILITY = ("test_accuracy", "train_accuracy", "generalization_gap", "chance_accuracy")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _results_problem(results: dict[str, Any]) -> str | None:
    """Why a run's results.json cannot give mia-attack the run's facts (a section of the
    wrong type, a utility figure that is not a number, a seed that is not one), or ``None``."""
    from mia_defense.tracking import schema_problem

    problem = schema_problem(results)
    if problem:
        return problem
    for key in _SECTIONS:
        value = results.get(key)
        if value is None and key not in ("utility", "defense"):
            continue
        if not isinstance(value, dict):
            return f"{key} is {_kind(value)}, not an object"
    utility = results["utility"]
    for key in _UTILITY:
        if key not in utility:
            return f"utility.{key} is missing"
        value = utility[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number or (value is None and key != "chance_accuracy")):
            return f"utility.{key} is {_kind(value)} {value!r}, not a number"
        low = -1.0 if key == "generalization_gap" else 0.0
        if number and not low <= value <= 1.0:  # NaN and Infinity too (json reads them)
            return f"utility.{key} is {value!r}, outside [{low:g}, 1]"
    std = utility.get("test_accuracy_std")  # optional: mia-report reads it when given
    if std is not None and (isinstance(std, bool) or not isinstance(std, int | float)
                            or not 0 <= std <= 1):  # fmt: skip
        return f"utility.test_accuracy_std is {_kind(std)} {std!r:.60}, not a number in [0, 1]"
    problem = _gap_problem(utility)
    if problem:
        return problem
    seed = results.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return f"seed is {_kind(seed)} {seed!r}, not an integer >= 0"
    return (_facts_problem(results) or _audit_ran_problem(results) or _settings_problem(results)
            or _defense_problem(results))


def _edited_problem(results: dict[str, Any], extras: dict[str, np.ndarray]) -> str | None:
    """mia-report's checks of a file edited after the run (`edited_problem`: test_size,
    test_accuracy_std, chance_accuracy, the headline; `test_records_problem`: test_size
    against the observations' ``test_idx``), in its words: passed here, the run was
    attacked again and only its new record skipped."""
    from mia_defense.report.checks import edited_problem, test_records_problem

    held = extras.get("test_idx")
    count = len(held) if held is not None and held.ndim == 1 else None
    return edited_problem(results) or test_records_problem(results, count)


def _defense_problem(results: dict[str, Any]) -> str | None:
    """How the run's defense or release name contradicts its config (`mia-report`'s rule,
    `defense_problem`: an undefended run renamed ``dp``), or ``None``: mia-attack carries
    the name into its record, which mia-report then groups as a defended run."""
    from mia_defense.report.checks import defense_problem

    return defense_problem(results)


def _gap_problem(utility: dict[str, Any]) -> str | None:
    """Why ``generalization_gap`` is not ``train_accuracy - test_accuracy``, as every run
    writes it (null with a null test accuracy), or ``None``: a test accuracy changed by hand
    was carried into the new record (mia-report ranks runs by it)."""
    train, test, gap = (utility[k] for k in ("train_accuracy", "test_accuracy",
                                             "generalization_gap"))
    if train is None or (test is None and gap is None):
        return None
    if test is None or gap is None or abs(gap - (train - test)) > 1e-6:
        return (f"utility.generalization_gap is {gap!r}, but train_accuracy - test_accuracy "
                f"is {train!r} - {test!r}: a figure was changed after the run; put the "
                "run's own results.json back")  # fmt: skip
    return None


def _settings_problem(results: dict[str, Any]) -> str | None:
    """Why a `FIXED_SETTINGS` value of the run's config is none mia-train takes (a repeats
    of text, a white_box of 1), or ``None``: mia-attack states them as the observations'
    own in its record and names them in its refusals, where mia-report reads them."""
    from mia_defense.api import FIXED_SETTINGS
    from mia_defense.config import ATTACK, Group, Param

    for key in FIXED_SETTINGS:
        value = _setting(results, key)
        spec: Any = Group(ATTACK)
        for part in key.split("."):
            spec = spec.keys[part] if isinstance(spec, Group) else None
        line = spec.problem(f"config.attack.{key}", value) if (
            isinstance(spec, Param) and value is not _UNKNOWN
        ) else None  # fmt: skip
        if line:
            return line
    return None


def _audit_ran_problem(results: dict[str, Any]) -> str | None:
    """Why ``privacy.audit`` cannot be carried: the run's config says it ran no one-run audit
    (the figures were added or copied from another run), or ``None``. mia-attack cannot run
    the audit (its canaries are part of training): it carries the run's, which the new
    record must not show beside ``attack.audit: none``."""
    if (results.get("privacy") or {}).get("audit") is None:
        return None
    said = _setting(results, "audit")
    if said == "one_run":
        return None
    shown = "missing" if said is _UNKNOWN else repr(said)
    return (f"privacy.audit holds a one-run audit's figures, but config.attack.audit is "
            f"{shown}: the run ran no audit (its figures were added or copied from another "
            "run); drop privacy.audit")  # fmt: skip


# Facts of a run's results.json that mia-attack copies into its own: the keys of each type
# (null allowed: an older run may not state them), as mia-report reads them.
_COUNTS = ("num_models", "num_classes", "population_size", "test_size", "canaries")
_TEXTS = ("dataset", "data_fingerprint", "data_digest")


def _facts_problem(results: dict[str, Any]) -> str | None:
    """Why a fact mia-attack copies is of the wrong type (a dataset that is no name, a
    count that is no integer, an input shape that is no list of sizes), or ``None``: the
    run written with it was complete, yet mia-report skipped it ("not a name")."""
    from mia_defense.report.checks import count_too_large

    for key in _TEXTS:
        value = results.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} is {_kind(value)} {value!r:.60}, not a string"
    for key in _COUNTS:
        value = results.get(key)
        low = 1 if key in ("num_models", "num_classes") else 0
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low):  # fmt: skip
            return f"{key} is {_kind(value)} {value!r:.60}, not an integer >= {low}"
        if count_too_large(key, value):  # (mia-report's refusal: 2**53 hid the caveats)
            return count_too_large(key, value)
    shape = results.get("input_shape")
    if shape is not None and not (isinstance(shape, list) and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)):
        return f"input_shape is {_kind(shape)} {shape!r:.60}, not a list of sizes >= 1"
    labels = results.get("class_labels")
    if labels is not None and not isinstance(labels, list):
        return f"class_labels is {_kind(labels)} {labels!r:.60}, not a list"
    classes = results.get("num_classes")
    if labels is not None and isinstance(classes, int) and len(labels) != classes:
        return (f"class_labels names {len(labels)} classes, num_classes is {classes}: one "
                "label per class index")  # fmt: skip
    config = results.get("config") or {}
    plan = config.get("plan")
    planned, count = plan.get("num_models") if isinstance(plan, dict) else None, results.get(
        "num_models")  # fmt: skip
    if isinstance(planned, int) and not isinstance(planned, bool) and isinstance(count, int) \
            and planned != count:  # (mia-report skips the new record for it, as edited)
        return (f"num_models is {count}, but config.plan.num_models, which trained them, is "
                f"{planned}: a figure was changed after the run")
    return _privacy_problem(results.get("privacy") or {}, results.get("num_models"),
                            config.get("defense"))


# What the attack stage measures into ``privacy``: the source run's attacks' findings, never
# carried (a leak at chance utility, an undefined verdict or a refuted DP claim the new
# attacks do not find stayed in the new results.json; the stage only ever sets them).
MEASURED_PRIVACY = frozenset({
    "empirical_epsilon", "empirical_epsilon_delta", "leak_without_utility",
    "leak_without_utility_reason", "no_verdict_reason", "epsilon_refuted",
    "epsilon_refuted_by", "epsilon_refuted_reason",
    # the checks of the masks against the outputs (`mia_defense.api.run_audit`)
    "masks_suspect", "masks_out_vs_test_auc", "masks_unbalanced",
    "attacks_inverted",  # `mia_defense.pipeline.evaluate.inverted_attacks`
    "white_box_attacks_inverted",
})  # fmt: skip


def _privacy_problem(
    privacy: dict[str, Any], num_models: Any = None, defenses: Any = None
) -> str | None:
    """Why the accountant's figures mia-attack carries cannot be used: a δ outside (0, 1)
    (the empirical ε bound is computed at it: 'abc' was a TypeError traceback, 5 a bound
    at δ=5) or an ε that is no number >= 0 (infinite: no noise), or ``None``."""
    import math

    from mia_defense.report.checks import flag_problem

    # (mia-report's refusal: "false" read as a valid ε; epsilon_refuted is measured again)
    flags = flag_problem(privacy, flags=("epsilon_valid",))
    if flags is not None:
        return flags
    delta, epsilon = privacy.get("delta"), privacy.get("epsilon")
    number = (int, float)
    if delta is not None and (isinstance(delta, bool) or not isinstance(delta, number)
                              or not 0 < delta < 1):  # fmt: skip
        return f"privacy.delta is {_kind(delta)} {delta!r:.60}, not a number in (0, 1)"
    if epsilon is not None and (isinstance(epsilon, bool) or not isinstance(epsilon, number)
                                or math.isnan(epsilon) or epsilon < 0):  # fmt: skip
        return f"privacy.epsilon is {_kind(epsilon)} {epsilon!r:.60}, not a number >= 0"
    return _claim_problem(privacy, num_models, defenses) or _audit_problem(privacy)


def _claim_problem(privacy: dict[str, Any], num_models: Any, defenses: Any) -> str | None:
    """How the DP claim mia-attack would carry contradicts its own fields (`mia-report`'s
    rule, `dp_claim_problem`: an ε below a model's own in ``per_model``, a refutation's
    reason beside ``epsilon_refuted`` false...), or ``None``: the run's ε was carried and
    stated as a guarantee."""
    from mia_defense.report.checks import dp_claim_problem

    problem = dp_claim_problem(privacy, num_models=num_models, defenses=defenses)
    return None if problem is None else f"{problem}: a figure was changed after the run"


def _audit_problem(privacy: dict[str, Any]) -> str | None:
    """Why the one-run audit's block mia-attack carries (its white-box half cannot be
    measured again without training) cannot be summarised, or ``None``: a malformed one was
    a traceback from the summary table once results.json was written."""
    from mia_defense.audit import audit_lines

    try:
        audit_lines(privacy)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # (OverflowError: an integer too large for a float, formatted as one)
        return (f"privacy.audit is not a one-run audit's figures ({type(exc).__name__}: "
                f"{str(exc)[:80]})")  # fmt: skip
    return None


def _not_the_runs(obs: Observations, results: dict[str, Any]) -> str | None:
    """How the observations differ from the run results.json describes (its models,
    records and classes, and the members' accuracy on its outputs), or ``None``; a figure
    results.json does not hold is not compared, nor the accuracy where it does not state
    the observations' records (every mia-train and mia-attack results.json does)."""
    held = {"num_models": obs.num_models, "population_size": len(obs.labels),
            "num_classes": obs.num_classes}  # fmt: skip
    for key, value in held.items():
        said = results.get(key)
        if isinstance(said, int) and not isinstance(said, bool) and said != value:
            return f"{key} is {value} in them, {said} in results.json"
    if "population_size" not in results:  # not a run's record of these observations
        return None
    if _one_answer_accuracy(results):
        return None
    return _accuracy_differs(obs, results["utility"].get("train_accuracy"))


# The built-in releases that answer a query the same every time (`Release.randomized`),
# by name: mia-attack on a run imports no torch, which the classes would bring (1.4 s);
# tests/test_red_verdict_h72_attack_noise_run.py checks the list against the classes.
_DETERMINISTIC_RELEASES = frozenset(
    f"mia_defense.defenses.{name}"
    for name in ("FullRelease", "TopKRelease", "RoundingRelease", "LabelOnlyRelease",
                 "TemperatureRelease")
)  # fmt: skip


def _one_answer_accuracy(results: dict[str, Any]) -> bool:
    """Whether the run's ``utility.train_accuracy`` is of one answer per member, not of the
    observations' averaged answers: a release other than a deterministic built-in one
    (release=noise) asked ``attack.queries.repeats`` > 1 times
    (`mia_defense.pipeline.release.release_members_once`). Compared with the observations'
    averages it differed (0.790 against 0.795), and every release=noise run was refused as
    'their masks, labels or outputs were changed'."""
    config = results.get("config")
    release = config.get("release") if isinstance(config, dict) else None
    attack = config.get("attack") if isinstance(config, dict) else None
    queries = attack.get("queries") if isinstance(attack, dict) else None
    repeats = queries.get("repeats") if isinstance(queries, dict) else None
    target = release.get("_target_") if isinstance(release, dict) else None
    return (isinstance(repeats, int) and not isinstance(repeats, bool) and repeats > 1
            and isinstance(target, str) and target not in _DETERMINISTIC_RELEASES)


def _canaries_unflagged(extras: dict[str, np.ndarray], results: dict[str, Any]) -> str | None:
    """How ``is_canary`` differs from the canaries results.json says the run inserted, or
    ``None``. Unflagged canaries (the array dropped or cleared) were pooled with the records;
    records flagged beyond them (the run's canaries and the one-run audit's, appended last by
    mia-train) were left out of the pooled figures and the verdict, a leaky record hidden."""
    import numpy as np

    said = results.get("canaries")
    if isinstance(said, bool) or not isinstance(said, int) or said < 0:
        return None
    flags = np.asarray(extras.get("is_canary", np.zeros(0, dtype=bool)))
    flagged = int(flags.astype(bool).sum()) if flags.dtype.kind in "biu" else 0
    audit, audited = _setting(results, "audit"), _setting(results, "audit_canaries")
    if audit is _UNKNOWN or (audit == "one_run" and not isinstance(audited, int)):
        # an older run: the audit's canaries are flagged as well, in a number not stated
        fewer = f"is_canary flags {flagged} records, results.json {said} canaries"
        return None if flagged >= said else fewer
    expected = said + (audited if audit == "one_run" else 0)
    what = f"{said} canaries" + (f" and {audited} audit canaries (attack.audit_canaries)"
                                 if audit == "one_run" else "")  # fmt: skip
    if flagged != expected:
        return f"is_canary flags {flagged} records, results.json {what}"
    engine = (results.get("training") or {}).get("engine")
    last = np.zeros(len(flags), dtype=bool)
    last[len(flags) - expected:] = True
    if expected and engine not in (None, "external") and flags.ndim == 1 and not (
        np.array_equal(flags.astype(bool), last)
    ):
        return (f"is_canary flags other records than the last {expected} (mia-train appends "
                f"its {what} after the records)")  # fmt: skip
    return None


def _accuracy_differs(obs: Observations, said: float | None) -> str | None:
    """How the members' accuracy on the observations differs from the run's
    ``utility.train_accuracy``, or ``None``. Both mia-train and mia-attack compute it from
    the observations they write (`released_accuracy`), so masks, labels or outputs edited in
    place (same shapes) show here: one record's answer changed moves it by 1/(K·N/2)."""
    import math

    from mia_defense.pipeline.evaluate import released_accuracy

    if said is None or not math.isfinite(said):
        return None
    found = released_accuracy(obs, None, None)["train_accuracy"]
    if math.isclose(found, said, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return (f"the members' accuracy on them is {found:.6g}, {said:.6g} in results.json "
            "(utility.train_accuracy): their masks, labels or outputs were changed")  # fmt: skip


def checked_extra(source: Source, name: str, default: np.ndarray) -> np.ndarray:
    """An extra array of [N] records (``is_canary``, ``population_idx``), checked."""
    import numpy as np

    value = source.extras.get(name)
    if value is None:
        return default
    if value.shape != default.shape or value.dtype.kind != default.dtype.kind:
        raise DataError(
            f"{source.file}: {name} has shape {value.shape} and dtype {value.dtype}, "
            f"expected {list(default.shape)} {default.dtype} (one per record of labels)"
        )
    problem = _extra_problem(name, np.asarray(value))
    if problem:
        raise DataError(f"{source.file}: {name}: {problem}")
    return np.asarray(value)


def _extra_problem(name: str, value: np.ndarray) -> str | None:
    """Values an extra array cannot hold: rows of the dataset that are negative or repeated
    (``population_idx``: results.json names them as dataset rows), or every record a canary
    (``is_canary``: nothing left to pool)."""
    import numpy as np

    if name == "population_idx" and len(value):
        rows, counts = np.unique(value, return_counts=True)
        if rows[0] < 0 or counts.max() > 1:
            found = f"{rows[0]}" if rows[0] < 0 else f"{rows[counts > 1][0]} twice"
            return (f"values must be distinct rows >= 0 of the dataset, found {found}; drop "
                    "population_idx or write each record's own row")  # fmt: skip
    if name == "is_canary" and value.all():
        return ("every record is a canary, so no record is left for the pooled metrics; flag "
                "only the canaries")  # fmt: skip
    return None


# A setting a run's results.json does not state (an older run's, or null: mia-attack's record
# of a file that did not say it).
_UNKNOWN: Any = object()


def _setting(results: dict[str, Any], key: str) -> Any:
    """``config.attack.KEY`` of a run's results.json, `_UNKNOWN` where it does not say."""
    node: Any = (results.get("config") or {}).get("attack")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _UNKNOWN
        node = node[part]
    return _UNKNOWN if node is None else node


def own_settings(source: Source) -> dict[str, Any]:
    """The `FIXED_SETTINGS` the source's observations were made with: a file's as
    `observed_settings` reads them (its augmented queries, gradient norms and flagged
    canaries, no audit), a run's from its config, its augmented queries and gradient norms
    as its observations hold them; the others are not known."""
    import numpy as np

    from mia_defense.api import FIXED_SETTINGS, observed_settings

    obs = source.observations
    flags = checked_extra(source, "is_canary", np.zeros(len(obs.labels), dtype=bool))
    observed = observed_settings(obs, flags)
    if source.results is None:
        return observed
    own = {key: _setting(source.results, key) for key in FIXED_SETTINGS}
    for key in ("queries.num_augmented", "white_box"):
        own[key] = observed[key]
    return {key: value for key, value in own.items() if value is not _UNKNOWN}


def fixed_settings_problem(cfg: DictConfig, source: Source, overrides: list[str]) -> str | None:
    """Why the overrides of `FIXED_SETTINGS` cannot take effect on the source (`api`'s rule,
    as `audit` applies it), or ``None``."""
    from mia_defense.api import fixed_problem

    return fixed_problem(cfg, own_settings(source), overrides,
                         whose=f"the observations of {source.path}", reader="mia-attack")


def doubt_claim(
    privacy: dict[str, Any], results: dict[str, Any], path: Path | None = None
) -> None:
    """Carry an ε the source run's own config makes no guarantee (`epsilon_doubt`: shuffled
    batches, gdp, standardised features, a defense of the user's own) as none
    (``epsilon_valid`` false, with the reason), though its results.json says valid (a run of
    before mia-train flagged it, or edited): mia-attack restated it as a guarantee."""
    from mia_defense.report.checks import epsilon_doubt

    doubt = epsilon_doubt({**results, "privacy": privacy})
    if doubt is not None:
        privacy["epsilon_valid"] = False
        privacy["epsilon_invalid_reason"] = (
            f"{doubt} (the run attacked recorded it as valid: written before mia-defense "
            "checked this, or edited)"
        )
        where = "" if path is None else f"{path}: "  # (the source's results.json)
        log.warning("%sthe run's ε is not a guarantee (privacy.epsilon_valid: false): %s",
                    where, doubt)
