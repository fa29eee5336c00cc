"""The σ search and ε accounting print no raw Opacus warning about its grid of RDP orders."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mia_defense.defenses import accounting


def _search(target: float) -> tuple[float, list[str]]:
    """σ for ``target`` on the default plan (its rate and steps), searched afresh, and the
    warnings raised meanwhile."""
    accounting.epsilon_spent.cache_clear()
    accounting._rdp_per_step.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sigma = accounting._search_sigma("rdp", target, 2e-4, 64 / 500, 240)
    return sigma, [str(w.message) for w in caught]


@pytest.mark.parametrize("target", [1.0, 8.0, 300.0])
def test_a_search_raises_no_optimal_order_warning(target):
    # Every search's floor (zero RDP) raised Opacus' "Optimal order is the largest alpha.
    # Please consider expanding the range of alphas ...", printed raw under the progress bar
    # of a first `defense=dp` run: about σ values no model trains with, and no key widens
    # the orders. (300: the final ε's best order is the smallest, "smallest alpha".)
    sigma, messages = _search(target)
    assert sigma > 0
    assert not [m for m in messages if "Optimal order" in m]


def test_epsilon_is_still_opacus_own_figure_at_the_grid_ends():
    # Only the warning goes: the ε is Opacus' conversion at its best order, to the last bit,
    # for a σ whose best order is the largest (much noise) and one whose is the smallest.
    rdp_module = accounting._opacus_rdp()
    for sigma in (0.1, 50.0):
        accounting.epsilon_spent.cache_clear()
        ours = accounting.epsilon_spent("rdp", ((sigma, 0.128, 240),), 2e-4)
        rdp = rdp_module.compute_rdp(
            q=0.128, noise_multiplier=sigma, steps=240, orders=list(accounting.RDP_ORDERS)
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            theirs, order = rdp_module.get_privacy_spent(
                orders=list(accounting.RDP_ORDERS), rdp=rdp, delta=2e-4
            )
        assert order in (min(accounting.RDP_ORDERS), max(accounting.RDP_ORDERS))
        assert [w for w in caught if "Optimal order" in str(w.message)]  # Opacus warns
        assert np.isclose(ours, max(0.0, float(theirs)), rtol=1e-12, atol=0)
