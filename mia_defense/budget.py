"""Up-front memory and time estimates of a run, so an impossible plan fails instead of hanging.

The estimates are deliberately rough and optimistic (they count the big arrays and the
dense-layer arithmetic, at a fast rate): a run refused here could not have finished, while
one let through may still be slow. `check_budget` runs once the dataset and model are
known; `mia_defense.config.check_config` refuses absurd sizes before any data is loaded.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mia_defense.errors import ConfigError

__all__ = [
    "HELD_ARRAYS",
    "Estimate",
    "Work",
    "WorkShape",
    "augmented_attack_bytes",
    "augmented_copies_work",
    "available_memory",
    "check_attack_budget",
    "check_budget",
    "defense_work",
    "earliest_stop",
    "estimate",
    "observations_bytes",
    "usable_cores",
]

# Optimistic sustained rates (floating-point operations per second): a many-core AVX-512
# CPU, a data-centre GPU. Conv nets do far more arithmetic per parameter than 6·P per
# sample, so the time estimate errs short, never long.
FLOPS = {"cpu": 1e11, "cuda": 1e13}
# Fixed cost of one optimizer step of one model (kernel launches, Python): 10 µs.
STEP_SECONDS = 1e-5
MAX_HOURS = 24.0
# Bytes the query stage's rows per forward and the stacked DP engine's per-sample gradients
# are bounded to (`mia_defense.defenses.dp_stacked.MATERIALISED_BUDGET` is this constant;
# defined here, where no torch is imported).
BOUNDED_BYTES = 256 << 20
# Rows of one query batch of one model (`mia_defense.observe.observe`'s batch_size), and of
# one stacked query forward over the K models (8 such batches; observe takes both from here).
QUERY_BATCH = 4096
QUERY_ROWS = 8 * QUERY_BATCH


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cgroup_limit() -> int | None:
    """Bytes this container may still allocate under a cgroup v2 memory limit, if any."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(int(limit) - used, 0)


def available_memory() -> int:
    """Bytes of RAM a run can count on: MemAvailable (Linux), else free pages, else 80 % of
    the total; capped by a cgroup memory limit."""
    available: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        available = None
    if available is None:
        page = os.sysconf("SC_PAGE_SIZE")
        try:
            available = page * os.sysconf("SC_AVPHYS_PAGES")
        except (ValueError, OSError):
            available = int(0.8 * page * os.sysconf("SC_PHYS_PAGES"))
    limit = _cgroup_limit()
    return available if limit is None else min(available, limit)


@dataclass(frozen=True)
class Estimate:
    """What a run needs, by part.

    Attributes:
        observations: bytes of the released log-probabilities, float32 [K, N, C] on the
            population and [K, T, C] on the test set, of what the A augmented queries keep
            (a float32 logit and a label, [K, A, N] each), of the augmented attacks'
            working copies of those where one is asked for (LiRA's: about 4K + 28(K - 1) +
            24 bytes per copy and record), of the masks, of the labels (int64 [N] and [T]:
            uncounted, where the attack stage's count held them, h524) and at
            attack.white_box=true of the gradient norms (float32 [K, N]: uncounted, the
            peak checked before training was 4 bytes a [K, N] cell short, h517): the
            attacks' arrays, `observations_bytes` (of the targets' test outputs and the
            undefended shadows' own labels where ``shadow_models``); and while the
            largest query is released, its logits beside the release (one more float32
            [K, max(N, T), C]: a test set of 28000 purchase records, K=16, peaked 1.8 times
            its [K, T, C]; of the K models released at once: the targets, then the
            undefended shadows on the population alone, not of all 2K, h524).
        models: bytes of the K trained models' parameters, float32 [K, P].
        optimizer: bytes of the parameters trained at once with their gradients and Adam's
            two moments (4 float32 copies of [chunk, P]); where more, of the K models'
            weights stacked once trained to answer the queries (one float32 copy of [K, P]:
            models trained one at a time are queried all at once).
        checkpoints: bytes written to disk, one float32 copy of [K, P].
        flops: arithmetic of training (6·P per sample and epoch), the curves (every
            train.eval_every epochs) and the queries (2·P per sample).
        steps: optimizer steps summed over the K models.
        seconds: estimated wall time at ``FLOPS[device]`` plus ``STEP_SECONDS`` per step.
        defenses: bytes the defenses hold beside the models' own (`Work.memory`, summed).
        activations: bytes of the training's activations (a float32 copy of ``row_floats``
            per batch row and model trained at once, kept for the backward, and their
            gradients: two) and of the query stage's (the K models' ``row_floats`` of one
            stacked forward's rows, at most ``BOUNDED_BYTES``); 0 where ``row_floats`` is not
            known. The CNN on 8x8 digits (K=16) peaked 963 MB with none of it counted (50 MB).
    """

    observations: int
    models: int
    optimizer: int
    checkpoints: int
    flops: float
    steps: int
    seconds: float
    defenses: int = 0
    activations: int = 0

    @property
    def memory(self) -> int:
        """Bytes held in RAM at the peak."""
        return (self.observations + self.models + self.optimizer + self.defenses
                + self.activations)  # fmt: skip


