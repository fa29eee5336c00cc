"""DP-SGD's clipping norm is judged against the per-sample gradient norms of a probe model
built before training. The probe took its initial weights from torch's global random state
at that moment, not from the run's seed: two launches of the same command (`mia-train
defense=dp dataset=breast_cancer dataset.standardize=false`) measured median norms of ~1500
and ~1e-4, so whether the warning appeared changed from run to run. The probe is now target
model 0 as `start_models` initialises it (helper h235)."""

from __future__ import annotations

import torch

import mia_defense.pipeline.data as pipeline_data
from mia_defense.cli.build import build_experiment
from mia_defense.pipeline.data import prepare_data
from mia_defense.run_fingerprint import TARGETS_STAGE
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import start_models

DP = ("defense=dp", "defense.dp.target_epsilon=null", "defense.dp.noise_multiplier=1.0")


def _probe(monkeypatch, cfg, global_seed: int) -> tuple[list[float], torch.nn.Module]:
    seen: list = []
    measure = pipeline_data.initial_grad_norms

    def spy(model, x, y):
        seen.append((measure(model, x, y), model))
        return seen[-1][0]

    monkeypatch.setattr(pipeline_data, "initial_grad_norms", spy)
    torch.manual_seed(global_seed)  # the global state a launch happens to start from
    before = torch.get_rng_state()
    prepare_data(build_experiment(cfg))
    assert torch.equal(torch.get_rng_state(), before)  # nothing drawn out of it either
    [(norms, probe)] = seen
    return norms, probe


def test_probe_norms_follow_the_run_seed_not_the_global_state(make_cfg, monkeypatch):
    cfg = make_cfg(*DP)
    norms, probe = _probe(monkeypatch, cfg, global_seed=1)
    again, _ = _probe(monkeypatch, cfg, global_seed=2)
    assert norms == again
    experiment = build_experiment(cfg)
    [model0] = start_models(
        lambda: experiment.build_model(input_shape=experiment.dataset.input_shape,
                                       num_classes=10),
        1, config=TrainConfig(), seed=experiment.seed, stage=TARGETS_STAGE,
        checkpoint_dir=None, fingerprint=None,
    )[0]  # fmt: skip
    for (name, p), (_, q) in zip(probe.state_dict().items(), model0.state_dict().items(),
                                 strict=True):  # fmt: skip
        assert torch.equal(p, q), name
    other, _ = _probe(monkeypatch, make_cfg(*DP, "seed=1"), global_seed=1)
    assert other != norms  # another seed, another model 0
