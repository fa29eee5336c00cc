"""The DP path asks Opacus' RDP analysis and validators without importing Opacus' package
(1.3 s of torch.distributed, sympy and the privacy engine), with Opacus' own numbers."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from opacus.accountants import RDPAccountant
from opacus.accountants.analysis import rdp as opacus_rdp
from opacus.validators import ModuleValidator
from torch import nn

from mia_defense.defenses import accounting
from mia_defense.models import validation


def test_the_rdp_orders_are_opacus_default_alphas():
    assert list(accounting.RDP_ORDERS) == RDPAccountant.DEFAULT_ALPHAS


def test_the_layer_types_skipped_are_exactly_those_opacus_validates():
    assert validation.OPACUS_VALIDATED == frozenset(ModuleValidator.VALIDATORS)


def _opacus_modules() -> dict:
    return {name: mod for name, mod in sys.modules.items() if name.split(".")[0] == "opacus"}


@pytest.fixture
def opacus_not_imported():
    """A process that has not imported Opacus yet; afterwards the Opacus modules it had are
    put back (and any copies the test imported dropped), so other tests see one Opacus."""
    saved = _opacus_modules()
    for name in saved:
        del sys.modules[name]
    accounting._opacus_rdp.cache_clear()
    yield
    for name in _opacus_modules():
        del sys.modules[name]
    sys.modules.update(saved)
    accounting._opacus_rdp.cache_clear()


def test_the_rdp_analysis_is_opacus_file_run_without_its_package(opacus_not_imported):
    module = accounting._opacus_rdp()
    assert module.__name__ == "mia_defense._opacus_rdp"
    assert "opacus" not in sys.modules
    orders = list(accounting.RDP_ORDERS)
    for q, sigma, steps in [(0.01, 1.1, 300), (0.2, 0.6, 50), (1.0, 3.0, 10)]:
        ours = module.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=orders)
        theirs = opacus_rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=orders)
        np.testing.assert_array_equal(ours, theirs)
        spent = module.get_privacy_spent(orders=orders, rdp=ours, delta=1e-5)
        assert spent == opacus_rdp.get_privacy_spent(orders=orders, rdp=theirs, delta=1e-5)


def test_once_opacus_is_imported_its_own_module_is_used():
    accounting._opacus_rdp.cache_clear()
    try:
        assert accounting._opacus_rdp() is opacus_rdp
    finally:
        accounting._opacus_rdp.cache_clear()


def test_a_model_without_validated_layers_is_checked_without_opacus(opacus_not_imported):
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.GroupNorm(2, 4), nn.Flatten(), nn.Linear(4, 2))
    assert validation.check_dp_compatible(model) == []
    assert "opacus" not in sys.modules


@pytest.mark.parametrize("layer", [nn.BatchNorm1d(4), nn.LSTM(4, 4), nn.InstanceNorm1d(
    4, affine=True, track_running_stats=True)])
def test_a_model_with_a_validated_layer_is_still_refused(opacus_not_imported, layer):
    model = nn.Sequential(nn.Linear(4, 4), layer)
    assert validation.check_dp_compatible(model), "Opacus' validator must be asked"
    assert "opacus" in sys.modules
