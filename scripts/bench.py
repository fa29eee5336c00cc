"""Speed ratios measured side by side in one run on the same data (``make bench``).

Prints: models trained one at a time vs the stacked engine at K = 4, 16, 64; 1 vs 2
intra-op threads; where the engine's time goes; the K=16 CNN on 8x8 digits images stacked
vs one at a time (issue 16); Opacus DP-SGD vs the engine's DP-SGD vs non-private training;
every defense's default run vs the undefended one (issue 16); observation + attack time;
the wall time of the default ``mia-train`` run from the command line; a
``defense=dp`` (target ε) run against the undefended one, with an empty and a filled σ cache
(issue 17, target 3); with ``--large``, the peak RSS of a purchase-like run of 50,000 records
and K=64 (target 6). Absolute times depend on the machine and its load; the ratios are the
point.

Usage: ``python scripts/bench.py [--quick] [--repeats N] [--large [--large-epochs E]]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from bench_startup import row, section_startup
from torch.utils.flop_counter import FlopCounterMode

from mia_defense.allocator import keep_freed_memory
from mia_defense.cli.train import build_experiment
from mia_defense.data import load_digits
from mia_defense.defenses.dp import DPSGD
from mia_defense.defenses.release import FullRelease
from mia_defense.models import MLP, SmallCNN
from mia_defense.observations import MissingObservationError, Observations
from mia_defense.observe import observe
from mia_defense.plan import make_plan
from mia_defense.threads import intra_op_threads
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

ROOT = Path(__file__).resolve().parent.parent  # the repository
SIGMA = 1.0  # DP timings use a fixed noise multiplier: no ε search in the timed part


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` wall times of ``fn()`` (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


class Bench:
    """The digits MLP recipe of the default run, on one fixed plan per K."""

    def __init__(self, *, epochs: int, repeats: int) -> None:
        self.data = load_digits()
        self.config = TrainConfig(epochs=epochs, batch_size=64, lr=1e-3)
        self.repeats = repeats

    def kwargs(self, num_models: int, **config: Any) -> dict[str, Any]:
        plan = make_plan(
            self.data, num_models=num_models, population_size=1000, test_size=None, seed=0
        )
        return dict(
            build_model=lambda: MLP(
                input_shape=self.data.input_shape, num_classes=self.data.num_classes
            ),
            x=self.data.x[plan.population_idx],
            y=self.data.y[plan.population_idx],
            masks=plan.masks,
            x_test=self.data.x[plan.test_idx],
            y_test=self.data.y[plan.test_idx],
            config=replace(self.config, **config),
            seed=0,
            progress=False,
        )

    def sequential(
        self, num_models: int, defenses: Callable[[], list] = list, **config: Any
    ) -> float:
        """One model at a time (``train.engine=opacus``: K=1 chunks, no vmap, 1 thread)."""
        kw = self.kwargs(num_models, engine="opacus", **config)
        return best_of(
            self.repeats,
            lambda: train_ensemble(
                num_classes=self.data.num_classes, build_defenses=defenses, **kw
            ),
        )

    def stacked(
        self, num_models: int, defenses: Callable[[], list] = list, **config: Any
    ) -> float:
        """The stacked engine, on ``train.threads`` threads (default 1)."""
        kw = self.kwargs(num_models, **config)
        return best_of(
            self.repeats,
            lambda: train_ensemble(
                num_classes=self.data.num_classes, build_defenses=defenses, **kw
            ),
        )


def section_training(bench: Bench, sizes: list[int]) -> None:
    with intra_op_threads(0):
        cores = torch.get_num_threads()
    print(
        f"\n## Ensemble training ({bench.config.epochs} epochs, digits MLP 64-128-10, N=1000, "
        "curves every epoch)"
    )
    print("sequential: one model at a time (train.engine=opacus) on 1 thread;")
    print(f"stacked: the default train.threads=1; stacked all: train.threads=0 ({cores} here)")
    print(row("K", "sequential s", "stacked s", "stacked all s", "ratio"))
    for k in sizes:
        seq, one = bench.sequential(k), bench.stacked(k)
        every = f"{bench.stacked(k, threads=0):.2f}" if machine_idle() else "busy: skipped"
        print(row(k, f"{seq:.2f}", f"{one:.2f}", every, f"{seq / one:.1f}x"))
    k = 16
    print(f"\nK={k} with train.eval_every=5 (curves every 5th epoch, both paths):")
    seq, stk = bench.sequential(k, eval_every=5), bench.stacked(k, eval_every=5)
    print(row(k, f"{seq:.2f}", f"{stk:.2f}", "", f"{seq / stk:.1f}x"))


def machine_idle(threshold: float = 0.5) -> bool:
    """Whether the 1-minute load average leaves a core free (multi-thread timings mean
    something only then)."""
    return os.getloadavg()[0] < threshold


def section_threads(bench: Bench, k: int) -> None:
    # 2 threads on tiny ops can slow 10-30x on a busy 2-core machine: keep it short
    print(f"\n## Intra-op threads (K={k}, {bench.config.epochs} epochs)")
    if not machine_idle():
        print(f"skipped: load average {os.getloadavg()[0]:.2f}; a second thread beside other "
              "work waits at every op's barrier (minutes, not seconds)")
        return
    print(row("threads", "sequential s", "stacked s"))
    for threads in (1, 2):
        torch.set_num_threads(threads)
        seq, stk = bench.sequential(k), bench.stacked(k, threads=threads)
        print(row(threads, f"{seq:.2f}", f"{stk:.2f}"))
    torch.set_num_threads(1)


def _dp(**kw: Any) -> Callable[[], list]:
    return lambda: [DPSGD(noise_multiplier=SIGMA, max_grad_norm=1.0, **kw)]


def section_dp(bench: Bench, k: int) -> None:
    print(f"\n## DP-SGD (K={k}, sigma={SIGMA}, C=1, Poisson sampling; includes per-epoch eval)")
    start = time.perf_counter()
    bench.stacked(k, defenses=_dp(), epochs=1)  # fills the per-process cache of RDP curves
    print(
        "one-time RDP curves for this plan's sampling rates, then 1 epoch: "
        f"{time.perf_counter() - start:.2f} s (cached per process; excluded below)"
    )
    plain_seq = bench.sequential(k)
    opacus = bench.sequential(k, defenses=_dp())
    plain_stk = bench.stacked(k)
    ours = bench.stacked(k, defenses=_dp())
    print(row("path", "seconds", "per model", "vs plain"))
    print(row("one at a time, non-private", f"{plain_seq:.2f}", f"{plain_seq / k:.3f}", "1.0x"))
    print(row("one at a time, Opacus DP-SGD", f"{opacus:.2f}", f"{opacus / k:.3f}",
              f"{opacus / plain_seq:.1f}x"))
    print(row("stacked, non-private", f"{plain_stk:.2f}", f"{plain_stk / k:.3f}", "1.0x"))
    print(row("stacked, engine DP-SGD", f"{ours:.2f}", f"{ours / k:.3f}",
              f"{ours / plain_stk:.1f}x"))
    print(f"Opacus path / stacked DP path: {opacus / ours:.1f}x")


def section_cnn(repeats: int, k: int = 16, epochs: int = 3, device: str = "cpu") -> None:
    """Issue 16 target: a K=16 CNN on 8x8 digits images stacked >= 3x one at a time."""
    data = load_digits(images=True)  # (dataset=digits_images)
    images = data.x
    plan = make_plan(data, num_models=k, population_size=1000, test_size=None, seed=0)

    def run(engine: str, epochs: int = epochs, chunk_size: int | None = k) -> None:
        train_ensemble(
            build_model=lambda: SmallCNN(input_shape=(1, 8, 8), num_classes=10),
            x=images[plan.population_idx], y=data.y[plan.population_idx], masks=plan.masks,
            x_test=images[plan.test_idx], y_test=data.y[plan.test_idx], num_classes=10,
            config=TrainConfig(epochs=epochs, batch_size=64, engine=engine, device=device,
                               chunk_size=chunk_size),
            seed=0, progress=False,
        )

    # Warm-up, one epoch each way: the first convolutions pay oneDNN's (or the accelerator's)
    # set-up, which would otherwise fall on whichever path is timed first.
    run("opacus", epochs=1)
    run("stacked", epochs=1)
    alone = best_of(repeats, lambda: run("opacus"))
    stacked = best_of(repeats, lambda: run("stacked"))
    default = best_of(repeats, lambda: run("stacked", chunk_size=None))
    ratio = alone / stacked
    print(f"\n## K={k} SmallCNN on 8x8 digits images, {epochs} epochs, {device} "
          "(target: stacked >= 3x)")
    print(row("path", "seconds"))
    print(row("one at a time", f"{alone:.2f}"))
    print(row(f"stacked (train.chunk_size={k})", f"{stacked:.2f}",
              f"{ratio:.2f}x {verdict(ratio >= 3)}"))
    print(row("default (train.chunk_size=null)", f"{default:.2f}", f"{alone / default:.2f}x"))
    if device == "cpu":
        # However the K models are batched, they do this arithmetic; at the speed of a large
        # matrix product (this machine's best case) it takes `floor` seconds.
        with FlopCounterMode(display=False) as counter:
            run("opacus", epochs=1)
        flops = counter.get_total_flops() * epochs
        floor = flops / matmul_flops_per_second()
        print(row("arithmetic at peak matmul", f"{floor:.2f}",
                  f"<= {alone / floor:.1f}x possible"))
        print(f"({flops / 1e9:.0f} GFLOP; any stacked engine is at most {alone / floor:.1f}x "
              f"one at a time here, and only if every step ran at the speed of a large "
              f"matrix product)")


def matmul_flops_per_second(size: int = 2048, repeats: int = 5) -> float:
    """This process's best float32 matrix-product throughput, at its thread count."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    return 2 * size**3 / best_of(repeats, lambda: a @ b)


