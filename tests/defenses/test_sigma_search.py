"""σ for a target ε: searched once per ensemble (the largest any model needs), kept on disk,
and a cached σ used only when the accountant confirms it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from opacus.accountants import utils as opacus_utils

from mia_defense.defenses import DPSGD, accounting
from mia_defense.defenses.accounting import (
    SIGMA_CACHE_ENV,
    epsilon_spent,
    noise_multiplier_for,
    shared_noise_multiplier,
    sigma_cache_dir,
)
from mia_defense.models import MLP
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

# A short schedule: q = 0.1, 40 steps, δ = 1e-4; GDP's accountant is analytic (a search in
# milliseconds), RDP's the default (seconds).
RUN = ("rdp", 2.0, 1e-4, 0.1, 40)
FAST = ("gdp", 2.0, 1e-4, 0.1, 40)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh cache directory, an empty in-memory cache, and a count of Opacus searches."""
    monkeypatch.setenv(SIGMA_CACHE_ENV, str(tmp_path / "cache"))
    noise_multiplier_for.cache_clear()
    yield tmp_path / "cache"
    noise_multiplier_for.cache_clear()


@pytest.fixture
def searches(monkeypatch) -> list[tuple]:
    """Each σ search, as (sample rate, steps, δ)."""
    calls: list[tuple] = []
    real = accounting._search_sigma

    def counting(accountant, target, delta, rate, steps):  # type: ignore[no-untyped-def]
        calls.append((rate, steps, delta))
        return real(accountant, target, delta, rate, steps)

    monkeypatch.setattr(accounting, "_search_sigma", counting)
    return calls


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "sigma").glob("*.json"))


def test_a_search_is_kept_and_found_again_without_searching(cache, searches):
    sigma = noise_multiplier_for(*RUN)
    (entry,) = _entries(cache)
    stored = json.loads(entry.read_text())
    assert stored["noise_multiplier"] == sigma
    assert (stored["accountant"], stored["target_epsilon"], stored["delta"]) == RUN[:3]
    assert (stored["sample_rate"], stored["steps"]) == RUN[3:]
    noise_multiplier_for.cache_clear()  # a new process: only the disk remembers
    assert noise_multiplier_for(*RUN) == sigma
    assert len(searches) == 1
    assert not list(cache.rglob("*.tmp"))  # written atomically, nothing left behind
    eps = epsilon_spent("rdp", ((sigma, 0.1, 40),), 1e-4)
    assert 2.0 - 0.01 <= eps <= 2.0


def _corrupt(entry: Path, how: str) -> None:
    stored = json.loads(entry.read_text())
    if how == "garbage":
        entry.write_bytes(b"\x00not json{")
    elif how == "list":
        entry.write_text("[1, 2]")
    elif how == "too_little_noise":  # would spend more than the target
        entry.write_text(json.dumps({**stored, "noise_multiplier": stored["noise_multiplier"] / 2}))
    elif how == "too_much_noise":  # safe but not the searched σ: needless utility loss
        entry.write_text(json.dumps({**stored, "noise_multiplier": stored["noise_multiplier"] * 3}))
    elif how == "nan":
        entry.write_text(json.dumps({**stored, "noise_multiplier": float("nan")}))
    elif how == "other_key":
        entry.write_text(json.dumps({**stored, "steps": 10}))
    elif how == "missing_sigma":
        del stored["noise_multiplier"]
        entry.write_text(json.dumps(stored))


@pytest.mark.parametrize(
    "how",
    ["garbage", "list", "too_little_noise", "too_much_noise", "nan", "other_key", "missing_sigma"],
)
def test_a_corrupt_entry_is_searched_again_and_replaced(cache, searches, how):
    sigma = noise_multiplier_for(*FAST)
    (entry,) = _entries(cache)
    _corrupt(entry, how)
    noise_multiplier_for.cache_clear()
    assert noise_multiplier_for(*FAST) == sigma
    assert len(searches) == 2  # not trusted: searched again
    assert json.loads(entry.read_text())["noise_multiplier"] == sigma  # and repaired


