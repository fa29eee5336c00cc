"""Models, built from config by `_target_` with ``input_shape`` and ``num_classes``."""

from mia_defense.models.mlp import MLP, LogisticRegression

__all__ = ["MLP", "LogisticRegression"]
