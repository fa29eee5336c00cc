"""Audit models trained anywhere, from Python (a notebook): observations from numpy arrays or
from K torch modules, the configured attack suite, its metrics table and log-log ROC figure.

    from mia_defense import api
    plan = api.make_plan(x, y, num_models=8)               # which record trains which model
    ...                                                    # train model k on plan.masks[k]
    obs = api.observations_from_arrays(probs, plan.masks, y[plan.population_idx],
                                       kind="probabilities")
    audit = api.audit(obs, overrides=["attack.bootstrap=0"])
    print(audit.table()); audit.roc_figure().savefig("roc.png")

The attacks are the ``attack`` config group's (conf/attack/default.yaml), changed with the
overrides mia-train takes (``attack.num_targets=4``, ``~attack.attacks.shokri``); the
figures come from the function mia-train and mia-attack call
(`mia_defense.experiment.attack_observations`), so the same observations give the same
numbers everywhere.
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from omegaconf import DictConfig

from mia_defense.api_inputs import (
    _array,
    _check_sizes,
    _keywords_named,
    _numbers,
    _observations,
    _refuse_big_seed,
    _refuse_masked,
    _refuse_non_integer_labels,
    _refuse_reserved,
    _unshared,
    _values,
)
from mia_defense.api_models import (
    AVERAGED_REPEATS,
    ONE_ANSWER_TRAIN_ACCURACY,
    observe_models,
)
from mia_defense.attack_setup import (
    FIXED_SETTINGS,
    AttackSettings,
    attack_config,
    attack_settings,
    check_attack_config,
    check_observed_budget,
    check_overrides,
    fixed_overrides,
    fixed_problem,
    record_settings,
)
from mia_defense.attack_setup import observed_settings as _observed_settings
from mia_defense.attacks.base import access_of
from mia_defense.config_tables import MAX_MODELS
from mia_defense.constraints import is_integer, shown
from mia_defense.data.checks import (
    far_apart_labels,
    warn_below_float32,
    warn_label_copies,
    warn_unscaled_features,
)
from mia_defense.data.dataset import Dataset
from mia_defense.errors import (
    ConfigError,
    DataError,
    a_type,
)
from mia_defense.experiment import RunResult, attack_observations, released_accuracy
from mia_defense.files import home_expanded
from mia_defense.library_call import library_call
from mia_defense.metrics.epsilon import wilson_interval
from mia_defense.metrics.inputs import as_integer
from mia_defense.metrics.roc import chance_level_headline
from mia_defense.observations import (
    COPY_GROUPS,
    QUERIES_IN_OBSERVATIONS,
    QUERIES_OF_MIA_TRAIN,
    Observations,
    attacked_as_given,
    copy_group_problem,
    zero_one_flags,
)
from mia_defense.pipeline.data import warn_duplicates
from mia_defense.pipeline.evaluate import RANDOMIZED_RELEASE_REPEATS
from mia_defense.plan import MembershipPlan
from mia_defense.plan import make_plan as _make_plan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FIXED_SETTINGS",
    "AttackSettings",
    "Audit",
    "attack_config",
    "attack_settings",
    "audit",
    "check_attack_config",
    "fixed_overrides",
    "fixed_problem",
    "load_observations",
    "make_plan",
    "observations_from_arrays",
    "observe_models",
    "observed_settings",
    "record_settings",
    "released_utility",
    "run_audit",
]

log = logging.getLogger(__name__)

# results.json's ``training`` of models trained outside mia-defense.
EXTERNAL_TRAINING = {"engine": "external", "fallback_reason": None}


@_keywords_named
def make_plan(
    x: np.ndarray,
    y: np.ndarray,
    *,
    num_models: int = 16,
    population_size: int | None = None,
    test_size: int | None = None,
    seed: int = 0,
) -> MembershipPlan:
    """mia-train's membership plan for your data: ``population_idx`` [N] and ``test_idx``
    (rows of ``x``), and ``masks`` [K, N] (record n trains model k when ``masks[k, n]``;
    every record trains exactly K/2 models). Train model k on
    ``x[plan.population_idx][plan.masks[k]]``."""
    _check_num_models(num_models)
    as_integer(seed, key="make_plan: seed", low=0)
    _refuse_big_seed("make_plan", seed)  # (a plan no mia-train run can reproduce)
    for name, value in (("population_size", population_size), ("test_size", test_size)):
        if value is not None:
            as_integer(value, key=f"make_plan: {name}", low=0)
    _refuse_masked("make_plan", x=x, y=y)
    labels = _array(y, "make_plan", "y", DataError)
    # (numpy counts timedelta64 as an integer: raw TypeError; labels are data: a DataError)
    _refuse_non_integer_labels("make_plan", labels)
    features = _numbers("make_plan", x)
    if not labels.size or not len(features):
        raise DataError(
            "make_plan: x and y hold no rows; give one row of x and one label of y per record"
        )
    if labels.shape != (len(features),):  # (the dataset's error named neither y nor x)
        raise DataError(
            f"make_plan: y has shape {labels.shape}, expected [{len(features)}] (one label "
            "per row of x)"
        )
    if labels.min() < 0:
        raise DataError(
            f"make_plan: y holds label {labels.min()}; give class indices 0, 1, ... (e.g. "
            "np.unique(y, return_inverse=True)[1])"
        )
    classes = int(labels.max()) + 1
    if far_apart_labels(classes, len(labels)):  # (as mia-train's dataset.num_classes)
        raise DataError(
            f"make_plan: y holds labels up to {classes - 1} for {len(labels)} records: "
            f"{classes} classes (y is read as class indices 0..C-1), at least "
            f"{classes - len(labels)} of them without a record, and the models and attacks "
            "grow with the classes; relabel y to 0..C-1 first (np.unique(y, "
            "return_inverse=True)[1]) and train on those labels"
        )
    _check_sizes(len(features), population_size, test_size)
    try:  # (x memory-mapped, larger than memory: the checks' masks were a raw MemoryError)
        dataset = _your_data(features, labels, classes)
        plan = _make_plan(
            dataset, num_models=num_models, population_size=population_size,
            test_size=test_size, seed=seed,
        )  # fmt: skip
        warn_duplicates(dataset, plan)  # as mia-train does: copies across membership hide leaks
        _refuse_memberless(plan, features)
        # as mia-train does for a user's dataset: models trained on 0..255 or 50000 learn poorly
        given = x if isinstance(x, np.ndarray) and x.dtype == np.uint8 else features
        warn_unscaled_features(given, source=dataset.description,
                               loader="your code before make_plan and training")
        warn_label_copies(features, labels, source=dataset.description)  # as the loaders do
        # (x as given: its float32 copy holds zeros where float64 held 1e-310)
        warn_below_float32(x if isinstance(x, np.ndarray) else features,
                           source=dataset.description, names=None)
    except MemoryError as exc:
        raise DataError(
            f"make_plan: x: shape {list(features.shape)}, {features.nbytes / 2**30:.3g} GiB "
            f"of float32: checking it needs more memory than this machine could allocate "
            f"({' '.join(str(exc).split())[:100]}); give fewer rows of x and y"
        ) from None
    return plan


def _your_data(features: np.ndarray, labels: np.ndarray, classes: int) -> Dataset:
    """make_plan's ``x`` and ``y`` as a `Dataset`, whose refusals (a NaN row, one class)
    said "dataset 'your data': ..." and named neither make_plan nor its arguments (h584)."""
    try:  # (y all 0: the one-class refusal's words, not 'need at least 2 classes, got 1')
        return Dataset(x=features, y=labels, num_classes=max(classes, 2), name="your data")
    except DataError as exc:
        raise DataError(f"make_plan: x (the features) and y (the labels): {exc}") from None


def _check_num_models(num_models: Any) -> None:
    """A `ConfigError` for a ``num_models`` mia-train's ``plan.num_models`` refuses, in one
    set of words naming what it accepts (10**9 was a raw MemoryError of 559 GiB; -2 was told
    'an integer in [0, 4096]' and 0, in it, then 'an even number >= 2')."""
    whole = is_integer(num_models, low=2, high=MAX_MODELS)
    if not (whole and num_models % 2 == 0):
        raise ConfigError(
            f"make_plan: num_models={shown(num_models)}: must be an even integer in [2, "
            f"{MAX_MODELS}] (every record is a member of exactly half of the models)"
        )


def _refuse_memberless(plan: MembershipPlan, x: np.ndarray) -> None:
    """A `ConfigError` for a plan with a model of no member, as mia-train refuses it: x of
    2 distinct rows gave 4 of 16 models none (copies train the same models), and the plan
    was returned for the user to train a model on nothing."""
    members = plan.masks.sum(axis=1)
    if members.min():
        return
    unique = len(np.unique(plan.leaders(x)))
    why = (f"the population's {plan.population_size} records are exact copies of {unique} "
           "distinct one(s) (the same features) and copies are members of the same models: "
           "deduplicate x, or raise population_size where x holds more distinct rows"
           if unique < plan.population_size else
           f"the draw of {plan.population_size} records left it none: raise population_size, "
           "or give more rows of x")
    raise ConfigError(f"make_plan: num_models={plan.num_models}: model "
                      f"{int(np.argmin(members))} of the plan has no member, as {why}")


@_keywords_named
def observed_settings(obs: Observations, is_canary: Any = None) -> dict[str, Any]:
    """The `FIXED_SETTINGS` that observations state themselves: their augmented queries
    (``queries.num_augmented``), their gradient norms (``white_box``), the records flagged
    as canaries (``canaries.num``) and no one-run audit; the others they do not say.
    ``is_canary`` is read as `audit` reads it: a tensor (one that requires grad, sparse,
    bfloat16) by its values (a raw RuntimeError, or refused, before), a masked array refused
    (its masked flags were counted)."""
    if is_canary is not None and isinstance(obs, Observations):
        _refuse_masked("observed_settings", is_canary=is_canary)
        is_canary = _values(is_canary, "observed_settings", "is_canary")
    return _observed_settings(obs, is_canary)


@_keywords_named
def observations_from_arrays(
    outputs: np.ndarray,
    masks: np.ndarray,
    labels: np.ndarray,
    *,
    kind: str = "log_probabilities",
    test_outputs: np.ndarray | None = None,
    test_labels: np.ndarray | None = None,
    augmented_logits: np.ndarray | None = None,
    augmented_predictions: np.ndarray | None = None,
    grad_norms: np.ndarray | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Observations:
    """Checked `Observations` from what K models released on N records.

    Args:
        outputs: [K, N, C] released outputs, of ``kind``.
        masks: [K, N] membership (bool or 0/1): record n trained model k.
        labels: [N] int true classes.
        kind: ``log_probabilities``, ``probabilities`` (e.g. scikit-learn's
            ``predict_proba``) or ``logits``.
        test_outputs, test_labels: [K, M, C] outputs (same ``kind``) on M held-out records
            and their [M] labels: the utility figures (test accuracy, gap).
        augmented_logits, augmented_predictions, grad_norms: the optional fields of the file
            format (docs/observations.md).
        metadata: free-form facts saved with the observations (dataset, model, defense).

    Raises:
        DataError: listing every problem (shapes, dtypes, values of ``kind``, masks that are
            not 0/1, K < 2, a record never IN or never OUT), each naming its field.
        ConfigError: ``kind`` not one of the three; metadata that cannot be saved, or that
            holds a key `observe_models` writes of its own queries
            (``randomized_release_repeats``, ``train_accuracy_one_answer``).
    """
    _refuse_reserved(metadata)
    obs, given = _observations(
        outputs, masks, labels, kind=kind, test_outputs=test_outputs, test_labels=test_labels,
        augmented_logits=augmented_logits, augmented_predictions=augmented_predictions,
        grad_norms=grad_norms, metadata=metadata,
    )  # fmt: skip
    return _unshared(obs, given)


@_keywords_named
def load_observations(path: str | os.PathLike[str]) -> Observations:
    """Read an observations file (docs/observations.md), or the observations.npz of a
    mia-train run directory (as mia-attack takes either, with its checks of a run directory:
    complete, and its observations.npz the one the run wrote). A leading ``~`` is the home
    folder, as in the command lines' paths."""

    # (a PathLike of bytes was a raw TypeError from Path; a NUL in the text, a raw ValueError
    # 'embedded null byte': home_expanded refuses it, as every path's)
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise ConfigError(f"load_observations: path={path!r}: give the path of an observations "
                          ".npz or of a mia-train run directory")  # fmt: skip
    file = home_expanded(path, where="load_observations")  # ('~/obs.npz': as the CLI's paths)
    try:
        folder = file.is_dir()
    except OSError:  # (a name too long: a raw OSError here; load_file's check names it)
        folder = False
    if folder and not (file / "observations.npz").exists():
        # ("a directory, not a regular file; replace it with the file itself")
        raise DataError(
            f"load_observations: {file}: no observations.npz in it; give a finished mia-train "
            "run directory (for a sweep, one of its run folders) or an observations .npz"
        )
    from mia_defense.observations import checked_extra, load_file

    if folder:  # mia-attack's reader of a run directory, and its checks: the observations of
        # another run copied over the run's own (or of a run not complete) were read as the
        # run's without a word, where mia-attack refuses them
        from mia_defense.attack_source import read_source

        source = read_source(file)
        file = file / "observations.npz"
        obs, extras = source.observations, source.extras
    else:
        obs, extras = load_file(file)
    # mia-attack's check, in its words: is_canary of 2s, text or another length was read as
    # no canaries here, without a word, while mia-attack refuses the file
    flags = checked_extra(file, extras, "is_canary", np.zeros(len(obs.labels), dtype=bool))
    if flags.any():
        # (audit(obs) pooled them, built to leak, into every figure: not mia-attack's numbers)
        log.warning(
            "load_observations: %s flags %d of its %d records as canaries (is_canary): give "
            "api.audit(obs, is_canary=np.load(%r)['is_canary']), as mia-attack and mia-train "
            "leave them out of the pooled figures and the verdict; without it they are pooled",
            file, int(flags.sum()), len(flags), str(file),
        )  # fmt: skip
    problem = (copy_group_problem(np.asarray(extras[COPY_GROUPS]), obs.masks)
               if COPY_GROUPS in extras else None)
    if problem:  # (as mia-attack refuses the file, not advise passing them to audit)
        raise DataError(f"{file}: {COPY_GROUPS}: {problem}")
    if COPY_GROUPS in extras:  # (audit(obs) drew copies apart and refuted a DP claim on them)
        log.warning(
            "load_observations: %s holds copy_groups (records that are exact copies of each "
            "other): give api.audit(obs, copy_groups=np.load(%r)['copy_groups']), as "
            "mia-attack and mia-train draw copies together in the bootstrap; without it the "
            "intervals are too narrow", file, str(file),
        )  # fmt: skip
    return obs


