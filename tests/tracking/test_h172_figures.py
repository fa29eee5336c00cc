"""What TensorBoard's figures say of a run (h172, a sweep over defenses and releases).

Measured: the ROC figure of ``release=label_only`` and of ``release=temperature`` were both
titled "digits: none", as the run without either was, though the release is where they
differ; a longer title (a stack of defenses and a release) began outside the image, and
the scores image cut a wide score range at its right edge.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.tracking import tensorboard
from mia_defense.tracking.figures import roc_figure, score_figure
from mia_defense.tracking.tensorboard import run_title
from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train


def test_the_roc_title_names_a_release_and_shadow_recipe_other_than_the_defaults():
    assert run_title("digits", {"defense": "none", "release": "full",
                                "shadow_recipe": "same"}) == "digits: none"  # fmt: skip
    assert run_title("digits", {"defense": "dp", "release": "label_only"}) == (
        "digits: dp, release label_only")
    assert run_title("digits", {"defense": "none", "release": "temperature",
                                "shadow_recipe": "undefended"}) == (
        "digits: none, release temperature, undefended shadow models")  # fmt: skip


def test_mia_train_titles_its_roc_figure_with_its_release(tmp_path, monkeypatch):
    titles = []
    drawn = tensorboard.roc_figure

    def roc_figure(attacks, *, title=""):
        titles.append(title)
        return drawn(attacks, title=title)

    monkeypatch.setattr(tensorboard, "roc_figure", roc_figure)
    train = [*TINY, *LEAN_ATTACKS, "plan.num_models=2", "train.epochs=1", "release=label_only",
             "figures=true", "hydra.run.dir=run"]  # fmt: skip
    done = mia_train(*train, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    # (K=2: few reference models, a caveat of mia-report's, so the title says read with care)
    assert titles == ["digits: none, release label_only — READ WITH CARE (see summary)"]


def _attack(name, scores, masks):
    from mia_defense.attacks.runner import EvaluationConfig, evaluate

    return evaluate(name, scores, masks, targets=np.arange(len(scores)),
                    config=EvaluationConfig(fprs=(0.001,), bootstrap=0))  # fmt: skip


def _drawn(fig):
    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # the layout, not the pixels: the same extents
    return canvas.get_renderer()


def test_a_long_roc_title_is_inside_the_image():
    """Measured: centred over the axes, the title of a stack of defenses with its release
    began 112 px left of the image."""
    rng = np.random.default_rng(0)
    masks = rng.random((2, 200)) < 0.5
    title = ("purchase_like: dp+label_smoothing+relaxloss, release temperature, "
             "undefended shadow models")  # fmt: skip
    fig = roc_figure({"loss": _attack("loss", rng.normal(size=(2, 200)) + masks, masks)},
                     title=title)  # fmt: skip
    renderer = _drawn(fig)
    (drawn,) = [t for t in [*fig.axes[0].texts, fig.axes[0]._left_title, fig.axes[0].title]
                if t.get_text() == title]  # fmt: skip
    box = drawn.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1


def test_each_attacks_score_range_is_inside_the_image():
    """Measured: a gradient norm's range, '-4.11e+06 .. 4.77e+06', ran past the right edge
    of the scores image (TensorBoard's `scores`) as '-4.11e+06 .. 4.77e'."""
    rng = np.random.default_rng(0)
    masks = rng.random((2, 200)) < 0.5
    results = {"loss": _attack("loss", -rng.random((2, 200)), masks),
               "gradient_norm": _attack("gradient_norm", 4e6 * rng.normal(size=(2, 200)),
                                        masks)}  # fmt: skip
    fig = score_figure(results, masks)
    renderer = _drawn(fig)
    ranges = [t for t in fig.axes[0].texts if " .. " in t.get_text()]
    assert len(ranges) == 2
    for text in ranges:
        assert text.get_window_extent(renderer).x1 <= fig.bbox.x1, text.get_text()
