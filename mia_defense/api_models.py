"""`mia_defense.api.observe_models` and the checks of a caller's models: what K trained
torch modules release on a membership plan's population and test set, as mia-train
observes its own models. The modules are checked first (a list of K distinct modules,
no lazy, shared or copied tensors, one architecture, logits on two rows of x, on the
CPU in float32), then the plan, the data and the queries' settings and memory.
`mia_defense.api` re-exports `observe_models`, the public face; the checks of arrays it
shares with the rest of the API are `mia_defense.api_inputs`'."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from torch import Tensor, nn

from mia_defense.api_inputs import (
    _array,
    _keywords_named,
    _numbers,
    _observations,
    _refuse_big_seed,
    _refuse_masked,
    _refuse_non_integer_labels,
)
from mia_defense.attack_setup import attack_config, check_attack_config, check_overrides
from mia_defense.defenses.release import FullRelease, Release, probe_release
from mia_defense.errors import (
    ConfigError,
    DataError,
    MiaDefenseError,
    UnsupportedModelError,
    a_type,
    first_few,
)
from mia_defense.experiment import released_accuracy
from mia_defense.library_call import library_call
from mia_defense.metrics.inputs import as_integer
from mia_defense.models.build import RANDOM_ANSWERS, answers_at_random, logits_problem
from mia_defense.observations import OUTPUT_KINDS, Observations, RecordedMetadata
from mia_defense.observe import gradient_norms, observe, observe_augmented
from mia_defense.pipeline.evaluate import RANDOMIZED_RELEASE_REPEATS
from mia_defense.plan import MembershipPlan, copy_leaders
from mia_defense.queries import (
    QueryConfig,
    check_image_shifts,
    check_release_queries,
    warn_unperturbed_copies,
    warn_unused_repeats,
)
from mia_defense.seeding import global_torch_seeded, torch_generator

log = logging.getLogger("mia_defense.api")  # (its lines read as the api's, as before the split)

# The metadata key with which `observe_models` says that the population's outputs are the
# averages of this many answers of a randomized release (the test set's: one answer each):
# results.json's privacy key of the same figure (`_averaged_repeats`).
AVERAGED_REPEATS = RANDOMIZED_RELEASE_REPEATS
# With it, the members' accuracy of one answer each (the test set's is of one answer): the
# train accuracy and gap of `released_utility`.
ONE_ANSWER_TRAIN_ACCURACY = "train_accuracy_one_answer"
# (`RESERVED_METADATA`: these two, refused in a caller's metadata, `_refuse_reserved`)


@_keywords_named
@library_call
def observe_models(
    models: Sequence[nn.Module],
    x: np.ndarray,
    y: np.ndarray,
    plan: MembershipPlan,
    *,
    release: Release | None = None,
    num_augmented: int = 0,
    white_box: bool = False,
    seed: int = 0,
    repeats: int | None = None,
    overrides: Sequence[str] = (),
) -> Observations:
    """What K trained torch modules release on the plan's population (and test set), as
    mia-train observes its own models (`mia_defense.observe`).

    Args:
        models: the K modules, model k trained on the members ``plan.masks[k]``.
        x, y: the data the plan indexes (rows ``plan.population_idx`` and ``test_idx``).
        plan: the membership plan (`make_plan`).
        release: the output mechanism (`mia_defense.defenses.release`); default: full
            probabilities.
        num_augmented: queries on that many perturbed copies of each record (LiRA's
            augmented variant, the label-only attack).
        white_box: per-sample gradient norms (the gradient_norm attack).
        seed: the seed of the release's noise and of the perturbed copies.
        repeats: how often a randomized release (``NoiseRelease``) is asked each population
            query (and each perturbed copy), the answers averaged, as mia-train's attacker
            does; ``None``: the attack config's ``attack.queries.repeats`` (16, or as
            ``overrides`` set it); deterministic releases are asked once.
            Asked once, the noise hid the leak: the strongest attack's TPR at 0.1% FPR on a
            digits MLP under ``NoiseRelease(scale=0.3)`` came out 0.009, where the same
            models' full outputs give 0.032. The test set is asked once (the utility a user
            gets), and the population once more for the members' accuracy beside it
            (`released_utility`'s train accuracy and gap).
        overrides: ``attack.queries`` settings as on mia-train's command line:
            ``attack.queries.repeats``, and the perturbed copies' ``noise_std``,
            ``max_shift``, ``flip`` (`audit` refuses them: the observations made here hold
            their queries, and it does not know how they were made).

    Raises:
        ConfigError: a setting out of range or of the wrong type, named; one module given
            for several models; a ``release`` that mia-train would refuse before training
            (`mia_defense.defenses.release.probe_release`: its ``check`` refuses the
            models' classes, it fails on random logits or returns no log-probabilities of
            their shape, or a release of one's own has no name of its own).
        DataError: ``x``/``y`` that are not the plan's data (too few rows, not numbers, NaN).
        UnsupportedModelError: a module that fails on two rows of ``x``, modifies them in
            place, or does not return logits [2, C] (the same C for every module;
            probabilities, a final softmax, and integer outputs are no logits), named by
            its index.
    """
    if not isinstance(plan, MembershipPlan):
        raise ConfigError(
            f"observe_models: plan is {a_type(plan)}, not a MembershipPlan; make it "
            "with api.make_plan(x, y, num_models=K)"
        )
    plan = _check_plan(plan)
    if not isinstance(white_box, bool | np.bool_):  # white_box="no" computed the gradients
        raise ConfigError(f"observe_models: white_box={white_box!r}: must be True or False")
    models = _check_models(models, plan)
    queries = _query_config(overrides, num_augmented=num_augmented, repeats=repeats,
                            seed=seed)  # fmt: skip
    _check_query_memory(plan, queries.num_augmented)
    if not isinstance(release, (Release, type(None))):
        raise ConfigError(
            f"observe_models: release={release!r}: must be a Release of "
            "mia_defense.defenses.release (e.g. NoiseRelease(scale=0.3)) or None"
        )
    release = release or FullRelease()
    check_release_queries(queries, randomized=release.randomized is True, models=len(models),
                          records=len(plan.population_idx))  # fmt: skip
    inputs, labels = _plan_data(x, y, plan)
    check_image_shifts(queries, inputs.shape[1:])
    typed = overrides if isinstance(overrides, list | tuple) else ()
    warn_unperturbed_copies(queries, inputs.shape[1:], copies="num_augmented", overrides=typed)
    warn_unused_repeats(queries, randomized=release.randomized is True, overrides=typed,
                        typed=repeats is not None, key="repeats")  # fmt: skip
    modes = [[module.training for module in model.modules()] for model in models]
    try:
        return _observe_checked(models, inputs, labels, plan, release=release, queries=queries,
                                white_box=white_box, seed=seed)  # fmt: skip
    finally:  # the modules as they were given (queried in eval mode)
        for model, flags in zip(models, modes, strict=True):
            for module, flag in zip(model.modules(), flags, strict=True):
                module.training = flag


def _observe_checked(
    models: list[nn.Module],
    inputs: np.ndarray,
    labels: np.ndarray,
    plan: MembershipPlan,
    *,
    release: Release,
    queries: QueryConfig,
    white_box: bool,
    seed: int,
) -> Observations:
    """`observe_models` on checked arguments."""
    classes = _probe_models(models, inputs[plan.population_idx[:2]])
    _check_answer_memory(plan, classes)
    _warn_mixed_architectures(models)
    used = labels[np.concatenate([plan.population_idx, plan.test_idx])]
    if used.size and np.issubdtype(used.dtype, np.integer) and int(used.max()) >= classes:
        # (found after every query was made, as a problem of the observations' labels)
        raise DataError(
            f"observe_models: the models return logits for {classes} classes, but y holds "
            f"label {int(used.max())} among the plan's rows: give the y the models were "
            f"trained on, with labels in [0, {classes})"
        )
    # mia-train's check of a release before training (pipeline.data): a release of one's own
    # returning a numpy array was an AttributeError traceback deep in the query, one whose
    # check(num_classes=) refuses the classes (or without a name of its own) went unasked
    probe_release(release, num_classes=classes)
    if white_box:
        _check_white_box(models)
    devices = [p.device for p in models[0].parameters()][:1]
    try:  # (a module's own draws in forward, dropout left on: from seed, not torch's state)
        with global_torch_seeded(seed, "observe_models/forward", devices=devices):
            return _observe(models, inputs, labels, plan, release=release, queries=queries,
                            white_box=white_box, seed=seed, classes=classes)  # fmt: skip
    except MiaDefenseError:
        raise
    except Exception as exc:
        error = _query_error(models, exc)
        if error is None:
            raise
        raise error from exc


def _observe(
    models: list[nn.Module],
    inputs: np.ndarray,
    labels: np.ndarray,
    plan: MembershipPlan,
    *,
    release: Release,
    queries: QueryConfig,
    white_box: bool,
    seed: int,
    classes: int,
) -> Observations:
    """The queries of `observe_models`, on models and a release that passed the probes
    (the models with ``classes`` logits on the probe's two rows)."""
    x_pop, y_pop = inputs[plan.population_idx], labels[plan.population_idx]
    repeats, num_augmented = queries.repeats, queries.num_augmented
    augmented = {}
    if num_augmented:
        augmented = dict(zip(("augmented_logits", "augmented_predictions"), observe_augmented(
            models, x_pop, y_pop, release=release, seed=seed, queries=queries,
            generator=torch_generator(seed, "release_augmented"),
            check=lambda released: _refuse_nan_perturbed(released, models, num_augmented),
        ), strict=True))  # fmt: skip
    generator = torch_generator(seed, "release")  # the population, then the test set
    outputs = observe(models, x_pop, release=release, generator=generator, repeats=repeats)
    test = None
    if len(plan.test_idx):
        test = observe(models, inputs[plan.test_idx], release=release, generator=generator,
                       check_batch=False)  # checked on the population
    for what, released, rows in (("population", outputs, plan.population_idx),
                                 ("test", test, plan.test_idx)):  # fmt: skip
        bad = None if released is None else np.isnan(released).any(axis=-1)
        if bad is not None and bad.any():  # (named as observations_from_arrays' outputs)
            k = int(np.flatnonzero(bad.any(axis=1))[0])
            raise UnsupportedModelError(
                f"observe_models: models[{k}] ({type(models[k]).__name__}) released NaN on "
                f"{int(bad[k].sum())} of the {bad.shape[1]} {what} records (first: row "
                f"{rows[np.flatnonzero(bad[k])[0]]} of x): its logits are NaN or infinite "
                "there (a diverged model, or inputs it cannot take); fix or retrain it"
            )
        if released is not None and released.shape[-1] != classes:
            # (mia-train refuses it as well: the outputs carried classes the data lacks)
            raise UnsupportedModelError(
                f"observe_models: the models returned {released.shape[-1]} outputs per "
                f"{what} record, {classes} on the probe's 2 rows: a model must return logits "
                f"[rows, {classes}] for every batch size; make its output width independent "
                "of the batch"
            )
    norms = None
    if white_box:
        norms = gradient_norms(models, x_pop, y_pop)
        if norms is None:  # mia-train goes on without them; here they were asked for
            raise UnsupportedModelError(
                "observe_models: white_box=True: torch.func cannot take the models' "
                "per-sample gradients (the warning above says why), so the gradient_norm "
                "attack would have nothing to read; pass white_box=False"
            )
        _refuse_nonfinite_norms(norms, models, plan.population_idx)
    # the population's answers are averages of `repeats` answers, the test set's one each:
    # said with them, so that no check compares the two as alike (`_check_masks`)
    averaged = release.randomized is True and repeats > 1
    facts: dict[str, Any] = {"release": release.name}  # (results.json's defense.release)
    if averaged:  # and the members' accuracy of one answer each, as the test set's (utility)
        facts[AVERAGED_REPEATS] = repeats
        once = observe(models, x_pop, release=release, check_batch=False,
                       generator=torch_generator(seed, "release_members_once"))  # fmt: skip
        members = Observations(log_probs=once, labels=y_pop, masks=plan.masks)
        facts[ONE_ANSWER_TRAIN_ACCURACY] = released_accuracy(members, None, None)[
            "train_accuracy"]  # fmt: skip
    observations, _ = _observations(  # (arrays of its own: no copy of them needed)
        outputs, plan.masks, y_pop, kind=OUTPUT_KINDS[0], test_outputs=test,
        test_labels=None if test is None else labels[plan.test_idx], grad_norms=norms,
        augmented_logits=augmented.get("augmented_logits"),
        augmented_predictions=augmented.get("augmented_predictions"),
        metadata=RecordedMetadata(facts),
    )  # fmt: skip
    _refuse_copies(models)  # (last: every other problem of the models is said first)
    return observations


def _refuse_nan_perturbed(released: np.ndarray, models: Sequence[nn.Module],
                          num_augmented: int) -> None:
    """An `UnsupportedModelError` for NaN in what a model released on a perturbed copy of
    the records [K, N, C]: the attacks' signal turned it into 0 (no evidence either way), so
    LiRA's augmented queries read nothing of such a model, without a word."""
    bad = np.isnan(released).any(axis=-1)
    if not bad.any():
        return
    k = int(np.flatnonzero(bad.any(axis=1))[0])
    raise UnsupportedModelError(
        f"observe_models: models[{k}] ({type(models[k]).__name__}) released NaN on "
        f"{int(bad[k].sum())} of the {bad.shape[1]} records' perturbed copies "
        f"(num_augmented={num_augmented}): its logits are NaN or infinite there (inputs it "
        "cannot take, e.g. a sqrt or log of a feature the noise made negative); make its "
        "forward defined for such inputs, or pass num_augmented=0"
    )


def _refuse_nonfinite_norms(norms: np.ndarray, models: Sequence[nn.Module],
                            rows: np.ndarray) -> None:
    """An `UnsupportedModelError` naming the model whose per-sample gradient norms [K, N]
    are NaN or infinite (a forward whose gradient is 0 * inf somewhere: sqrt of 0): they
    were refused as 'observations_from_arrays: grad_norms: must be finite', naming a
    function the caller never called, and neither the model nor the way out."""
    bad = ~np.isfinite(norms)
    if not bad.any():
        return
    k = int(np.flatnonzero(bad.any(axis=1))[0])
    raise UnsupportedModelError(
        f"observe_models: white_box=True: models[{k}] ({type(models[k]).__name__}) has NaN "
        f"or infinite per-sample gradient norms on {int(bad[k].sum())} of the "
        f"{bad.shape[1]} population records (first: row {rows[np.flatnonzero(bad[k])[0]]} "
        "of x), so the gradient_norm attack could not read them; make its loss "
        "differentiable there (e.g. no sqrt or log of 0 in forward), or pass white_box=False"
    )


def _check_white_box(models: Sequence[nn.Module]) -> None:
    """Per-sample gradients need trainable parameters: a module without (a fixed lookup, a
    wrapped model of another library) had its gradient norms skipped with a log line only,
    and the observations came back without them."""
    for k, model in enumerate(models):
        if not any(p.requires_grad for p in model.parameters()):
            raise UnsupportedModelError(
                f"observe_models: white_box=True: models[{k}] ({type(model).__name__}) has no "
                "trainable parameters, so it has no gradient for the gradient_norm attack to "
                "read; pass white_box=False"
            )


def _query_error(models: Sequence[nn.Module], exc: BaseException) -> UnsupportedModelError | None:
    """An `UnsupportedModelError` naming the model whose ``forward`` (or a submodule's)
    ``exc`` was raised in, and where; ``None`` when it was raised outside the models. A
    module that passes on the probe's two rows and fails on the batched queries (larger
    batches, other rows) was a bare exception from deep inside the query."""
    import traceback

    owner = {id(module): k for k, model in enumerate(models) for module in model.modules()}
    found = next((owner[id(frame.f_locals.get("self"))]
                  for frame, _ in traceback.walk_tb(exc.__traceback__)
                  if id(frame.f_locals.get("self")) in owner), None)  # fmt: skip
    if found is None:
        return None
    last = traceback.extract_tb(exc.__traceback__)[-1]
    said = " ".join(str(exc).split())[:300]
    return UnsupportedModelError(
        f"observe_models: models[{found}] ({type(models[found]).__name__}) raised "
        f"{type(exc).__name__} on the queries: {said} (at {last.filename}:{last.lineno}, in "
        f"{last.name}); it passed on 2 rows of x, so it fails on larger batches or on other "
        "rows: fix its forward"
    )


def _refuse_beyond_memory(need: int, error: type[MiaDefenseError], *, what: str, sizes: str,
                          fix: str) -> None:  # fmt: skip
    """Refuse ``what`` if its ``need`` bytes exceed 80% of the memory available now."""
    from mia_defense.budget import available_memory
    from mia_defense.files import gib

    budget = int(0.8 * available_memory())
    if need > budget:
        raise error(f"{what} need about {gib(need)} of memory ({sizes}), more than the "
                    f"{gib(budget)} this machine can spare; {fix}")  # fmt: skip


def _check_query_memory(plan: MembershipPlan, num_augmented: int) -> None:
    """Refuse augmented queries whose answers cannot fit in memory (num_augmented=10**12
    was a raw MemoryError of 655 TiB), as mia-train's budget check does: a float32 logit
    and a prediction per model, copy and record."""
    records = len(plan.population_idx)
    _refuse_beyond_memory(
        8 * plan.num_models * num_augmented * records, ConfigError,
        what=f"observe_models: num_augmented={num_augmented}: the augmented queries",
        sizes=f"{plan.num_models} models x {num_augmented} copies x {records} records",
        fix="lower num_augmented",
    )  # fmt: skip


def _check_answer_memory(plan: MembershipPlan, classes: int) -> None:
    """Refuse answers that cannot fit in memory, once the probe has told C: every model's
    logits and released log-probabilities on every record, float32 each (models of
    200,000,000 outputs on 80 records were killed by the system for memory, 22 GB in,
    without a word)."""
    records = len(plan.population_idx) + len(plan.test_idx)
    _refuse_beyond_memory(
        8 * plan.num_models * records * classes, UnsupportedModelError,
        what=f"observe_models: the models return {classes} logits per record: their answers "
        f"on the plan's {records} records",
        sizes=f"{plan.num_models} models x {records} records x {classes} classes, logits and "
        "released outputs",
        fix="observe fewer records (a smaller plan) or models with fewer outputs",
    )  # fmt: skip


def _check_models(models: Any, plan: MembershipPlan) -> list[nn.Module]:
    """The K modules as a list, one per row of the plan's masks."""
    # a mapping of the models ({'seed0': model, ...}, nn.ModuleDict) gave its keys: 'models[0]
    # is a str, not a torch.nn.Module' (of an int key: 'an int'), ModuleDict's said to be layers
    if isinstance(models, Mapping | nn.ModuleDict):
        raise ConfigError(
            f"observe_models: models is {a_type(models)} (iterating it gives its "
            "keys); give list(models.values()), in the order of plan.masks' rows (model k "
            "trained on plan.masks[k])"
        )
    # one module that iterates (nn.Sequential) gave its layers as the K models: a layer
    # named as a model that fails on x, or 'returns 5 classes, models[0] 16'
    if isinstance(models, nn.Module) and not isinstance(models, nn.ModuleList):
        layers = " (one module: iterating it gives its layers)" if hasattr(
            models, "__iter__") else ""  # fmt: skip
        raise ConfigError(
            f"observe_models: models is {a_type(models)}{layers}; give a list "
            "of the K trained torch.nn.Module"
        )
    try:
        models = list(models)
    except TypeError:
        raise ConfigError(
            f"observe_models: models is {a_type(models)}; give a list "
            "of the K trained torch.nn.Module"
        ) from None
    for k, model in enumerate(models):
        if not isinstance(model, nn.Module):  # ([1, 2]: 'models[0] is a int')
            loaded = "; load it into its module (model.load_state_dict(...))" if isinstance(
                model, Mapping) and model and all(isinstance(v, Tensor) for v in (
                    model.values())) else ""  # (a state_dict given for its model)  # fmt: skip
            raise ConfigError(
                f"observe_models: models[{k}] is {a_type(model)}, not a torch.nn.Module"
                f"{loaded}; give a list of the K trained modules, models[k] the one trained "
                "on plan.masks[k]"
            )
    _refuse_lazy(models)
    seen: dict[int, int] = {}
    for k, model in enumerate(models):
        first = seen.setdefault(id(model), k)
        if first != k:  # one module trained on every mask: IN and OUT alike, no leak seen
            raise ConfigError(
                f"observe_models: models[{k}] is models[{first}] (the same module object); "
                "give K separately trained modules, model k trained on plan.masks[k] only"
            )
    _refuse_shared_tensors(models)
    if len(models) != plan.num_models:
        raise ConfigError(
            f"observe_models: {len(models)} models for a plan of {plan.num_models}; give one "
            "model per row of plan.masks"
        )
    return models


def _warn_mixed_architectures(models: Sequence[nn.Module]) -> None:
    """Warn once where the modules are not one architecture (by class and parameter shapes):
    LiRA, RMIA and Shokri read each target against the other models as its references, which
    stand in for it only as its architecture trained on other members; [MLP, MLP, Linear,
    MLP] was queried and audited without a word (mia-train refuses models of different
    shapes: models.build)."""
    kinds: dict[tuple[Any, ...], list[int]] = {}
    for k, model in enumerate(models):
        shapes = tuple((name, tuple(p.shape)) for name, p in model.named_parameters())
        kinds.setdefault((type(model), shapes), []).append(k)
    if len(kinds) < 2:
        return
    (first_class, first_shapes), *_ = kinds
    said = []
    for (kind, shapes), ks in kinds.items():
        where = ", ".join(map(str, ks[:4])) + (f" and {len(ks) - 4} more" if len(ks) > 4 else "")
        text = f"models[{where}]: {kind.__name__}"
        if kind is first_class and shapes != first_shapes:
            was, now = dict(first_shapes), dict(shapes)
            name = next((n for n in was if was[n] != now.get(n)), None) or next(iter(now))
            text += (f" of other shapes ({name} {_shape_of(now, name)}, in models[0] "
                     f"{_shape_of(was, name)})")  # fmt: skip
        said.append(text)
    log.warning(
        "observe_models: the %d models are not one architecture (%s): LiRA, RMIA and Shokri "
        "read each target against the other models as its references, which stand in for it "
        "only as its architecture trained on other members, so the figures are of that mix; "
        "give K models of one architecture (audit another architecture's models apart, with "
        "a plan of their own)", len(models), "; ".join(said))


def _shape_of(shapes: Mapping[str, tuple[int, ...]], name: str) -> str:
    """The shape of parameter ``name`` as `_warn_mixed_architectures` says it."""
    return str(list(shapes[name])) if name in shapes else "none"


def _refuse_shared_tensors(models: Sequence[nn.Module]) -> None:
    """A `ConfigError` for separate modules holding one tensor that training changes: a
    trainable parameter (the same model twice, or a layer that took every model's steps, on
    every model's members) or a buffer (BatchNorm's running statistics, which each model's
    forward in training mode updates with its members), named with that cause. A frozen
    parameter (``requires_grad`` False: a pretrained backbone under K heads) may be shared:
    the models answer as K copies of it would, which were taken; it was refused as 'give
    K separately trained modules', naming neither why nor the frozen layer's way out."""
    owner: dict[int, tuple[int, str]] = {}
    for k, model in enumerate(models):
        named = [*((name, p, p.requires_grad) for name, p in model.named_parameters()),
                 *((name, b, None) for name, b in model.named_buffers())]  # fmt: skip
        for name, tensor, trains in named:
            if trains is False:
                continue
            j, theirs = owner.setdefault(id(tensor), (k, name))
            if j == k:
                continue
            why, fix = (
                ("a trainable parameter: every model's training steps changed it",
                 "give each model its own (copy.deepcopy before training, model k trained on "
                 "plan.masks[k] only); a pretrained layer the models share unchanged may stay "
                 "shared, frozen (requires_grad_(False))") if trains else
                ("a buffer (as BatchNorm's running statistics) that each model's forward in "
                 "training mode updates",
                 "give each model its own copy of the module holding it (copy.deepcopy)"))
            raise ConfigError(
                f"observe_models: models[{k}].{name} is models[{j}].{theirs} (the same tensor "
                f"object), {why}: it holds every model's members, so each record is a member "
                f"in every model and the attacks would understate the leak; {fix}"
            )  # fmt: skip


def _refuse_lazy(models: Sequence[nn.Module]) -> None:
    """A `ConfigError` for a module holding a lazy layer's uninitialized parameter or buffer
    (``nn.LazyLinear`` before any forward pass): such a module never trained. The probe's
    forward materialised every one with the same draws (it runs under a forked RNG), so the
    K untrained modules were refused as 'copies of one model', and each was left changed."""
    from torch.nn.parameter import is_lazy

    for k, model in enumerate(models):
        tensors = [*model.named_parameters(), *model.named_buffers()]
        lazy = [name for name, tensor in tensors if is_lazy(tensor)]
        if lazy:
            shown = first_few(lazy, 3)
            raise ConfigError(
                f"observe_models: models[{k}] ({type(model).__name__}) holds uninitialized lazy "
                f"parameters ({shown}: nn.Lazy* layers no forward pass has reached), which no "
                "training has set: give the K trained modules (training runs them and gives "
                "their lazy layers shapes and weights), or drop a lazy layer the forward "
                "never uses"
            )


def _refuse_copies(models: Sequence[nn.Module]) -> None:
    """A `ConfigError` for two models holding the same weights (`first_copy`): copies of
    one model (copy.deepcopy of a model trained on plan.masks[0]) answer its members and
    non-members alike in every model, so the attacks reported no leak (AUC 0.500) of a model
    that leaked."""
    from mia_defense.models.copies import first_copy

    found = first_copy(models)
    if found is not None:
        k, j = found
        raise ConfigError(
            f"observe_models: models[{k}] holds exactly the weights of models[{j}]: "
            "copies of one model (or models that never trained) answer members and "
            "non-members alike, so no attack could see a leak; give K separately trained "
            "modules, model k trained on plan.masks[k] only"
        )


def _plan_data(x: Any, y: Any, plan: MembershipPlan) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as float32 and ``y``, checked against the rows the plan indexes."""
    _refuse_masked("observe_models", x=x, y=y)
    inputs, labels = _numbers("observe_models", x), _array(y, "observe_models", "y", DataError)
    rows = int(max(plan.population_idx.max(initial=0), plan.test_idx.max(initial=0))) + 1
    if inputs.ndim == 0 or len(inputs) < rows:
        raise DataError(
            f"observe_models: x has {len(inputs) if inputs.ndim else 0} rows, but the plan "
            f"indexes rows up to {rows - 1}; give the x and y the plan was made from"
        )
    _refuse_other_data_length(inputs, plan)  # (after: the rows it lacks named first)
    if labels.shape != (len(inputs),):
        raise DataError(
            f"observe_models: y has shape {labels.shape}, expected "
            f"[{len(inputs)}] (one label per row of x)"
        )
    used = np.concatenate([plan.population_idx, plan.test_idx])
    _refuse_non_integer_labels("observe_models", labels)  # (named labels; timedelta)
    if used.size and labels[used].min() < 0:
        raise DataError(
            f"observe_models: y holds label {labels[used].min()} among the plan's rows; give "
            "class indices 0, 1, ... (the models' output columns)"
        )
    bad = ~np.isfinite(inputs[used].reshape(len(used), -1)).all(axis=1)
    if bad.any():
        raise DataError(
            f"observe_models: x: NaN or inf in {int(bad.sum())} of the plan's rows (first: row "
            f"{used[bad][0]}); clean or impute them, as for training"
        )
    _refuse_split_copies(inputs, plan)
    return inputs, labels


def _refuse_other_data_length(inputs: np.ndarray, plan: MembershipPlan) -> None:
    """A `DataError` for ``x`` of another length than the data `make_plan` made the plan
    from (its ``row_digests``, one per row; a plan made by hand records none): the plan's
    rows were simply indexed, so a longer x, or a shorter one still holding its rows, was
    observed as other records under the plan's membership without a word."""
    made_from = plan.row_digests
    if made_from is None or len(made_from) == len(inputs):
        return
    raise DataError(
        f"observe_models: x has {len(inputs)} rows, but the plan was made from x of "
        f"{len(made_from)} rows (api.make_plan); give the x and y the plan was made from"
    )


def _refuse_split_copies(inputs: np.ndarray, plan: MembershipPlan) -> None:
    """A `ConfigError` for masks (a plan made by hand) that give exact copies in ``x`` (the
    same features) other models: a record OUT of a model its copy trains is a member there,
    so its membership is undefined, and the attacks understated the leak unwarned (each
    record twice, a random mask per record: TPR at 0.1% FPR 0.0025 for make_plan's 0.046).

    A plan made by hand (no ``copy_leaders``: make_plan's were warned of) whose test rows
    copy population records is warned of: the models trained on those features, so the test
    accuracy was overstated without a word (mia-train's and make_plan's test sets take rows
    that copy none first)."""
    masks = plan.masks
    population = len(plan.population_idx)
    by_hand = plan.copy_leaders is None
    leaders = copy_leaders(inputs, np.concatenate([plan.population_idx, plan.test_idx])
                           if by_hand else plan.population_idx)
    split = (masks != masks[:, leaders[:population]]).any(axis=0)
    if split.any():
        first = int(np.flatnonzero(split)[0])
        raise ConfigError(
            f"observe_models: plan.masks: {int(split.sum())} of the {len(split)} records "
            f"(first: column {first}, row {plan.population_idx[first]} of x) are exact copies "
            "(the same features) of records that train other models: a copy OUT of a model "
            "its twin trains is a member there, so the attacks would understate the leak; "
            "give copies the same models (api.make_plan does), or deduplicate x"
        )
    copied = int((leaders[population:] < population).sum())
    if copied:
        log.warning(
            "observe_models: %d of the %d test records (plan.test_idx) are exact copies (the "
            "same features) of population records, which the models trained on as members: "
            "their test accuracy is overstated; draw the test set from rows that copy no "
            "population record (api.make_plan does), or deduplicate x",
            copied, len(plan.test_idx),
        )


def _check_plan(plan: MembershipPlan) -> MembershipPlan:
    """Refuse a plan built by hand whose fields `make_plan` never gives: indices that are no
    row numbers (floats were a raw IndexError, negatives took rows from the end), a record
    both in the population and the test set (the test accuracy measured on members), masks
    that are not one 0/1 row per model over the population. Returns the plan with those
    fields as arrays (lists of row numbers or of 0/1 rows were a raw AttributeError)."""
    fields = ("population_idx", "test_idx", "masks")
    _refuse_masked("observe_models", **{f"plan.{name}": getattr(plan, name) for name in fields})
    # (tensors as their values: masks on the meta device were a raw TypeError)
    given = {name: _array(getattr(plan, name), "observe_models", f"plan.{name}", ConfigError)
             for name in fields}  # fmt: skip
    for name in ("population_idx", "test_idx"):
        idx = np.asarray(given[name])
        # (timedelta64 passed as an integer: a raw TypeError deep in the queries)
        if idx.ndim != 1 or not (idx.dtype.kind in "iu" or idx.size == 0):
            raise ConfigError(
                f"observe_models: plan.{name} has shape {idx.shape} and dtype {idx.dtype}; "
                "give a 1-D array of integer row numbers of x (api.make_plan makes the plan)"
            )
        if idx.size and idx.min() < 0:
            raise ConfigError(f"observe_models: plan.{name} holds row {idx.min()}; row numbers "
                              "of x are >= 0")  # fmt: skip
        if idx.size and int(idx.max()) > np.iinfo(np.int64).max:
            raise ConfigError(f"observe_models: plan.{name} holds row {idx.max()}, beyond "
                              "any x; give row numbers of x (api.make_plan makes the "
                              "plan)")  # fmt: skip
    # (an empty float test_idx, np.array([]), made the rows used floats: a raw IndexError;
    # so did uint64 rows beside int64 ones, which numpy concatenates as floats)
    population, test = (np.asarray(given[name]).astype(np.int64, copy=False)
                        for name in ("population_idx", "test_idx"))  # fmt: skip
    if len(np.unique(population)) != len(population):
        raise ConfigError("observe_models: plan.population_idx names a row twice; give each "
                          "record once")  # fmt: skip
    both = np.intersect1d(population, test)
    if both.size:
        raise ConfigError(
            f"observe_models: plan.test_idx holds {both.size} rows of plan.population_idx "
            f"(first: row {both[0]}): the test set must be records no model trained on"
        )
    masks = np.asarray(given["masks"])
    if masks.ndim != 2 or masks.shape[1] != len(population) or not np.isin(masks, (0, 1)).all():
        raise ConfigError(
            f"observe_models: plan.masks has shape {masks.shape}: give [K, "
            f"{len(population)}] (one row per model over plan.population_idx) of 0/1 or "
            "True/False"
        )
    _check_plan_members(masks)
    # (as bool: 0/1 integer masks indexed rows 0 and 1 as the members of each model in the
    # one-answer accuracy of a randomized release, recorded as 2.01)
    return replace(plan, population_idx=population, test_idx=test, masks=masks.astype(bool))


def _check_plan_members(masks: np.ndarray) -> None:
    """Refuse masks [K, N] under which no attack can run, before the queries: no record, or
    records never IN or never OUT (masks all True, K=1), which `observations_from_arrays`
    refused once every model had been queried, naming itself and its ``masks``."""
    if not masks.shape[1]:
        raise ConfigError("observe_models: plan.population_idx is empty: no record to attack; "
                          "make the plan with api.make_plan(x, y, num_models=K)")  # fmt: skip
    members = masks.astype(bool)
    for word, bad, fix in (("never IN (a member of no model)", ~members.any(axis=0),
                            "train some model on it"),
                           ("never OUT (a member of every model)", members.all(axis=0),
                            "hold it out of some")):  # fmt: skip
        if bad.any():
            raise ConfigError(
                f"observe_models: plan.masks: {int(bad.sum())} of the {len(bad)} records "
                f"(first: column {int(np.flatnonzero(bad)[0])}) are {word}: an attack compares "
                f"a record's IN and OUT models; {fix} (api.make_plan puts each record in half "
                "of the models)"
            )


def _probe_models(models: Sequence[nn.Module], rows: np.ndarray) -> int:
    """Each module on two rows of x, in eval mode: logits [2, C], the same C for all; what
    fails here would fail deep inside the batched query. Returns C."""
    import torch

    batch = torch.as_tensor(rows)
    classes = None
    for k, model in enumerate(models):
        label = f"observe_models: models[{k}] ({type(model).__name__})"
        was_training = model.training
        weights = _parameter_digests(model)
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                model.eval()  # (not model.eval()(batch): a train() of one's own that
                out = model(batch)  # returns None was 'NoneType' object is not callable)
        except Exception as exc:
            said = f"{type(exc).__name__}: {str(exc)[:200]}"
            elsewhere = _off_cpu(model)
            if elsewhere:  # (said in torch's words only: 'Expected all tensors to be on the
                # same device', under 'it must take x's rows (on the CPU)')
                fix = ("load its weights first: tensors on the meta device hold no values "
                       "(model.to_empty(device='cpu'), then model.load_state_dict(...))"
                       if elsewhere == ["meta"] else
                       "pass copy.deepcopy(model).cpu() (model.cpu() moves yours), or a "
                       "module that moves its input to its own device")  # fmt: skip
                raise UnsupportedModelError(
                    f"{label} holds tensors on {', '.join(elsewhere)} and fails on 2 rows of "
                    f"x, which the queries give it on the CPU as mia-train's do ({said}); "
                    f"{fix}"
                ) from exc
            precision = _not_float32(model)
            # (model.double(): 'mat1 and mat2 must have the same dtype'; one that fails in its
            # own dtype too, on x's shape, was told to convert itself)
            if precision and _answers_in_own_dtype(model, batch):
                raise UnsupportedModelError(
                    f"{label} holds {precision} parameters and fails on 2 rows of x, which the "
                    f"queries give it in float32 as mia-train's do ({said}); pass "
                    "copy.deepcopy(model).float() (model.float() converts yours in place), "
                    "or a module that casts its input to its own dtype"
                ) from exc
            raise UnsupportedModelError(
                f"{label} fails on 2 rows of x (shape {list(batch.shape)}): {said}; it must "
                "take x's rows (on the CPU) and return logits [rows, C]"
            ) from exc
        finally:
            model.train(was_training)
        if batch._version:  # x's rows are views of one array: the next model got them changed
            raise UnsupportedModelError(
                f"{label} modifies its input in place (e.g. x.mul_(), x[...] = ..., an "
                "inplace=True first layer): every model queried after it would get the rows "
                "it changed, not x's; compute a new tensor instead (x = x * 2)"
            )
        _refuse_changed_parameters(label, model, weights)
        if not isinstance(out, torch.Tensor) or out.ndim != 2 or len(out) != len(batch):
            got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise UnsupportedModelError(
                f"{label} returns {got} for 2 rows of x, expected logits [2, C] (one per "
                f"class); {_logits_inside(out, len(batch))}"
            )
        if out.shape[1] == 1:  # (y's labels 1 were then told to lie in [0, 1))
            raise UnsupportedModelError(
                f"{label} returns one logit per row ([2, 1] for 2 rows of x): a softmax over "
                "one class is 1 for every record, so no attack could see a leak; return "
                "logits [rows, C], one per class (a binary classifier's score z as "
                "torch.cat([torch.zeros_like(z), z], dim=1))"
            )
        problem = logits_problem(out, softmax_hint=", or observe the outputs yourself and "
                                 "use api.observations_from_arrays(..., kind='probabilities')")
        if problem:
            raise UnsupportedModelError(f"{label} {problem}")
        if classes is None:
            classes = out.shape[1]
            if answers_at_random(model, batch.shape[1:]):  # (the first: K alike, as a rule)
                log.warning(RANDOM_ANSWERS, label)
        elif out.shape[1] != classes:
            raise UnsupportedModelError(
                f"{label} returns {out.shape[1]} classes, models[0] {classes}: the K models "
                "must share their output classes"
            )
    return int(classes or 0)


def _parameter_digests(model: nn.Module) -> dict[str, bytes]:
    """A digest of each parameter of ``model``, value for value (``.data.add_()`` included,
    which no version counter sees): what `_refuse_changed_parameters` compares."""
    import torch

    digests = {}
    for name, param in model.named_parameters():
        if param.is_meta:  # (no values: the probe refuses such a module)
            continue
        flat = param.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
        digests[name] = hashlib.blake2b(flat.numpy().tobytes(), digest_size=16).digest()
    return digests


def _refuse_changed_parameters(label: str, model: nn.Module, before: Mapping[str, bytes]) -> None:
    """An `UnsupportedModelError` for a module whose forward in eval mode changed one of its
    parameters (a test-time adaptation step, an update in forward): each query asked a model
    other than the one trained on its mask (9 steps of its bias by the queries of 4 models),
    warned of only as 'dropout or noise left on', and the caller's model was left changed.
    Buffers are not judged (a count of the calls changes no answer)."""
    after = _parameter_digests(model)
    changed = [name for name in after if before.get(name) != after[name]]
    if not changed:
        return
    raise UnsupportedModelError(
        f"{label} changes its parameters when it answers ({first_few(changed, 3)}: one forward "
        "on 2 rows of x in eval mode changed them, and they stay so): each query would ask "
        "another model than the one trained, and the figures would be of none of them; make "
        "its eval-mode forward leave its parameters as they are (adapt a copy, or only in "
        "training mode), and reload the trained weights, which that forward changed"
    )


def _answers_in_own_dtype(model: nn.Module, batch: Any) -> bool:
    """Whether ``model`` (in eval mode), failing on the float32 ``batch``, answers it cast to
    the dtype of its parameters that are not float32: then their precision is why it failed.
    A module that fails for another cause (x's shape; one that casts its input itself) was
    told to convert itself with copy.deepcopy(model).float()."""
    import torch

    dtype = next((p.dtype for p in model.parameters()
                  if p.is_floating_point() and p.dtype != torch.float32), None)  # fmt: skip
    if dtype is None:
        return False
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            model(batch.to(dtype))
    except Exception:
        return False
    return True


def _logits_inside(out: Any, rows: int) -> str:
    """What to pass for a module whose output wraps its logits: the tuple's item, the
    dict's key or the attribute (a Hugging Face output's ``.logits``) that holds a tensor
    [rows, C], as a module returning it; a tuple was refused without a word of what to do."""
    import torch

    def logits(value: Any) -> bool:
        return isinstance(value, torch.Tensor) and value.ndim == 2 and len(value) == rows

    if isinstance(out, (tuple, list)):
        found = [f"model(x)[{i}]" for i, item in enumerate(out) if logits(item)]
    elif isinstance(out, Mapping):
        found = [f"model(x)[{key!r}]" for key, item in out.items() if logits(item)]
    else:
        found = [f"model(x).{name}" for name in ("logits",) if logits(getattr(out, name, None))]
    where = f"its logits are likely {' or '.join(found[:3])}: pass " if found else "pass "
    return (f"{where}a module whose forward returns the logits [rows, C] alone (wrap yours: "
            f"class Logits(nn.Module) whose forward returns {found[0] if found else 'them'})")


def _off_cpu(model: nn.Module) -> list[str]:
    """The devices other than the CPU that ``model``'s parameters and buffers are on
    (``['cuda:0']``, ``['meta']``), sorted; empty for a model on the CPU."""
    tensors = [*model.parameters(), *model.buffers()]
    return sorted({str(t.device) for t in tensors} - {"cpu"})


def _not_float32(model: nn.Module) -> str:
    """The floating dtypes of ``model``'s parameters other than float32 (``float64``), or
    ``""``: the queries give a module x in float32, as mia-train's do."""
    import torch

    kinds = {p.dtype for p in model.parameters() if p.is_floating_point()} - {torch.float32}
    return ", ".join(sorted(str(kind).removeprefix("torch.") for kind in kinds))


def _query_config(
    overrides: Sequence[str], *, num_augmented: int, repeats: int | None, seed: int
) -> QueryConfig:
    """The attack config's ``attack.queries`` (as mia-train reads it, with ``overrides``),
    the arguments given in place of its ``num_augmented`` and ``repeats``."""
    from mia_defense.config import build_dataclass, noise_std_problems
    from mia_defense.queries import MAX_REPEATS

    as_integer(num_augmented, key="observe_models: num_augmented", low=0)
    as_integer(seed, key="observe_models: seed", low=0)
    _refuse_big_seed("observe_models", seed)
    if repeats is not None:
        as_integer(repeats, key="observe_models: repeats", low=1, high=MAX_REPEATS)
    arguments = {"attack.queries.num_augmented": "num_augmented", "attack.white_box": "white_box"}
    # (a generator was used up by the check: its repeats=2 silently dropped, 16 asked)
    overrides = check_overrides(overrides)
    for override in overrides:  # (the argument, 0 or False, won unseen)
        key, _, value = override.lstrip("+~").partition("=")
        if key.strip() in arguments:
            name, said = arguments[key.strip()], value.strip() or "..."
            said = {"true": "True", "false": "False"}.get(said.lower(), said)
            raise ConfigError(
                f"observe_models: overrides: {override!r}: {name}= is an argument of "
                f"observe_models, which wins over the override; give {name}={said} instead"
            )
    cfg = attack_config(overrides, seed=seed)
    check_attack_config(cfg, overrides)
    for override in overrides:  # (attack.bootstrap=5 here did nothing, without a word)
        key = override.lstrip("+~").partition("=")[0].strip()
        if key != "attack.queries" and not key.startswith("attack.queries."):
            raise ConfigError(
                f"observe_models: overrides: {override!r}: observe_models reads the "
                "attack.queries settings only (how the models are asked), so it would do "
                "nothing here; the attacks' other settings are api.audit's: "
                f"api.audit(obs, overrides=[{override!r}])"
            )
    queries = build_dataclass(QueryConfig, cfg.attack.get("queries"), key="attack.queries")
    too_noisy = noise_std_problems(queries.noise_std, num_augmented)  # (blamed the model)
    if too_noisy:
        raise ConfigError(f"observe_models: overrides: {too_noisy[0]}")
    return replace(queries, num_augmented=num_augmented,
                   repeats=queries.repeats if repeats is None else repeats)  # fmt: skip