@_keywords_named
def released_utility(obs: Observations) -> dict[str, float]:
    """results.json's ``utility`` of observations alone: accuracy (and the cross-entropy of
    the released outputs, a stand-in for the training loss) on the members and, when the
    observations hold one, the test set; NaN for what they cannot tell. ``obs`` pass
    `audit`'s checks first (0/1 integer masks of ``Observations(...)`` indexed rows 0 and 1
    as every model's members: train accuracy 0.75 for 0.87)."""
    _check_observations("released_utility", obs)
    return _released_utility(_checked(obs, where="released_utility", attacked=False))


def _released_utility(obs: Observations) -> dict[str, float]:
    """`released_utility` of checked observations."""
    utility = released_accuracy(obs, obs.test_log_probs, obs.test_labels)
    once = obs.metadata.get(ONE_ANSWER_TRAIN_ACCURACY)
    number = isinstance(once, int | float) and not isinstance(once, bool)  # (a file's JSON 1)
    if number and 0 <= once <= 1 and AVERAGED_REPEATS in obs.metadata:
        # averaged answers against one test answer each: a gap of 0.50 that was the noise's
        # (NoiseRelease(scale=1.5) on digits MLPs: train 0.724 averaged, test 0.221)
        utility["train_accuracy"] = float(once)
        utility["generalization_gap"] = float(once) - utility["test_accuracy"]
    # float64 means: a float32 one of outputs near -1e37 (weights that blew up but stayed
    # finite) overflowed to inf, null in results.json, with numpy's raw overflow warning
    members = [-obs.log_probs[k, obs.masks[k], obs.labels[obs.masks[k]]].mean(dtype=np.float64)
               for k in range(obs.num_models) if obs.masks[k].any()]  # fmt: skip
    test = obs.test_log_probs
    test_loss = float("nan") if test is None or obs.test_labels is None else float(
        -np.take_along_axis(test, obs.test_labels[None, :, None], axis=2).mean(dtype=np.float64)
    )  # fmt: skip
    return {
        **utility, "train_loss": float(np.mean(members)) if members else float("nan"),
        "test_loss": test_loss,
        "epochs_trained": float("nan"),
    }  # fmt: skip