@dataclass(frozen=True)
class Work:
    """Training a defense adds to the models' own (see `defense_work`).

    Attributes:
        key: the setting that sizes it, named in a refusal (``defense.advreg.attack_steps``).
        value: that setting's value, as given.
        what: what the work is, in words (``the inference models' updates``).
        flops: its arithmetic, as an exact integer.
        steps: its optimizer steps (each at least ``STEP_SECONDS``).
        hint: what to do (``""``: lower the key).
        memory: bytes it holds at once beside the models' own training state (a second
            chunk of models trained inside a chunk's training: distillation's students).
        cpu_seconds: wall time it takes on the CPU whatever the device, beside its
            ``flops`` (an attack classifier's fit: `mia_defense.attacks.shokri.fit_seconds`).
    """

    key: str
    value: Any
    what: str
    flops: int
    steps: int
    hint: str = ""
    memory: int = 0
    cpu_seconds: float = 0.0

    def seconds(self, device: str) -> float:
        """Its estimated wall time on ``device``, as `Estimate.seconds` counts."""
        rate = FLOPS.get(device, FLOPS["cpu"])
        return _real(self.flops) / rate + _real(self.steps) * STEP_SECONDS + self.cpu_seconds


@dataclass(frozen=True)
class WorkShape:
    """What sizes a defense's own training (`TrainingDefense.extra_work`).

    Attributes:
        num_models: K, the models trained.
        members: the fewest members a model has.
        reference_size: samples of the plan's reference split.
        num_classes, num_params: the task's classes and one model's parameters.
        epochs, batch_size: the recipe's (``train.*``).
        chunk_size: models trained together.
        trained_epochs: the fewest epochs the models train (`earliest_stop`).
    """

    num_models: int
    members: int
    reference_size: int
    num_classes: int
    num_params: int
    epochs: int
    batch_size: int
    chunk_size: int | None = None
    trained_epochs: int | None = None

    @property
    def trained(self) -> int:
        """Epochs the models train at the fewest."""
        return self.epochs if self.trained_epochs is None else min(self.epochs, self.trained_epochs)

    @property
    def width(self) -> int:
        """Models trained together in a chunk."""
        return min(self.num_models, self.chunk_size or self.num_models)

    @property
    def chunks(self) -> int:
        """Chunks of models trained together."""
        return -(-self.num_models // max(self.chunk_size or self.num_models, 1))

    def batches(self, size: int | None = None, batch_size: int | None = None) -> int:
        """Batches per epoch of ``size`` samples (the members) at ``batch_size`` (the recipe's)."""
        size = self.members if size is None else size
        batch_size = self.batch_size if batch_size is None else batch_size
        return -(-max(size, 1) // max(batch_size, 1))  # ceil, in integers


def earliest_stop(defenses: Iterable[Any], epochs: int) -> int:
    """The fewest epochs the models may train: a defense that stops models early says so
    (`TrainingDefense.earliest_stop`), so a run of ``train.epochs=1000`` with early stopping
    is not refused for epochs it may never train."""
    least = epochs
    for defense in defenses:
        hook = getattr(defense, "earliest_stop", None)
        found = hook(epochs) if callable(hook) else epochs
        if isinstance(found, bool) or not isinstance(found, int) or found < 1:
            raise ConfigError(f"{_named(defense)}.earliest_stop({epochs}) returned {found!r}: "
                              "it must return an integer >= 1 (the fewest epochs a model may "
                              "train)")  # fmt: skip
        least = min(least, found)
    return least


def _named(defense: Any) -> str:
    return f"defense {getattr(defense, 'name', None) or type(defense).__name__}"


def defense_work(defenses: Iterable[Any], shape: WorkShape) -> list[Work]:
    """The training the defenses add to the models' own, as each counts it
    (`TrainingDefense.extra_work`, optimistic: a refusal must mean the run could not
    finish)."""
    work = []
    for defense in defenses:
        hook = getattr(defense, "extra_work", None)
        found = hook(shape) if callable(hook) else None
        if found is not None and not isinstance(found, Work):
            raise ConfigError(f"{_named(defense)}.extra_work returned {type(found).__name__}: "
                              "it must return a mia_defense.budget.Work or None")  # fmt: skip
        if found is not None:
            work.append(found)
    return work


def estimate(
    *,
    num_models: int,
    population_size: int,
    test_size: int,
    num_classes: int,
    num_params: int,
    num_augmented: int,
    epochs: int,
    batch_size: int,
    chunk_size: int | None = None,
    device: str = "cpu",
    extra: Sequence[Work] = (),
    trained_epochs: int | None = None,
    eval_every: int = 1,
    row_floats: int = 0,
    augmented_attack: bool = True,
    white_box: bool = False,
    shadow_models: int = 0,
) -> Estimate:
    """The memory and time a run of ``num_models`` models needs (see `Estimate`), with the
    ``extra`` work of its defenses (`defense_work`), training ``trained_epochs`` of the
    ``epochs`` (`earliest_stop`; ``None``: all of them), the curves every ``eval_every``
    epochs and at the last; the augmented attacks' working copies of the queries where
    ``augmented_attack`` (one is asked for: `mia_defense.attacks.lira.augmented_attacks`;
    the queries' own outputs count either way: they are made for the observations); the
    models' gradient norms where ``white_box`` (attack.white_box=true: `_grad_norm_bytes`);
    ``shadow_models`` of the ``num_models``, the undefended shadow models (`check_budget`'s),
    as `observations_bytes` counts them."""
    k, n, p = num_models, population_size, num_params
    if trained_epochs is not None:
        epochs = min(epochs, trained_epochs)
    every = max(eval_every, 1)
    evaluations = epochs // every + (1 if epochs % every else 0)
    members = max(n // 2, 1)
    # (an attack reads K models: under undefended shadows a target's hybrid copy of the
    # shadows' with its own row, `mia_defense.attacks.shadow.hybrid_observations`; counted of
    # all 2K, h524)
    attacking = (augmented_attack_bytes(k - shadow_models, num_augmented, n)
                 if augmented_attack else 0)  # fmt: skip
    # (one count of the arrays with the attack stage's, `check_budget`'s held: the peak left
    # out the labels it held, h524)
    # (the logits beside a release: the targets' on the population and test set, then the
    # undefended shadows' on the population; counted of all 2K at once, h524)
    released = max((k - shadow_models) * max(n, test_size), shadow_models * n)
    observations = (observations_bytes(k, n, num_classes, test_size=test_size,
                                       num_augmented=num_augmented, white_box=white_box,
                                       shadow_models=shadow_models)
                    + 4 * released * num_classes + attacking)
    chunk = min(k, chunk_size or k)
    flops = _real(  # in exact integers first: train.epochs=10**400 overflowed a float
        6 * p * k * epochs * members  # forward + backward on the members
        + 2 * p * k * evaluations * (members + test_size)  # the curves
        + 2 * p * k * (1 + num_augmented) * n  # the released outputs and queries
        + sum(w.flops for w in extra)
    )
    steps = k * epochs * -(-members // max(batch_size, 1)) + sum(w.steps for w in extra)
    rate = FLOPS.get(device, FLOPS["cpu"])
    # training: a batch's activations and their gradients, per model trained at once; then
    # the queries: the K models' rows of one stacked forward (`QUERY_ROWS`: 8 query
    # batches), bounded (the CNN on 8x8 digits, K=16: +268 MB in the release's forward).
    # Summed: the memory the training freed stays the process's.
    activations = (2 * 4 * row_floats * min(max(batch_size, 1), members) * chunk
                   + min(4 * k * min(QUERY_ROWS // max(k, 1), max(n, test_size)) * row_floats,
                         BOUNDED_BYTES))  # fmt: skip
    return Estimate(
        observations=observations,
        models=4 * k * p,
        optimizer=4 * max(4 * chunk, k) * p,
        checkpoints=4 * k * p,
        flops=flops,
        steps=steps,
        seconds=flops / rate + _real(steps) * STEP_SECONDS,
        defenses=sum(w.memory for w in extra),
        activations=activations,
    )


def _query_bytes(num_models: int, num_augmented: int, num_records: int,
                 num_classes: int) -> int:
    """Bytes the ``num_augmented`` queries on each of ``num_records`` records of
    ``num_models`` models keep in the observations: a float32 logit and a label (the
    narrowest unsigned int of ``num_classes``) a [K, A, N] cell."""
    return (4 + _label_bytes(num_classes)) * num_models * num_augmented * num_records


def _label_bytes(num_classes: int) -> int:
    """Bytes of the narrowest unsigned int that holds a label of ``num_classes``."""
    return 1 if num_classes <= 2**8 else 2 if num_classes <= 2**16 else 4


# The observations' arrays the attacks hold while they run (`mia_defense.observations.
# Observations`' fields), counted by `observations_bytes`.
HELD_ARRAYS = ("log_probs", "labels", "masks", "augmented_logits", "augmented_predictions",
               "grad_norms", "test_log_probs", "test_labels")  # fmt: skip


def observations_bytes(num_models: int, num_records: int, num_classes: int, *,
                       test_size: int = 0, num_augmented: int = 0, white_box: bool = False,
                       shadow_models: int = 0,
                       itemsize: Mapping[str, int] | None = None) -> int:
    """Bytes of the observations the attacks hold while they run (`HELD_ARRAYS`) of
    ``num_models`` models on ``num_records`` records of ``num_classes`` classes: the released
    outputs [K, N, C] and labels [N], the masks [K, N], the ``num_augmented`` queries' logits
    and predictions [K, A, N], the gradient norms [K, N] where ``white_box``, and the
    outputs [K, T, C] and labels [T] of ``test_size`` test records; a cell of each in the
    bytes ``itemsize`` gives by name, else in those mia-train makes (float32 outputs, logits
    and norms, int64 labels, bool masks, the narrowest unsigned int of the classes for the
    predictions). One count for mia-train's attack stage before training (`check_budget`)
    and mia-attack's of observations made before (`mia_defense.attack_setup.
    check_observed_budget`, of their arrays' own itemsizes): mia-train's held neither the
    masks nor the labels (h517). Of the ``num_models``, ``shadow_models`` are the undefended
    shadow models (attack.shadow_recipe=undefended: `check_budget`'s): released on the
    population alone (`mia_defense.pipeline.train.attacks_for_recipe`), no test outputs of
    theirs are made (counted of all 2K models, 4 bytes a [K, T, C] cell too many, h524); their
    observations hold the plan's masks, the targets' own (counted twice), and a copy of the
    labels of their own (`mia_defense.pipeline.release.release_population`: uncounted, h524)."""
    k, n, c, t, a = num_models, num_records, num_classes, test_size, num_augmented
    targets = k - shadow_models
    cells = {"log_probs": k * n * c, "labels": n * (2 if shadow_models else 1),
             "masks": targets * n, "augmented_logits": k * a * n,
             "augmented_predictions": k * a * n, "grad_norms": k * n if white_box else 0,
             "test_log_probs": targets * t * c, "test_labels": t}  # fmt: skip
    made = {"log_probs": 4, "labels": 8, "masks": 1, "augmented_logits": 4,
            "augmented_predictions": _label_bytes(c), "grad_norms": 4, "test_log_probs": 4,
            "test_labels": 8}  # fmt: skip
    sizes = {**made, **(itemsize or {})}
    return sum(cells[name] * sizes[name] for name in HELD_ARRAYS)


def _grad_norm_bytes(num_models: int, num_records: int, white_box: bool) -> int:
    """Bytes of the white-box gradient norms of ``num_models`` models on ``num_records``
    records (`mia_defense.observe.gradient_norms`' float32 [K, N]) where ``white_box``;
    0 without. A target's copy of the undefended shadows' (`mia_defense.attacks.shadow.
    hybrid_observations`) takes them too: at attack.white_box=true it held 4 bytes a [K, N]
    cell more than its outputs' (tracemalloc, h514); neither was counted."""
    return 4 * num_models * num_records if white_box else 0


def augmented_attack_bytes(num_models: int, num_augmented: int, num_records: int) -> int:
    """Bytes of the augmented attacks' working copies beside what the ``num_augmented``
    queries on each of ``num_records`` records of ``num_models`` models keep (`estimate`'s
    observations; mia-attack's, of observations made before: `mia_defense.attacks.lira.
    budget_work`). LiRA's, the largest, per target: its float32 signal [K, A + 1, N], the
    references' float32 copy and three float64 temporaries of theirs [K - 1, A + 1, N],
    three float64 [A + 1, N] of the target's (tracemalloc, h462: 26.6 and 30.6 bytes a
    [K, A, N] cell at K = 2 and 8, where this counts 30 and 31.5; the label-only attack 9).
    Uncounted, num_augmented=10**6 (K=2, digits) passed with 10 GB counted, to need some
    60 GB."""
    k = num_models
    return (4 * k + 28 * max(k - 1, 0) + 24) * num_augmented * num_records


def augmented_copies_work(names: Iterable[str], *, copies_of: str, memory: int,
                          queries: str, num_models: int, num_augmented: int,
                          num_records: int) -> list[Work]:
    """The `Work` of each attack of ``names`` (the entries of attack.attacks that make them)
    that holds ``memory`` bytes of working copies of ``copies_of`` beside observations of
    ``num_augmented`` queries on each of ``num_records`` records of ``num_models`` models,
    its hint saying ``queries`` (what fixes the queries); none without queries. LiRA's
    (`mia_defense.attacks.lira.budget_work`) and the label-only attack's
    (`mia_defense.attacks.label_only.budget_work`), each with its own attacks and bytes."""
    if num_augmented < 1:
        return []
    return [Work(
        key=f"attack.attacks.{name}", value=num_augmented, flops=0, steps=0, memory=memory,
        what=(f"its working copies of {copies_of} ({num_augmented} a record, of "
              f"{num_records} records and {num_models} models)"),
        hint=(f"leave it out with '~attack.attacks.{name}' ({queries}; mia-train of fewer "
              "makes smaller ones)"),
    ) for name in names]  # fmt: skip


def _real(value: float) -> float:
    """``value`` as a float; ``inf`` for an int too large for one."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _bytes(size: float) -> str:
    size = _real(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.3g} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _duration(seconds: float) -> str:
    if seconds < 2 * 3600:
        return f"{seconds / 60:.3g} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"


def _smaller_model(num_params: int, even: str) -> str:
    """The refusal's lead where the fewest models a plan may have (2) alone are too many for
    the memory or the time (`_model_too_large`, `_model_too_slow`): ``even`` says what they
    need and the limit. One wording for both (h450, h455)."""
    return (f"model ({num_params} parameters per model): even 2 models {even}; use a smaller "
            "model (fewer or narrower layers in the model.* settings, e.g. model.hidden)")


def _model_too_large(num_params: int, budget: int) -> str:
    """The refusal's lead where the fewest models a plan may have (2), trained one at a time,
    alone outgrow the memory in weights and optimizer state (`estimate`'s: 24 bytes a
    parameter), ``""`` where they fit. model.hidden=[30000000] was told only to lower
    plan.num_models (already 2) or the population, which barely count; then
    model.hidden=[1000000000] was led by 'plan.num_models=2: ... lower plan.num_models', the
    smaller model last: the model's size leads now, as the only key that helps. (A
    constant of 40 bytes, 2 models trained at once, told models that fit one at a time to
    shrink.)"""
    least = estimate(num_models=2, population_size=0, test_size=0, num_classes=1,
                     num_params=num_params, num_augmented=0, epochs=0, batch_size=1,
                     chunk_size=1)  # fmt: skip
    state = least.models + least.optimizer
    if state <= budget:
        return ""
    return _smaller_model(num_params, f"trained one at a time need {_bytes(state)} for their "
                                      f"weights and optimizer state but {_bytes(budget)} is "
                                      "available")  # fmt: skip


def _model_too_slow(run: dict[str, Any], max_hours: float) -> str:
    """The time refusal's lead where the fewest models a plan may have (2), trained for the
    fewest epochs (1), on the run's own records, alone take longer than ``max_hours``
    (``run``: `estimate`'s arguments; without the augmented queries and the defenses, which
    may be none), ``""`` where they do not: the time was refused as
    'plan.num_models=16, train.epochs=30: ... lower plan.num_models, train.epochs or
    plan.population_size', neither of the first two able to help. Only the model's size
    or the records remain: the model leads, the population after it (h455)."""
    least = estimate(**{**run, "num_models": 2, "epochs": 1, "trained_epochs": None,
                        "num_augmented": 0, "extra": (), "shadow_models": 0},
                   chunk_size=1)  # fmt: skip
    if least.seconds <= max_hours * 3600:
        return ""
    records = f"{run['population_size']} population records and {run['test_size']} test records"
    return (_smaller_model(run["num_params"], f"trained for 1 epoch would take about "
                                              f"{_duration(least.seconds)} on {records}, over "
                                              f"the {max_hours:g} h limit")
            + " or lower plan.population_size")  # fmt: skip


def _widest_chunk(budget: int, *, chunk_size: int, **sizes: Any) -> tuple[int, int] | None:
    """The most models below ``chunk_size`` that the run (`estimate` of ``sizes``) may
    train at once in ``budget`` bytes, and its memory then; ``None`` where even one at a
    time does not fit. (The defenses' ``extra`` work, sized for ``chunk_size``, is kept: a
    smaller chunk needs no more.)"""
    low, high = 1, chunk_size - 1
    if high < low or estimate(**sizes, chunk_size=1).memory > budget:
        return None
    while low < high:  # a binary search: memory grows with the chunk
        middle = (low + high + 1) // 2
        if estimate(**sizes, chunk_size=middle).memory <= budget:
            low = middle
        else:
            high = middle - 1
    return low, estimate(**sizes, chunk_size=low).memory


def check_budget(
    *,
    num_models: int,
    population_size: int,
    test_size: int,
    num_classes: int,
    num_params: int,
    num_augmented: int,
    epochs: int,
    batch_size: int,
    chunk_size: int | None = None,
    device: str = "cpu",
    memory_bytes: int | None = None,
    disk_dir: Path | None = None,
    max_hours: float = MAX_HOURS,
    extra: Sequence[Work] = (),
    trained_epochs: int | None = None,
    eval_every: int = 1,
    per_sample_bytes: int = 0,
    row_floats: int = 0,
    attack_memory: Sequence[Work] = (),
    augmented_attack: bool = True,
    shadow_models: int = 0,
    white_box: bool = False,
) -> None:
    """Refuse a run whose estimated memory, disk or time cannot be met (one `ConfigError`).

    Args:
        num_models: K models trained (count the extra K undefended shadow models too).
        population_size: N population records (canaries included).
        test_size: held-out test records.
        num_classes: C.
        num_params: P parameters of one model.
        num_augmented: A augmented queries per record (attack.queries.num_augmented).
        epochs: train.epochs.
        batch_size: train.batch_size.
        chunk_size: models trained at once (train.chunk_size; ``None``: all K).
        device: ``cpu`` or ``cuda``, for the arithmetic rate.
        memory_bytes: the RAM budget (``None``: `available_memory`).
        disk_dir: the run's directory, where the checkpoints and observations.npz go; its
            free space is checked against a floor of both when given.
        max_hours: the longest estimated run accepted.
        extra: the work the defenses add (`defense_work`); where it alone pushes the time
            over the limit, the refusal names the setting that sizes the largest part.
        trained_epochs: the fewest epochs the models may train (`earliest_stop`: early
            stopping), counted instead of ``epochs`` where fewer (``None``: ``epochs``).
        eval_every: train.eval_every (the curves are computed every this many epochs).
        per_sample_bytes: Opacus' per-sample gradients of one batch (``train.engine=opacus``
            under DP-SGD: a batch's size times the parameters, twice, which its
            ``GradSampleModule`` and clipping hold at once), refused apart where they alone
            exceed the memory left.
        row_floats: floats one input row takes in one model's forward (`estimate`'s; 0: not
            known, the activations uncounted).
        attack_memory: what an attack holds at once beside the released outputs (float32
            [K, N + T, C]) and the models, once they are trained (`Work.memory`; its
            ``key`` names the attack, ``hint`` what to do): refused apart, before training;
            and an attack's own time after training (`Work.cpu_seconds`, its ``what`` in
            words), refused where it alone passes ``max_hours``.
        augmented_attack: whether an attack makes working copies of the augmented queries
            (`mia_defense.attacks.lira.augmented_attacks`), counted then (`estimate`'s).
        shadow_models: of ``num_models``, the undefended shadow models (attack.shadow_recipe=
            undefended): the attacks of each target read a copy of their released outputs
            and augmented queries (`mia_defense.attacks.shadow.hybrid_observations`), held
            beside the rest while the attacks run.
        white_box: the models' gradient norms are released (attack.white_box=true): a
            float32 [K, N] of the ``num_models`` at the peak (`estimate`'s) and beside the
            attacks, and of the ``shadow_models`` in a target's copy.
    """
    run: dict[str, Any] = dict(  # `estimate`'s arguments but chunk_size
        num_models=num_models, population_size=population_size, test_size=test_size,
        num_classes=num_classes, num_params=num_params, num_augmented=num_augmented,
        epochs=epochs, batch_size=batch_size, device=device, extra=extra,
        trained_epochs=trained_epochs, eval_every=eval_every, row_floats=row_floats,
        augmented_attack=augmented_attack, white_box=white_box, shadow_models=shadow_models,
    )  # fmt: skip
    need = estimate(**run, chunk_size=chunk_size)
    # the models' own need: without the augmented queries (and the defenses' extra work)
    own = estimate(**{**run, "num_augmented": 0, "extra": ()}, chunk_size=chunk_size)
    budget = available_memory() if memory_bytes is None else memory_bytes
    sizes = (
        f"{population_size} population records, {num_classes} classes, {num_params} "
        "parameters per model"
    )
    problems = []
    fewer_at_once = ""
    if need.memory > budget:
        # models that fit fewer at a time: train.chunk_size=32 was told only to lower the
        # plan, where a smaller chunk (its optimizer state, `estimate`'s) would have run it
        width = _widest_chunk(budget, chunk_size=min(num_models, chunk_size or num_models),
                              **run)  # fmt: skip
        if width is not None:
            fewer_at_once = (f"set train.chunk_size={width[0]} (fewer models trained at "
                             f"once: the run then needs about {_bytes(width[1])}), or ")
        # the augmented queries' outputs as most of it: attack.queries.num_augmented=10**30
        # was refused as 'plan.num_models=4: ...', as though the models were too many
        queries = (f"attack.queries.num_augmented={num_augmented}, "
                   if 2 * (need.observations - own.observations) > need.memory
                   else "")  # fmt: skip
        # the test set's outputs as most of it: plan.test_size null on a large dataset (the
        # rest of the data) was told only to lower the population, which grows the test set
        untested = estimate(**{**run, "test_size": 0}, chunk_size=chunk_size)
        tested = 2 * (need.memory - untested.memory) > need.memory
        test_key = f"plan.test_size={test_size}, " if tested else ""
        # (what the test records cost most: their outputs, or their queries' activations
        # where a stacked forward takes more test rows than population rows)
        held = ("outputs" if need.observations - untested.observations
                >= need.activations - untested.activations else "query activations")
        lower_test = (f"plan.test_size (the run's {held} on {test_size} test records are "
                      "most of it; null takes every record outside the population), "
                      if tested else "")  # fmt: skip
        defenses_part = f", defenses {_bytes(need.defenses)}" if need.defenses else ""
        parts = (f"(observations {_bytes(need.observations)}, models {_bytes(need.models)}, "
                 f"optimizer state or stacked copy {_bytes(need.optimizer)}{defenses_part}"
                 + (f", activations {_bytes(need.activations)}" if need.activations else "")
                 + f"; {sizes}, attack.queries.num_augmented={num_augmented})")  # fmt: skip
        too_large = _model_too_large(num_params, budget)
        if too_large:  # (no plan, chunk or query setting can help: the model's size leads)
            also = (queries + test_key).rstrip(", ")  # (what also outgrows it, as below)
            problems.append(f"{too_large}; the run as planned (plan.num_models={num_models}) "
                            f"needs about {_bytes(need.memory)} of RAM {parts}"
                            + (f"; lower {also} too" if also else ""))
        else:
            problems.append(
                f"{queries}{test_key}plan.num_models={num_models}: the run needs about "
                f"{_bytes(need.memory)} of RAM {parts} but {_bytes(budget)} is available; "
                f"{fewer_at_once}lower {lower_test}plan.num_models, plan.population_size or "
                "attack.queries.num_augmented"
            )
    elif need.memory + per_sample_bytes > budget:  # (a 100M-parameter model: 26 GB at 64)
        problems.append(
            f"train.engine=opacus: Opacus' per-sample gradients of a batch (train.batch_size="
            f"{batch_size} x {num_params} parameters, two copies) need about "
            f"{_bytes(per_sample_bytes)} beside the run's {_bytes(need.memory)}, but "
            f"{_bytes(budget)} is available; set "
            "train.engine=stacked (its per-sample gradients take a bounded share at a time: "
            "defense.dp.max_physical_batch_size) or lower train.batch_size"
        )
    # an attack's own arrays, after the training, beside the outputs and models it holds:
    # Shokri's features (texas_like, 3000 classes: 1.1 GB) were found too large only once
    # every model had trained
    # (and the augmented queries' outputs: the label-only attack's copies of their
    # predictions, 9 bytes a cell, are held beside their own 5, h500)
    # (and the labels and masks: mia-attack's count of the same observations, h517)
    held = observations_bytes(num_models, population_size, num_classes, test_size=test_size,
                              num_augmented=num_augmented, white_box=white_box,
                              shadow_models=shadow_models) + need.models
    held_what = "the released outputs' and the models'"
    if shadow_models:
        # and a target's copy of the undefended shadow models' outputs and queries (`shadow.
        # _mixed`): the label-only attack peaked at 14 bytes a [K, A, N] cell there, not 9
        held += (4 * shadow_models * population_size * num_classes
                 + _query_bytes(shadow_models, num_augmented, population_size, num_classes)
                 + _grad_norm_bytes(shadow_models, population_size, white_box))
        # (their gradient norms named where counted, h517)
        held_what = ("the released outputs', the models' and a target's copy of the "
                     "undefended shadow models' outputs"
                     + (" and gradient norms" if white_box else ""))
    problems += _attack_memory_problems(attack_memory, held=held, budget=budget,
                                        held_what=held_what)
    if disk_dir is not None:
        free = _free_disk(disk_dir)
        # the results too, written at the end (observations.npz, compressed: the released
        # outputs and the augmented queries' logits): a run that trained for an hour failed
        # writing them on a full disk (num_augmented=350000, K=2, N=1000: some 2.7 GB)
        released, queried = _written_floor(num_models, population_size, test_size,
                                           num_classes, num_augmented)  # fmt: skip
        written = need.checkpoints + released + queried
        if free is not None and written > free:
            lead = (f"attack.queries.num_augmented={num_augmented}, "
                    if 2 * queried > written else "")  # fmt: skip
            problems.append(
                f"{lead}plan.num_models={num_models}: the run writes at least "
                f"{_bytes(written)} (checkpoints {_bytes(need.checkpoints)}, observations.npz "
                f"{_bytes(released + queried)}) but {disk_dir} has {_bytes(free)} free; "
                f"lower {'attack.queries.num_augmented, ' if num_augmented else ''}"
                "plan.num_models or run elsewhere (hydra.run.dir=...)"
            )
    # The augmented queries are the models' own work, but another key sizes them.
    parts = [*extra, Work(
        key="attack.queries.num_augmented", value=num_augmented,
        what="the augmented queries (num_augmented per record and model)",
        flops=2 * num_params * num_models * num_augmented * population_size, steps=0,
    )] if num_augmented else list(extra)  # fmt: skip
    largest = max(parts, key=lambda w: w.seconds(device), default=None)
    over = need.seconds > max_hours * 3600
    took = (f"{_duration(need.seconds)} (estimated {need.flops:.2g} floating-point operations "
            f"at an optimistic {FLOPS.get(device, FLOPS['cpu']):.0e}/s on {device} and "
            f"{_real(need.steps):.2g} optimizer steps")  # fmt: skip
    too_slow = _model_too_slow(run, max_hours) if over else ""
    if too_slow:  # (no plan.num_models, train.epochs or part can help: the model's size leads;
        # the parts, augmented queries and defenses' work, grow with it: not named "too")
        problems.append(f"{too_slow}; the run as planned (plan.num_models={num_models}, "
                        f"train.epochs={epochs}) would take about {took}; {sizes})")
    elif over and largest is not None and (
        own.seconds <= max_hours * 3600 or largest.seconds(device) > own.seconds
    ):
        shown = "null" if largest.value is None else largest.value
        problems.append(
            f"{largest.key}={shown}: {largest.what} would make training take about {took}; "
            f"plan.num_models={num_models}, train.epochs={epochs}, {sizes}), over the "
            f"{max_hours:g} h limit; {largest.hint or f'lower {largest.key}'}"
        )
    elif over:
        # the fewest models (2) still over it: fewer cannot help, fewer epochs can (2 models
        # for 1 epoch fit: `_model_too_slow`); plan.num_models=2 was told to lower it (h455)
        fewest = estimate(**{**run, "num_models": 2, "num_augmented": 0, "extra": (),
                             "shadow_models": 0}, chunk_size=1)  # fmt: skip
        lower = ("plan.num_models, train.epochs or plan.population_size"
                 if fewest.seconds <= max_hours * 3600 else
                 "train.epochs or plan.population_size" + (
                     f" (even plan.num_models=2 would take about {_duration(fewest.seconds)})"
                     if num_models > 2 else ""))  # fmt: skip
        problems.append(
            f"plan.num_models={num_models}, train.epochs={epochs}: training would take about "
            f"{took}; {sizes}), over the {max_hours:g} h limit; lower {lower}"
        )
    # an attack's own time after the training (where the training alone is within the
    # limit: else that is refused above): Shokri's attack classifier (texas_like at 5000
    # classes: 189 s of a 214 s run) was in no estimate
    if not over:
        problems += _attack_time_problems(attack_memory, max_hours=max_hours,
                                          trained_seconds=need.seconds)  # fmt: skip
    if problems:
        raise ConfigError("\n".join(problems))


def check_attack_budget(
    attack_work: Sequence[Work], *, held: int, memory_bytes: int | None = None,
    max_hours: float | None = None,
) -> None:
    """`check_budget`'s refusal of the attacks' own memory and time (``attack_memory``), for
    observations already made and held (mia-attack's source, `mia_defense.api.audit`'s):
    no training, its ``held`` bytes (the observations' arrays) in RAM beside them, as though
    available to the run (``memory_bytes``; ``None``: `available_memory` plus ``held``),
    ``max_hours`` the longest accepted (``None``: `MAX_HOURS`). One `ConfigError` of
    check_budget's lines: mia-attack of observations of 3000 classes started gradient
    boosting's fit on features mia-train would have refused (h488)."""
    budget = available_memory() + held if memory_bytes is None else memory_bytes
    problems = (_attack_memory_problems(attack_work, held=held, budget=budget,
                                        held_what="the observations'")
                + _attack_time_problems(attack_work, trained_seconds=None,
                                        max_hours=MAX_HOURS if max_hours is None else max_hours))
    if problems:
        raise ConfigError("\n".join(problems))


def _attack_memory_problems(attack_work: Sequence[Work], *, held: int, budget: int,
                            held_what: str) -> list[str]:
    """The refusal lines of the attacks whose own arrays (`Work.memory`) do not fit in
    ``budget`` bytes beside the ``held`` bytes of ``held_what`` (`check_budget`'s words)."""
    return [f"{attack.key}: {attack.what} need about {_bytes(attack.memory)} beside "
            f"{held_what} {_bytes(held)}, but {_bytes(budget)} is available; {attack.hint}"
            for attack in attack_work
            if attack.memory and held + attack.memory > budget]  # fmt: skip


def _attack_time_problems(attack_work: Sequence[Work], *, max_hours: float,
                          trained_seconds: float | None) -> list[str]:
    """The refusal lines of the attacks whose own time (`Work.cpu_seconds`), after the
    training's ``trained_seconds`` (``None``: none trained), passes ``max_hours``."""
    before = trained_seconds or 0.0
    after = ("" if trained_seconds is None
             else f" after the training's {_duration(trained_seconds)}")  # fmt: skip
    return [f"{attack.key}: {attack.what} would take about {_duration(attack.cpu_seconds)}"
            f"{after}, over the {max_hours:g} h limit; {attack.hint}"
            for attack in attack_work
            if before + attack.cpu_seconds > max_hours * 3600]  # fmt: skip


def _written_floor(num_models: int, population_size: int, test_size: int, num_classes: int,
                   num_augmented: int) -> tuple[int, int]:
    """A floor of the bytes observations.npz takes (`np.savez_compressed`): of the released
    float32 log-probabilities [K, N + T, C], and of the augmented queries' float32 logits
    [K, A, N], half their bytes each (a float32's two low mantissa bytes do not compress;
    the labels, masks and scores.npz are left out). At A=5000, K=2, N=1000 the file took
    39 MB (50 MB raw), which this counts as 20 MB."""
    k = num_models
    return (2 * k * (population_size + test_size) * num_classes,
            2 * k * num_augmented * population_size)


def _free_disk(path: Path) -> int | None:
    """Free bytes on the file system of ``path`` (or of its nearest existing parent)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None
