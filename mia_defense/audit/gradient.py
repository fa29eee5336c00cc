"""White-box gradient canaries for the one-run audit: Dirac canaries in DP-SGD's clipped sums.

A Dirac canary (Nasr et al. 2023, "Tight Auditing of Differentially Private Machine
Learning"; Steinke et al. 2023, §white-box) is a per-sample gradient that is zero except at
one coordinate of the flat parameter vector. Each model of the run gets ``num`` of them on
distinct random coordinates, each included independently with probability 1/2; an included
canary joins every step like a member (Poisson, at the model's sample rate q), is clipped
like one (its raw size is `CANARY_SIZE` times the clipping norm C, and at least
`CANARY_SIZE`, so that Opacus' factor C / (norm + 1e-6) brings it to C at any C, and a
mechanism that does not clip lets it through whole) and is then noised with the rest of
the sum.

The auditor sees every step's noisy sum at the canary's coordinate (what a white-box auditor
of all iterates reads) and, knowing every other record as DP-SGD's analysis allows (its
guarantee holds for any other data and their gradients), subtracts the members' own clipped
sum there: x, in units of C, is then the canary's clipped gradient when drawn plus the
noise. Each (model, canary) pair is scored by the log-likelihood ratio of "included"
against "excluded" under the claimed mechanism, summed over the steps:
``log(1 - q + q exp((2x - 1) / (2σ²)))`` per step (the Neyman-Pearson test for a Dirac
canary under Poisson-subsampled Gaussian noise, Nasr et al.'s strongest auditor).
``sums`` keeps the plain sum of the noisy coordinate over the steps, the score of an
auditor who does not know the other records' gradients.

Pairs are the audit's canaries: changing one pair's inclusion changes one model's training
set by one record, so the K models together are (max ε, max δ)-DP in each pair, and the
pairs' scores use no other pair's inclusion bit.

What the auditor saw rides on training, so each model's record is saved beside its
checkpoint (``canaries_<model>.npz``, `record_path`) as its chunk ends: a killed run resumes
the chunks saved with their records and audits what an uninterrupted run audits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mia_defense.defenses.dp_mechanism import RandomSource, poisson_mask
from mia_defense.defenses.dp_stacked import PrivateSteps
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import load_npz
from mia_defense.seeding import torch_generator
from mia_defense.tracking.artifacts import write_npz

__all__ = ["CANARY_SIZE", "DiracCanaryAudit", "GradientCanaryScores"]

log = logging.getLogger(__name__)

# A canary gradient's raw size, in units of the clipping norm: clipping brings it to C.
CANARY_SIZE = 10.0
# A model's record: what the auditor saw of its canaries (inclusion is drawn again from the
# seed, never read back), and what it belongs to.
_RECORD_ARRAYS = ("fingerprint", "position", "model", "sigma", "llr", "known", "sum", "steps")
# Below this σ, 1/(2σ²) passes 1e279 and a record's ratio may overflow to ±inf or NaN (its
# chunk is then scored by ``known``, `DiracCanaryAudit.scores`); above it, never.
_RATIO_MAY_OVERFLOW = 1e-140


def record_path(directory: Path, model: int) -> Path:
    """Where the canaries' record of model ``model`` (its index in the plan) is saved."""
    return directory / f"canaries_{model:04d}.npz"


def _included(seed: int, num: int, positions: range) -> torch.Tensor:
    """[K, num] the inclusion bits of the models at ``positions`` of the training order."""
    return torch.stack([
        torch.rand(num, generator=torch_generator(seed, "gradient_canaries", k)) < 0.5
        for k in positions
    ])  # fmt: skip


@dataclass(frozen=True)
class _Slot:
    """A chunk of the models `train_ensemble` trains: its place in the training order, its
    models (indices into the plan, in that order) and the folder of their records
    (``None``: none saved)."""

    first: int
    models: tuple[int, ...]
    directory: Path | None
    fingerprint: str | None