@dataclass(frozen=True)
class Audit:
    """What `audit` found.

    Attributes:
        result: the `RunResult` mia-train writes to results.json: ``utility``,
            ``attacks`` (each attack's figures), ``strongest_attack``, ``privacy`` (the
            empirical ε bound), ``attack_results`` (scores [T, N] and ROC of each attack).
        vulnerability: attack -> [N] each record's AUC across the targets.
        observations: what was attacked.
        targets: [T] the models attacked (row t of every score array attacks targets[t]).
        config: the composed config the attacks ran with (`attack_config`'s), and of_run
            whether the observations are a mia-train run's (`run_audit` given its
            ``defense``): what `table`'s caveats read.
    """

    result: RunResult
    vulnerability: dict[str, np.ndarray]
    observations: Observations
    targets: np.ndarray
    config: DictConfig | None = dataclasses.field(default=None, repr=False, compare=False)
    of_run: bool = False

    @property
    def fprs(self) -> list[float]:
        first = next(iter(self.result.attack_results.values()))
        return sorted(first.metrics.tpr_at_fpr)

    def rows(self) -> list[dict[str, Any]]:
        """The metrics table: one row per attack (``attack``, ``access``, ``auc``,
        ``tpr@0.1%fpr``, ... with ``_ci_low``/``_ci_high``, ``fpr_read@0.1%fpr``, ...
        (the FPR each TPR was read at), ``advantage``, ``empirical_epsilon``), as in
        results.json's ``attacks``."""
        return [{"attack": name, **summary} for name, summary in self.result.attacks.items()]

    def table(self) -> str:
        """The table mia-train prints at the end of a run, with its READ WITH CARE lines
        (`mia_defense.report.checks.run_end_lines`: a label release attacked without label
        queries, LiRA and RMIA with few reference models, an accuracy on few test records,
        ...): none before."""
        from mia_defense.report.checks import run_end_lines
        from mia_defense.report.run_table import format_table

        return "\n".join([format_table(self.result, self.fprs), *run_end_lines(self._payload())])

    def _payload(self) -> dict[str, Any]:
        """What `run_end_lines` reads of a results.json, as mia-attack records it: the
        attack config with the observations' own queries (`record_settings`), and a source
        of kind ``observations`` where they are not a run's (their queries their own)."""
        from omegaconf import OmegaConf

        result = self.result
        payload: dict[str, Any] = {
            "defense": result.defense, "attacks": result.attacks,
            "num_models": result.num_models,
            "released_labels_only": result.released_labels_only,
            # (its ε no guarantee or untested, an accuracy on few test records: the report's)
            "privacy": result.privacy, "utility": result.utility,
            "test_size": result.test_size,
        }  # fmt: skip
        if isinstance(self.config, DictConfig) and isinstance(self.config.get("attack"),
                                                              DictConfig):  # fmt: skip
            attack = OmegaConf.to_container(self.config.attack, resolve=True)
            assert isinstance(attack, dict)
            record_settings(attack, observed_settings(self.observations))
            payload["config"] = {"attack": attack}
        if not self.of_run:
            payload["source"] = {"kind": "observations"}
        return payload

    def roc_figure(self, *, title: str = "") -> Figure:
        """Every attack's ROC curve on log-log axes (the figure in TensorBoard's ``roc``)."""
        from mia_defense.tracking.tensorboard import roc_figure

        return roc_figure(self.result.attack_results, title=title)


