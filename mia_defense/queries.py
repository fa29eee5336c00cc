"""How the models are queried for the observations: perturbed copies of the population
(augmented queries) and repeats of a randomized release's queries, with the limits that keep
a run's release work bounded."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from mia_defense.errors import ConfigError

__all__ = [
    "MAX_RELEASE_QUERIES",
    "MAX_REPEATS",
    "QueryConfig",
    "check_image_shifts",
    "check_release_queries",
    "warn_unperturbed_copies",
    "warn_unused_repeats",
]

log = logging.getLogger(__name__)

# Repeats of one query beyond which averaging gains nothing a run could measure (the
# noise's std shrinks as 1/sqrt(repeats)); also bounds the release work.
MAX_REPEATS = 1024
# Released answers one run may ask of its models (K models x N population records x (1 +
# num_augmented) queries each x repeats, for a randomized release): some 4·10^5 a second
# on two CPU cores (digits), so 10^10 is about 7 hours; the defaults ask 16 x 1000 x 9 x 16
# = 2.3e6, LiRA's scale (256 models x 50,000 records x 9 queries x 16 repeats) 1.8e9.
# attack.queries.num_augmented=1000 with repeats=1024 asked 1.6e10: half a day of release
# work before any attack. (10^8 refused LiRA's 256 models on a 50,000-record population
# with the default 8 augmented queries.)
MAX_RELEASE_QUERIES = 10**10
# Released answers a second, for the rough time `check_release_queries` says: measured
# (h444) on two CPU cores, digits' MLP, release=label_only, K=2, N=1000: num_augmented=2000
# (4e6 answers) took 8.6 s more than num_augmented=0, about 4.6e5 a second (a larger model,
# or an accelerator, changes it: the time said is rough).
ANSWERS_PER_SECOND = 4e5
# The estimate from which the number of answers is said (INFO; below it nothing, as the
# default run: 16 x 1000 x 9 answers, well under a second), and from which it is a WARNING
# naming the keys to lower.
SAY_ANSWERS_FROM_S = 60.0
WARN_ANSWERS_FROM_S = 300.0


@dataclass(frozen=True)
class QueryConfig:
    """How the models are queried on perturbed copies of the population (augmented queries).

    Attributes:
        num_augmented: A perturbed copies per sample (0 = none).
        noise_std: Gaussian noise, in units of each feature's standard deviation
            (flat/tabular inputs; images get it too when ``max_shift`` is 0 and not ``flip``).
        max_shift: images [C, H, W]: random translations of up to this many pixels.
        flip: images: every other copy is mirrored horizontally.
        repeats: how often the attacker asks each query of a randomized release
            (``release=noise``), on the population and on its perturbed copies alike: the
            observations hold the mean of the released probabilities, as an attacker who
            repeats a query averages the noise away.
            Deterministic releases answer the same every time: asked once.
    """

    num_augmented: int = 0
    noise_std: float = 0.1
    max_shift: int = 1
    flip: bool = False
    repeats: int = 1

    def __post_init__(self) -> None:
        if self.num_augmented < 0 or self.noise_std < 0 or self.max_shift < 0:
            raise ConfigError(
                f"attack.queries={self}: num_augmented, noise_std and max_shift must be >= 0"
            )
        if not 1 <= self.repeats <= MAX_REPEATS:
            raise ConfigError(
                f"attack.queries.repeats={self.repeats}: must lie in [1, {MAX_REPEATS}]"
            )


    def shifts_images(self, sample_shape: tuple[int, ...]) -> bool:
        """Whether the perturbed copies of samples of ``sample_shape`` are shifted or flipped
        images [C, H, W]; else they get feature noise (`mia_defense.observe.perturbed_copies`)."""
        return len(sample_shape) == 3 and (self.max_shift > 0 or self.flip)


def warn_unperturbed_copies(
    queries: QueryConfig, sample_shape: tuple[int, ...], *,
    copies: str = "attack.queries.num_augmented", overrides: Sequence[str] = (),
) -> None:
    """Warn, before any model is trained or queried, of perturbed copies that would be the
    record itself: feature noise of ``noise_std=0`` (flat samples, or images neither shifted
    nor flipped). The label-only attack then reads the record's own label (the gap attack)
    and augmented LiRA its own outputs again, the augmented queries asked for nothing;
    ``copies`` names the setting of their number (``observe_models``: its argument). Also
    a ``flip`` asked of flat samples, which have no side to mirror: it was dropped unsaid
    (release=label_only attack.queries.flip=true on digits' 64 features); and so a
    ``max_shift`` given for them (attack.queries.max_shift=3 on digits' 64 features): given
    where it differs from the default (1) or ``overrides`` (the command line's, the API's)
    set it, as its default cannot be told from a typed 1 otherwise. And a ``noise_std``
    above 0 given for images that are shifted or flipped, whose copies get no noise
    (dataset=digits_images attack.queries.noise_std=0.9 ran as at 0.3): given where it
    differs from the packaged attack config's (0.3) or ``overrides`` set it. And images
    flipped but not shifted (max_shift=0, flip=true), whose unflipped copies, every other
    one, are the record itself."""
    if queries.num_augmented and len(sample_shape) != 3 and (
        queries.max_shift != QueryConfig.max_shift
        or any(_sets("max_shift", override) for override in overrides)
    ):
        log.warning(
            "attack.queries.max_shift=%d: the samples are flat (shape %s), not images "
            "[C, H, W], so there is nothing to shift and it is ignored: their perturbed "
            "copies get feature noise alone (attack.queries.noise_std=%g); drop it",
            queries.max_shift, list(sample_shape), queries.noise_std,
        )  # fmt: skip
    if queries.num_augmented and queries.flip and len(sample_shape) != 3:
        log.warning(
            "attack.queries.flip=true: the samples are flat (shape %s), not images [C, H, W], "
            "so there is nothing to mirror and it is ignored: their perturbed copies get "
            "feature noise alone (attack.queries.noise_std=%g); drop it", list(sample_shape),
            queries.noise_std,
        )  # fmt: skip
    if queries.num_augmented and queries.noise_std and queries.shifts_images(sample_shape) and (
        any(_sets("noise_std", override) for override in overrides)
        or queries.noise_std != _packaged("noise_std")
    ):
        how = ("flipped" if not queries.max_shift else
               "shifted" if not queries.flip else "shifted or flipped")  # fmt: skip
        log.warning(
            "attack.queries.noise_std=%g: the perturbed copies of these images (shape %s) are "
            "%s (attack.queries.max_shift=%d, flip=%s), not given feature noise, so it is "
            "ignored; drop it, or set attack.queries.max_shift=0 and flip=false for copies "
            "with noise", queries.noise_std, list(sample_shape), how, queries.max_shift,
            str(queries.flip).lower(),
        )  # fmt: skip
    if (queries.num_augmented > 1 and queries.flip and not queries.max_shift
            and len(sample_shape) == 3):  # (the copies a flip leaves: a % 2 == 1)
        log.warning(
            "attack.queries.flip=true with max_shift=0: only every other perturbed copy of "
            "the images is mirrored, and the others (%d of %s=%d) are neither shifted nor "
            "flipped, so each is the record itself: those queries ask its own outputs again; "
            "set attack.queries.max_shift above 0 (1 by default) to shift every copy",
            queries.num_augmented // 2, copies, queries.num_augmented,
        )  # fmt: skip
    if not queries.num_augmented or queries.noise_std or queries.shifts_images(sample_shape):
        return
    samples = ("images neither shifted nor flipped (attack.queries.max_shift=0, flip=false)"
               if len(sample_shape) == 3 else "flat samples")  # fmt: skip
    log.warning(
        "attack.queries.noise_std=0 with %s=%d: the perturbed copies of %s get feature noise "
        "alone, so each copy is the record itself: the label-only attack falls back on the "
        "gap attack and augmented LiRA reads the record's own outputs again; set "
        "attack.queries.noise_std above 0 (0.3 by default), or %s=0", copies,
        queries.num_augmented, samples, copies,
    )  # fmt: skip


def _sets(name: str, override: str) -> bool:
    """Whether the override ``override`` sets attack.queries.``name`` (itself, or the
    attack.queries mapping with ``name`` in it)."""
    if str(override).startswith("~"):  # (deleted: not given)
        return False
    key, _, value = str(override).lstrip("+").partition("=")
    key = key.strip()
    return key == f"attack.queries.{name}" or (key == "attack.queries" and name in value)


def _packaged(name: str) -> object:
    """attack.queries.``name`` of the packaged attack config (mia-train's and the API's
    untouched value; the dataclass's own default may be another)."""
    from mia_defense.config_keys import packaged_setting

    return packaged_setting("attack", "default", ["queries", name])


def warn_unused_repeats(
    queries: QueryConfig, *, randomized: bool, overrides: Sequence[str] = (),
    typed: bool = False, key: str = "attack.queries.repeats",
) -> None:
    """Warn, before any model is trained or queried, of repeats given for a deterministic
    release, which is asked each query once: mia-train release=label_only
    attack.queries.repeats=64 ran as at 16, unsaid. Given where ``typed`` (the API's
    ``repeats`` argument), ``overrides`` set it, or it differs from the packaged config's
    (16); ``key`` names it. 1 is what such a release is asked: nothing said."""
    given = typed or any(_sets("repeats", override) for override in overrides)
    if randomized or queries.repeats == 1 or not (given
                                                  or queries.repeats != _packaged("repeats")):
        return
    log.warning(
        "%s=%d: the release is deterministic (it answers a query the same every time), so "
        "each query is asked once and the repeats are ignored; drop it (it applies to a "
        "randomized release, release=noise)", key, queries.repeats,
    )  # fmt: skip


def check_image_shifts(queries: QueryConfig, sample_shape: tuple[int, ...]) -> None:
    """Refuse, before any model is trained or queried, an ``attack.queries.max_shift`` past
    half the side of the images [C, H, W] it translates: 100 on 8x8 images made most
    augmented copies blank, silently (the augmented attacks scored on nothing of the
    records), and 2**63 stopped the run after training with numpy's 'high is out of bounds
    for int64'. Flat samples are not shifted (their copies get noise): any value passes.

    Raises:
        ConfigError: naming the key, the images' size, the largest shift and what to do.
    """
    if not (queries.num_augmented and queries.max_shift and len(sample_shape) == 3):
        return
    height, width = sample_shape[1:]
    largest = max(min(height, width) // 2, 1)
    if queries.max_shift <= largest:
        return
    raise ConfigError(
        f"attack.queries.max_shift={queries.max_shift}: more than half the side of the "
        f"{height}x{width} images it shifts (at most {largest}); so far a shift moves most of "
        "an image out of its perturbed copy (all of it from a whole side on), and the "
        "augmented queries ask about nothing of the record; lower it (LiRA shifts 32x32 "
        "images by up to 4) or set attack.queries.num_augmented=0"
    )


def check_release_queries(
    queries: QueryConfig, *, randomized: bool, models: int, records: int
) -> None:
    """Refuse, before any model is trained or queried, augmented queries and repeats that
    ask the release more than `MAX_RELEASE_QUERIES` answers (a deterministic release is
    asked each query once: its repeats count once).

    Raises:
        ConfigError: naming the keys, the count and what to lower.
    """
    repeats = queries.repeats if randomized else 1
    per_record = (1 + queries.num_augmented) * repeats
    total = models * records * per_record
    keys = f"attack.queries.num_augmented={queries.num_augmented}"
    if randomized and queries.repeats > 1:
        keys += f" and attack.queries.repeats={queries.repeats} (a randomized release)"
    if total <= MAX_RELEASE_QUERIES or per_record == 1:
        _say_release_answers(keys, total, models=models, records=records,
                             per_record=per_record)  # fmt: skip
        return
    raise ConfigError(
        f"{keys} ask the release {total:.2g} queries ({models} models x {records} population "
        f"records x (1 + {queries.num_augmented}) queries x {repeats} repeats), over the "
        f"{MAX_RELEASE_QUERIES:.0e} a run may ask (hours of release work on a CPU before "
        "any attack); "
        "lower attack.queries.num_augmented (default 8) or attack.queries.repeats (default "
        "16) so that (1 + num_augmented) x repeats is at most "
        f"{max(MAX_RELEASE_QUERIES // (models * records), 1)}, or plan.num_models or "
        "plan.population_size"
    )


def _say_release_answers(keys: str, total: int, *, models: int, records: int,
                         per_record: int) -> None:
    """One line, before the release is asked, of how many answers it gives and about how
    long that takes (`ANSWERS_PER_SECOND`), where that is a minute or more: a run of
    release=label_only attack.queries.num_augmented=100000 (K=2, digits: 2e8 answers) worked
    for over ten minutes unsaid under progress=false. From `WARN_ANSWERS_FROM_S` on, a
    WARNING naming the keys to lower."""
    seconds = total / ANSWERS_PER_SECOND
    if seconds < SAY_ANSWERS_FROM_S:
        return
    minutes = seconds / 60
    took = (f"about {minutes:.0f} minute(s)" if minutes < 120 else
            f"about {minutes / 60:.1f} hours")  # fmt: skip
    said = (f"{keys}: the release is asked {total:.2g} answers ({models} models x {records} "
            f"population records x {per_record} queries each), {took} at some "
            f"{ANSWERS_PER_SECOND:.0e} a second (two CPU cores, a small model; rough)")
    if seconds < WARN_ANSWERS_FROM_S:
        log.info("%s", said)
        return
    log.warning("%s; to wait less, lower attack.queries.num_augmented (default 8)%s, "
                "plan.num_models or plan.population_size", said,
                " or attack.queries.repeats (default 16)" if "repeats" in keys else "")