@dataclass
class _SavedChunk:
    """A chunk's record read back from its file (`_ChunkCanaries`' fields that score it)."""

    first: int
    included: torch.Tensor
    llr: torch.Tensor
    known: torch.Tensor
    sum: torch.Tensor
    steps: torch.Tensor
    sigma: float


def canary_size(max_grad_norm: float) -> float:
    """A canary's raw size: `CANARY_SIZE` times C, and at least `CANARY_SIZE`. The clip
    factor's 1e-6 (C / (norm + 1e-6), Opacus') brought a canary of 10·C to C/101 at C = 1e-9,
    while its score assumed C: the audit was weaker than it said."""
    return CANARY_SIZE * max(max_grad_norm, 1.0)


class _ChunkCanaries:
    """The Dirac canaries of the K models of one chunk (`GradientCanaries`).

    Each model's inclusion bits and Poisson draws come from a stream of its own, keyed on
    the model's place in the order models train in (``first`` is the chunk's first), and
    the coordinates from one stream for the run: drawn per chunk, a model's canaries were
    those of its chunk's stream, so under another ``train.chunk_size`` (or a CPU's one model
    at a time where a GPU stacks 32) the same run trained and audited other canaries."""

    def __init__(
        self, steps: PrivateSteps, *, num: int, num_params: int, seed: int, first: int,
        slot: _Slot | None = None,
    ) -> None:
        if num > num_params:
            raise ConfigError(
                f"attack.audit_gradient_canaries={num}: more than the model's {num_params} "
                "parameters (each canary needs its own coordinate); lower it to at most "
                f"{num_params} (e.g. attack.audit_gradient_canaries={max(1, num_params // 2)}), "
                "or set attack.white_box=false for the black-box audit alone; only trained "
                "parameters count: frozen ones (requires_grad=False) take no canary"
            )
        models = range(first, first + len(steps.sizes))
        self.first, self.slot = first, slot
        coordinates = torch_generator(seed, "gradient_canary_coordinates")
        self.coordinates = torch.randperm(num_params, generator=coordinates)[:num]
        self.included = _included(seed, num, models)
        rates = [float(s.sample_rate) for s in steps.schedules]
        self.rates = torch.tensor(rates, dtype=torch.float64)[:, None]
        self.size = canary_size(steps.max_grad_norm)
        self.unit = steps.max_grad_norm
        self.sigma = steps.sigma
        # the canaries' Poisson draws are the mechanism's secret: secure when its noise is
        secure = any(source.name == "secure" for source in steps.sources)
        self.sources = [
            RandomSource.secure() if secure
            else RandomSource.seeded(torch_generator(seed, "gradient_canary_draws", k))
            for k in models
        ]  # fmt: skip
        k = len(models)
        self.llr = torch.zeros((k, num), dtype=torch.float64)
        self.known = torch.zeros((k, num), dtype=torch.float64)  # sum of x: no noise
        self.sum = torch.zeros((k, num), dtype=torch.float64)
        self.steps = torch.zeros(k, dtype=torch.long)

    def draw(self, counted: torch.Tensor) -> torch.Tensor:
        """Each included canary joins with the model's Poisson draw (`poisson_mask`, as
        the members do)."""
        num = self.included.shape[1]
        drawn = torch.stack([
            poisson_mask(num, float(rate), source)
            for rate, source in zip(self.rates[:, 0], self.sources, strict=True)
        ])  # fmt: skip
        drawn &= self.included & counted.cpu()[:, None]
        return drawn.float() * self.size

    def observe(self, noisy: torch.Tensor, members: torch.Tensor, counted: torch.Tensor) -> None:
        noisy = noisy.detach().double().cpu() / self.unit
        x = noisy - members.detach().double().cpu() / self.unit  # canaries drawn + noise
        rows = counted.cpu()[:, None]
        self.sum += torch.where(rows, noisy, 0.0)
        if self.sigma > 0:
            z = (2 * x - 1) / (2 * self.sigma**2)
            term = torch.logaddexp(torch.log1p(-self.rates), torch.log(self.rates) + z)
            self.llr += torch.where(rows, term, 0.0)
        self.known += torch.where(rows, x, 0.0)
        self.steps += counted.cpu().long()

    def finish(self) -> None:
        """The chunk trained: save each model's record where `DiracCanaryAudit.resume`
        placed the chunk (row i is model ``slot.models[i]``: both in the training order)."""
        slot = self.slot
        if slot is None or slot.directory is None:
            return
        for i, model in enumerate(slot.models):
            write_npz(
                record_path(slot.directory, model), fingerprint=np.array(slot.fingerprint or ""),
                position=np.array(self.first + i), model=np.array(model),
                sigma=np.array(self.sigma), llr=self.llr[i].numpy(), known=self.known[i].numpy(),
                sum=self.sum[i].numpy(), steps=self.steps[i].numpy(),
            )


