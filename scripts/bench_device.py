"""The training engine on an accelerator: stacked vs one model at a time, side by side.

Run where a GPU is (``python scripts/bench_device.py --device cuda``); ``--device cpu``
runs the same sections here. Prints, on that device: the K=16 SmallCNN on 8x8 digits images
(issue 16's CNN target) and the default digits MLP at K = 16, 64, each stacked vs one at a
time; DP-SGD stacked vs Opacus; how far the stacked models end from the same models
trained one at a time (float rounding only); and a default ``mia-train`` run on the device
(wall time, test accuracy, strongest attack).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from bench import SIGMA, Bench, row, section_cnn

from mia_defense.defenses.dp import DPSGD
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble


def section_mlp(bench: Bench, device: str) -> None:
    print(f"\n## Digits MLP, {bench.config.epochs} epochs, {device}")
    print(row("K", "one at a time s", "stacked s", "ratio"))
    for k in (16, 64):
        seq, stk = bench.sequential(k, device=device), bench.stacked(k, device=device)
        print(row(k, f"{seq:.2f}", f"{stk:.2f}", f"{seq / stk:.1f}x"))
    dp = lambda: [DPSGD(noise_multiplier=SIGMA, max_grad_norm=1.0)]  # noqa: E731
    seq, stk = bench.sequential(16, defenses=dp, device=device), bench.stacked(
        16, defenses=dp, device=device)
    print(row("16, DP-SGD (Opacus / engine)", f"{seq:.2f}", f"{stk:.2f}", f"{seq / stk:.1f}x"))


def section_agreement(bench: Bench, device: str, k: int = 8) -> None:
    """The stacked models against the same models trained one at a time (same seeds)."""
    kw = bench.kwargs(k, device=device)
    one = train_ensemble(num_classes=10, **{**kw, "config": TrainConfig(
        epochs=5, batch_size=64, device=device, engine="opacus")})
    stk = train_ensemble(num_classes=10, **{**kw, "config": TrainConfig(
        epochs=5, batch_size=64, device=device)})
    gap = max(
        float((a - b).abs().max())
        for m1, m2 in zip(one.models, stk.models, strict=True)
        for a, b in zip(m1.state_dict().values(), m2.state_dict().values(), strict=True)
    )
    accuracy = [h.final.test_acc for h in stk.histories]
    print(f"\n## Stacked vs one at a time, K={k}, 5 epochs, {device}: largest weight gap "
          f"{gap:.2e}; stacked test accuracy {min(accuracy):.3f}-{max(accuracy):.3f}")


def section_cli(device: str) -> None:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "mia_defense.cli.train", f"hydra.run.dir={out}",
             "progress=false", f"train.device={device}"],
            capture_output=True, text=True, check=False,
        )
        wall = time.perf_counter() - start
        print(f"\n## mia-train train.device={device} (default run): {wall:.1f} s, "
              f"exit {proc.returncode}")
        if proc.returncode:
            print(proc.stderr[-2000:])
            return
        payload = json.loads((Path(out) / "results.json").read_text())
        print(f"test accuracy {payload['utility']['test_accuracy']:.3f}; training "
              f"{payload['training']['engine'] if 'training' in payload else '?'}; headline "
              f"{json.dumps(payload['headline'])[:400]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.device == "cuda":
        if not torch.cuda.is_available():
            sys.exit("no CUDA device here: run with --device cpu")
        print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    bench = Bench(epochs=30, repeats=args.repeats)
    section_cnn(args.repeats, device=args.device)
    section_mlp(bench, args.device)
    section_agreement(bench, args.device)
    section_cli(args.device)


if __name__ == "__main__":
    main()
