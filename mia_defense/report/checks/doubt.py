"""Whether a run's ε, which its results.json states as a guarantee, is none by the run's own
config (`epsilon_doubt`), with the readers of that config it needs: mia-report's caveat
(`mia_defense.report.checks.privacy`, which re-exports it) and a search's objective
(`mia_defense.report.objectives.objectives`, which imports this module, never that one:
privacy.py imports objectives.py) ask the one rule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mia_defense.canaries import canaries_reason
from mia_defense.data import classes_from_labels, loads_csv
from mia_defense.report.checks._values import _numbers, _show, one_line

__all__ = ["EDITED", "edited", "epsilon_doubt"]

# What every check says of a results.json that mia-defense cannot have written as it reads
# (`edited`): one phrase, where mia-report's refusal of a contradicted DP claim read '(edited?):
# rerun the run' beside the others' words.
EDITED = "the file was edited; rerun the run"


def edited(problem: str) -> str:
    """``problem`` (what a results.json holds that no run writes) with `EDITED` after it."""
    return f"{problem}: {EDITED}"


# The fields of each model in ``privacy.per_model`` that every mia-train has written beside
# a DP-SGD ε (`mia_defense.defenses.accounting.privacy_report`, since 5c1486b of 2026-11-30,
# before the writer's mark `writer_mark` of 0cf5cf5 that day): what recomputes its ε.
_SCHEDULE_FIELDS = ("epsilon", "noise_multiplier", "sample_rate", "steps", "delta", "accountant")


def _unrecomputable(models: Any) -> str | None:
    """Why the ε of a model in ``privacy.per_model`` cannot be recomputed: an input of it
    null (`privacy_report` writes null where a checkpoint of a mia-defense of before
    2026-11-30 lacked it; set so by hand, with the ε lowered to 0.5, the recomputation
    skipped the model and the ε stood as a guarantee), or ``None``."""
    for k, model in enumerate(models if isinstance(models, list) else []):
        nulls = [f for f in _SCHEDULE_FIELDS[1:5] if isinstance(model, Mapping)
                 and f in model and model[f] is None]  # fmt: skip
        if nulls:
            return (f"privacy.per_model[{k}].{nulls[0]} is null, so the report cannot recompute "
                    "the ε it spent (a checkpoint of a mia-defense of before 2026-11-30, or "
                    "set so by hand); rerun the run")
    return None


def _tolerance(value: float) -> float:
    return 1e-9 * abs(value) + 1e-12


def _above_target_unchecked(
    epsilon: float, dp: Mapping[str, Any], models: Any, *, carried: bool = False
) -> str | None:
    """Why an ε above the ``target_epsilon`` its DP-SGD config ``dp`` calibrated the noise
    to spend is no guarantee where results.json has no ``privacy.per_model``, or ``None``:
    `_off_target` asks above the target only of a run with it (an older run's search could
    end past the target), so a run whose per_model was deleted, with the writer's marks
    (`schedule_deleted`), passed with a target lowered by hand below its ε, where the same
    file with per_model is skipped. Neither is told from the other: the ε is doubted.
    ``carried``: the missing per_model of a results.json of mia-attack is said already (its
    own reason, `_doubts`), so this says the target alone."""
    target = dp.get("target_epsilon")
    if (dp.get("noise_multiplier") is not None or not _numbers(target)
            or (isinstance(models, list) and models)):  # fmt: skip
        return None
    if not epsilon > target + _tolerance(target):
        return None
    if carried:
        return (f"privacy.epsilon {epsilon:.6g} is above defense.dp.target_epsilon {target:g}, "
                "which calibrated the noise, so the target is no bound on it")
    return (f"privacy.epsilon {epsilon:.6g} is above defense.dp.target_epsilon {target:g}, "
            "which calibrated the noise, and results.json has no privacy.per_model to "
            "recompute it from: a run of before 2026-11-30, whose search could end past its "
            "target, or the target lowered and per_model deleted after the run; the report "
            "cannot tell which, so the target is no bound on it. Rerun it with mia-train")


def _vanishing_noise(
    privacy: Mapping[str, Any], dp: Mapping[str, Any], train: Any
) -> str | None:
    """Why an ε recorded with a σ whose noise float32 loses where the models add it
    (`mia_defense.defenses.accounting.noise_vanishes`, which mia-train refuses such a σ
    with: σ·C below float32's normal range since 2026-12-06, below its precision at the
    clipped sums of a batch since h386) is none, or ``None``: no noise (or next to none)
    was added, yet the accountant's ε of σ was finite (3.3e92 at σ = 1e-46, 4.4e12 at 1e-6
    with batches of 64) and ranked as a guarantee. A model's batch is the least its
    recorded sample rate and ``train.batch_size`` allow (`least_expected_batch`)."""
    from mia_defense.defenses.accounting import least_expected_batch, noise_vanishes

    clip = dp.get("max_grad_norm")
    models = privacy.get("per_model")
    size = train.get("batch_size") if isinstance(train, Mapping) else None
    runs = [(privacy.get("noise_multiplier"), 1), *(
        (m.get("noise_multiplier"), least_expected_batch(size, m.get("sample_rate")))
        for m in (models if isinstance(models, list) else [])
        if isinstance(m, Mapping))]  # fmt: skip
    if not _numbers(clip):
        return None
    for sigma, batch in runs:
        reason = noise_vanishes(float(sigma), float(clip), batch) if _numbers(sigma) else None
        if reason is not None:
            return (f"noise_multiplier {sigma:g} with defense.dp.max_grad_norm {clip:g}: "
                    f"{reason}, and no ε holds; rerun with a larger defense.dp.noise_multiplier")
    return None


def _seeded_noise_doubt(privacy: Mapping[str, Any], models: Any) -> str | None:
    """`mia_defense.defenses.accounting.seeded_noise_reason` of a run of seeded noise
    (``privacy.noise_source``) by its ``per_model`` entries of numbers, or ``None``: a run
    written before mia-train set ``epsilon_valid`` false for it (2026-12-07) stood in the
    report as a guarantee of an (ε, δ) its float32 noise's tail breaks, the
    ``noise_caveat`` that said so unshown. Of secure noise, `secure_noise_reason` (its
    draws stop too: σ 4e-6 spent ε 9.3e12, recorded as a guarantee before h429)."""
    source = privacy.get("noise_source")
    if source not in ("seeded", "secure") or not isinstance(models, list):
        return None
    from mia_defense.defenses.accounting import secure_noise_reason, seeded_noise_reason

    reason = seeded_noise_reason if source == "seeded" else secure_noise_reason
    return reason([m for m in models if isinstance(m, Mapping) and _numbers(
        *(m.get(k) for k in ("epsilon", "noise_multiplier", "sample_rate", "steps", "delta")))])


def _dp_node(defenses: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The key and node of the DP-SGD defense in a run's ``config.defense`` (``dp``, or a
    defense whose ``_target_`` is mia-defense's DPSGD), or ``None``."""
    for key, node in defenses.items():
        if isinstance(node, Mapping) and (
            key == "dp" or node.get("_target_") == "mia_defense.defenses.DPSGD"
        ):
            return str(key), node
    return None


