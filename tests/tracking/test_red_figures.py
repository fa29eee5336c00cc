"""Red-team cases of the run's figures: titles and names matplotlib must draw literally."""

from __future__ import annotations

import pytest

from mia_defense.tracking.figures import class_figure, figure_summary, roc_figure, score_figure
from tests.tracking.test_figures import _results

# a dataset named with mathtext (x=$\frac{$ raised a ParseSyntaxException), a byte of the
# command line that is no UTF-8 (a lone surrogate: FreeType's TypeError): each ended the run
# while its ROC figure was drawn, after its attacks (exit 1, traceback)
ODD = ["x=$\\frac{$", "n\udcff"]


@pytest.mark.parametrize("text", ODD)
def test_titles_and_attack_names_are_drawn_literally(text):
    results, masks = _results([f"a{text}", "b"])
    figure_summary("roc", roc_figure(results, title=f"{text}: none"))
    figure_summary("scores", score_figure(results, masks, title=text))
    figure_summary("per_class", class_figure({f"a{text}": {"class_0": {"auc": 0.6}}},
                                             title=text))  # fmt: skip
