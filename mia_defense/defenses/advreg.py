"""Adversarial regularisation (Nasr et al. 2018): train against an inference model."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.budget import Work, WorkShape
from mia_defense.defenses.base import (
    Batch,
    TrainContext,
    TrainingDefense,
    cross_entropy,
    masked_mean,
    require_reference,
)
from mia_defense.defenses.values import (
    check_finite,
    check_fits_float32,
    check_integer,
    check_number,
)
from mia_defense.errors import ConfigError, DivergedError, out_of_memory
from mia_defense.seeding import global_torch_seeded
from mia_defense.training.eager import lazy_compile_guards, optimizer_step
from mia_defense.training.stack import ModelStack

__all__ = ["AdversarialRegularization"]

# Hidden width of the inference models: 1e11 asked torch for terabytes (a RuntimeError
# traceback), and a width a malloc grants could be killed for memory without a word.
MAX_HIDDEN = 65536
# Each model's count of game steps in which the gain gave its classifier a gradient float32
# does not round away beside the cross-entropy's (`NEGLIGIBLE`), in its stats
# (`AdversarialRegularization.idle_reason` reads it): counted until an epoch ends with every
# model of the chunk pulled (the check is a backward pass of its own: 3-5% of the default
# advreg run's wall time when made on every step).
PULLED_STEPS = "advreg_pulled_steps"
# A gradient under this fraction of the cross-entropy's (float32's precision) is rounded
# away where the two are added: it pulls nothing.
NEGLIGIBLE = 2.0**-24


def _scores(params: dict[str, torch.Tensor], features: torch.Tensor) -> torch.Tensor:
    """The K inference models' membership logits [K, B] on ``features`` [K, B, 2C].

    h is this module's own two-layer MLP, so a batched matmul and a weighted sum run it
    (autograd gives the gradients): about 1.7x faster per attack step than ``vmap`` over
    the module. The output layer (one unit) as a product and a sum, not a matmul with an
    inner size of 1, whose backward was a [K, 2B, 1] x [K, 1, H] matmul and a copy: 20%
    of each attack step.
    """
    hidden = torch.baddbmm(params["0.bias"][:, None], features, params["0.weight"].mT).relu()
    return (hidden * params["2.weight"]).sum(-1) + params["2.bias"]


def _features(logits: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Inference-model input [K, B, 2C]: the prediction vector and the one-hot label."""
    onehot = F.one_hot(y, num_classes).to(logits.dtype)
    return torch.cat([F.softmax(logits, dim=-1), onehot], dim=-1)


