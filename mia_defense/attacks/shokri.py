"""The shadow-model attack of Shokri et al. (2017) with a scikit-learn attack classifier."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits

from mia_defense.attacks.base import requires_access
from mia_defense.attacks.references import (
    balanced_references,
    check_kinds,
    checked_targets,
    require_references,
)
from mia_defense.attacks.signals import _labels, true_class_log_prob
from mia_defense.budget import Work
from mia_defense.errors import ConfigError
from mia_defense.metrics.inputs import as_integer, as_scores
from mia_defense.observations import Observations

if TYPE_CHECKING:
    from sklearn.base import ClassifierMixin

__all__ = ["CLASSIFIERS", "MAX_SEED", "attack_features", "shokri"]

# The largest seed scikit-learn takes as a random_state: the attack classifier's.
MAX_SEED = 2**32 - 1
# The work of one attack classifier's fit, features x (rows + FIXED_ROWS) (`fit_work`), from
# which it is said before it starts. Gradient boosting's time (100 iterations, one thread)
# grows with the features (2C + 1) far more than with the rows: a fixed cost per feature of
# some 10^4 rows' worth (fits on random rows, one thread: 2000 rows of 21, 201, 801 features
# 0.16, 1.1, 6.4 s; 8000 rows of 201 1.7 s; 500 of 801 3.0 s), about 5e-7 s a unit. So
# texas_like at 5000 classes (20000 rows of 10001 features: 3e8) spent 189 s of a 214 s run
# here without a word, and at 1000 classes (1300 rows of 2001: 2.3e7) 20 s of 26; the
# default run's digits (8000 rows of 21: 4e5) takes 0.2 s.
FIXED_ROWS = 10**4
LOUD_WORK = 2 * 10**7
# Seconds one unit of `fit_work` took (gradient boosting, one thread: the measurements above),
# from which the up-front time check counts the largest fit (`fit_seconds`).
FIT_SECONDS = 5e-7
# OpenMP/BLAS threads each attack classifier's fit runs on (`shokri`'s threadpool_limits),
# whatever the cores: `fit_seconds` counts these, not the machine's cores (a 64-core run's
# check divided a one-thread fit by 64).
FIT_THREADS = 1

log = logging.getLogger(__name__)


# scikit-learn loads when an attack model is built, not with the attacks: mia-report and
# mia-attack's checks import this module and need none of it (scipy.stats comes with it).
def _gradient_boosting(seed: int) -> ClassifierMixin:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=100, random_state=seed)


def _logistic(seed: int) -> ClassifierMixin:  # (deterministic: lbfgs draws nothing)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _mlp(seed: int) -> ClassifierMixin:
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), MLPClassifier((64,), max_iter=300, early_stopping=True, random_state=seed)
    )


def _random_forest(seed: int) -> ClassifierMixin:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=200, min_samples_leaf=5, random_state=seed)


# Name -> a new, unfitted attack classifier, its random choices drawn from the given seed.
CLASSIFIERS: dict[str, Callable[[int], ClassifierMixin]] = {
    "gradient_boosting": _gradient_boosting,
    "logistic": _logistic,
    "mlp": _mlp,
    "random_forest": _random_forest,
}


def attack_features(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Attack-model input per sample: sorted probabilities, log p_y and the one-hot label.

    [..., N, C], [N] -> [..., N, 2C + 1] float64. The label as a feature replaces Shokri's
    one attack model per class. Labels given as a list, or log-probabilities as text, are
    a `DataError` naming this function (numpy's raw TypeError from inside).
    """
    log_probs = np.asarray(log_probs)
    if log_probs.dtype.kind != "f":  # (floats kept as they are: float32 features unchanged)
        log_probs = as_scores(log_probs, where="attack_features", name="log_probs")
    labels = _labels(log_probs, labels, "attack_features")
    probs = np.exp(log_probs)
    sorted_probs = -np.sort(-probs, axis=-1)
    log_p = true_class_log_prob(log_probs, labels)[..., None]
    # (labels == arange(C)), not eye(C)[labels]: the identity matrix takes C^2 floats
    # (20 GB at C = 50,000) where the one-hot rows need N x C
    onehot = np.broadcast_to(labels[:, None] == np.arange(log_probs.shape[-1]), probs.shape)
    # float64: a feature that varies by float32 denormals (blown-up models' probabilities
    # of 1e-41) got a scale of that size in the classifiers' StandardScaler, which divided
    # float32 rows into inf, and scikit-learn's traceback ended the run (train.lr=2,
    # shokri.classifier=logistic); the same values as before, so the default classifier's
    # scores (gradient boosting bins in float64) are unchanged
    return np.concatenate([sorted_probs, log_p, onehot], axis=-1, dtype=np.float64)


