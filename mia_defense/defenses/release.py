"""Output defenses: what a querier of the model gets to see.

Every mechanism maps logits [..., C] to released log-probabilities, ``-inf`` where a
probability is withheld or zero, so attacks and the utility metrics read one format.
"""

from __future__ import annotations

import copy
import logging
import math
import traceback
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from mia_defense.defenses.values import (
    check_finite,
    check_fits_float,
    check_flag,
    check_integer,
    check_number,
    name_problem,
)
from mia_defense.errors import ConfigError, DivergedError, MiaDefenseError, first_line
from mia_defense.observations import normalisation_problems

__all__ = [
    "FullRelease",
    "LabelOnlyRelease",
    "NoiseRelease",
    "Release",
    "RoundingRelease",
    "TemperatureRelease",
    "TopKRelease",
    "attacker_view_of",
    "check_released",
    "probe_release",
    "release_idle",
    "release_name_problem",
]


class Release:
    """Turns a model's logits [..., C] into the released output, as log-probabilities.

    Released outputs are always log-probabilities (``-inf`` where a probability is
    withheld or zero), so every attack reads one format whatever the mechanism.
    """

    name: str = "full"
    # Whether the same query may get another answer (fresh noise): an attacker then asks
    # it again and averages (attack.queries.repeats).
    randomized: bool = False

    def hparams(self) -> dict[str, Any]:
        """The mechanism's settings, flat, for results and TensorBoard hparams."""
        return {}

    def check(self, *, num_classes: int) -> None:
        """Refuse settings that make no sense for ``num_classes`` classes (before training)."""

    def idle_reason(self, *, num_classes: int) -> str | None:
        """Why this release, at its settings, lets out the outputs unchanged on
        ``num_classes`` classes (a full release under another name), or ``None``: results.json
        records it among the run's defenses that did not act (`release_idle`), so that
        mia-report and TensorBoard read the run with care and do not rank it as the release
        it is named after."""
        return None

    def __call__(
        self, logits: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        return torch.log_softmax(logits.float(), dim=-1)

    def attacker_view(self, log_probs: torch.Tensor) -> torch.Tensor:
        """What an attacker who knows this release's settings (results.json records them)
        reads of its released log-probabilities [..., C], the same shape: the released
        outputs themselves unless the release can be undone (`TemperatureRelease`). The
        adaptive attacker attacks what the outputs let out, not their disguise: the
        observations (observations.npz, every attack, the released utility) hold this view,
        taken once per model where the outputs are observed (`mia_defense.observe`)."""
        return log_probs


class FullRelease(Release):
    """The full probability vector (no output defense)."""


class TopKRelease(Release):
    """Only the ``k`` largest probabilities; the others are withheld (``-inf``).

    With ``renormalize`` the kept probabilities are rescaled to sum to 1 (a querier
    cannot tell how much mass was dropped); otherwise they keep their values. Among tied
    probabilities the lowest classes are kept, so k=1 answers argmax's label.
    """

    name = "topk"

    def __init__(self, *, k: int = 1, renormalize: bool = False) -> None:
        check_integer("release.k", k)
        check_flag("release.renormalize", renormalize)
        if k < 1:
            raise ConfigError(f"release.k={k}: must be >= 1")
        self.k = int(k)
        self.renormalize = bool(renormalize)

    def hparams(self) -> dict[str, Any]:
        return {"k": self.k, "renormalize": self.renormalize}

    def check(self, *, num_classes: int) -> None:
        if self.k > num_classes:
            raise ConfigError(
                f"release.k={self.k}: larger than the dataset's {num_classes} classes; "
                f"choose k in [1, {num_classes}]"
            )
        reason = self.idle_reason(num_classes=num_classes)
        if reason is not None:
            log.warning("%s", reason)

    def idle_reason(self, *, num_classes: int) -> str | None:
        """A k that keeps every class, or all but one whose value the others give away."""
        if self.k >= num_classes:  # (a sweep of release.k=1,2,5,10 on 10 classes)
            return (f"release.k={self.k}: keeps all of the dataset's {num_classes} classes, so "
                    "the outputs are released unchanged (renormalised or not), a full release "
                    f"under another name; choose release.k in [1, {num_classes - 1}] to "
                    "withhold anything")
        if self.k == num_classes - 1 and not self.renormalize:
            # The kept probabilities keep their values, so the one withheld is 1 minus their
            # sum: release=topk (k=1) on a binary dataset is the full vector.
            choose = (f"choose release.k in [1, {num_classes - 2}] or set "
                      "release.renormalize=true" if num_classes > 2 else
                      "set release.renormalize=true (the label alone)")  # fmt: skip
            return (f"release.k={self.k} with release.renormalize=false on the dataset's "
                    f"{num_classes} classes: the one withheld probability is 1 minus the sum of "
                    "those released, so a querier reads the whole vector (up to float32 "
                    f"rounding), a full release under another name; {choose} to withhold "
                    "anything")
        return None

    def __call__(
        self, logits: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        k = min(self.k, log_probs.shape[-1])
        # Tied probabilities: the lowest classes first, as argmax (and release=label_only)
        # answers; topk's pick among ties depends on C and the device (k=1 on a tie of
        # classes 3 and 7 of 10 released 7, where label_only answered 3).
        top = log_probs.sort(dim=-1, descending=True, stable=True).indices[..., :k]
        out = torch.full_like(log_probs, -math.inf).scatter(-1, top, log_probs.gather(-1, top))
        return torch.log_softmax(out, dim=-1) if self.renormalize else out


log = logging.getLogger(__name__)

MAX_DECIMALS = 300
# float32 (the released outputs) keeps ~7 significant digits: rounding a probability to
# more decimals moves it by less than its own float32 rounding (measured: 2e-8 at 8 or more).
FLOAT32_DECIMALS = 7
MAX_NOISE_SCALE = 1e6


class RoundingRelease(Release):
    """Probabilities rounded to ``decimals`` places (those rounded to 0 become ``-inf``).

    An output whose every probability rounds to 0 (an unsure model at few decimals: at
    ``decimals=0``, any top probability below 0.5) keeps its top class at ``10^-decimals``,
    the smallest value the rounding can show, so that every query is answered with a label.
    """

    name = "rounding"

    def __init__(self, *, decimals: int = 2) -> None:
        check_integer("release.decimals", decimals)
        if decimals < 0:
            raise ConfigError(f"release.decimals={decimals}: must be >= 0")
        if decimals > MAX_DECIMALS:
            raise ConfigError(
                f"release.decimals={decimals}: must be <= {MAX_DECIMALS} (the probabilities are"
                " scaled by 10^decimals in float64, which overflows beyond)"
            )
        self.decimals = int(decimals)

    def hparams(self) -> dict[str, Any]:
        return {"decimals": self.decimals}

    def check(self, *, num_classes: int) -> None:
        """Say that more decimals than float32 keeps release the outputs unchanged: a
        full release reported under the rounding defense's name."""
        reason = self.idle_reason(num_classes=num_classes)
        if reason is not None:
            log.warning("%s", reason)

    def idle_reason(self, *, num_classes: int) -> str | None:
        """More decimals than float32 keeps."""
        if self.decimals <= FLOAT32_DECIMALS:
            return None
        return (f"release.decimals={self.decimals}: releases the outputs unchanged (float32 "
                f"keeps ~7 significant digits; only probabilities below 1e-{self.decimals} "
                "become 0), a full release under another name; choose release.decimals in "
                f"[0, {FLOAT32_DECIMALS}] to round anything")

    def __call__(
        self, logits: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        probs = torch.softmax(logits.double(), dim=-1)
        rounded = torch.round(probs, decimals=self.decimals)
        top = torch.zeros_like(probs).scatter(
            -1, probs.argmax(dim=-1, keepdim=True), 10.0**-self.decimals
        )
        # (NaN rows stay NaN: a diverged model must not pass for one that answers a label)
        answered = (rounded > 0) | torch.isnan(probs)
        rounded = torch.where(answered.any(dim=-1, keepdim=True), rounded, top)
        return torch.log(rounded).float()


class LabelOnlyRelease(Release):
    """Only the predicted label: a one-hot (log 1 = 0 at the argmax, ``-inf`` elsewhere)."""

    name = "label_only"

    def __call__(
        self, logits: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        out = torch.full(logits.shape, -math.inf, dtype=torch.float32, device=logits.device)
        out = out.scatter(-1, logits.argmax(dim=-1, keepdim=True), 0.0)
        # A row the full release gives as NaN (NaN or +inf logits: a diverged model) stays
        # NaN: argmax would answer the NaN's class and the run would pass for a sound one.
        broken = torch.isnan(torch.log_softmax(logits.float(), dim=-1)).any(-1, keepdim=True)
        return out.masked_fill(broken, math.nan)


class NoiseRelease(Release):
    """Probabilities plus fresh noise on every query, clipped at 0 and renormalised.

    ``distribution`` is ``gaussian`` (standard deviation ``scale``) or ``laplace``
    (scale ``scale``). Noise is drawn per query, so an attacker who may repeat a query
    can average it away; the evaluation's attacker asks each query
    ``attack.queries.repeats`` times and averages, and the run's figures hold for that many
    queries only (results.json's ``privacy.randomized_release_repeats``).
    """

    name = "noise"
    randomized = True

    def __init__(self, *, scale: float = 0.05, distribution: str = "gaussian") -> None:
        check_number("release.scale", scale)
        if not scale >= 0:
            raise ConfigError(f"release.scale={scale}: must be >= 0")
        check_fits_float("release.scale", scale)
        if scale > MAX_NOISE_SCALE:
            raise ConfigError(
                f"release.scale={scale:g}: must be <= {MAX_NOISE_SCALE:g} (noise a million times"
                " a probability already drowns it; float64 overflows far beyond)"
            )
        if distribution not in ("gaussian", "laplace"):
            raise ConfigError(
                f"release.distribution={distribution!r}: choose from ('gaussian', 'laplace')"
            )
        self.scale = float(scale)
        self.distribution = distribution

    def hparams(self) -> dict[str, Any]:
        return {"scale": self.scale, "distribution": self.distribution}

    def check(self, *, num_classes: int) -> None:
        """Say that no noise releases the outputs unchanged, as `RoundingRelease` does; so
        does a noise too small to move them (`perturbs`: release.scale=1e-30 released the
        full outputs bit for bit, unsaid, reported as the noise defense)."""
        reason = self.idle_reason(num_classes=num_classes)
        if reason is not None:
            log.warning("%s", reason)

    def idle_reason(self, *, num_classes: int) -> str | None:
        """No noise, or one too small to move the outputs (`perturbs`)."""
        if self.scale == 0:
            return ("release.scale=0: adds no noise, so the outputs are released unchanged, a "
                    "full release under another name; choose release.scale > 0 to perturb them")
        if self.perturbs(num_classes):
            return None
        larger = (10.0**e for e in range(math.floor(math.log10(self.scale)) + 1, 1))
        least = next((s for s in larger if self._moves(num_classes, s)), 1.0)
        return (f"release.scale={self.scale:g}: its noise is lost in the float32 rounding of "
                "the released log-probabilities (on random logits they are those of "
                "release.scale=0, bit for bit), so the outputs are released unchanged, a full "
                f"release under another name; choose release.scale >= {least:g} to perturb them")

    def perturbs(self, num_classes: int) -> bool:
        """Whether the noise changes the released outputs of random logits [64, C] at all
        (float32 keeps ~7 significant digits of a log-probability)."""
        return self._moves(num_classes, self.scale)

    def _moves(self, num_classes: int, scale: float) -> bool:
        logits = 3 * torch.randn(64, num_classes, generator=torch.Generator().manual_seed(0))
        noisy, quiet = copy.copy(self), copy.copy(self)  # (a subclass's own __call__)
        noisy.scale, quiet.scale = scale, 0.0
        with torch.no_grad():
            return not torch.equal(noisy(logits, torch.Generator().manual_seed(0)),
                                   quiet(logits, torch.Generator().manual_seed(0)))

    def __call__(
        self, logits: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        probs = torch.softmax(logits.double(), dim=-1)
        shape, device = probs.shape, probs.device
        if self.distribution == "gaussian":
            noise = torch.randn(shape, generator=generator, dtype=probs.dtype, device=device)
        else:  # Laplace = difference of two unit exponentials
            e = torch.empty((2, *shape), dtype=probs.dtype, device=device)
            e.exponential_(generator=generator)
            noise = e[0] - e[1]
        noisy = (probs + self.scale * noise).clamp(min=0.0)
        total = noisy.sum(dim=-1, keepdim=True)
        # all classes clipped to 0 (huge noise): release the uniform vector; a NaN row (a
        # diverged model) stays NaN, never the uniform vector of a sound but unsure one
        kept = (total > 0) | torch.isnan(total)
        noisy = torch.where(kept, noisy / total.clamp(min=1e-300), 1.0 / shape[-1])
        return torch.log(noisy).float()


class TemperatureRelease(Release):
    """Softmax at ``temperature`` (> 1 flattens, < 1 sharpens). The argmax is unchanged
    but where a very large temperature (about 1e6 and up) makes close classes tie in
    float32: the released accuracy, measured on the released outputs, then says so.

    Whoever knows the temperature undoes it (`undone`): the attacks read the outputs so
    undone (`attacker_view`), and the run is attacked as the full release it is.
    """

    name = "temperature"

    def __init__(self, *, temperature: float = 2.0) -> None:
        check_number("release.temperature", temperature)
        if not temperature > 0:
            raise ConfigError(f"release.temperature={temperature}: must be > 0")
        check_finite("release.temperature", temperature)
        self.temperature = float(temperature)

    def hparams(self) -> dict[str, Any]:
        return {"temperature": self.temperature}

    def check(self, *, num_classes: int) -> None:
        """Say that a temperature of 1 releases the outputs unchanged, and that any other
        one an attacker undoes (`undone`): the attacks read the outputs undone
        (`attacker_view`), so the run's figures are the full release's (`idle_reason`)."""
        reason = self.idle_reason(num_classes=num_classes)
        if reason is not None:
            log.warning("%s", reason)
        elif self.undone(num_classes) and self._overflows(num_classes):
            log.warning(
                "release.temperature=%g: so small that the log-probabilities of the classes "
                "far below the top overflow float32 (-inf, as if withheld), while the others "
                "are the model's own divided by the temperature: whoever knows it (an "
                "adaptive attacker, as the shadow models assume; results.json records it) "
                "undoes them, log_softmax(%g · released) being the model's own "
                "log-probabilities of the classes near the top, renormalised; the attacks "
                "read them undone, as a top-k release of those classes; to withhold anything "
                "on purpose use release=topk, rounding, label_only or noise",
                self.temperature, self.temperature,
            )

    def idle_reason(self, *, num_classes: int) -> str | None:
        """A temperature of 1 (the model's own softmax, bit for bit), or one the attacker
        undoes to the whole vector (`undone`, no class overflowing to -inf): the attacks and
        the released utility read the outputs undone (`attacker_view`), so the run's figures
        are the full release's. Not a temperature so small that classes overflow (a top-k
        of those near the top) or so large that close classes tie (neither undone)."""
        if self.temperature == 1:
            return ("release.temperature=1: the softmax at temperature 1 is the model's own, so "
                    "the outputs are released unchanged, a full release under another name; "
                    "choose another release.temperature (> 1 flattens them)")
        if not self.undone(num_classes) or self._overflows(num_classes):
            return None
        t = f"{self.temperature:g}"
        return (f"release.temperature={t}: whoever knows the temperature (an adaptive "
                f"attacker, as the shadow models assume; results.json records it) undoes it, "
                f"log_softmax({t} · released) being the model's own log-probabilities, so the "
                "outputs are the full vector, a full release under another name; the attacks "
                "read them undone, so the run is attacked as the full release it is (its "
                "privacy figures are those of the same models' full release); to withhold "
                "anything use release=topk, rounding, label_only or noise")

    def undone(self, num_classes: int) -> bool:
        """Whether log_softmax(temperature · released) gives back the model's own
        log-probabilities (within 0.01) on random logits: true but where float32 ties close
        classes (a temperature of about 1e6 and up) or a tiny one leaves the label alone.
        Below about 1e-37 the classes far below the top overflow to -inf (`_overflows`): the
        others' gaps to the top are still the model's, divided by the temperature, and are
        undone (release.temperature=1e-38 read as released took RMIA's TPR at 0.1% FPR from
        the full release's 0.017 to 0.003, unsaid; digits, K=8, 20 epochs)."""
        logits = 3 * torch.randn(64, num_classes, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            released = self(logits).double()
        back = torch.log_softmax(self.temperature * released, dim=-1)
        own = torch.log_softmax(logits.double(), dim=-1)
        kept = torch.isfinite(back)
        if not bool(kept.all()):  # overflowed classes: compare the others' gaps to the top
            if not bool(kept.any(-1).all()) or int(kept.sum()) <= len(kept):
                return False  # (a row withholds all, or the label alone is let out)
            own = own - own.max(-1, keepdim=True).values
            back = back - back.max(-1, keepdim=True).values
        return float((back - own)[kept].abs().max()) < 1e-2

    def _overflows(self, num_classes: int) -> bool:
        """Whether the release withholds (-inf) some classes of random logits: a temperature
        so small that their log-probabilities overflow float32."""
        logits = 3 * torch.randn(64, num_classes, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            return bool(torch.isneginf(self(logits)).any())

    def attacker_view(self, log_probs: torch.Tensor) -> torch.Tensor:
        """log_softmax(temperature · released) [..., C]: the model's own log-probabilities,
        which an attacker who knows the temperature recovers, where `undone` holds. At a
        temperature of 1, or one float32 cannot undo (classes tied, the label alone), the
        outputs as released. NaN stays NaN (a diverged model's rows are refused as such)."""
        if self.temperature == 1 or not self.undone(log_probs.shape[-1]):
            return log_probs
        return torch.log_softmax(self.temperature * log_probs.double(), dim=-1).float()

    def __call__(
        self, logits: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        scaled = logits.float() / self.temperature
        if not bool(torch.isfinite(scaled).all()) and bool(torch.isfinite(logits).all()):
            scaled = logits.double() / self.temperature  # a tiny temperature overflows float32
            if not bool(torch.isfinite(scaled).all()):  # and float64 (below about 1e-308)
                top = F.one_hot(logits.argmax(-1), logits.shape[-1]).bool()
                return torch.zeros_like(logits, dtype=torch.float32).masked_fill(~top, -math.inf)
        return torch.log_softmax(scaled, dim=-1).float()


# Above 0 by more than float32's rounding of log(1): no log-probability.
_ABOVE_ZERO = 1e-5


def check_released(
    log_probs: np.ndarray, *, what: str, release: Release | None = None, logits: bool = False
) -> None:
    """Released log-probabilities must be finite or -inf (a withheld value), never NaN/+inf,
    and every row must release at least one finite value (the packaged releases always
    let a class through, so such a row comes from the models' numbers or from ``release``);
    none may lie above 0, which no log-probability does (a release of your own that returns
    probabilities or logits: the attacks read them as log-probabilities). ``logits``: the
    values are the true-class logits of perturbed queries, of any sign."""
    name = f"release={release.name}" if release is not None else "the release"
    if np.isnan(log_probs).any() or np.isposinf(log_probs).any():
        raise DivergedError(f"the released outputs on the {what} contain NaN or +inf")
    if not np.isfinite(log_probs).any(axis=-1).all():
        raise DivergedError(
            f"a released output on the {what} withholds every class ({name} must let at "
            "least one class through to every query)"
        )
    if not logits and log_probs.size and float(log_probs.max()) > _ABOVE_ZERO:
        kind = "" if release is None else f" ({type(release).__qualname__})"
        raise ConfigError(
            f"{name}{kind}: its outputs on the {what} hold values above 0 (up to "
            f"{float(log_probs.max()):.3g}), which no log-probability is: a release must "
            "return log-probabilities (log_softmax of the logits, -inf where it withholds "
            "a class), not probabilities or logits"
        )


def probe_release(release: Release, *, num_classes: int) -> None:
    """`check_released` on what ``release`` makes of a few random logits, before training:
    a release of one's own that returns probabilities is refused before the models train,
    not after. So is one that cannot go by its name (`release_name_problem`), one that
    raises on them, or returns anything but a float tensor of the logits' shape: a numpy
    array or ``None`` ended the run in an AttributeError traceback here, a [batch] tensor in
    an IndexError after the models had trained, and a wider one was blamed on the model.
    First ``release.check(num_classes=...)``: what a release of one's own raises there
    (a ValueError) is a `ConfigError` naming it, not a traceback."""
    cls = type(release)
    where = f"release {cls.__module__}.{cls.__qualname__}"
    try:
        release.check(num_classes=num_classes)
    except MiaDefenseError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"{where}: its check(num_classes={num_classes}) refused the dataset: "
            f"{type(exc).__name__}: {first_line(exc, 'no message')}{_raised_at(exc)}"
        ) from exc
    generator = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(8, num_classes, generator=generator)
    given = logits.clone()  # (a release may change what it is given)
    try:
        with torch.no_grad():
            out = release(logits, generator)
    except MiaDefenseError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"{where}: raised {type(exc).__name__} ({first_line(exc, 'no message')}) on random "
            f"logits [8, {num_classes}] before training{_raised_at(exc)}; fix its __call__"
        ) from exc
    tensor = isinstance(out, torch.Tensor)
    if not tensor or not out.is_floating_point() or out.shape != logits.shape:
        got = (f"a tensor of dtype {str(out.dtype).removeprefix('torch.')} and shape "
               f"{list(out.shape)}" if tensor else type(out).__name__)  # fmt: skip
        raise ConfigError(
            f"{where}: returned {got} for logits [8, {num_classes}]; a release must return a "
            "float torch tensor of the logits' shape [..., classes]: one log-probability per "
            "class (-inf where it withholds one)"
        )
    released = out.detach().cpu().numpy()
    check_released(released, what="random logits before training", release=release)
    # what an observations file refuses (mia-attack, api.load_observations) is refused now,
    # not once the run's observations.npz is read again
    problems = normalisation_problems(released[None], "log_probabilities", "outputs")
    if problems:
        raise ConfigError(f"{where}: on random logits [8, {num_classes}] before training, "
                          f"{problems[0]}; a release returns log-probabilities (log_softmax)")
    problem = release_name_problem(release)
    if problem is not None:
        raise ConfigError(problem)
    _probe_randomness(release, where=where, logits=logits, given=given, first=out)
    with torch.no_grad():
        view = attacker_view_of(release, out.detach().clone())
        again = attacker_view_of(release, out.detach().clone())
    check_released(view.cpu().numpy(), what="random logits before training (attacker_view)",
                   release=release)
    problems = normalisation_problems(view.cpu().numpy()[None], "log_probabilities", "outputs")
    if problems:  # (observations.npz holds the view: mia-attack would refuse the run's file)
        raise ConfigError(f"{where}: its attacker_view, on random logits [8, {num_classes}] "
                          f"before training, {problems[0]}; an attacker_view returns "
                          "log-probabilities (log_softmax)")
    if not torch.equal(view, again):
        raise ConfigError(
            f"{where}: its attacker_view read the same released outputs [8, {num_classes}] "
            "differently twice: it must be a function of the outputs (what an attacker who "
            "knows the release's settings reads of them), not draw at random"
        )


def release_idle(release: Release, *, num_classes: int,
                 models: int | None = None) -> list[dict[str, Any]]:
    """results.json's ``training.defenses_idle`` entry of a release that let out the outputs
    unchanged (`Release.idle_reason`), ``[{"defense": "release=NAME", "reason": ...}]``, or
    ``[]``; with ``"idle_models"`` and ``"models"`` both the run's ``models`` where given
    (it releases every model's outputs alike: mia-report reads the count off them). Said
    only in the log at start-up, a run of release=rounding release.decimals=20 (or
    release.scale=0, release.k=10 on 10 classes) was written, reported and drawn in
    TensorBoard as that release, with the full release's figures: a defense that costs
    nothing and protects nothing."""
    ask = getattr(release, "idle_reason", None)  # (a release of one's own may lack it)
    reason = ask(num_classes=num_classes) if callable(ask) else None
    if reason is None:
        return []
    if not isinstance(reason, str):
        cls = type(release)
        raise ConfigError(f"release {cls.__module__}.{cls.__qualname__}: its idle_reason must "
                          f"give a str or None, not {type(reason).__name__}")
    counted = {"idle_models": models, "models": models} if models else {}
    return [{"defense": f"release={release.name}", "reason": " ".join(reason.split())[:1000]}
            | counted]


def attacker_view_of(release: Release, released: torch.Tensor) -> torch.Tensor:
    """``release.attacker_view(released)`` [..., C], which must be a float tensor of the
    released outputs' shape: a `ConfigError` naming the release otherwise (a release of
    one's own whose view drops a class would have the attacks read [K, N, C-1]). A release
    without one (not a `Release` subclass) is read as released."""
    cls = type(release)
    where = f"release {cls.__module__}.{cls.__qualname__}"
    view_of = getattr(release, "attacker_view", None)
    if view_of is None:
        return released
    try:
        view = view_of(released)
    except MiaDefenseError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"{where}: its attacker_view raised {type(exc).__name__} "
            f"({first_line(exc, 'no message')}) on released outputs {list(released.shape)}"
            f"{_raised_at(exc)}; fix it (the default, "
            "Release.attacker_view, returns the outputs as released)"
        ) from exc
    tensor = isinstance(view, torch.Tensor)
    if not tensor or not view.is_floating_point() or view.shape != released.shape:
        got = (f"shape {list(view.shape)} and dtype {str(view.dtype).removeprefix('torch.')}"
               if tensor else type(view).__name__)  # fmt: skip
        raise ConfigError(
            f"{where}: attacker_view returned {got} for released outputs "
            f"{list(released.shape)}; it must return a float torch tensor of their shape: the "
            "log-probabilities an attacker who knows the release's settings reads"
        )
    return view.detach()  # (one that requires grad was a raw RuntimeError from .numpy())


def _probe_randomness(
    release: Release, *, where: str, logits: torch.Tensor, given: torch.Tensor,
    first: torch.Tensor,
) -> None:
    """A release must say whether it answers a query at random (``randomized``, a bool): an
    attacker repeats such a query and averages the answers (``attack.queries.repeats``).
    NoiseRelease's noise under ``randomized = False`` was asked once: LiRA's AUC 0.578 ->
    0.516, ε 1.35 -> 0.85 on digits at scale 0.3, a leak hidden by an undeclared noise. Asked
    the ``given`` logits again, with a generator in another state (the global one kept as it
    was), a release that says it is deterministic must give the same answer ``first``."""
    randomized = getattr(release, "randomized", None)
    if not isinstance(randomized, bool):
        raise ConfigError(
            f"{where}: randomized={randomized!r} must be True or False: whether it may answer "
            "one query differently each time (an attacker then repeats and averages it)"
        )
    if randomized:
        if logits._version:  # (harmless in a deterministic one, asked once)
            raise ConfigError(
                f"{where}: it modifies the logits it is given in place: asked again "
                "(attack.queries.repeats) it would get the logits it changed; compute new "
                "tensors instead (logits = logits * 2)"
            )
        return
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        again = release(given.clone(), torch.Generator().manual_seed(1))
    if not (isinstance(again, torch.Tensor) and torch.equal(again.detach().cpu(),
                                                            first.detach().cpu())):
        raise ConfigError(
            f"{where}: it answered the same random logits differently on a second call, yet "
            "declares randomized = False: an attacker asks a deterministic release once, so "
            "its noise would hide the leak; set the class attribute randomized = True (and "
            "draw the noise from the generator it is given, for a reproducible run)"
        )


def release_name_problem(release: Release) -> str | None:
    """Why ``release`` cannot go by its ``name`` in results.json, or ``None``: a release of
    one's own that sets no name was recorded as ``full`` (outputs withheld or perturbed,
    reported as the full probability vector), one named ``label_only`` as that release
    (`mia_defense.defenses.values.name_problem`)."""
    built_in = {cls.name: cls for cls in (FullRelease, TopKRelease, RoundingRelease,
                                          LabelOnlyRelease, NoiseRelease, TemperatureRelease)}
    return name_problem(release, kind="release", base=Release, built_in=built_in)


def _raised_at(exc: BaseException) -> str:
    """`` (at FILE:LINE, in FUNCTION)`` of the frame that raised ``exc``, or ``""``."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {last.filename}:{last.lineno}, in {last.name})"