def test_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(SIGMA_CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert sigma_cache_dir() == tmp_path / "xdg" / "mia-defense"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert sigma_cache_dir() == Path.home() / ".cache" / "mia-defense"
    # a relative XDG_CACHE_HOME is ignored (the XDG spec), not a folder in each launch folder
    monkeypatch.setenv("XDG_CACHE_HOME", "relcache")
    assert sigma_cache_dir() == Path.home() / ".cache" / "mia-defense"
    monkeypatch.setenv(SIGMA_CACHE_ENV, "")
    assert sigma_cache_dir() is None


def test_no_cache_or_an_unwritable_one_still_gives_sigma(tmp_path, monkeypatch, searches):
    noise_multiplier_for.cache_clear()
    monkeypatch.setenv(SIGMA_CACHE_ENV, "")
    sigma = noise_multiplier_for(*FAST)
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    monkeypatch.setenv(SIGMA_CACHE_ENV, str(blocker))  # a file where the directory should be
    noise_multiplier_for.cache_clear()
    assert noise_multiplier_for(*FAST) == sigma
    assert blocker.read_text() == "keep me"
    assert len(searches) == 2
    noise_multiplier_for.cache_clear()


def test_shared_sigma_is_the_largest_needed_in_one_search(cache, searches):
    runs = [(1 / 8, 8 * 5, 1 / 5000), (1 / 9, 9 * 5, 1 / 5130), (1 / 8, 8 * 5, 1 / 4980)]
    sigma = shared_noise_multiplier(
        noise_multiplier=None, target_epsilon=1.0, accountant="rdp", runs=runs
    )
    assert len(searches) == 1
    # the larger rate needs more noise than the extra steps (2.95 vs 2.79), its smaller δ most
    assert sigma == noise_multiplier_for("rdp", 1.0, 1 / 5000, 1 / 8, 8 * 5)
    assert sigma > noise_multiplier_for("rdp", 1.0, 1 / 5130, 1 / 9, 9 * 5)
    eps = [epsilon_spent("rdp", ((sigma, q, n),), d) for q, n, d in runs]
    assert max(eps) <= 1.0 and max(eps) >= 0.99


def test_shared_sigma_searches_again_when_the_first_guess_is_not_the_worst(cache, searches):
    """The first search is for the largest q·√steps; a run with a far smaller δ needs more
    noise, is found over the target at that σ, and gets its own search."""
    runs = [(0.1, 100, 1e-3), (0.099, 100, 1e-9)]
    sigma = shared_noise_multiplier(
        noise_multiplier=None, target_epsilon=2.0, accountant="rdp", runs=runs
    )
    assert [s[2] for s in searches] == [1e-3, 1e-9]
    assert sigma == noise_multiplier_for("rdp", 2.0, 1e-9, 0.099, 100)
    assert all(epsilon_spent("rdp", ((sigma, q, n),), d) <= 2.0 for q, n, d in runs)


def test_shared_sigma_passes_a_fixed_sigma_and_infinity_through(searches):
    runs = [(0.1, 10, 1e-5)]
    assert shared_noise_multiplier(
        noise_multiplier=0.7, target_epsilon=None, accountant="rdp", runs=runs
    ) == 0.7
    assert shared_noise_multiplier(
        noise_multiplier=None, target_epsilon=math.inf, accountant="rdp", runs=runs
    ) == 0.0
    assert not searches


def test_stacked_ensemble_shares_one_sigma_across_chunks(cache, searches):
    """Four models of 40, 41, 47 and 56 members trained one per chunk (a fresh defense each):
    one σ, one search, and each model's ε accounted for its own q, steps and δ, all at most
    the target."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    masks = np.zeros((4, 64), dtype=bool)
    for k, n in enumerate((40, 41, 47, 56)):
        masks[k, :n] = True
    config = TrainConfig(epochs=2, batch_size=8, lr=0.01, chunk_size=1)
    ensemble = train_ensemble(
        build_model=lambda: MLP(input_shape=(5,), num_classes=2, hidden=(4,)),
        x=x, y=y, masks=masks, x_test=x[:8], y_test=y[:8], num_classes=2, config=config,
        seed=0, build_defenses=lambda: [DPSGD(target_epsilon=3.0)], progress=False,
    )  # fmt: skip
    stats = [h.stats for h in ensemble.histories]
    assert len({s["noise_multiplier"] for s in stats}) == 1
    assert len(searches) == 1
    for n, s in zip((40, 41, 47, 56), stats, strict=True):
        assert s["delta"] == pytest.approx(1 / (10 * n))
        assert s["sample_rate"] == pytest.approx(1 / math.ceil(n / 8))
        assert s["steps"] == 2 * math.ceil(n / 8)
        own = epsilon_spent(
            "rdp", ((s["noise_multiplier"], s["sample_rate"], int(s["steps"])),), s["delta"]
        )
        assert s["epsilon"] == pytest.approx(own, rel=1e-12)
        assert s["epsilon"] <= 3.0
    assert max(s["epsilon"] for s in stats) >= 2.99


def test_module_reads_the_cache_lazily(monkeypatch, tmp_path):
    """The cache directory is read at call time, so a test or a sweep can redirect it."""
    monkeypatch.setenv(SIGMA_CACHE_ENV, str(tmp_path / "x"))
    key = accounting._cache_key(*RUN)
    path = accounting._cache_path(key)
    assert path is not None and path.parent == tmp_path / "x" / "sigma"


@pytest.mark.parametrize(
    ("accountant", "target", "delta", "rate", "steps"),
    [
        ("rdp", 8.0, 1 / 5000, 1 / 8, 240),  # the default dp run's schedule
        ("rdp", 0.5, 1e-5, 0.01, 3000),
        ("gdp", 1.0, 1 / 5000, 1 / 8, 240),
        ("gdp", 0.5, 1e-5, 0.01, 3000),
    ],
)
def test_search_lands_where_opacus_does(accountant, target, delta, rate, steps):
    """Our search and Opacus' get_noise_multiplier both stop within 0.01 below the target."""
    sigma = accounting._search_sigma(accountant, target, delta, rate, steps)
    theirs = opacus_utils.get_noise_multiplier(
        target_epsilon=target, target_delta=delta, sample_rate=rate, steps=steps,
        accountant=accountant, epsilon_tolerance=0.01,
    )
    for s in (sigma, theirs):
        assert target - 0.01 <= epsilon_spent(accountant, ((s, rate, steps),), delta) <= target
    assert sigma == pytest.approx(theirs, rel=0.02)


def test_an_unreachable_target_names_the_key(cache):
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match=r"defense.dp.target_epsilon=1e-09: unreachable"):
        accounting.resolve_noise_multiplier(
            noise_multiplier=None, target_epsilon=1e-9, accountant="gdp",
            sample_rate=1.0, steps=10**6, delta=1e-12,
        )
    assert not list(cache.rglob("*.json"))


