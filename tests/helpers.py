"""Synthetic observations with a known membership signal, shared by the tests."""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import io
import logging
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import numpy as np
import pytest
import torch

from mia_defense.observations import Observations
from mia_defense.plan import balanced_masks


def synthetic_observations(
    *,
    num_models: int = 16,
    num_samples: int = 500,
    num_classes: int = 10,
    signal: float = 3.0,
    seed: int = 0,
) -> Observations:
    """K models' log-probabilities where members' true-class logit is ``signal`` higher.

    Each sample has its own difficulty (mean true-class logit), as real data does, so
    attacks that calibrate per example (LiRA) have something to gain. ``signal=0`` gives
    members and non-members the same distribution.
    """
    rng = np.random.default_rng(seed)
    masks = balanced_masks(num_models, num_samples, rng)
    labels = rng.integers(0, num_classes, num_samples)
    difficulty = rng.normal(2.0, 2.0, num_samples)
    logits = rng.normal(0.0, 1.0, (num_models, num_samples, num_classes))
    true_logit = difficulty + signal * masks + rng.normal(0.0, 0.5, masks.shape)
    logits[:, np.arange(num_samples), labels] = true_logit
    log_probs = torch.log_softmax(torch.as_tensor(logits), dim=-1).numpy().astype(np.float32)
    return Observations(log_probs=log_probs, labels=labels, masks=masks)


# Tiny and quick: one epoch, no bootstrap, no extra queries, no white-box attack, no Shokri.
FAST = [
    "train.epochs=1",
    "figures=false",
    "attack.bootstrap=0",
    "attack.queries.num_augmented=0",
    "attack.white_box=false",
    "~attack.attacks.shokri",
]

# 100 members per model, a wide MLP, 60 epochs: train accuracy 1.0, test ~0.88 (digits).
OVERFIT = [
    "plan.num_models=8",
    "plan.population_size=200",
    "train.epochs=60",
    "train.batch_size=32",
    "train.lr=0.003",
    "model.hidden=[256]",
]

# The attack stage without its slow extras (bootstrap intervals, augmented queries, the
# white-box attack, Shokri's shadow classifier): for tests whose point is the loss/LiRA/RMIA
# figures of a run, not those extras (they are checked by tests of their own).
LEAN_ATTACKS = [
    "figures=false",
    "attack.bootstrap=0",
    "attack.queries.num_augmented=0",
    "attack.white_box=false",
    "~attack.attacks.shokri",
]


@dataclass(frozen=True)
class Done:
    """What a console script gave: exit code, stdout and stderr (as `subprocess.run`)."""

    returncode: int
    stdout: str
    stderr: str


def write_with_extra(obs: Observations, path: Path, **extra: np.ndarray) -> None:
    """``obs`` saved, then written again with ``extra`` arrays beside by hand
    (``np.savez``): a file that `Observations.save` refuses to write (copy_groups that do
    not fit), for the tests of its readers' refusals."""
    obs.save(path)
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files}
    np.savez(path, **arrays, **extra)


def overridden(base: Sequence[str], *overrides: str) -> list[str]:
    """``base`` without its overrides of the keys that ``overrides`` set, then ``overrides``:
    mia-train and mia-attack refuse a key given twice (Hydra kept the last)."""
    keys = {override.split("=", 1)[0].lstrip("+~") for override in overrides}
    kept = [arg for arg in base if arg.split("=", 1)[0].lstrip("+~") not in keys]
    return [*kept, *overrides]


def mia_train(*args: str, cwd: Path) -> Done:
    """``mia-train ARGS`` started in ``cwd``, run in this process (no interpreter start-up).

    Everything the command changes in the process is put back: the working directory,
    ``sys.argv``, ``sys.path`` (the launch-dir callback appends ``cwd``), the logging set-up
    Hydra installs, its job config and `mia_defense.cli.train`'s task flag. ``sys.stdout``
    and ``sys.stderr`` are captured; Hydra points its log handlers at them when the command
    starts, so log lines are in ``stderr`` as from the console script.
    """
    import mia_defense.cli.train as cli

    return _in_process(cli, "mia-train", args, cwd)


def refused_before_run_dir(*overrides: str, cwd: Path) -> str:
    """``mia-train OVERRIDES`` into ``cwd/run`` (progress off), which must refuse them with
    exit 2 before making that run directory (a refused config left a folder holding only the
    error's log); its stderr, for the caller to check the message."""
    run_dir = cwd / "run"
    done = mia_train(*overrides, f"hydra.run.dir={run_dir}", "progress=false", cwd=cwd)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not run_dir.exists()
    return done.stderr