def section_defenses(repeats: int = 1) -> None:
    """Issue 16 target: every defense's default run within 1.2x the undefended one.

    ``repeats`` rounds in which every run takes its turn, so that a change of load hits them
    alike; each run's best wall time against the undefended one's (the verdict), and the same
    for CPU time (user + system of the process): a single run's wall time here varies by up
    to 20%, more than the margin, while its CPU time says what work the defense adds."""
    # Every run gets the 300 reference samples early stopping, AdvReg and distillation need.
    common = ["plan.reference_size=300"]
    names = ["none", "weight_decay", "dropout", "label_smoothing", "early_stopping", "mixup",
             "relaxloss", "advreg", "distillation", "dp"]
    runs: dict[str, list[ChildRun]] = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            runs[name].append(child_run([*common, f"defense={name}"]))
    print(f"\n## Every defense's default run vs the undefended one (plan.reference_size=300 "
          f"for all; best of {repeats} rounds, each run in turn; target <= 1.2x)")
    print(row("run", "wall s", "vs undefended", "CPU s", "vs undefended"))
    plain_wall = min(run.wall for run in runs["none"])
    plain_cpu = min(run.cpu for run in runs["none"])
    for name in names:
        wall = min(run.wall for run in runs[name])
        cpu = min(run.cpu for run in runs[name])
        failed = next((run.failed for run in runs[name] if run.failed), "")
        ok = wall / plain_wall <= 1.2 and not failed
        shown = "undefended" if name == "none" else name
        print(row(shown, f"{wall:.1f}", f"{wall / plain_wall:.2f}x {verdict(ok)}",
                  f"{cpu:.1f}", f"{cpu / plain_cpu:.2f}x") + failed)