@_keywords_named
@library_call
def audit(
    observations: Observations,
    *,
    overrides: Sequence[str] = (),
    seed: int = 0,
    is_canary: np.ndarray | None = None,
    copy_groups: np.ndarray | None = None,
) -> Audit:
    """Attack ``observations`` with the configured suite, every model in turn a target and
    the others its shadow/reference models, as mia-train does.

    Args:
        observations: from `observations_from_arrays`, `observe_models` or a file.
        overrides: attack settings as on mia-train's command line, e.g.
            ``["attack.bootstrap=0", "attack.num_targets=4", "~attack.attacks.shokri"]``.
            Those that shape the observations (`FIXED_SETTINGS`: ``attack.queries.*``,
            ``white_box``, ``canaries.*``, ``audit*``) cannot take effect here: another
            value than the observations' own is refused, as mia-attack refuses it.
        seed: the attacks' and the bootstrap's seed.
        is_canary: [N] bool records left out of the pooled metrics (reported apart).
        copy_groups: [N] int, equal for records that are exact copies (the same features:
            ``mia_defense.plan.copy_leaders(x, np.arange(len(x)))`` of the records' x), which
            must train the same models; as mia-train writes them into observations.npz
            (``copy_groups``) and mia-attack reads them: the bootstrap draws copies together
            and the attacks' bound does not judge a per-record DP claim. ``None``: no copies.
    """
    if not isinstance(observations, Observations):
        raise ConfigError(
            f"audit: observations is {a_type(observations)}, not Observations; make "
            "them with api.observations_from_arrays, api.observe_models or "
            "api.load_observations"
        )
    overrides = check_overrides(overrides)
    as_integer(seed, key="audit: seed", low=0)  # "0,1" was a Hydra sweep in the override
    _refuse_big_seed("audit", seed)
    cfg = attack_config(overrides, seed=int(seed))
    flags = None if is_canary is None else _canaries(is_canary, len(observations.labels))
    obs = _checked(observations, canaries=flags)
    problem = fixed_problem(
        cfg, observed_settings(obs, flags), overrides, whose="the observations audited",
        reader="audit", hint=(" (the models' queries are api.observe_models' num_augmented=, "
                              "white_box= and overrides=['attack.queries...'])"),
    )  # fmt: skip
    if problem:
        raise ConfigError(problem)
    if overrides:  # (a bad value or a deleted key named with the overrides that gave it)
        check_attack_config(cfg, overrides)
    return _run_audit(obs, cfg, defended=True, is_canary=flags, copy_groups=copy_groups,
                      population_idx=None, utility=None, privacy=None, defense=None,
                      training=None)  # fmt: skip