def accountant_disagreement(
    privacy: Mapping[str, Any], found: tuple[str, Mapping[str, Any]] | None
) -> str | None:
    """How ``privacy.accountant``, or the ``accountant`` of a model in ``privacy.per_model``,
    differs from the accountant of the run's DP-SGD config node (``found``, `_dp_node`'s key
    and node), or ``None`` (the same, either unsaid, or a model's ``rdp``: the upper bound a
    prv or gdp run gives a model past RDP ε 100). mia-train writes them all from the one
    setting, so only an edit parts them (`dp_claim_problem` refuses such a file,
    `epsilon_doubt` names it): a model of an rdp run edited to prv held an ε of another
    accountant, a guarantee to a search's objective. A model of a run written before
    per_model had the field is not asked."""
    if found is None:
        return None
    configured, recorded = found[1].get("accountant"), privacy.get("accountant")
    if configured is None:
        return None
    where = f"config.defense.{found[0]}.accountant, which accounted the run's ε,"
    if recorded is not None and configured != recorded:
        return f"privacy.accountant is {_show(recorded)}, but {where} is {_show(configured)}"
    models = privacy.get("per_model")
    for k, model in enumerate(models if isinstance(models, list) else []):
        own = model.get("accountant") if isinstance(model, Mapping) else None
        if own is not None and own not in (configured, "rdp"):
            return (f"privacy.per_model[{k}].accountant is {_show(own)}, but {where} is "
                    f"{_show(configured)} (a model's may be rdp too: its upper bound)")
    return None