def refusal_line(*args: str, cwd: Path) -> str:
    """The one line of stderr with which `refused_before_run_dir` refuses ``mia-train ARGS``
    (blank lines aside): a config refused in Hydra's words took a page."""
    said = refused_before_run_dir(*args, cwd=cwd)
    lines = [line for line in said.splitlines() if line.strip()]
    assert len(lines) == 1, "\n".join(lines)[-2000:]
    return lines[0]


def own_config_refusal(tmp_path: Path, files: dict[str, str],
                       tool: Callable[..., Done] | None = None, *args: str) -> str:
    """The one line with which ``tool`` (`mia_train` by default) refuses the config ``own`` of
    the folder ``tmp_path/c`` holding ``files`` (name: text), before any run folder is made
    (an empty o.npz beside it for mia-attack)."""
    tool = tool or mia_train
    for name, text in files.items():
        (tmp_path / "c" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "c" / name).write_text(text)
    (tmp_path / "o.npz").write_bytes(b"")
    done = tool("--config-dir", "c", "--config-name", "own", *args,
                f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'run'}",
                cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and not (tmp_path / "run").exists(), done.stderr[-2000:]
    assert "nothing was run" in lines[0], lines[0]
    return lines[0]


def mia_attack(*args: str, cwd: Path) -> Done:
    """``mia-attack ARGS`` started in ``cwd``, run in this process, as `mia_train`."""
    import mia_defense.cli.attack as cli

    return _in_process(cli, "mia-attack", args, cwd)


def _in_process(cli: ModuleType, prog: str, args: tuple[str, ...], cwd: Path) -> Done:
    """``cli.main()`` as the console script ``prog`` would run it (see `mia_train`)."""
    from hydra.core.hydra_config import HydraConfig

    root = logging.getLogger()
    saved_logging = (root.level, root.handlers[:])
    saved = (os.getcwd(), sys.argv, sys.path[:], sys.stdout, sys.stderr)
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    try:
        os.chdir(cwd)
        sys.argv = [prog, *args]
        sys.stdout, sys.stderr = out, err
        cli._TASK_STARTED = False
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code
    finally:
        os.chdir(saved[0])
        sys.argv, sys.stdout, sys.stderr = saved[1], saved[3], saved[4]
        sys.path[:] = saved[2]
        for handler in root.handlers[:]:
            if handler not in saved_logging[1]:
                root.removeHandler(handler)
                handler.close()
        for handler in saved_logging[1]:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(saved_logging[0])
        HydraConfig.instance().cfg = None  # as in a fresh process: no Hydra job running
    returncode = 0 if code is None else code if isinstance(code, int) else 1
    return Done(returncode=returncode, stdout=out.getvalue(), stderr=err.getvalue())


class Blocked(BaseException):
    """Raised by `within`: not an OSError (TimeoutError is one), so no ``except OSError``
    of the code under test swallows it."""


@contextlib.contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body blocks longer than ``seconds``
    (a read of a FIFO, say)."""

    def blocked(signum: int, frame: object) -> None:
        raise Blocked(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


T = TypeVar("T")


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """``build(folder)`` once per test session, ``folder`` a new directory: under
    pytest-xdist, by the first worker to ask, under a lock; the others wait for it and get a
    copy of its (pickled) value, the folder it built in included. Each worker would otherwise
    train the same runs again (the scheduler splits most modules across the workers, and
    session fixtures serve several). Read the folder, never write into it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build(factory.mktemp(name))
    shared = factory.getbasetemp().parent  # the session's folder, above each worker's own
    done = shared / f"built-{name}.pickle"
    with open(shared / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.exists():
            return pickle.loads(done.read_bytes())
        value = build(Path(tempfile.mkdtemp(prefix=f"{name}-", dir=shared)))
        done.write_bytes(pickle.dumps(value))
        return value


def load_script(path: Path, name: str) -> ModuleType:
    """A script outside the package (a study's summary script under experiments/), imported
    from its file as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split_truth(targets: int = 4, records: int = 400, seed: int = 0) -> np.ndarray:
    """[targets, records] membership, each row a random half of the records."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(records) < records // 2 for _ in range(targets)])


def scored_attack(name: str, scores: np.ndarray, truth: np.ndarray, access: str = "outputs"):
    """``evaluate``'s AttackResult of ``scores`` against ``truth`` at 10% and 1% FPR (100
    bootstrap resamples), read with the given access level (the inverted-scores tests)."""
    from dataclasses import replace

    from mia_defense.attacks.runner import EvaluationConfig, evaluate

    config = EvaluationConfig(fprs=(0.1, 0.01), bootstrap=100)
    result = evaluate(name, scores, truth, targets=np.arange(len(truth)), config=config)
    return replace(result, access=access)


def member_signal(truth: np.ndarray, strength: float, seed: int) -> np.ndarray:
    """Standard normal scores, ``strength`` higher for members."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=truth.shape) + strength * truth


def attack_with_claim(privacy: dict, *, signal: float = 4.0) -> tuple:
    """`attack_observations` of the loss attack on 8 synthetic models of 400 samples (member
    ``signal``), with the run's ``privacy`` figures (a DP claim) checked against it."""
    from mia_defense.attacks import loss_attack
    from mia_defense.attacks.runner import EvaluationConfig
    from mia_defense.pipeline.evaluate import attack_observations

    obs = synthetic_observations(num_models=8, num_samples=400, signal=signal)
    utility = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
               "chance_accuracy": 0.1}
    return attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(8),
        evaluation=EvaluationConfig(fprs=(0.01,), bootstrap=0), is_canary=np.zeros(400, bool),
        population_idx=np.arange(400), utility=utility, privacy=privacy, defense={},
        training={},
    )