def section_code_size() -> None:
    """Issue 16 target: the training package under 1,700 lines."""
    package = Path(__file__).resolve().parents[1] / "mia_defense" / "training"
    lines = sum(len(f.read_text().splitlines()) for f in package.glob("*.py"))
    print(f"\n## Training package: {lines} lines (target < 1700: {verdict(lines < 1700)})")


def section_attacks(bench: Bench, k: int) -> None:
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=[f"plan.num_models={k}", "progress=false"])
    experiment = build_experiment(cfg)
    kw = bench.kwargs(k)
    ensemble = train_ensemble(num_classes=bench.data.num_classes, **kw)
    start = time.perf_counter()
    obs = Observations(
        log_probs=observe(ensemble.models, kw["x"], release=FullRelease()),
        labels=kw["y"],
        masks=kw["masks"],
    )
    observe(ensemble.models, kw["x_test"], release=FullRelease())
    observed = time.perf_counter() - start
    print(f"\n## Observation and attacks (K={k}, N={len(kw['y'])}, all targets)")
    print(row("step", "seconds"))
    print(row("observe (population + test)", f"{observed:.2f}"))
    targets = np.arange(k)
    for name, attack in experiment.attacks.items():
        start = time.perf_counter()
        # (the attacks' own warnings, e.g. label_only's gap-attack fallback without augmented
        # queries, printed a log line into the middle of this block)
        logging.disable(logging.WARNING)
        try:
            attack(obs, targets)
        except MissingObservationError as exc:  # e.g. white-box attacks: not in the default run
            print(row(f"attack {name}", f"skipped ({str(exc).split('; ')[-1]})"))
            continue
        finally:
            logging.disable(logging.NOTSET)
        print(row(f"attack {name}", f"{time.perf_counter() - start:.2f}"))