def _checked(
    obs: Observations, *, canaries: np.ndarray | None = None, where: str = "audit",
    attacked: bool = True,
) -> Observations:
    """``obs`` with every check of `Observations.from_arrays` passed, its masks as bool and
    its labels as integers. Observations built directly (``Observations(...)``) have had
    their shapes checked only: NaN outputs left a verdict to the attacks they spared, 0/1
    integer masks were a raw error. ``canaries`` [N] bool are exempt from the masks' "IN for
    some model and OUT for another", as a file's ``is_canary`` are: a file whose canary
    trained every model loaded, and `audit` with its is_canary, as the loader advises,
    refused it ('never OUT (a member of every model)')."""
    fields = {"log_probs": obs.log_probs, "masks": obs.masks, "labels": obs.labels}
    if canaries is not None:
        fields["is_canary"] = canaries
    names = ("augmented_logits", "augmented_predictions", "grad_norms", "test_log_probs",
             "test_labels")  # fmt: skip
    fields.update({name: getattr(obs, name) for name in names if getattr(obs, name) is not None})
    source = f"{where}: observations"
    _refuse_masked(source, **fields)
    # (Observations(log_probs=outputs) of tensors that require grad: a raw RuntimeError)
    fields = {name: _values(value, source, name) for name, value in fields.items()}
    checked = Observations.from_arrays(fields, source=source, attacked=attacked)
    return replace(checked, metadata=obs.metadata)


@_keywords_named
@library_call
def run_audit(
    obs: Observations,
    cfg: DictConfig,
    *,
    defended: bool,
    is_canary: np.ndarray | None = None,
    population_idx: np.ndarray | None = None,
    utility: dict[str, float] | None = None,
    privacy: dict[str, Any] | None = None,
    defense: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    copy_groups: np.ndarray | None = None,
) -> Audit:
    """`audit` with a composed config and, where known (mia-attack on a mia-train run),
    the run's canaries, dataset rows, utility, accountant's privacy, defenses, engine and
    copy groups (observations.npz's ``copy_groups``, `audit`'s argument). ``obs`` pass
    `audit`'s checks first: built directly (``Observations(...)``), 0/1 integer masks
    indexed rows 0 and 1 as the members in the recorded train accuracy, NaN outputs were
    attacked, and float labels were a raw TypeError."""
    _check_observations("run_audit", obs)
    if isinstance(utility, Mapping):
        _check_utility(utility)
    if isinstance(privacy, Mapping):
        privacy = _checked_privacy(privacy, obs.num_models)
    flags = None if is_canary is None else _canaries(is_canary, len(obs.labels))
    return _run_audit(
        _checked(obs, canaries=flags, where="run_audit"), cfg, defended=defended,
        is_canary=flags, population_idx=population_idx, utility=utility, privacy=privacy,
        defense=defense, training=training, copy_groups=copy_groups,
    )  # fmt: skip


def _check_utility(utility: Mapping[str, Any]) -> None:
    """Refuse a ``utility`` that mia-attack would refuse in a run's results.json
    (`mia_defense.attack_source_facts.utility_problem`): {'train_accuracy': 0.9} alone was
    taken and the table's read of test_accuracy a raw KeyError, a text or 1.5 accuracy was
    recorded as the run's. NaN (results.json's null) and numpy's numbers are figures."""
    from mia_defense.attack_source_facts import utility_problem

    def figure(value: Any) -> Any:
        value = value.item() if isinstance(value, np.generic) else value
        return None if isinstance(value, float) and np.isnan(value) else value

    problem = utility_problem({str(k): figure(v) for k, v in utility.items()})
    if problem:
        raise ConfigError(f"run_audit: {problem}; give results.json's utility of the models "
                          "(api.released_utility(obs) of these observations) or None")  # fmt: skip


