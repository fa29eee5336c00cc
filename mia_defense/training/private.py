"""Moved: DP-SGD's stacked form is `mia_defense.defenses.dp_stacked` (DP-SGD lives with the
defenses). This name stays an alias of that module, the same object (so ``register_ghost_rule``
and monkeypatching reach it), for code written before the move; it warns once."""

import sys
import warnings

from mia_defense.defenses import dp_stacked

warnings.warn(
    "mia_defense.training.private moved to mia_defense.defenses.dp_stacked; import it from there",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = dp_stacked