def section_profile(bench: Bench, k: int) -> None:
    """Where the engine's time goes: wall-clock timers around its stages."""
    from collections import Counter

    import mia_defense.training.engine as engine

    spent: Counter[str] = Counter()
    originals = []

    def timed(owner: Any, name: str) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        setattr(owner, name, wrapper)

    # the engine's optimizer_step, not Adam.step: a wrapped step is no longer torch's own,
    # so the engine would take torch's path, which imports torch._dynamo (3 s) on first use
    for owner, name in [(engine, "_step"), (engine, "_evaluate"), (engine, "gather_batch"),
                        (engine, "optimizer_step")]:
        timed(owner, name)
    repeats, bench.repeats = bench.repeats, 1  # the timers add up over one run
    try:
        total = bench.stacked(k)
    finally:
        bench.repeats = repeats
        for owner, name, original in originals:
            setattr(owner, name, original)
    parts = {
        "forward + backward (autograd)": spent["_step"] - spent["optimizer_step"],
        "Adam (torch.optim, fused)": spent["optimizer_step"],
        "curves (members + test)": spent["_evaluate"],
        "batch gathers": spent["gather_batch"],
    }
    parts["the rest (set-up, shuffles, Python)"] = total - spent["_step"] - spent["_evaluate"] \
        - spent["gather_batch"]
    print(f"\n## Where the engine's time goes (K={k}, {bench.config.epochs} epochs, timers on)")
    print(row("stage", "seconds", "share"))
    for name, seconds in parts.items():
        print(row(name, f"{seconds:.3f}", f"{seconds / total:.0%}"))
    print(row("total", f"{total:.3f}"))