def test_a_target_below_the_rdp_floor_is_refused_without_searching(cache, monkeypatch):
    """RDP's ε never drops below its zero-RDP conversion (0.0286 at δ = 1e-3): such a target
    was searched by doubling σ up to 1e6, some 20 accountant calls and minutes, before the
    refusal. The floor is known at once."""
    from mia_defense.errors import ConfigError

    calls = []
    monkeypatch.setattr(accounting, "epsilon_spent", lambda *a: calls.append(a) or 1.0)
    with pytest.raises(ConfigError, match=r"at least epsilon=0.02859 at this delta"):
        accounting.resolve_noise_multiplier(
            noise_multiplier=None, target_epsilon=0.01, accountant="rdp",
            sample_rate=0.5, steps=4, delta=1e-3,
        )
    assert not calls


def test_a_search_stops_when_more_noise_no_longer_lowers_epsilon(monkeypatch):
    """Whatever the accountant, doubling σ without ε falling ends the search at once."""
    calls = []
    monkeypatch.setattr(
        accounting, "epsilon_spent", lambda acc, hist, delta: calls.append(hist) or 0.5
    )
    with pytest.raises(ValueError, match=r"epsilon stays at 0.5 from sigma=1 up"):
        accounting._search_sigma("prv", 0.1, 1e-5, 0.1, 100)
    assert len(calls) == 2


@pytest.mark.parametrize("changed", ["code", "opacus"])
def test_an_entry_of_another_search_is_not_used(cache, monkeypatch, changed):
    """An entry written by another version of the search (its code, or Opacus') holds a σ
    the accountant still accepts but a fresh search would not give: the same config would
    train with another σ, and other numbers, depending on what the cache held."""
    fresh = accounting._search_sigma(*FAST)
    stale = fresh * (1 + 1e-4)
    low = FAST[1] - 0.01
    assert low <= epsilon_spent("gdp", ((stale, FAST[3], FAST[4]),), FAST[2]) <= FAST[1]
    then = {**accounting._search_code(), changed: "another"}
    with monkeypatch.context() as earlier:
        earlier.setattr(accounting, "_search_sigma", lambda *args: stale)
        earlier.setattr(accounting, "_search_code", lambda: then, raising=False)
        assert noise_multiplier_for(*FAST) == stale
    noise_multiplier_for.cache_clear()  # a new process, of today's search
    assert noise_multiplier_for(*FAST) == fresh


def test_a_search_of_unreadable_code_is_neither_cached_nor_read(cache, searches, monkeypatch):
    """Installed without its sources (.pyc only), the search cannot be told apart from
    another version's: it runs every time rather than fail or read a stranger's entry."""
    accounting._search_code.cache_clear()
    real_read = Path.read_bytes

    def unreadable(path: Path) -> bytes:
        if path == Path(accounting.__file__):
            raise FileNotFoundError(path)
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    try:
        sigma = noise_multiplier_for(*FAST)
        noise_multiplier_for.cache_clear()
        assert noise_multiplier_for(*FAST) == sigma
    finally:
        accounting._search_code.cache_clear()
    assert len(searches) == 2 and not (cache / "sigma").exists()