def check_classifier(classifier: str) -> None:
    """Refuse a ``classifier`` not in `CLASSIFIERS` (`ConfigError`); also run by
    `mia_defense.config.check_config`, before the run directory is made."""
    if classifier not in CLASSIFIERS:
        raise ConfigError(
            f"attack shokri.classifier={classifier!r}: unexpected classifier, "
            f"choose from {sorted(CLASSIFIERS)}"
        )


def check_seed(seed: int) -> None:
    """Refuse a ``seed`` that is no integer in scikit-learn's random_state range
    (`ConfigError`; beyond it, a traceback from its checks); also run by
    `mia_defense.config.check_config`, before the run directory is made. True passed as
    seed 1 and 2.0 as 2 where this was called alone."""
    as_integer(seed, key="attack shokri seed", low=0, high=MAX_SEED)


@requires_access("outputs")
def shokri(
    obs: Observations,
    targets: np.ndarray,
    *,
    classifier: str = "gradient_boosting",
    folds: int = 2,
    max_train_samples: int = 20000,
    seed: int = 0,
) -> np.ndarray:
    """Shadow-model attack scores [T, N].

    The K models are split into ``folds`` groups; the attack classifier that scores a
    target is trained on the member/non-member outputs of the shadow models in the
    other groups only, so it never sees the target's own membership. Its rows hold as
    many member as non-member outputs of every sample (`balanced_references`, strict):
    with each sample in half of the models, the shadows' member rate of a sample (or of a
    class) would otherwise run opposite to the target's membership and bias the attack
    below chance (AUC 0.489 at K=4 on outputs without any membership signal).

    Args:
        obs: released outputs of all K models.
        targets: indices of the target models.
        classifier: one of ``CLASSIFIERS``.
        folds: number of model groups (>= 2); more folds mean more shadows per target.
        max_train_samples: rows subsampled to fit each attack classifier.
        seed: drives the subsampling and the attack classifier's own draws (the run's seed:
            one seed drives every random choice of a run).
    """
    check_classifier(classifier)
    check_kinds("shokri", folds=folds, max_train_samples=max_train_samples)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        check_kinds("shokri", seed=seed)  # (check_seed's range, in its words, for integers)
    check_seed(seed)
    targets = checked_targets(targets, obs.num_models, where="shokri")
    require_references("shokri", obs.num_models)
    folds = min(max(folds, 2), obs.num_models)
    fold_of = np.arange(obs.num_models) % folds
    scores = np.empty((len(targets), obs.labels.shape[0]))
    # One OpenMP/BLAS thread: the attack models are small, and gradient boosting's threads
    # fought other work for the cores (47 s instead of 0.7 s beside busy processes).
    with threadpool_limits(limits=FIT_THREADS):
        for fold in np.unique(fold_of[targets]):
            shadows = np.flatnonzero(fold_of != fold)
            _check_shadow_masks(obs.masks[shadows], shadows)
            # A stream per fold: drawn in turn from one, a fold's subsample (and so a
            # target's scores) changed with the targets of the folds before it.
            rng = np.random.default_rng([seed, fold])
            model, sample = _training_rows(obs, shadows, max_train_samples, rng)
            rows = np.flatnonzero(fold_of[targets] == fold)
            _say_large_fit(classifier, len(sample), obs.log_probs.shape[-1], fold, folds,
                           max_train_samples)  # fmt: skip
            for scored, train in _parts(obs.masks[shadows], sample):
                trained, on = shadows[model[train]], sample[train]
                x = attack_features(obs.log_probs[trained, on], obs.labels[on])
                fitted = _fitted(classifier, seed, x, obs.masks[trained, on],
                                 capped=len(sample) >= max_train_samples)
                for row in rows:
                    features = attack_features(obs.log_probs[targets[row]], obs.labels)  # [N, F]
                    scores[row, scored] = fitted.predict_proba(features[scored])[:, 1]
    return scores