@dataclass(frozen=True)
class GradientCanaryScores:
    """Every (model, canary) pair of the audited models.

    Attributes:
        scores: [pairs] the log-likelihood ratio (without noise, σ = 0: the sum over the
            steps of the canary's drawn gradients).
        included: [pairs] bool, the truth.
        sums: [pairs] the sum over steps of the noisy coordinate, in units of C (the data's
            own gradient left in).
        models: how many models carried canaries.
    """

    scores: np.ndarray
    included: np.ndarray
    sums: np.ndarray
    models: int


class DiracCanaryAudit:
    """The factory `mia_defense.defenses.dp_stacked.gradient_canaries` calls once per chunk of
    models; it keeps every chunk's canaries for the audit.

    Args:
        num: canaries per model.
        seed: the run's seed (coordinates, inclusion and draws come from their own stream).
    """

    def __init__(self, *, num: int, seed: int) -> None:
        if num < 1:
            raise ConfigError(f"attack.audit_gradient_canaries={num}: must be >= 1")
        self.num = num
        self.seed = seed
        self.chunks: list[_ChunkCanaries | _SavedChunk] = []
        self._pending: list[_Slot] = []  # the chunks `resume` left to train, in order

    def __call__(self, steps: PrivateSteps, num_params: int) -> _ChunkCanaries:
        # (the chunks train in one order of the models whatever their size: a model's
        # place in it keys its canaries)
        slot = self._pending.pop(0) if self._pending else None
        first = sum(len(c.included) for c in self.chunks) if slot is None else slot.first
        chunk = _ChunkCanaries(steps, num=self.num, num_params=num_params, seed=self.seed,
                               first=first, slot=slot)  # fmt: skip
        self.chunks.append(chunk)
        return chunk

    def resume(
        self, directory: Path | None, chunks: Sequence[Sequence[int]], saved: Sequence[bool],
        *, fingerprint: str | None,
    ) -> list[bool]:
        """Which ``chunks`` (model indices, in the order they train) load from their saved
        checkpoints (``saved``: all their models are): those whose models' records in
        ``directory`` are there too, restored here. The others train, and save their records
        there as each chunk ends. A record corrupt or of another run is refused
        (`DataError`, naming it)."""
        start = sum(len(c.included) for c in self.chunks)
        firsts = np.cumsum([start, *map(len, chunks)])[:-1]
        loaded = []
        for first, models, done in zip(firsts.tolist(), chunks, saved, strict=True):
            slot = _Slot(first, tuple(models), directory, fingerprint)
            record = self._read(slot) if done and directory is not None else None
            if record is None:
                self._pending.append(slot)
            else:
                self.chunks.append(record)
            loaded.append(record is not None)
        return loaded

    def _read(self, slot: _Slot) -> _SavedChunk | None:
        """The records of ``slot``'s models as one chunk, or ``None`` (logged) when one of
        them was not saved."""
        assert slot.directory is not None
        paths = [record_path(slot.directory, model) for model in slot.models]
        missing = [path.name for path in paths if not path.exists()]
        if missing:
            log.warning("training models %s again: their checkpoints were saved without their "
                        "gradient canaries' records (%s), which the one-run audit needs",
                        ", ".join(map(str, slot.models)), ", ".join(missing))  # fmt: skip
            return None
        rows = [self._row(path, model, slot.first + i, fingerprint=slot.fingerprint or "")
                for i, (path, model) in enumerate(zip(paths, slot.models, strict=True))]
        positions = range(slot.first, slot.first + len(rows))
        return _SavedChunk(
            first=slot.first, included=_included(self.seed, self.num, positions),
            **{name: torch.from_numpy(np.stack([row[name] for row in rows]).astype(np.float64))
               for name in ("llr", "known", "sum")},
            steps=torch.tensor([int(row["steps"]) for row in rows], dtype=torch.long),
            sigma=float(rows[0]["sigma"]),
        )

    def _row(
        self, path: Path, model: int, position: int, *, fingerprint: str
    ) -> dict[str, np.ndarray]:
        """Model ``model``'s record at ``path``, checked to be this run's (`DataError`)."""
        fix = f"delete {path} to train that model's chunk again"
        try:
            arrays = load_npz(path)
        except DataError as exc:
            raise DataError(f"gradient canaries' record {exc}; {fix}") from None
        m = self.num
        shapes = {name: (m,) if name in ("llr", "known", "sum") else () for name in _RECORD_ARRAYS}
        kinds = {"fingerprint": "U", "position": "iu", "model": "iu", "steps": "iu"}
        bad = [f"{name} missing" if name not in arrays else f"{name} {arrays[name].shape}"
               for name in _RECORD_ARRAYS
               if name not in arrays or arrays[name].shape != shapes[name]]
        bad += [f"{name} of dtype {arrays[name].dtype}" for name in _RECORD_ARRAYS
                if name in arrays and arrays[name].dtype.kind not in kinds.get(name, "f")]
        if bad:
            raise DataError(
                f"gradient canaries' record {path} is no record of a model with {m} canaries "
                f"({', '.join(bad)}): attack.audit_gradient_canaries differs from the run that "
                f"wrote it, or it is damaged; {fix}"
            )
        sigma = float(arrays["sigma"])
        overflows = 0 < sigma < _RATIO_MAY_OVERFLOW  # (its llr may be non-finite)
        bad = [f"{name} not finite" for name in ("sigma", "llr", "known", "sum")
               if not (name == "llr" and overflows) and not np.isfinite(arrays[name]).all()]
        bad += [f"{name} below 0" for name in ("sigma", "steps") if arrays[name] < 0]
        if bad:
            raise DataError(f"gradient canaries' record {path} holds what no run writes "
                            f"({', '.join(bad)}): it is damaged; {fix}")
        theirs = (str(arrays["fingerprint"]), int(arrays["model"]), int(arrays["position"]))
        ours = (fingerprint, model, position)
        if theirs != ours:
            raise DataError(
                f"gradient canaries' record {path} was written for another model (config "
                f"fingerprint, model and place in the training order {theirs}, this run's "
                f"{ours}): it is another run's, or a copy; {fix}"
            )
        return arrays

    def scores(self) -> GradientCanaryScores:
        """The pairs of every model that took at least one step with canaries."""
        scores, included, sums = [], [], []
        for chunk in sorted(self.chunks, key=lambda c: c.first):  # (in the training order)
            rows = chunk.steps > 0
            # a σ whose square underflows (noise_multiplier=1e-200) made the ratio ±inf or
            # NaN, and the bound refused it after training: the noise is then nil, and the
            # sum of the canary's drawn gradients is the score, as at σ = 0
            noisy = chunk.sigma > 0 and math.isfinite(chunk.sigma)
            noisy = noisy and bool(torch.isfinite(chunk.llr[rows]).all())
            scores.append((chunk.llr if noisy else chunk.known)[rows])
            included.append(chunk.included[rows])
            sums.append(chunk.sum[rows])
        if not scores:
            empty = np.zeros(0)
            return GradientCanaryScores(empty, empty.astype(bool), empty, 0)
        return GradientCanaryScores(
            scores=torch.cat(scores).flatten().numpy(),
            included=torch.cat(included).flatten().numpy(),
            sums=torch.cat(sums).flatten().numpy(),
            models=int(sum(int((c.steps > 0).sum()) for c in self.chunks)),
        )
