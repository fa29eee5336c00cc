"""`mia-train`: train K models with the configured defenses, attack them, record the run."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import hydra
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from mia_defense.experiment import Experiment, PlanConfig, RunResult, fpr_key, run_experiment
from mia_defense.training.config import TrainConfig

__all__ = ["build_experiment", "format_table", "main", "run"]

log = logging.getLogger(__name__)


def _flat_hparams(cfg: DictConfig) -> dict[str, Any]:
    """Scalar config values as ``group.key`` pairs (lists as strings), for HParams."""
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("_target_", "_partial_") or key == "attack":
                    continue
                walk(value, f"{prefix}{key}.")
        elif node is not None:
            flat[prefix.rstrip(".")] = node if isinstance(node, (bool, int, float, str)) else str(node)

    walk(OmegaConf.to_container(cfg, resolve=True), "")
    flat.pop("progress", None)
    return flat


def build_experiment(cfg: DictConfig) -> Experiment:
    """Turn the composed config into the objects the pipeline needs."""
    attack_cfg = cfg.attack
    return Experiment(
        dataset=instantiate(cfg.dataset),
        build_model=instantiate(cfg.model),
        train=TrainConfig(**OmegaConf.to_container(cfg.train, resolve=True)),
        plan=PlanConfig(**OmegaConf.to_container(cfg.plan, resolve=True)),
        attacks={name: instantiate(spec) for name, spec in attack_cfg.attacks.items()},
        seed=int(cfg.seed),
        num_targets=attack_cfg.num_targets,
        fprs=tuple(float(f) for f in attack_cfg.fprs),
        hparams=_flat_hparams(cfg),
        config=OmegaConf.to_container(cfg, resolve=True),
    )


def run(cfg: DictConfig, run_dir: Path) -> RunResult:
    """Build the experiment from ``cfg`` and run it in ``run_dir`` (testable without Hydra)."""
    torch.set_num_threads(1)  # tiny ops on 2 cores: one thread avoids contention slow-downs
    return run_experiment(build_experiment(cfg), run_dir, progress=bool(cfg.progress))


def format_table(result: RunResult, fprs: list[float]) -> str:
    """The end-of-run summary: utility, then each attack's AUC and TPR at each FPR."""
    util = result.utility
    lines = [
        f"test accuracy {util['test_accuracy']:.3f} (train {util['train_accuracy']:.3f}, "
        f"gap {util['generalization_gap']:.3f})",
    ]
    for key, value in result.privacy.items():
        lines.append(f"{key} {value:.3f}")
    headers = ["attack", "AUC"] + [f"TPR@{f * 100:g}%FPR" for f in fprs]
    rows = [
        [name, f"{summary['auc']:.3f}"] + [f"{summary[fpr_key(f)]:.3f}" for f in fprs]
        for name, summary in result.attacks.items()
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    def fmt(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
    lines += [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(row) for row in rows]
    lowest = min(fprs)
    lines.append(
        f"strongest attack at {lowest * 100:g}% FPR: {result.strongest_attack} "
        f"(TPR {result.headline(lowest):.4f})"
    )
    return "\n".join(lines)


@hydra.main(version_base="1.3", config_path="pkg://mia_defense.conf", config_name="config")
def main(cfg: DictConfig) -> float:
    """Hydra entry point; returns the strongest attack's TPR at the lowest FPR (for sweepers)."""
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    result = run(cfg, run_dir)
    fprs = sorted(float(f) for f in cfg.attack.fprs)
    print(format_table(result, fprs))
    print(f"\nrun directory: {run_dir}")
    print(f"wall time: {result.wall_seconds:.1f} s")
    print(f"look at it:   tensorboard --logdir {run_dir}")
    return result.headline(min(fprs))


if __name__ == "__main__":
    main()