def _checked_privacy(privacy: Mapping[str, Any], num_models: int) -> dict[str, Any]:
    """``privacy`` with numpy's numbers as Python's and fractions (`fractions.Fraction`) as
    floats (an ε of np.float32(8.0) was never held to the attacks: the claim check takes
    Python numbers only; a δ of Fraction(1, 10**5) was refused as 'not a number in (0, 1):
    a figure was changed after the run'), or a `ConfigError` for
    figures that mia-attack would refuse in a run's results.json
    (`mia_defense.attack_source_facts._privacy_problem`): a claimed ε of -1 was held to the
    attacks and 'refuted', True was a claim of ε 1, a text was recorded as the run's ε."""
    from mia_defense.attack_source_facts import _privacy_problem

    figures = {str(k): v.item() if isinstance(v, np.generic) else float(v) if isinstance(
        v, numbers.Rational) and not isinstance(v, numbers.Integral) else v
        for k, v in privacy.items()}  # fmt: skip
    problem = _privacy_problem(figures, num_models)
    if problem:
        raise ConfigError(f"run_audit: {problem}; give results.json's privacy figures of the "
                          "models' accountant (epsilon, delta) or None")  # fmt: skip
    return figures


def audit_loaded(
    obs: Observations, cfg: DictConfig, *, is_canary: np.ndarray, **facts: Any
) -> Audit:
    """`run_audit` (its keywords: ``defended`` and the run's facts) of observations as
    `Observations.load` returned them (mia-attack's source): they passed its check there, on
    the file's own arrays, its ``is_canary`` included, and `run_audit`'s `_checked` would
    check every field once more (about a second at 50,000 records x 64 models x 10
    classes). Every other check is run_audit's."""
    _check_observations("run_audit", obs)
    return _run_audit(obs, cfg, is_canary=_canaries(is_canary, len(obs.labels)),
                      chance_said=True, **facts)  # (mia-attack's run warned before reading)


def _run_audit(
    obs: Observations,
    cfg: DictConfig,
    *,
    defended: bool,
    is_canary: np.ndarray | None,
    population_idx: np.ndarray | None,
    utility: dict[str, float] | None,
    privacy: dict[str, Any] | None,
    defense: dict[str, Any] | None,
    training: dict[str, Any] | None,
    copy_groups: np.ndarray | None,
    chance_said: bool = False,
    budget_checked: bool = False,
) -> Audit:
    """`run_audit` of checked observations (`_checked`) and canary flags. Warns, as
    mia-train and mia-attack do, of attack.fprs whose lowest heads the results at a TPR
    random guessing scores (`chance_level_headline`), unless ``chance_said`` (mia-attack's
    run said it before reading its source). ``budget_checked``: the attacks' own memory and
    time were checked on these observations and this config already (mia-attack's
    `SourceCheck`, before the run folder), so `check_observed_budget` is not asked again."""
    if not isinstance(cfg, DictConfig):  # (a composed config without its attack group
        # gets the config check's "attack: missing; it is required")
        raise ConfigError(
            f"run_audit: cfg is {a_type(cfg)}, not a composed config with an "
            "'attack' group; make it with api.attack_config(overrides), or call api.audit"
        )
    if not isinstance(defended, bool | np.bool_):  # ("no" read as true: a defended run)
        raise ConfigError(f"run_audit: defended={defended!r}: must be True or False")
    for name, given in (("utility", utility), ("privacy", privacy), ("defense", defense),
                        ("training", training)):  # fmt: skip
        if given is not None and not isinstance(given, Mapping):  # (raw errors deep inside)
            raise ConfigError(f"run_audit: {name} is {a_type(given)}: give a mapping "
                              "of results.json's figures of that name, or None")  # fmt: skip
    settings = attack_settings(
        cfg, num_models=obs.num_models, num_classes=obs.num_classes, defended=defended
    )
    if not budget_checked:  # (mia-train's up-front check of the attacks' own)
        check_observed_budget(settings, obs)
    if not chance_said and (chance := chance_level_headline(settings.evaluation.fprs)):
        log.warning("%s", chance)
    release = (defense or {}).get("release", obs.metadata.get("release"))
    defense_given = defense is not None  # (the facts of a mia-train run: mia-attack's)
    _warn_labels_unattacked(obs, settings.attacks, release=release, of_run=defense_given)
    _warn_copied_outputs(obs)
    n = len(obs.labels)
    if population_idx is not None:
        population_idx = _population_rows(population_idx, n)
    metadata = obs.metadata
    defense = dict(defense or {
        "defense": str(metadata.get("defense", "unknown")),
        "release": str(metadata.get("release", "unknown")),
    })  # fmt: skip
    defense["shadow_recipe"] = settings.shadow_recipe
    canaries = np.zeros(n, bool) if is_canary is None else is_canary
    groups = None if copy_groups is None else _copy_groups(copy_groups, obs)
    with attacked_as_given():  # (an attack lacking queries or norms: no setting adds them)
        result, vulnerability = attack_observations(
            obs, settings.attacks, targets=settings.targets, evaluation=settings.evaluation,
            is_canary=canaries,
            population_idx=np.arange(n) if population_idx is None else population_idx,
            utility=utility or _released_utility(obs), privacy=_with_repeats(privacy, obs),
            defense=defense, training=dict(training or EXTERNAL_TRAINING), copy_groups=groups,
        )  # fmt: skip
    _check_masks(obs, result, records=~canaries)
    _check_balance(obs.masks[:, ~canaries], result)
    if utility is None and obs.test_labels is not None:  # (the figures rest on these records:
        result.test_size = len(obs.test_labels)  # the table's NEAR CHANCE line, as mia-train's)
    return Audit(result, vulnerability, obs, settings.targets, cfg, of_run=defense_given)


