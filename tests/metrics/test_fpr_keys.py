"""Two FPRs that results.json would file under one key are refused before anything runs."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


def test_fprs_sharing_a_results_key_are_refused(make_cfg):
    with pytest.raises(ConfigError, match=r"attack.fprs: 0.001 and 0.0010000001 are both "
                                          r"reported as tpr@0.1%fpr"):  # fmt: skip
        check_config(make_cfg("attack.fprs=[0.001,0.0010000001,0.01]"))
    check_config(make_cfg("attack.fprs=[0.001,0.0011,0.01]"))  # distinct keys pass