class AdversarialRegularization(TrainingDefense):
    """Min-max training against a membership-inference model h.

    Each step first trains h for ``attack_steps`` steps to tell the batch's members from
    as many reference (non-member) samples, then trains the classifier on
    ``CE + strength * mean(h(member outputs))`` with h's membership probability, as the
    authors' code does: the attacker's confidence on the members becomes a penalty, bounded
    so the min-max game cannot run away. The reference split (``plan.reference_size``)
    plays the non-members, as Nasr et al.'s reference set does.

    Each of the K models of a chunk has its own h (a small MLP), held as one stacked
    ensemble with its own Adam, initialised from that model's seed and fed reference draws
    from its generator: K models trained together end where K runs of one model end. The mean gain
    is reported per epoch as ``advreg_gain`` (0.5: h cannot tell members apart).

    Args:
        strength: λ, weight of the attacker's gain in the classifier's loss.
        attack_steps: h's updates per classifier step (k in the paper).
        attack_lr: h's Adam learning rate.
        hidden: width of h's hidden layer.
        warmup_epochs: epochs of plain training before the min-max game starts.
    """

    name = "advreg"
    needs_reference = True

    def __init__(
        self,
        *,
        strength: float = 3.0,
        attack_steps: int = 3,
        attack_lr: float = 1e-3,
        hidden: int = 64,
        warmup_epochs: int = 0,
    ) -> None:
        check_number("defense.advreg.strength", strength)
        check_integer("defense.advreg.attack_steps", attack_steps)
        check_number("defense.advreg.attack_lr", attack_lr)
        check_integer("defense.advreg.hidden", hidden)
        check_integer("defense.advreg.warmup_epochs", warmup_epochs)
        if not strength >= 0:
            raise ConfigError(f"defense.advreg.strength={strength}: must be >= 0")
        check_finite("defense.advreg.strength", strength)
        check_fits_float32(
            "defense.advreg.strength", strength,
            fix="choose the weight of the attacker's gain in the loss (about 1-10: 3 by "
            "default; 10 already collapses digits' accuracy)",
        )  # fmt: skip
        if attack_steps < 1:
            raise ConfigError(f"defense.advreg.attack_steps={attack_steps}: must be >= 1")
        if not attack_lr > 0:
            raise ConfigError(f"defense.advreg.attack_lr={attack_lr}: must be > 0")
        check_finite("defense.advreg.attack_lr", attack_lr)
        if hidden < 1:
            raise ConfigError(f"defense.advreg.hidden={hidden}: must be >= 1")
        if hidden > MAX_HIDDEN:
            raise ConfigError(
                f"defense.advreg.hidden={hidden}: at most {MAX_HIDDEN} (the width of each "
                "model's inference model, 2C x hidden weights; Nasr et al.'s widest layer is "
                "1024); lower it"
            )
        if warmup_epochs < 0:
            raise ConfigError(f"defense.advreg.warmup_epochs={warmup_epochs}: must be >= 0")
        self.strength = float(strength)
        self.attack_steps = int(attack_steps)
        self.attack_lr = float(attack_lr)
        self.hidden = int(hidden)
        self.warmup_epochs = int(warmup_epochs)
        self._epoch = 0
        self._attacker: ModelStack | None = None  # the K inference models
        self._attack_opt: torch.optim.Optimizer | None = None
        self._gain_sum = torch.zeros(0)
        self._gain_steps = torch.zeros(0)
        self._pulled_steps = torch.zeros(0)  # [K]: game steps whose gain had a gradient
        self._all_pulled = False  # (every model pulled by an epoch's end: counted no more)
        self._game_checked = False
        self._attacker_start: dict[str, torch.Tensor] = {}

    def hparams(self) -> dict[str, Any]:
        return {
            "strength": self.strength,
            "attack_steps": self.attack_steps,
            "attack_lr": self.attack_lr,
            "hidden": self.hidden,
            "warmup_epochs": self.warmup_epochs,
        }

    def plan(self, *, sizes: Sequence[int], batch_size: int, epochs: int) -> None:
        """Refuse a warm-up that outlasts training: the game would never start, and the run
        would be reported as defended by advreg while it trained without it."""
        if self.warmup_epochs >= epochs and self.strength > 0:
            raise ConfigError(
                f"defense.advreg.warmup_epochs={self.warmup_epochs}: not below "
                f"train.epochs={epochs}, so the min-max game never starts; lower "
                "warmup_epochs or raise train.epochs"
            )

    def extra_work(self, shape: WorkShape) -> Work | None:
        """Each classifier step after the warm-up also runs the classifier on as many
        reference samples (2·P per sample) and takes ``attack_steps`` steps of the inference
        models (6 flops per weight and sample, on the members and as many reference
        draws); those steps count once per chunk (a chunk's K inference models step at
        once), never per model, so the count errs short."""
        if self.strength == 0:
            return None
        game = max(shape.trained - self.warmup_epochs, 0)
        weights = 2 * shape.num_classes * self.hidden + 2 * self.hidden + 1
        batch = min(max(shape.batch_size, 1), max(shape.members, 1))
        classifier_steps = shape.num_models * game * shape.batches()  # summed over models
        return Work(
            key="defense.advreg.attack_steps", value=self.attack_steps,
            what="the inference models' updates (attack_steps per training step)",
            flops=classifier_steps * (2 * shape.num_params * batch
                                      + self.attack_steps * 6 * weights * 2 * batch),
            steps=shape.chunks * game * shape.batches() * self.attack_steps,
        )  # fmt: skip

    def setup(self, ctx: TrainContext) -> None:
        require_reference(ctx, "defense.advreg needs reference (non-member) data")
        try:
            attackers = [self._new_attacker(ctx, gen) for gen in ctx.generators]
        except RuntimeError as exc:  # torch.OutOfMemoryError too (a RuntimeError)
            if not out_of_memory(exc):
                raise
            raise ConfigError(
                f"defense.advreg.hidden={self.hidden}: the {ctx.num_models} inference models "
                f"of {ctx.num_classes} classes cannot be allocated on {ctx.device} "
                f"({str(exc).strip().splitlines()[0]}); lower defense.advreg.hidden"
            ) from None
        # The same groups as the models': a group that takes no step leaves its h alone.
        groups = [b - a for a, b in itertools.pairwise(ctx.stack.bounds)]
        self._attacker = ModelStack(attackers, groups)
        lazy_compile_guards()
        self._attack_opt = torch.optim.Adam(
            self._attacker.parameters, lr=self.attack_lr, fused=True
        )
        # their weights as set up, for `finish` to tell whether the game moved them
        self._attacker_start = {name: p.detach().clone()
                                for name, p in self._attacker.stacked().items()}  # fmt: skip
        self._gain_sum = torch.zeros(ctx.num_models, device=ctx.device)
        self._gain_steps = torch.zeros(ctx.num_models, device=ctx.device)
        self._pulled_steps = torch.zeros(ctx.num_models, device=ctx.device)
        self._all_pulled = False
        self._game_checked = False  # each chunk's inference models are new

    def _new_attacker(self, ctx: TrainContext, generator: torch.Generator) -> nn.Module:
        """One inference model, initialised from a seed derived from the model's generator's
        seed (drawing nothing from it: with ``strength=0`` the model trains as without h)."""
        c = ctx.num_classes
        with global_torch_seeded(generator.initial_seed(), "advreg/attacker"):
            model = nn.Sequential(
                nn.Linear(2 * c, self.hidden), nn.ReLU(), nn.Linear(self.hidden, 1)
            )
        return model.to(ctx.device)

    def _reference_batch(
        self, batch: Batch, ctx: TrainContext
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """As many reference draws per model as it has members in the batch, from its own
        generator, at its valid positions: inputs [K, B, ...] and labels [K, B]."""
        assert ctx.x_reference is not None and ctx.y_reference is not None
        size = len(ctx.y_reference)
        counts = batch.valid.sum(1).tolist()
        drawn = [torch.randint(0, size, (count,), generator=gen, device=gen.device)
                 for count, gen in zip(counts, ctx.generators, strict=True) if count]
        idx = torch.zeros(batch.valid.shape, dtype=torch.long, device=ctx.device)
        if drawn:  # row-major valid positions: model 0's draws first, as drawn
            idx[batch.valid] = torch.cat(drawn).to(ctx.device)
        return ctx.x_reference[idx], ctx.y_reference[idx]

    def _train_attacker(self, member_in: torch.Tensor, ref_in: torch.Tensor,
                        batch: Batch) -> None:
        """``attack_steps`` Adam steps of each h on its members vs its reference draws."""
        assert self._attacker is not None and self._attack_opt is not None
        inputs = torch.cat([member_in, ref_in], dim=1)  # [K, 2B, 2C]
        valid = torch.cat([batch.valid, batch.valid], dim=1)
        truth = torch.cat([torch.ones_like(batch.valid), torch.zeros_like(batch.valid)], 1)
        truth = truth.to(inputs.dtype)
        counts = valid.sum(1).clamp(min=1)
        # Each sample's weight in its model's mean BCE (1/count, 0 for padding): the summed
        # weighted loss has the gradient of the sum of the K means, the same floats, with
        # one autograd node where the product, sum and division took three (46 of an
        # attack step's 609 us, K=16, B=64).
        weight = valid.to(inputs.dtype) / counts[:, None]
        for _ in range(self.attack_steps):
            self._attack_opt.zero_grad(set_to_none=True)
            scores = _scores(self._attacker.stacked(), inputs)
            F.binary_cross_entropy_with_logits(
                scores, truth, weight=weight, reduction="sum"
            ).backward()
            self._attacker.route_grads(batch.stepping)
            optimizer_step(self._attack_opt)

    def loss(self, logits: torch.Tensor, batch: Batch, ctx: TrainContext) -> torch.Tensor:
        ce = cross_entropy(logits, batch)
        if self._epoch < self.warmup_epochs or self.strength == 0:
            return ce
        assert self._attacker is not None
        x_ref, y_ref = self._reference_batch(batch, ctx)
        with torch.no_grad():
            ref_logits = ctx.stack.forward(x_ref)
        c = ctx.num_classes
        member_in = _features(logits, batch.y, c)  # differentiable: the gain's input
        self._train_attacker(member_in.detach(), _features(ref_logits, y_ref, c), batch)
        frozen = {name: p.detach() for name, p in self._attacker.stacked().items()}
        probs = torch.sigmoid(_scores(frozen, member_in))
        gain = masked_mean(probs, batch)
        if not self._game_checked:
            self._check_first_gain(gain)
        self._gain_sum += gain.detach() * batch.stepping
        self._gain_steps += batch.stepping
        if not self._all_pulled:
            pulled = _pulls(self.strength * gain, member_in, logits, batch)
            self._pulled_steps += pulled * batch.stepping
        return ce + self.strength * gain

    def _check_first_gain(self, gain: torch.Tensor) -> None:
        """On the game's first step (once: one device sync), a `DivergedError` when the
        gain is NaN or inf: the inference models have just taken ``attack_steps`` steps of
        their own at ``attack_lr`` (1e20: weights that overflow), the classifier none. On
        the run's first batch it was refused as a loss 'NaN or inf ... so no learning rate
        causes it' (status failed), which sent the user looking for a log of 0."""
        self._game_checked = True
        if not bool(torch.isfinite(gain).all()):
            diverged = DivergedError(
                "defense advreg: its inference models' membership scores became NaN or inf "
                f"in their first {self.attack_steps} update(s) "
                f"(defense.advreg.attack_steps), before the classifier's first step of the "
                f"game: their learning rate defense.advreg.attack_lr={self.attack_lr:g} is "
                "likely too high"
            )
            diverged.setting = "defense.advreg.attack_lr"
            raise diverged

    def finish(self, ctx: TrainContext) -> None:
        """A `ConfigError` when the game changed none of the weights of an inference model
        (``attack_lr`` whose Adam steps float32 rounds away: 1e-30 on digits trained the
        classifiers against fixed random inference models, and the run was reported as
        defended by advreg)."""
        start, self._attacker_start = self._attacker_start, {}
        if not self._game_checked or self._attacker is None or not start:
            return  # (the game never began: strength 0, or a warm-up as long as training)
        for stats, pulled in zip(ctx.stats, self._pulled_steps.tolist(), strict=True):
            stats[PULLED_STEPS] = pulled
        idle = sum(self._attacker.unchanged(start))
        if idle:
            raise ConfigError(
                f"defense.advreg: the game changed none of the weights of {idle} of the "
                f"{len(self._attacker)} inference model(s) (every step was below the "
                "float rounding of their weights, or zero), so their classifiers trained "
                "against fixed random inference models, not the min-max game, so the run is "
                "not defended by advreg; raise defense.advreg.attack_lr (now "
                f"{self.attack_lr:g})"
            )

    def end_epoch(self, ctx: TrainContext, epoch: int) -> None:
        self._epoch = epoch + 1
        for k, stats in enumerate(ctx.epoch_stats):
            if self._gain_steps[k] > 0:
                stats["advreg_gain"] = float(self._gain_sum[k] / self._gain_steps[k])
        self._gain_sum.zero_()
        self._gain_steps.zero_()
        self._all_pulled = bool((self._pulled_steps > 0).all())
        return None

    def _unpulled(self, stats: Sequence[Mapping[str, float]]) -> int:
        """How many models played the game without its gain ever giving them a gradient."""
        return sum(1 for s in stats if s.get(PULLED_STEPS) == 0)

    def idle_models(self, stats: Sequence[Mapping[str, float]]) -> int | None:
        """How many models the gain never pulled (`idle_reason`'s count); ``None`` where it
        pulled every one."""
        return self._unpulled(stats) or None

    def idle_reason(self, stats: Sequence[Mapping[str, float]], *, epochs: int) -> str | None:
        """Why advreg did nothing, where the gain gave some model's classifier no gradient on
        any step of the game beyond float32's rounding of the cross-entropy's: its inference
        model's scores were so large that the sigmoid is 0 or 1, or within about 1e-29 of
        it, on every member (``attack_lr=100``, ``1e4`` or ``1e10`` on digits: Adam steps of
        that size from the first), so that model trained as without the defense. Models
        without the stat (trained before it was kept) are left out."""
        idle = self._unpulled(stats)
        if not idle:
            return None
        return (
            f"defense.advreg.attack_lr={self.attack_lr:g}: the inference models' membership "
            f"scores saturated (their sigmoid 0 or 1 on every member, to float32's precision) "
            f"on every step of the game in {idle} of the {len(stats)} model(s), so the "
            "attacker's gain gave their classifiers no gradient beyond float32's rounding of "
            "the cross-entropy's and they trained as without the defense; lower "
            "defense.advreg.attack_lr (1e-3 by default)"
        )


def _pulls(
    term: torch.Tensor, member_in: torch.Tensor, logits: torch.Tensor, batch: Batch
) -> torch.Tensor:
    """Whether the loss term ``term`` [K] (the weighted gain) pulls each model's classifier
    [K] on this batch: its gradient on the model's logits has a norm above float32's
    precision (`NEGLIGIBLE`) times the cross-entropy's. A smaller one is rounded away where
    the two are added (attack_lr=100: about 1e-29, not exactly 0, on every step, and the
    models trained exactly as without the defense). The term's gradient is taken through
    the inference models only (to ``member_in``, [K, B, 2C]; no sync, nothing of the
    classifier's graph run twice), then through the softmax; the cross-entropy's is
    ``(softmax - target) / count`` on the valid samples."""
    (toward,) = torch.autograd.grad(term.sum(), member_in, retain_graph=True)
    c = logits.shape[-1]
    soft = member_in.detach()[..., :c]  # (the softmax of the logits: `_features`)
    toward = toward[..., :c]
    pull = soft * (toward - (soft * toward).sum(-1, keepdim=True))
    target = batch.target if batch.target.is_floating_point() else F.one_hot(batch.target, c)
    fit = (soft - target) * (batch.valid / batch.counts()[:, None])[..., None]
    return (pull.norm(dim=(1, 2)) > NEGLIGIBLE * fit.norm(dim=(1, 2))).to(soft.dtype)