def _with_repeats(privacy: dict[str, Any] | None, obs: Observations) -> dict[str, Any]:
    """``privacy`` with ``randomized_release_repeats`` of observations that say they average
    that many answers of a randomized release (`observe_models`), as mia-train records it:
    the table's RANDOMIZED RELEASE line and mia-report's caveat say under which query
    budget the figures hold (api.audit of NoiseRelease observations said nothing of it)."""
    figures = dict(privacy or {})
    repeats = _averaged_repeats(obs)
    if repeats is not None:
        figures.setdefault(RANDOMIZED_RELEASE_REPEATS, repeats)
    return figures


def _averaged_repeats(obs: Observations) -> int | None:
    """How many answers of a randomized release each population output averages, as
    `observe_models` records it in the metadata (`AVERAGED_REPEATS`); ``None`` for one
    answer each (or a value that is no count above 1)."""
    repeats = obs.metadata.get(AVERAGED_REPEATS)
    if isinstance(repeats, int) and not isinstance(repeats, bool) and repeats > 1:
        return repeats
    return None


# Records whose outputs are compared first, before two models' whole outputs are.
_COPY_PROBE_RECORDS = 64


def _warn_copied_outputs(obs: Observations) -> None:
    """Say when two models released the very same outputs on every record (one model's
    outputs given for several, ``np.stack([probs] * K)``): a copy answers members and
    non-members alike in every model, and the attacks reported no leak (AUC 0.500 of
    outputs whose model leaked) without a word; `observe_models` refuses such models
    (`_refuse_copies`). One-hot outputs (a label-only release) may agree by chance."""
    if obs.num_models < 2 or obs.released_labels_only:
        return
    probe = obs.log_probs[:, :_COPY_PROBE_RECORDS]
    seen: dict[bytes, list[int]] = {}
    for k in range(obs.num_models):
        alike = seen.setdefault(np.ascontiguousarray(probe[k]).tobytes(), [])
        j = next((j for j in alike if np.array_equal(obs.log_probs[j], obs.log_probs[k])), None)
        alike.append(k)
        if j is not None:
            log.warning(
                "COPIED OUTPUTS: models %d and %d released the very same outputs on all %d "
                "records: copies of one model's outputs (or models that never trained) "
                "answer members and non-members alike, so the attacks cannot see a leak and "
                "their figures say nothing of the models; give each model's own outputs "
                "(outputs[k] of the model trained on masks[k])", j, k, obs.log_probs.shape[1],
            )  # fmt: skip
            return


def _warn_labels_unattacked(
    obs: Observations, attacks: Mapping[str, Any], *, release: Any, of_run: bool
) -> None:
    """Say when the observations let out the predicted label alone (`labels_only`:
    release=label_only, top-k at k=1 renormalised, rounding at 0 decimals, a smoothed
    one-hot) and no attack reads labels: mia-train says it before training
    (`mia_defense.pipeline.data.warn_label_release_without_label_attack`), but mia-attack on
    such a run and `audit` printed their near-chance verdict unsaid (a label-only run
    attacked without label_only: every TPR 0.000, no word). Observations without perturbed
    queries are told where those come from: a mia-train run's (``of_run``) from its
    settings, a file's or arrays' from the observations themselves (keeping label_only on
    them alone falls back on the gap attack)."""
    try:
        if any(access_of(attack) == "label" for attack in attacks.values()):
            return
    except ValueError:  # an access no attack may declare: refused where the attacks run
        return
    if not obs.released_labels_only:
        return
    shown = "" if release in (None, "unknown") else f" (release={release})"
    queries = (" (a label-only attacker's perturbation queries)"
               if obs.augmented_predictions is not None else
               f", mia-train run again with {QUERIES_OF_MIA_TRAIN}" if of_run else
               f", with {QUERIES_IN_OBSERVATIONS}")  # fmt: skip
    log.warning(
        "the observations attacked let out the predicted label only%s, and none of the "
        "attacks (%s) reads labels (access label): they see labels and understate the leak "
        "(a score threshold on them is a correct/incorrect split at best); keep "
        "attack.attacks.label_only%s",
        shown, ", ".join(attacks), queries,
    )  # fmt: skip


def _check_observations(where: str, obs: Any) -> None:
    """A `ConfigError` for anything but `Observations` (an `Audit`, a path): an
    AttributeError deep inside before."""
    if not isinstance(obs, Observations):
        hint = " (its .observations are)" if isinstance(obs, Audit) else ""
        raise ConfigError(
            f"{where}: obs is {a_type(obs)}, not Observations{hint}; make them with "
            "api.observations_from_arrays, api.observe_models or api.load_observations"
        )


