"""The run's ROC figure marks the curves of white-box attacks (those that read the weights,
such as gradient_norm with attack.white_box=true): they were drawn and labelled as a
black-box attack's, which a reader could take for what a deployed model leaks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking.figures import roc_figure


def _results() -> dict:
    rng = np.random.default_rng(0)
    masks = rng.random((2, 300)) < 0.5
    config = EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0)
    out = {}
    for name, access in (("lira", "outputs"), ("gradient_norm", "weights"),
                         ("label_only", "label")):  # fmt: skip
        scores = rng.normal(size=(2, 300)) + masks
        out[name] = replace(evaluate(name, scores, masks, targets=np.array([0, 1]),
                                     config=config), access=access)  # fmt: skip
    return out


def test_white_box_curves_are_marked_in_line_and_legend() -> None:
    fig = roc_figure(_results())
    lines = {line.get_label().split()[0]: line for line in fig.axes[0].get_lines()}
    white = lines["gradient_norm"]
    assert "white-box" in white.get_label()
    assert white.get_marker() == "x"
    for name in ("lira", "label_only"):
        assert "white-box" not in lines[name].get_label()
        assert lines[name].get_marker() in ("None", None, "")
    legend = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert [t for t in legend if "white-box" in t] == [white.get_label()]