def section_cli(overrides_list: list[list[str]]) -> None:
    print("\n## mia-train from the command line (subprocess wall time, imports included)")
    exe = Path(sys.executable).with_name("mia-train")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "mia_defense.cli.train"]
    print(row("overrides", "wall s"))
    walls = []
    for overrides in overrides_list:
        run_dir = Path(tempfile.mkdtemp(prefix="mia-bench-"))
        start = time.perf_counter()
        proc = subprocess.run(
            [*command, f"hydra.run.dir={run_dir}", "progress=false", *overrides],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        shutil.rmtree(run_dir, ignore_errors=True)
        status = "" if proc.returncode == 0 else f"  FAILED: {proc.stderr.strip()[-300:]}"
        print(row(" ".join(overrides) or "(default)", f"{wall:.1f}") + status)
        walls.append(wall)
    if len(walls) == 2:
        ratio = walls[1] / walls[0]
        print(f"K=64 / K=16: {ratio:.2f}x (target <= 2x: {verdict(ratio <= 2)})")


def section_study() -> None:
    """Target 5: the 19-run digits study (make study-digits) under 90 s."""
    print("\n## Study 1, the 19-run digits tradeoff (experiments/digits_tradeoff/run.sh)")
    with tempfile.TemporaryDirectory(prefix="mia-bench-study-") as root:
        start = time.perf_counter()
        proc = subprocess.run(
            ["bash", str(ROOT / "experiments/digits_tradeoff/run.sh"), root],
            capture_output=True, text=True, check=False, env={**os.environ, "RECORD": "0"},
        )
        wall = time.perf_counter() - start
    failed = "" if proc.returncode == 0 else f"  FAILED: {proc.stderr.strip()[-300:]}"
    print(row("wall s", f"{wall:.1f}", f"target < 90 s: {verdict(wall < 90)}") + failed)


def section_tests() -> None:
    """Target 7: the fast test suite (make test's pytest, a worker per core) under 3 minutes."""
    print("\n## make test's pytest (the fast suite, pytest -n auto: one worker per core)")
    start = time.perf_counter()
    proc = subprocess.run(  # as make test runs it: with the rewritten test modules' bytecode
        [sys.executable, "-m", "pytest", "-q", "-n", "auto", "-p", "no:cacheprovider", "-rf"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )
    wall = time.perf_counter() - start
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    ok = wall < 180 and proc.returncode == 0
    print(row("wall s", f"{wall:.1f}", f"target < 180 s: {verdict(ok)}") + f"  {summary}")
    for line in proc.stdout.splitlines():  # which tests failed, for whoever reads a miss
        if line.startswith("FAILED "):
            print(f"  {line[:300]}")


def _mia_train() -> list[str]:
    exe = Path(sys.executable).with_name("mia-train")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mia_defense.cli.train"]


@dataclass(frozen=True)
class ChildRun:
    """One ``mia-train`` in a fresh process: wall and CPU seconds (user + system, the
    child's own ``rusage``; ``system`` alone), peak RSS bytes, failure ("" when it
    succeeded), results.json."""

    wall: float
    cpu: float
    system: float
    peak: int
    failed: str
    results: dict[str, Any]


def child_run(overrides: list[str], *, env: dict[str, str] | None = None) -> ChildRun:
    """``mia-train`` with ``overrides`` in a fresh process, in a temporary run directory."""
    run_dir = Path(tempfile.mkdtemp(prefix="mia-bench-"))
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*_mia_train(), f"hydra.run.dir={run_dir}", "progress=false", *overrides],
            stdout=subprocess.DEVNULL, stderr=err, env=env,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace").strip()[-300:]
    results = run_dir / "results.json"
    payload = json.loads(results.read_text()) if results.exists() else {}
    shutil.rmtree(run_dir, ignore_errors=True)
    failed = "" if proc.returncode == 0 else f"FAILED: {tail}"
    return ChildRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_stime,
                    usage.ru_maxrss * 1024, failed, payload)  # fmt: skip


# Runs the default pipeline in this process and writes, at exit, the modules it imported
# from outside the standard library and this package, in the order they were first imported.
_RECORD_IMPORTS = """
import atexit, runpy, sys
def _write(path=sys.argv[1]):
    skip = set(sys.stdlib_module_names) | {"mia_defense", "hydra_plugins", "__main__"}
    names = [n for n in list(sys.modules) if n.split(".")[0] not in skip and n[0] != "_"]
    open(path, "w").write("\\n".join(names))
atexit.register(_write)
sys.argv = ["mia-train", *sys.argv[2:]]
runpy.run_module("mia_defense.cli.train", run_name="__main__")
"""
_REPLAY_IMPORTS = """
import gc, importlib, sys
gc.disable()  # as the tools import (mia_defense.collector)
failed = 0
for name in open(sys.argv[1]).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        failed += 1  # a module that only imports inside its package's own import
sys.exit(failed > 10)
"""


def library_import_seconds(repeats: int) -> tuple[float, int, dict[str, float]]:
    """Best wall time of a fresh process that only imports what the default run imports
    from other packages (torch, scikit-learn, scipy, matplotlib, TensorBoard, Hydra...),
    replayed in the run's order; how many modules that is; and the seconds each top-level
    package's own modules take to import (``python -X importtime``, self times)."""
    with tempfile.TemporaryDirectory(prefix="mia-bench-imports-") as tmp:
        names = Path(tmp) / "modules.txt"
        subprocess.run(
            [sys.executable, "-c", _RECORD_IMPORTS, str(names), f"hydra.run.dir={tmp}/run",
             "progress=false"], check=True, cwd=tmp, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        count = len(names.read_text().split())
        seconds = best_of(repeats, lambda: subprocess.run(
            [sys.executable, "-c", _REPLAY_IMPORTS, str(names)], check=True, cwd=tmp))
        timed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", _REPLAY_IMPORTS, str(names)],
            check=True, cwd=tmp, capture_output=True, text=True,
        )
    packages: dict[str, float] = {}
    for line in timed.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            package = fields[2].strip().split(".")[0]
            packages[package] = packages.get(package, 0.0) + int(fields[0]) / 1e6
    return seconds, count, packages