def fit_work(rows: int, num_classes: int) -> int:
    """The work of fitting an attack classifier on ``rows`` of ``num_classes`` classes'
    features (2C + 1): features x (rows + `FIXED_ROWS`)."""
    return (2 * num_classes + 1) * (rows + FIXED_ROWS)


def fit_seconds(rows: int, num_classes: int) -> float:
    """A floor of one attack classifier's fit on ``rows`` (`fit_work` at `FIT_SECONDS`, one
    thread's, shared by the `FIT_THREADS` it runs on): texas_like at 5000 classes, 20000
    rows, spent 189 s of a 214 s run in it (this: 150 s). Not divided by the machine's
    cores: the fit gets one thread whatever they are (a floor of 2.3 s on 64 cores for a
    fit of 150 s)."""
    return fit_work(rows, num_classes) * FIT_SECONDS / FIT_THREADS


def _say_large_fit(classifier: str, rows: int, num_classes: int, fold: int, folds: int,
                   max_train_samples: int) -> None:
    """Log (INFO) an attack classifier's fit of `fit_work` `LOUD_WORK` or more before it
    starts, with the settings that shrink it: a long fit was silent until the attack ended
    (texas_like at 5000 classes: 189 s)."""
    if fit_work(rows, num_classes) < LOUD_WORK:
        return
    log.info(
        "attack shokri: fitting its %s attack classifier for fold %d of %d on %d rows of %d "
        "features (2 x %d classes + 1), which can take minutes (the more classes, the "
        "longer); for fewer rows lower attack.attacks.shokri.max_train_samples (now %d), or "
        "leave it out with '~attack.attacks.shokri'",
        classifier, fold + 1, folds, rows, 2 * num_classes + 1, num_classes, max_train_samples,
    )


def _check_shadow_masks(shadow_masks: np.ndarray, shadows: np.ndarray) -> None:
    """Refuse shadows [S, N] that trained on every record or on none (a user's masks: at
    K=2 the one shadow of a target that trained on none, or on all): the attack classifier
    would see one kind of row only. `_fitted`'s words blamed max_train_samples and
    plan.num_models, neither of which helps."""
    if shadow_masks.all() or not shadow_masks.any():
        kind = "every record" if shadow_masks.all() else "none of the records"
        raise ConfigError(
            f"attack shokri: its shadow model(s) {shadows.tolist()[:8]} trained on {kind} "
            "(masks), so its attack classifier would see one kind of output only and cannot "
            "learn; give models that trained on some of the records and not on others, or "
            "leave it out with '~attack.attacks.shokri'"
        )


def few_records_message(more: str) -> str:
    """The refusal of a shadow set that leaves an attack classifier no training rows, ending
    in ``more`` (what to raise); `mia_defense.config.check_config` gives it, before the run
    directory is made, for a plan that always leaves none (`few_records_plan`)."""
    return ("no training rows are left for one of its attack classifiers: too few records "
            f"to train one on the records it does not score; {more}, or leave it out with "
            "'~attack.attacks.shokri'")


