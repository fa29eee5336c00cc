"""Red-team inputs to DP-SGD's accounting: a PRV target below what PRV can ever report,
a large δ that the accountants convert to a negative ε, PRV failing at a large δ."""

from __future__ import annotations

import math

import pytest

from mia_defense.defenses import accounting
from mia_defense.defenses.accounting import SIGMA_CACHE_ENV, epsilon_spent, noise_multiplier_for
from mia_defense.errors import ConfigError


@pytest.fixture
def no_cache(monkeypatch):
    monkeypatch.setenv(SIGMA_CACHE_ENV, "")
    noise_multiplier_for.cache_clear()
    yield
    noise_multiplier_for.cache_clear()


def test_a_target_below_the_prv_floor_is_refused_without_searching(no_cache, monkeypatch):
    """Opacus' PRV accountant adds its eps_error (0.01) to every ε: at δ = 1e-3 it never
    reports less than 0.0090 however much noise. defense.dp.accountant=prv
    defense.dp.target_epsilon=1e-9 doubled σ up to 1e6 with ever slower PRV calls (200 s)
    before the refusal."""
    calls = []
    monkeypatch.setattr(accounting, "epsilon_spent", lambda *a: calls.append(a) or 1.0)
    with pytest.raises(ConfigError, match=r"prv accountant gives at least epsilon=0.009001 at"):
        accounting.resolve_noise_multiplier(
            noise_multiplier=None, target_epsilon=1e-9, accountant="prv",
            sample_rate=0.5, steps=4, delta=1e-3,
        )
    assert not calls


def test_the_prv_floor_is_what_prv_reports_with_no_privacy_loss():
    floor = accounting._epsilon_floor("prv", 1e-5)
    eps = epsilon_spent("prv", ((1e4, 0.01, 10),), 1e-5)
    assert floor <= eps <= floor + 1e-9


@pytest.mark.parametrize("accountant", ["rdp", "prv", "gdp"])
def test_a_large_delta_gives_no_negative_epsilon(accountant):
    """δ may be anything below 1/N: with 10 members δ = 0.09 is allowed, where the RDP
    conversion (and PRV, GDP at larger δ) gave ε = -0.092 for σ = 50, reported as such."""
    eps = epsilon_spent(accountant, ((50.0, 1.0, 1),), 0.09)
    assert eps >= 0
    assert epsilon_spent(accountant, ((0.5, 1.0, 1),), 0.99) >= 0


def test_prv_failing_at_a_large_delta_falls_back_to_rdp():
    """PRV raises RuntimeError('Cannot compute epsilon') at σ = 5, q = 1, δ = 0.999: a
    traceback instead of the RDP bound."""
    eps = epsilon_spent("prv", ((5.0, 1.0, 1),), 0.999)
    assert eps == epsilon_spent("rdp", ((5.0, 1.0, 1),), 0.999)
    assert math.isfinite(eps)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(SIGMA_CACHE_ENV, str(tmp_path / "cache"))
    noise_multiplier_for.cache_clear()
    yield tmp_path / "cache"
    noise_multiplier_for.cache_clear()


GDP_RUN = ("gdp", 2.0, 1e-4, 0.1, 40)


def test_a_cache_folder_that_cannot_be_searched_is_skipped(cache, monkeypatch):
    """A shared cache folder the user may not search (EACCES): Path.is_file raised
    PermissionError out of the σ search, a traceback instead of searching again."""
    from pathlib import Path

    real = Path.is_file

    def denied(self):  # type: ignore[no-untyped-def]
        if cache in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_file", denied)
    sigma = noise_multiplier_for(*GDP_RUN)
    assert epsilon_spent("gdp", ((sigma, 0.1, 40),), 1e-4) <= 2.0


def test_no_home_directory_means_no_cache(monkeypatch):
    from pathlib import Path

    monkeypatch.delenv(SIGMA_CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home(cls):  # type: ignore[no-untyped-def]
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", classmethod(no_home))
    assert accounting.sigma_cache_dir() is None


def test_a_huge_cache_entry_is_not_read_whole(cache, monkeypatch):
    """An entry replaced by (a symlink to) a huge file was read whole into memory."""
    key = accounting._cache_key(*GDP_RUN)
    path = accounting._cache_path(key)
    sigma = noise_multiplier_for(*GDP_RUN)
    noise_multiplier_for.cache_clear()
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:-1] + " " * (1 << 17) + "}", encoding="utf-8")  # valid JSON
    assert accounting._read_cached_sigma(key) is None
    assert noise_multiplier_for(*GDP_RUN) == sigma


@pytest.mark.parametrize("accountant", ["rdp", "prv", "gdp"])
def test_a_vanishing_noise_multiplier_gives_infinity_at_once(accountant):
    """defense.dp.noise_multiplier=1e-155 (> 0 and finite: accepted) hung the run for good
    at the first ε: Opacus' RDP series for q < 1 never ends once its terms overflow."""
    assert epsilon_spent(accountant, ((1e-155, 0.5, 10),), 1e-5) == math.inf
    assert epsilon_spent(accountant, ((1e-101, 0.5, 10),), 1e-5) == math.inf


@pytest.mark.parametrize("accountant", ["rdp", "prv", "gdp"])
def test_a_huge_noise_multiplier_gives_the_least_epsilon_not_infinity(accountant):
    """defense.dp.noise_multiplier=1e200 reported ε = ∞ (Opacus' terms overflow): more noise
    never spends more, so the ε of σ = 1e6 bounds it."""
    eps = epsilon_spent(accountant, ((1e200, 0.3, 10),), 1e-5)
    assert eps == epsilon_spent(accountant, ((1e6, 0.3, 10),), 1e-5)
    assert eps < 1