def section_stages(repeats: int) -> None:
    """Issue 17 target 2: the default run, process start to exit, within 2.5 s of
    ``python -c "import torch"``; where its time goes, stage by stage, and how much of the
    2.5 s the imports of the libraries the run uses take before any work starts."""
    torch_import = best_of(repeats, lambda: subprocess.run(
        [sys.executable, "-c", "import torch"], check=True))
    libraries, modules, packages = library_import_seconds(repeats)
    best = min((child_run([]) for _ in range(repeats)), key=lambda run: run.wall)
    wall, failed, payload = best.wall, best.failed, best.results
    print("\n## The default run, stage by stage (best of "
          f"{repeats}; target: at most python -c 'import torch' + 2.5 s)")
    print(row("stage", "seconds", "share"))
    stages = payload.get("timings", {})
    rest = wall - sum(stages.values())
    for name, seconds in [("start-up: imports, config, data", rest), *stages.items()]:
        print(row(name, f"{seconds:.2f}", f"{seconds / wall:.0%}"))
    for name, attack in payload.get("attacks", {}).items():
        print(row(f"  attack {name} (scores)", f"{attack['seconds']:.2f}"))
    excess = wall - torch_import
    print(row("process start to exit", f"{wall:.2f}") + failed)
    print(row('python -c "import torch"', f"{torch_import:.2f}"))
    print(row(f"imports only ({modules} modules)", f"{libraries:.2f}",
              f"+{libraries - torch_import:.2f} over torch"))
    heaviest = sorted(packages.items(), key=lambda item: -item[1])[:6]
    print("  the packages' own import times (-X importtime): " + ", ".join(
        f"{name} {seconds:.2f}" for name, seconds in heaviest))
    print(f"default run - import torch: {excess:.2f} s ({verdict(excess <= 2.5)}); "
          f"of which importing the run's libraries alone: {libraries - torch_import:.2f} s")


def section_allocator(repeats: int) -> None:
    """The default run with glibc's own malloc thresholds (``MIA_DEFENSE_SYSTEM_MALLOC=1``)
    and with the ones the tools set (`mia_defense.allocator`), in turn: the system time is
    the page faults of memory handed back to the kernel and faulted in again."""
    from mia_defense.allocator import OPT_OUT

    runs: dict[str, list[ChildRun]] = {"glibc's thresholds": [], "freed memory kept": []}
    for _ in range(repeats):
        runs["glibc's thresholds"].append(child_run([], env={**os.environ, OPT_OUT: "1"}))
        runs["freed memory kept"].append(child_run([]))
    print(f"\n## Freed memory kept (the default run, best of {repeats}, in turn)")
    print(row("allocator", "wall s", "CPU s", "system s", "peak RSS MB"))
    for name, child in runs.items():
        print(row(name, f"{min(r.wall for r in child):.2f}", f"{min(r.cpu for r in child):.2f}",
                  f"{min(r.system for r in child):.2f}",
                  f"{max(r.peak for r in child) / 2**20:.0f}")
              + next((r.failed for r in child if r.failed), ""))


def verdict(ok: bool) -> str:
    return "pass" if ok else "miss"


