"""What TensorBoard's figures say of a run (h172, a sweep over defenses and releases).

Measured: the ROC figure of ``release=label_only`` and of ``release=temperature`` were both
titled "digits: none", as the run without either was, though the release is where they
differ.
"""

from __future__ import annotations

from mia_defense.tracking import tensorboard
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
    assert titles == ["digits: none, release label_only"]