def hold_run_lock(folder: Path) -> int:
    """Hold ``folder``'s run lock (.lock) in this process, as a running mia-train or
    mia-attack does; the lock goes with the returned descriptor (``os.close``)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.pwrite(fd, b"pid 1 on elsewhere since 2026-01-01 00:00:00\n", 0)
    return fd


def in_a_child(function: Callable[[], int | None], *, timeout: int = 120) -> Done:
    """``function()`` run in a forked child of this process as a command of its own would
    run: its exit status (what it returns, 0 for None; 1, its traceback on stderr, if it
    raises; -N where signal N ends it) and what it wrote to its stdout and stderr (file
    descriptors 1 and 2, C's writes too). Its changes (patches, limits) end with it. The child
    has this process's modules loaded already: a fresh interpreter spent 1-2 s importing the
    report's or the training's stack."""
    import traceback

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: it never returns into pytest
            code: Any = 1
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
                logging.getLogger().handlers.clear()  # (pytest's): as in a fresh process
                code = function()
            except SystemExit as exc:  # (a message in place of a status: printed, 1)
                code = exc.code
                if not (code is None or isinstance(code, int)):
                    print(code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
            finally:
                with contextlib.suppress(BaseException):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(0 if code is None else code if isinstance(code, int) else 1)
        try:
            with within(timeout):
                _, status = os.waitpid(pid, 0)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        out.seek(0)
        err.seek(0)
        return Done(returncode=os.waitstatus_to_exitcode(status),
                    stdout=out.read().decode(errors="replace"),
                    stderr=err.read().decode(errors="replace"))  # fmt: skip


def checkout_open_to_others() -> bool:
    """Whether another user (`as_unprivileged`'s nobody) can read this checkout: each folder
    from / to the repository's conf/ searchable by others, conf/ and the package readable. A
    clean clone under a private folder (mktemp -d, 0700: .ci/run's clone here) is not, and a
    whole run as nobody then fails reading the configs, not on what a test checks."""
    root = Path(__file__).resolve().parent.parent
    folders = [*reversed(root.parents), root]
    readable = (root / "conf", root / "mia_defense")
    return all(folder.stat().st_mode & 0o001 for folder in folders) and all(
        folder.stat().st_mode & 0o005 == 0o005 for folder in readable)


def as_unprivileged(function: Callable[[], str], *, timeout: int = 120) -> str:
    """What ``function()`` returns, called as user nobody where this process is root (root
    ignores file permissions), else as this user: in a forked child of this process, which
    has the modules it needs loaded already (a fresh interpreter spent about 2 s importing
    torch) and needs no access to this checkout. The child's traceback fails the test."""
    import traceback

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: it never returns into pytest
        code = 1
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            said, code = function(), 0
        except BaseException:
            said = traceback.format_exc()
        try:
            with os.fdopen(write, "w", encoding="utf-8") as pipe:
                pipe.write(said)
        finally:
            os._exit(code)
    os.close(write)
    try:
        with within(timeout), os.fdopen(read, encoding="utf-8") as pipe:
            said = pipe.read()
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, said
    return said


def stopped_joblib_sweep(
    tmp_path: Path, epochs: str, *, ready: Callable[[Path], bool],
    stop: Callable[[int], None], timeout: int = 120,
) -> tuple[int, str, Path]:
    """Run ``mia-train -m launcher=joblib`` (two models, `LEAN_ATTACKS`) over
    ``train.epochs=<epochs>`` in a session of its own; once ``ready(sweep_dir)``, call
    ``stop(pid)`` (a signal to the process or its group). Its exit code, its stderr and the
    sweep folder; killed if still running after 60 s."""
    import subprocess
    import time

    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    tool = Path(sys.executable).with_name("mia-train")
    sweep = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    with (tmp_path / "err").open("w") as err:
        started = subprocess.Popen(
            [str(tool), "-m", "launcher=joblib", "plan.num_models=2", "progress=false",
             f"train.epochs={epochs}", *LEAN_ATTACKS, f"hydra.sweep.dir={sweep}"],
            stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True,
            cwd=tmp_path,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while not ready(sweep):  # (an end or a wait this long: said with its stderr)
                ended = started.poll()
                if ended is not None or time.monotonic() >= deadline:
                    how = f"exited {ended}" if ended is not None else f"not ready in {timeout} s"
                    pytest.fail(f"the sweep {how} before the stop (a signal: negative); its "
                                f"stderr:\n{(tmp_path / 'err').read_text()[-3000:]}")
                time.sleep(0.2)
            stop(started.pid)
            code = started.wait(timeout=60)
        finally:
            if started.poll() is None:
                os.killpg(started.pid, signal.SIGKILL)
    return code, (tmp_path / "err").read_text(), sweep


def both_jobs_training(sweep: Path) -> bool:
    """Whether both jobs of `stopped_joblib_sweep` began (each has its results.json)."""
    return len(list(sweep.glob("*/results.json"))) >= 2


def killed_while_running(run_dir: Path, config: dict[str, Any], *, train_log: bool = False) -> None:
    """A writer that claims ``run_dir``, marks it running under ``config`` (and, with
    ``train_log``, writes a train.log), then is killed by SIGKILL, in a forked child: the
    run a SIGKILL or the OOM killer leaves behind."""
    from mia_defense.tracking.run_dir import claim_run_dir, mark_run

    def writer() -> None:
        with claim_run_dir(run_dir):
            mark_run(run_dir, status="running", config=config, data_fingerprint="f")
            if train_log:
                (run_dir / "train.log").write_text("training\n")
            os.kill(os.getpid(), signal.SIGKILL)

    assert in_a_child(writer).returncode == -signal.SIGKILL


def composition_refused(overrides: Sequence[str], *, multirun: bool = False) -> Exception:
    """The error the tools' config loader (Hydra's, guarded by `mia_defense.hydra_guard`)
    raises composing the packaged config with ``overrides``: a `ConfigError` where it is
    reworded, Hydra's ConfigCompositionException otherwise."""
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import ConfigCompositionException
    from hydra.types import RunMode

    from mia_defense.errors import ConfigError

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        with pytest.raises((ConfigError, ConfigCompositionException)) as refused:
            loader.load_configuration("config", list(overrides), run_mode=RunMode.MULTIRUN
                                      if multirun else RunMode.RUN)  # fmt: skip
    return refused.value


def trained_privacy(attacked: dict[str, Any]) -> dict[str, Any]:
    """The privacy section of mia-attack's record ``attacked`` as mia-train's record of the
    same run holds it: less mia-attack's own check of the masks it was given
    (``masks_suspect``, null on a run's own masks)."""
    privacy = dict(attacked["privacy"])
    assert privacy.pop("masks_suspect") is None
    return privacy


def trained_under_dp(build_model: Callable[[], torch.nn.Module], *, features: int,
                     classes: int, max_physical_batch_size: int | None = None,
                     **config: Any) -> Any:
    """Two models of ``build_model`` trained stacked under DP-SGD (σ=1) on 40 random records
    of ``features`` features and ``classes`` classes, about half of them each model's
    members; ``config`` goes to TrainConfig (besides epochs=1, batch_size=8, lr=0.05). What
    the tests of DP-SGD's refusals of users' modules train."""
    from mia_defense.defenses.dp import DPSGD
    from mia_defense.training.config import TrainConfig
    from mia_defense.training.ensemble import train_ensemble

    records = 40
    gen = torch.Generator().manual_seed(0)
    x = torch.randn((records, features), generator=gen)
    y = torch.randint(0, classes, (records,), generator=gen)
    return train_ensemble(
        build_model=build_model, x=x.numpy(), y=y.numpy(),
        masks=np.random.default_rng(0).random((2, records)) < 0.5, x_test=x[:10].numpy(),
        y_test=y[:10].numpy(), num_classes=classes, seed=0, progress=False,
        config=TrainConfig(epochs=1, batch_size=8, lr=0.05, **config),
        build_defenses=lambda: [DPSGD(noise_multiplier=1.0,
                                      max_physical_batch_size=max_physical_batch_size)],
    )  # fmt: skip
