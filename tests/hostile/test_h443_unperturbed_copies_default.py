"""The warning of perturbed copies that are the record itself (mia-train
attack.queries.noise_std=0, h403) told the user to 'set attack.queries.noise_std above 0
(default 0.1)', where the packaged default (conf/attack/default.yaml, what mia-train and
api.observe_models use when it is not given) is 0.3: restoring the 'default' gave another
noise than the runs it was compared with. The warning now names the packaged one (h443)."""

from __future__ import annotations

import logging
import re

from mia_defense.queries import QueryConfig, warn_unperturbed_copies
from tests.conftest import compose_cfg


def test_the_default_it_names_is_the_packaged_one(caplog) -> None:
    default = compose_cfg(tiny=False).attack.queries.noise_std
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        warn_unperturbed_copies(QueryConfig(num_augmented=8, noise_std=0.0), (64,))
    (said,) = [m for m in caplog.messages if m.startswith("attack.queries.noise_std=0 with")]
    named = re.search(r"attack\.queries\.noise_std above 0 \(([^)]*)\)", said)
    assert named is not None
    assert named.group(1) == f"{default:g} by default"