def section_dp_target(repeats: int = 3) -> None:
    """Target 3: ``defense=dp`` (target ε) within 1.3x the undefended default run (best of
    ``repeats``, the three runs taking turns, each turn with an empty σ cache first)."""
    labels = ("undefended", "dp, empty sigma cache", "dp, sigma cached")
    walls: dict[str, list[float]] = {label: [] for label in labels}
    failures = dict.fromkeys(labels, "")
    searches = 0
    for _ in range(repeats):
        run = child_run([])
        walls["undefended"].append(run.wall)
        failures["undefended"] = failures["undefended"] or run.failed
        with tempfile.TemporaryDirectory(prefix="mia-bench-sigma-") as cache:
            env = {**os.environ, "MIA_DEFENSE_CACHE_DIR": cache}
            for label in labels[1:]:
                run = child_run(["defense=dp"], env=env)
                walls[label].append(run.wall)
                failures[label] = failures[label] or run.failed
                if label == labels[1]:
                    searches = len(list(Path(cache).glob("sigma/*.json")))
    print(f"\n## defense=dp with a target epsilon vs the undefended default run (best of "
          f"{repeats}; target <= 1.3x)")
    print(row("run", "wall s", "vs undefended"))
    plain = min(walls["undefended"])
    print(row("undefended", f"{plain:.1f}", "1.0x") + failures["undefended"])
    for label in labels[1:]:
        ratio = min(walls[label]) / plain
        print(row(label, f"{min(walls[label]):.1f}", f"{ratio:.2f}x {verdict(ratio <= 1.3)}")
              + failures[label])
    print(f"sigma searches in a dp run with an empty cache (cache entries written): {searches}")


def section_memory(epochs: int) -> None:
    """Target 6: a purchase-like run, 50,000 records, K=64, within 8 GB peak RSS."""
    overrides = [
        "dataset=purchase_like", "dataset.num_samples=60000", "plan.population_size=50000",
        "plan.test_size=10000", "plan.num_models=64", f"train.epochs={epochs}",
    ]
    print("\n## Peak RSS of a large run (target <= 8 GB)")
    run = child_run(overrides)
    print(row("overrides", "wall s", "peak RSS GB"))
    print(row(" ".join(overrides[1:]), f"{run.wall:.0f}",
              f"{run.peak / 2**30:.2f} {verdict(run.peak <= 8 * 2**30 and not run.failed)}")
          + run.failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (5 epochs)")
    parser.add_argument("--repeats", type=int, default=1, help="best of N for each timing")
    parser.add_argument("--large", action="store_true",
                        help="also the 50,000-record, K=64 purchase-like run (peak RSS)")
    parser.add_argument("--large-epochs", type=int, default=1,
                        help="epochs of the large run (memory does not grow with them)")
    parser.add_argument("--study", action="store_true",
                        help="also time study 1 (make study-digits, about a minute)")
    parser.add_argument("--tests", action="store_true",
                        help="also time make test's pytest (a few minutes)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    kept = keep_freed_memory()  # as mia-train and mia-attack do, for the in-process sections
    epochs = 5 if args.quick else 30
    bench = Bench(epochs=epochs, repeats=args.repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"{'quick' if args.quick else 'full'} run, "
          f"freed memory {'kept' if kept else 'returned to the OS'} (mia_defense.allocator)")
    # warm-up: first calls pay for lazy initialisation (allocator, kernels, imports)
    bench.sequential(4, epochs=1)
    bench.stacked(4, epochs=1)
    section_startup(max(3, args.repeats))
    section_training(bench, [4, 16] if args.quick else [4, 16, 64])
    section_threads(Bench(epochs=5, repeats=args.repeats), 16)
    section_profile(bench, 16)
    section_dp(bench, 16)
    section_cnn(args.repeats, epochs=1 if args.quick else 3)
    section_attacks(bench, 16)
    cli_runs = [[]] if args.quick else [[], ["plan.num_models=64"]]
    section_cli(cli_runs)
    section_stages(max(2, args.repeats))
    section_allocator(max(3, args.repeats))
    section_dp_target(1 if args.quick else max(args.repeats, 3))
    if not args.quick:
        # Best of 3 at least: single runs vary by about 10% here, more than some margins.
        section_defenses(max(args.repeats, 3))
    section_code_size()
    if args.study:
        section_study()
    if args.tests:
        section_tests()
    if args.large:
        section_memory(args.large_epochs)
    else:
        print("\n## Peak RSS of a large run (target <= 8 GB): not measured here "
              "(--large: a 50,000-record, K=64 run of about 40 minutes)")


if __name__ == "__main__":
    main()