def few_records_plan(num_models: object, population_size: object, folds: object) -> bool:
    """Whether a plan of ``num_models`` balanced models over ``population_size`` records
    leaves some target of model 0's fold one shadow model (K=2, or K=3 in 2 folds) and at
    most 3 records: `_parts` splits them in two, and one classifier is left no rows, or rows
    of one kind only, whatever masks are drawn."""
    sizes = (num_models, population_size, folds)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes):
        return False
    one_shadow = num_models == 2 or (num_models == 3 and folds <= 2)  # type: ignore[operator]
    return one_shadow and population_size <= 3  # type: ignore[operator]


def _fitted(classifier: str, seed: int, x: np.ndarray, y: np.ndarray, *, capped: bool
            ) -> ClassifierMixin:
    """The attack classifier fitted on rows ``x`` [M, F] with membership ``y`` [M];
    ``capped``: the rows were subsampled to max_train_samples (only then can more help)."""
    if not len(y):  # (a record or two, each scored by the half that never saw it)
        raise ConfigError(f"attack shokri: {few_records_message('give more records')}")
    if y.all() or not y.any():  # a classifier of one class scores every sample alike
        # (uncapped, every row the shadows give is there: a larger max_train_samples adds none)
        more = ("attack.attacks.shokri.max_train_samples or plan.num_models" if capped else
                "plan.population_size (too few records) or plan.num_models, or leave it out "
                "with '~attack.attacks.shokri'")
        raise ConfigError(
            f"attack shokri: its {len(y)} training rows are all "
            f"{'members' if y.all() else 'non-members'}, so it cannot learn; raise {more}"
        )
    return CLASSIFIERS[classifier](seed).fit(x, y)


