"""Models, built from config by `_target_`; ``input_shape``/``num_classes`` come from the data."""

from mia_defense.models.build import ModelBuilder, check_model_output, model_builder
from mia_defense.models.cnn import SmallCNN
from mia_defense.models.mlp import MLP, LogisticRegression
from mia_defense.models.resnet import ResNet
from mia_defense.models.validation import check_dp_compatible, ensure_dp_compatible

__all__ = [
    "MLP",
    "LogisticRegression",
    "ModelBuilder",
    "ResNet",
    "SmallCNN",
    "check_dp_compatible",
    "check_model_output",
    "ensure_dp_compatible",
    "model_builder",
]
