"""The library called from a user's process (a notebook, a sweep loop of their own): a call
leaves the process as it found it, and two calls from two threads run one after the other.

Before: `mia_defense.cli.train.run` left torch, OpenMP and BLAS on one thread for the rest of
the process and moved a user's seeded Python ``random`` stream (the first run imports rich,
which draws on import); two runs from two threads (defense=dropout) trained other weights
each time, both seeding torch's global generator for their models' draws, and could leave
sys.stdout on stderr (each redirects it while it runs)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from threadpoolctl import threadpool_info

from mia_defense import api, api_models
from mia_defense.cli import build
from mia_defense.cli.train import run


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info()]


@contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _fake_pipeline(monkeypatch: pytest.MonkeyPatch, inside: Callable[[], Any]) -> None:
    """`run` with its pipeline replaced by ``inside`` (the claim of the folder included)."""

    @contextmanager
    def claimed(cfg: Any, run_dir: Path) -> Iterator[tuple[None, None, None]]:
        yield None, None, None

    monkeypatch.setattr(build, "claimed_run", claimed)
    monkeypatch.setattr(build, "run_experiment", lambda *args, **kwargs: inside())


_CFG = OmegaConf.create({"progress": False})


@pytest.mark.parametrize("ends", ["returns", "interrupted"])
def test_a_run_leaves_threads_and_the_python_random_stream_as_it_found_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ends: str
) -> None:
    seen = []

    def inside() -> str:
        seen.append(torch.get_num_threads())
        random.random()  # as rich's first import does
        if ends == "interrupted":
            raise KeyboardInterrupt
        return "done"

    _fake_pipeline(monkeypatch, inside)
    with _torch_threads(2):
        blas = _blas_threads()
        random.seed(0)
        try:
            run(_CFG, tmp_path)
        except KeyboardInterrupt:
            assert ends == "interrupted"
        assert seen == [1]  # the run itself on one thread
        assert torch.get_num_threads() == 2
        assert _blas_threads() == blas
        assert random.random() == random.Random(0).random()


def _observe() -> Any:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)).astype(np.float32), np.arange(40) % 2
    plan = api.make_plan(x, y, num_models=2, population_size=30)
    return api.observe_models([torch.nn.Linear(3, 2) for _ in range(2)], x, y, plan)


@pytest.mark.parametrize("second", ["run", "observe_models"])
def test_calls_from_two_threads_run_one_after_the_other(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, second: str
) -> None:
    events: list[str] = []
    first_in, second_in, release = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        events.append("first in")
        first_in.set()
        release.wait(10)
        events.append("first out")

    def entered(*args: Any, **kwargs: Any) -> None:
        events.append("second in")
        second_in.set()

    _fake_pipeline(monkeypatch, lambda: entered() if first_in.is_set() else first())
    monkeypatch.setattr(api_models, "_observe_checked", entered)
    calls = {"run": lambda: run(_CFG, tmp_path / "b"), "observe_models": _observe}
    one = threading.Thread(target=run, args=(_CFG, tmp_path / "a"))
    one.start()
    assert first_in.wait(10)
    two = threading.Thread(target=calls[second])
    two.start()
    second_in.wait(0.2)  # (without the lock it enters at once)
    release.set()
    one.join(10)
    two.join(10)
    assert events == ["first in", "first out", "second in"]


@pytest.mark.parametrize("setting", ["grad off", "float64"])
def test_a_run_uses_torch_defaults_whatever_the_caller_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str
) -> None:
    seen = []
    _fake_pipeline(monkeypatch, lambda: seen.append((torch.is_grad_enabled(),
                                                      torch.get_default_dtype())))  # fmt: skip
    dtype = torch.get_default_dtype()
    try:
        if setting == "float64":
            torch.set_default_dtype(torch.float64)
        with torch.set_grad_enabled(setting != "grad off"):
            run(_CFG, tmp_path)
            assert seen == [(True, torch.float32)]  # as in a fresh process (mia-train)
            assert torch.is_grad_enabled() is (setting != "grad off")  # the caller's, back
        assert torch.get_default_dtype() == (torch.float64 if setting == "float64" else dtype)
    finally:
        torch.set_default_dtype(dtype)


def test_a_users_own_hydra_configs_compose_beside_the_library(tmp_path: Path) -> None:
    """`mia_defense.cli.train` wraps Hydra's config loader (on import) with mia-train's
    checks; they refused a user's own app's config ("mia-defense's own callback ... is
    missing") in the same process."""
    (tmp_path / "mine.yaml").write_text("foo: 1\n")
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        assert compose("mine").foo == 1
