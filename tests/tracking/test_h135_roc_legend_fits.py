"""Every entry of a run's ROC legend (TensorBoard's `roc` image) is inside the figure.

Measured: the roc image of mia-train defense=dp plan.num_models=4 train.epochs=3 (digits, the
default suite) cut its white-box entry at 'gradient_norm (white-box: reads the weigh': the
rest, with that attack's AUC (0.516), was beyond the image's right edge.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking.figures import roc_figure

# the default suite's attacks (conf/attack), with their access
SUITE = [
    ("loss", "outputs"), ("confidence", "outputs"), ("entropy", "outputs"),
    ("modified_entropy", "outputs"), ("modified_entropy_class", "outputs"),
    ("shokri", "outputs"), ("lira_online", "outputs"), ("lira_offline", "outputs"),
    ("lira_online_augmented", "outputs"), ("rmia", "outputs"), ("label_only", "label"),
    ("gradient_norm", "weights"),
]  # fmt: skip


def test_the_legend_of_the_default_suite_fits_in_the_image():
    rng = np.random.default_rng(0)
    masks = rng.random((2, 300)) < 0.5
    config = EvaluationConfig(fprs=(0.1, 0.01, 0.001), bootstrap=0)
    results = {}
    for name, access in SUITE:
        scores = rng.normal(size=(2, 300)) + 0.1 * masks
        result = evaluate(name, scores, masks, targets=np.array([0, 1]), config=config)
        results[name] = replace(result, access=access)
    fig = roc_figure(results, title="digits: dp")
    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # the layout, not the pixels: the same extents
    renderer = canvas.get_renderer()
    width = fig.bbox.width
    texts = fig.axes[0].get_legend().get_texts()
    outside = [t.get_text() for t in texts if t.get_window_extent(renderer).x1 > width]
    assert outside == []
    white = [t.get_text() for t in texts if "white-box" in t.get_text()]
    assert len(white) == 1 and "AUC" in white[0]