def _parts(shadow_masks: np.ndarray, sample: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(scored [N], train [M]) bool masks per attack classifier: the samples it scores and
    the training rows it fits on (``sample`` [M]: each row's sample).

    One part (every sample, every row) while some sample has shadows of both kinds. When
    none has (one shadow model: K=2, or K=3's single-model fold), the shadows' membership
    of a sample tells the target's (at K=2, its complement), and a classifier that trained
    on the sample's own rows learnt it (AUC 0.463 on outputs without any membership
    signal, 0.370 on constant outputs, K=2). Two parts then, each half of the shadows'
    members and half of their non-members: each sample is scored by the classifier that
    never saw it."""
    num_samples = shadow_masks.shape[1]
    if (shadow_masks.any(axis=0) & (~shadow_masks).any(axis=0)).any():
        return [(np.ones(num_samples, dtype=bool), np.ones(len(sample), dtype=bool))]
    member = shadow_masks[0]  # (every shadow agrees on every sample)
    rank = np.empty(num_samples, dtype=np.int64)
    for kind in (member, ~member):
        rank[kind] = np.arange(kind.sum())
    first = rank % 2 == 0
    return [(part, ~part[sample]) for part in (first, ~first) if part.any()]


def _training_rows(
    obs: Observations, shadows: np.ndarray, max_rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(shadow index [M], sample [M]) of the outputs the attack classifier trains on.

    Only those M <= ``max_rows`` rows get features: the [S, N, 2C + 1] float64 features
    of every shadow output would take 5 GB at S=32, N=50,000, C=100.
    """
    model, sample = np.nonzero(_kept(obs.masks[shadows]))  # row-major, as boolean indexing
    if len(model) > max_rows:
        chosen = rng.choice(len(model), max_rows, replace=False)
        model, sample = model[chosen], sample[chosen]
    return model, sample


def _kept(shadow_masks: np.ndarray) -> np.ndarray:
    """[S, N] the shadow outputs an attack classifier may train on (`_training_rows`)."""
    rows_in, rows_out = balanced_references(shadow_masks, strict=True)
    keep = (rows_in + rows_out) > 0
    if not keep.any():  # one shadow model (K=2): no sample has both kinds, use all
        keep = np.ones_like(keep)
    return keep


def fold_rows(masks: np.ndarray, targets: np.ndarray, *, folds: int = 2,
              max_train_samples: int = 20000) -> int:
    """The most training rows one attack classifier of `shokri` fits on, over the folds of
    ``targets``, for models of membership ``masks`` [K, N] (the plan's, before training):
    the shadows' balanced outputs (`_training_rows`), at most ``max_train_samples``, about
    half of them where `_parts` splits a fold in two (rounded down)."""
    num_models = masks.shape[0]
    fold_of = np.arange(num_models) % min(max(folds, 2), num_models)
    most = 0
    for fold in np.unique(fold_of[targets]):
        shadows = masks[fold_of != fold]
        rows = min(int(_kept(shadows).sum()), max_train_samples)
        split = not (shadows.any(axis=0) & (~shadows).any(axis=0)).any()  # (`_parts`)
        most = max(most, rows // 2 if split else rows)
    return most


def budget_work(attacks: Mapping[str, Any], masks: np.ndarray, targets: np.ndarray, *,
                num_classes: int, planned: bool) -> list[Work]:
    """What each of ``attacks`` that is `shokri` (its _target_, under any name) holds and
    takes once the outputs of models of membership ``masks`` [K, N] are made, for the
    up-front budget check (`mia_defense.budget.check_budget`'s ``attack_memory``,
    `check_attack_budget`'s): its float64 features (`feature_bytes`) and its largest fit's
    time (`fit_seconds`, on the threads it gets), by the largest fold's rows over ``targets``
    (`fold_rows`, by its folds and max_train_samples). ``planned``: the run makes its data
    (mia-train), so its hint may name plan.population_size and the dataset; observations
    made before (mia-attack) fix those. mia-train on texas_like at 3000 classes needed
    1.08 GB of features beside 615 MB of outputs and models once every model had trained;
    at 5000 classes the fit took 189 s of a 214 s run."""
    work = []
    records = masks.shape[1]
    for name, attack in attacks.items():
        if getattr(attack, "func", None) is not shokri:  # (its _target_, under any name)
            continue
        options = {**(shokri.__kwdefaults__ or {}), **attack.keywords}
        cap = int(options["max_train_samples"])
        rows = fold_rows(masks, targets, folds=int(options["folds"]), max_train_samples=cap)
        key = f"attack.attacks.{name}"
        plan = " or plan.population_size" if planned else ""
        dataset = " use a dataset of fewer classes," if planned else ""
        work.append(Work(
            key=key, value=cap, flops=0, steps=0,
            memory=feature_bytes(rows, records, num_classes),
            what=(f"its attack classifier's float64 features ({rows} training rows and the "
                  f"{records} records a target is scored on, 2 x {num_classes} classes + 1 "
                  "each)"),
            hint=(f"lower {key}.max_train_samples (now {cap}){plan},{dataset} or leave it "
                  f"out with '~{key}'"),
        ))  # fmt: skip
        # and its largest fit's time (`fit_seconds`, a floor: its FIT_THREADS sharing it)
        work.append(Work(
            key=key, value=cap, flops=0, steps=0,
            cpu_seconds=fit_seconds(rows, num_classes),
            what=(f"fitting its attack classifier on {rows} rows of {2 * num_classes + 1} "
                  f"features (2 x {num_classes} classes + 1)"),
            hint=(f"lower {key}.max_train_samples (now {cap}),{dataset} or leave it out "
                  f"with '~{key}'"),
        ))  # fmt: skip
    return work


def feature_bytes(rows: int, num_records: int, num_classes: int) -> int:
    """Bytes of the float64 features (2C + 1 a row, `attack_features`) that `shokri` holds
    at once while it scores a target: its attack classifier's ``rows`` training rows and
    the target's ``num_records`` records. A floor of its memory: texas_like at 3000
    classes (16 models, 3000 records: 19506 rows) holds 1.08 GB of them; the whole attack,
    gradient boosting's fits and scores, peaked at 4.05 times this (tracemalloc, 4 models
    of 300 classes and 16 of 200)."""
    return 8 * (2 * num_classes + 1) * (rows + num_records)