def _population_rows(population_idx: Any, n: int) -> np.ndarray:
    """``population_idx`` as [N] distinct dataset rows >= 0 (most_vulnerable's
    dataset_index reads them: floats, repeats or negatives named rows the records are not)."""
    _refuse_masked("run_audit", population_idx=population_idx)
    rows = _array(population_idx, "run_audit", "population_idx", ConfigError)
    if rows.shape != (n,) or rows.dtype.kind not in "iu":  # (timedelta64 counts as integer)
        raise ConfigError(
            f"run_audit: population_idx has shape {rows.shape} and dtype {rows.dtype}; give "
            f"[{n}] integer dataset rows, one per record of the observations"
        )
    if n and (rows.min() < 0 or len(np.unique(rows)) != n):
        raise ConfigError("run_audit: population_idx: must be distinct dataset rows >= 0, one "
                          "per record")  # fmt: skip
    return rows


def _copy_groups(copy_groups: Any, obs: Observations) -> np.ndarray:
    """``copy_groups`` as [N] integer labels of records that train the same models
    (`mia_defense.observations.copy_group_problem`)."""
    _refuse_masked("audit", copy_groups=copy_groups)
    groups = _array(copy_groups, "audit", "copy_groups", ConfigError)
    problem = copy_group_problem(groups, obs.masks)
    if problem:
        raise ConfigError(f"copy_groups: {problem}")
    return groups


def _canaries(is_canary: Any, n: int) -> np.ndarray:
    """``is_canary`` as [N] bool: one 0/1 per record, some of them not canaries."""
    _refuse_masked("audit", is_canary=is_canary)
    flags = _array(is_canary, "audit", "is_canary", ConfigError)
    if flags.shape != (n,):
        raise ConfigError(f"is_canary: shape {flags.shape}, expected [{n}] (one flag per "
                          "record of the observations)")  # fmt: skip
    read = zero_one_flags(flags)
    if read is None:
        raise ConfigError("is_canary: values must be 0/1 or true/false (canary or not)")
    flags = read
    if flags.all():
        raise ConfigError("is_canary: every record is a canary, so no record is left for the "
                          "pooled metrics; flag only the canaries")  # fmt: skip
    return flags


def _check_balance(masks: np.ndarray, result: RunResult) -> None:
    """Flag masks that put most records into the same number a != K/2 of the K models
    (`mia_defense.metrics.consistency.unbalanced_masks`): a warning and results.json's
    ``privacy.masks_unbalanced``, which mia-report recomputes where it is missing."""
    from mia_defense.metrics.consistency import unbalanced_masks

    reason = unbalanced_masks(masks)
    if reason is None:
        return
    result.privacy["masks_unbalanced"] = reason
    log.warning("MASKS UNBALANCED: %s", reason)


def _check_masks(obs: Observations, result: RunResult, *, records: np.ndarray) -> None:
    """Flag observations whose masks do not look like the models' training sets
    (`mia_defense.metrics.consistency.mask_check`): a warning, and results.json's
    ``privacy.masks_suspect`` with the reason, which mia-report lists under "Figures to
    read with care". Masks of other models judge the attacks against the wrong truth, and
    a leaky model came out near chance (TPR@0.1%FPR 0.031 -> 0.003 with the rows of the
    masks rolled by one)."""
    from mia_defense.metrics.consistency import mask_check

    if _averaged_repeats(obs) is not None:
        # Averaged answers fit better than one answer each, members or not: the OUT records
        # against the test set said MASKS SUSPECT of the right masks (NoiseRelease(scale=0.3)
        # on 4 models: AUC 0.610, 8.0 standard errors); IN against OUT compares like with like
        obs = replace(obs, test_log_probs=None, test_labels=None)
    check = mask_check(obs, records=records)
    # (null where nothing is wrong: written on every record, so a missing one reads as deleted)
    result.privacy["masks_suspect"] = None
    if check is None or not check.suspect:
        return
    reason = check.reason() + _test_labels_hint(obs, result, records)
    result.privacy["masks_suspect"] = reason
    result.privacy["masks_out_vs_test_auc"] = check.out_vs_test
    log.warning("MASKS SUSPECT: %s", reason)


def _figure(value: Any) -> float:
    """``value`` as a float, NaN where it is none (absent, None)."""
    return float(value) if isinstance(value, (int, float)) else float("nan")


def _test_labels_hint(obs: Observations, result: RunResult, records: np.ndarray) -> str:
    """A cause to add to a MASKS SUSPECT reason where the test accuracy is not above chance
    while the ``records`` OUT of the models, held out as the test set is, are classified
    above it, or ``""``: test_labels that do not belong to the test outputs (shuffled,
    another split's) fit worse than any OUT record, and the right masks were blamed."""
    utility = result.utility or {}
    test = _figure(utility.get("test_accuracy"))
    chance = _figure(utility.get("chance_accuracy"))
    out = ~obs.masks[:, records]
    if not (test <= chance and out.any()):  # (NaN: no test set, no hint)
        return ""
    right = obs.log_probs[:, records].argmax(axis=-1) == obs.labels[records][None]
    accuracy, low = float(right[out].mean()), wilson_interval(right[out].mean(), out.sum())[0]
    if not low > chance:
        return ""
    return (f"; the test accuracy {test:.3f} is not above chance {chance:.3f}, while the "
            f"records OUT of the models, held out as the test set is, reach {accuracy:.3f}: "
            "test_labels that do not belong to the test outputs (another order, another "
            "split's) give this too; check that test_labels[m] is the label of the record "
            "whose outputs are test_outputs[:, m]")