def _dp_config(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The DP-SGD node of a run's config (``defense.dp``, or a defense whose ``_target_`` is
    mia-defense's DPSGD), or ``None``."""
    defenses = config.get("defense")
    found = _dp_node(defenses) if isinstance(defenses, Mapping) else None
    return None if found is None else found[1]


def _unrecorded_config(config: Any) -> str | None:
    """Why a run's config cannot vouch for its ε (results.json holds no config, or none of
    its defenses: ``config.defense`` missing or no object), or ``None``. mia-train records
    both; without them nothing shows how the ε was spent, and a DP run whose config was
    deleted by hand passed both tools with its ε read as a guarantee."""
    if not isinstance(config, Mapping):
        what = "no config"
    elif not isinstance(config.get("defense"), Mapping):
        what = "no config.defense"
    else:
        return None
    return (f"results.json records {what} (deleted by hand, or written by code of your own), "
            "so nothing shows the settings that spent its ε (sampling, accountant, scaling, "
            "other defenses) and it cannot be checked; rerun the run with mia-train, or put "
            "its own results.json back")


def _csv_text_columns_unknown(dataset: Any, preprocessing: Any) -> bool:
    """Whether a DP run on the CSV loader leaves unsaid whether one-hot encoded text columns
    (categories from the data, members included) were among its features: its
    ``privacy.preprocessing`` still reads "text columns, if any" (written before mia-train
    looked at the loaded columns, 0316dee; since then such a run says ``epsilon_valid:
    false``, and one without says "the CSV has no text columns")."""
    return (loads_csv(dataset) and isinstance(preprocessing, str)
            and "text columns, if any" in preprocessing)


def _canaries_doubt(attack: Any) -> str | None:
    """`mia_defense.canaries.canaries_reason` of a run's ``attack`` config: outlier
    canaries, placed with statistics of the population, trained its models (mia-train says
    ``epsilon_valid: false`` for them since 2026-12-05)."""
    if not isinstance(attack, Mapping) or not isinstance(attack.get("canaries"), Mapping):
        return None
    node = attack["canaries"]
    num, audit = node.get("num"), attack.get("audit_canaries")
    counts = [n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0
              for n in (num, audit if attack.get("audit") == "one_run" else 0)]  # fmt: skip
    return canaries_reason(kind=str(node.get("kind")), num=counts[0], audit=counts[1])


def _not_dp_sgd_doubt(defenses: Mapping[str, Any]) -> str:
    """Why an ε stated by a run none of whose ``defenses`` (its ``config.defense``, not
    empty: `dp_claim_problem`) is mia-defense's DP-SGD is no guarantee: mia-train records
    the ``privacy_report`` of any defense that has one, so a defense of the user's own
    (``+defense.claim._target_=my.Claim``) that trained as without any defense and reported
    ε 0.5 stood in the report as a guarantee, ``epsilon_valid`` yes, with no caveat."""
    named = [
        f"{key} ({node['_target_']})" if isinstance(node, Mapping)
        and isinstance(node.get("_target_"), str) else str(key)
        for key, node in defenses.items()
    ]  # fmt: skip
    return (f"no DP-SGD of mia-defense trained it (config.defense: "
            f"{one_line(', '.join(named), limit=120)}): its ε is a defense's own report "
            "(privacy_report), whose mechanism and accounting mia-defense neither ran nor "
            "checked")


def epsilon_doubt(payload: Mapping[str, Any], *, gdp_bounded: bool = False) -> str | None:
    """Why a run's finite ε, which its results.json states as a guarantee (``epsilon_valid``
    not false), is none by its own config, or ``None``: DP-SGD on shuffled batches
    (``poisson_sampling=false``), the ``gdp`` accountant, features scaled with statistics of
    the members (``dataset.standardize``/``normalize``), a CSV's text columns one-hot encoded
    from the data where results.json leaves unsaid whether there were any
    (`_csv_text_columns_unknown`), classes taken from the labels (`classes_from_labels`),
    outlier canaries (`_canaries_doubt`), seeded noise whose float32 tail is likelier than
    δ (`_seeded_noise_doubt`), a defense of the user's own beside it, no DP-SGD
    of mia-defense at all (`_not_dp_sgd_doubt`), or no config to tell
    (`_unrecorded_config`). mia-train writes the first four as
    ``epsilon_valid: false`` (all but the first since 2026-12-01 or 12-02: earlier runs, or a
    file whose flag was edited, said true). ``gdp_bounded``: the ``gdp`` accountant's
    approximation is no doubt, its RDP upper bound standing in (a search's objective,
    `mia_defense.report.objectives.epsilon_doubted`); the other reasons still are. Every
    reason that applies is said, each in its own words, the first first (joined by
    '; also ': gdp with ``dataset.standardize=true`` named the accountant alone)."""
    reasons = list(_doubts(payload, gdp_bounded=gdp_bounded))
    return "; also ".join(reasons) if reasons else None


def _doubts(payload: Mapping[str, Any], *, gdp_bounded: bool) -> Iterator[str]:
    """Each reason of `epsilon_doubt`, in its order; none after one that leaves the config
    unreadable for the rest (no config, no DP-SGD of mia-defense, an empty DP-SGD node)."""
    privacy, config = payload.get("privacy"), payload.get("config")
    if not isinstance(privacy, Mapping):
        return
    if not _numbers(privacy.get("epsilon")) or privacy.get("epsilon_valid") is False:
        return  # (no finite ε: none claimed)
    unrecorded = _unrecorded_config(config)
    if unrecorded is not None:
        yield unrecorded
        return
    models = privacy.get("per_model")
    accountants = [privacy.get("accountant"), *(
        m.get("accountant") for m in (models if isinstance(models, list) else [])
        if isinstance(m, Mapping))]  # fmt: skip (a list: an accountant may be an object)
    dp = _dp_config(config) or {}
    if dp.get("poisson_sampling") is False:
        yield ("defense.dp.poisson_sampling=false: the models trained on shuffled batches, "
               "not the Poisson sampling the accountant analyses")
    defenses = config["defense"]
    parted = accountant_disagreement(privacy, _dp_node(defenses))
    if parted is not None:
        # (an edit: mia-report refuses the file; the gdp approximation or its bound, which
        # the one setting would have written, cannot be told from it)
        yield f"{parted}: mia-train writes both from the one setting, so {EDITED}"
    elif ("gdp" in accountants or dp.get("accountant") == "gdp") and not gdp_bounded:
        yield "accountant gdp: a central-limit approximation that can underestimate ε"
    if _dp_config(config) is None:
        yield _not_dp_sgd_doubt(defenses)
        return
    unknown = _unrecomputable(models)
    if unknown is not None:
        yield unknown
    carried = "source" in payload and not (isinstance(models, list) and models)
    if carried:
        # (mia-attack of a mia-train run whose per_model was deleted, its ε lowered, ranked
        # the lowered ε: `schedule_deleted` holds mia-train's records alone)
        yield ("mia-attack carried it from the run it attacked (source) without "
               "privacy.per_model, so the report cannot recompute the ε it spent (a run of "
               "before 2026-11-30, or per_model deleted there); rerun that run with mia-train")
    if not dp:
        return
    unchecked = _above_target_unchecked(float(privacy["epsilon"]), dp, models, carried=carried)
    if unchecked is not None:
        yield unchecked
    vanished = _vanishing_noise(privacy, dp, config.get("train"))
    if vanished is not None:
        yield vanished
    seeded = _seeded_noise_doubt(privacy, models)
    if seeded is not None:
        yield seeded
    dataset = config.get("dataset")
    scaled = [k for k in ("standardize", "normalize")
              if isinstance(dataset, Mapping) and dataset.get(k) is True]  # fmt: skip
    for key in scaled:
        yield (f"dataset.{key}=true: the features were scaled with statistics of the "
               "data, members included, outside DP-SGD's accounting")
    if _csv_text_columns_unknown(dataset, privacy.get("preprocessing")):
        yield ("a CSV whose text columns, if it had any, were one-hot encoded with the "
               "categories found in the data, members included, outside DP-SGD's "
               "accounting: results.json does not say whether it had any (a run recorded "
               "before mia-train set epsilon_valid false for them); rerun it with mia-train")
    if classes_from_labels(dataset):
        yield ("dataset.num_classes=null: the classes were the distinct labels found in the "
               "data, members included, outside DP-SGD's accounting (a label one member "
               "alone holds is an output of its own)")
    canaries = _canaries_doubt(config.get("attack"))
    if canaries is not None:
        yield canaries
    defenses = config["defense"]
    own = sorted(
        str(node["_target_"]) for node in defenses.values()
        if isinstance(node, Mapping) and isinstance(node.get("_target_"), str)
        and not node["_target_"].startswith("mia_defense.")
    )  # fmt: skip
    if own:
        yield (f"trained beside defenses of your own ({one_line(', '.join(own), limit=120)}), "
               "which DP-SGD's accounting does not cover")
