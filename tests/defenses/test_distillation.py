"""Distillation on the one engine: K students trained on the teachers' soft labels."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import Distillation, EarlyStopping
from mia_defense.errors import ConfigError
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from tests.defenses.bn_model import BatchNormMLP
from tests.defenses.reference_runs import (
    max_weight_gap,
    noisy_data,
    overfit_run,
    train_three,
)
from tests.helpers import LEAN_ATTACKS
from tests.models.user_models import FrozenFirstLayer, RandomFeatures


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
def test_stacked_students_end_where_each_distilled_alone_ends(arch):
    def make():
        return [Distillation(temperature=2.0, epochs=2)]

    stacked, _ = train_three(make, stacked=True, arch=arch)
    alone, _ = train_three(make, stacked=False, arch=arch)  # module mode (train.engine=opacus)
    assert max_weight_gap(stacked, alone) < 1e-5


@pytest.fixture(scope="module")
def teacher_and_student() -> tuple[tuple, tuple]:
    """`overfit_run` undefended (the teacher) and distilled, each trained once for the two
    tests that read them (neither changes the models)."""
    return overfit_run([]), overfit_run([Distillation(temperature=2.0)])


def test_the_released_weights_are_a_student_that_follows_its_teacher(teacher_and_student):
    (teacher, undefended, _), (student, history, _) = teacher_and_student
    assert undefended.released is None  # nothing changed the weights after the last epoch
    assert max_weight_gap([student], [teacher]) > 0.1
    # the curves are the teacher's: the same training up to the distillation
    assert history.final.train_acc == 1.0
    # ... and the released student's own figures are recorded apart (results.json's
    # utility losses were the teacher's)
    x, y = noisy_data(0, 128, dim=30, noise=1.0)
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(student(x[:64]), y[:64])
    assert history.of_released is history.released
    assert history.released.train_loss == pytest.approx(float(loss), rel=1e-5)
    assert history.released.train_loss > history.final.train_loss
    x_ref, _ = noisy_data(1, 256, dim=30, noise=1.0)
    with torch.no_grad():
        agree = (student(x_ref).argmax(1) == teacher(x_ref).argmax(1)).float().mean()
    assert agree > 0.85  # measured 0.93: trained only on the teacher's soft labels


def test_the_student_never_saw_the_members_so_the_loss_attack_weakens(teacher_and_student):
    (_, _, teacher_auc), (_, _, student_auc) = teacher_and_student
    assert teacher_auc > 0.75
    assert student_auc < teacher_auc - 0.08  # measured 0.78 -> 0.64


def test_it_distils_the_early_stopped_teacher():
    def make():
        return sorted(
            [Distillation(epochs=2), EarlyStopping(patience=0)], key=lambda d: d.order
        )

    stacked, histories = train_three(make, stacked=True, epochs=6)
    alone, _ = train_three(make, stacked=False, epochs=6)
    assert max_weight_gap(stacked, alone) < 1e-5
    assert any(len(h.epoch_stats) < 6 for h in histories)  # some teacher stopped early


def test_the_students_settings_default_to_the_recipes():
    config = Distillation().student_config(_Ctx(epochs=3, batch_size=8, lr=0.01))
    assert (config.epochs, config.batch_size, config.lr) == (3, 8, 0.01)
    chosen = Distillation(epochs=5, batch_size=4, lr=0.5).student_config(
        _Ctx(epochs=3, batch_size=8, lr=0.01)
    )
    assert (chosen.epochs, chosen.batch_size, chosen.lr, chosen.optimizer) == (5, 4, 0.5, "adam")


class _Ctx:
    """The three things `Distillation.student_config` reads from a training context."""

    def __init__(self, *, epochs: int, batch_size: int, lr: float) -> None:
        self.epochs, self.batch_size = epochs, batch_size
        self.optimizer = torch.optim.SGD([torch.zeros(1)], lr=lr)


def test_without_a_reference_split_it_says_which_key_to_set():
    with pytest.raises(ConfigError, match=r"defense\.distillation needs .*plan\.reference_size"):
        train_three(lambda: [Distillation()], stacked=True, reference=False)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"temperature": 0.0}, r"defense\.distillation\.temperature=0.0: must be > 0"),
        ({"epochs": 0}, r"defense\.distillation\.epochs=0: must be >= 1 or null"),
        ({"lr": -1.0}, r"defense\.distillation\.lr=-1.0: must be > 0 or null"),
        ({"batch_size": 0}, r"defense\.distillation\.batch_size=0: must be >= 1 or null"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_key(option, message):
    with pytest.raises(ConfigError, match=message):
        Distillation(**option)


def _batchnorm_model_trained(defenses) -> BatchNormMLP:
    """A BatchNorm model trained alone (as mia-train trains one) for 3 epochs of 4 batches,
    with ``defenses`` and a reference split of 96 samples (6 batches)."""
    torch.manual_seed(0)
    model = BatchNormMLP(input_shape=(10,), num_classes=2)
    x, y = noisy_data(0, 64)
    x_ref, y_ref = noisy_data(1, 96)
    train_chunk([model], x=x, y=y, masks=torch.ones((1, 64), dtype=torch.bool),
                x_test=x_ref, y_test=y_ref, num_classes=2,
                config=TrainConfig(epochs=3, batch_size=16, lr=0.01),
                generators=[torch.Generator().manual_seed(0)], defenses=defenses,
                x_reference=x_ref, y_reference=y_ref, vectorised=False)  # fmt: skip
    return model


def test_a_batchnorm_student_is_released_with_its_own_running_statistics():
    """The released student's weights came with its teacher's BatchNorm statistics,
    computed on the members (what distillation keeps out of the released model), which
    also fit no weights it had (digits: test accuracy 0.18, 0.40 with its own)."""
    teacher = _batchnorm_model_trained([])[2]
    student = _batchnorm_model_trained([Distillation(epochs=1)])[2]
    assert int(teacher.num_batches_tracked) == 3 * 4
    assert int(student.num_batches_tracked) == 1 * 6  # one epoch on the reference split
    assert not torch.allclose(student.running_mean, teacher.running_mean)


def _distilled(models: list[torch.nn.Module], *, epochs: int,
               vectorised: bool) -> list[torch.nn.Module]:
    """``models`` trained and distilled (``epochs`` each) on noiseless two-class data: all
    stacked in one chunk, or each alone."""
    x, y = noisy_data(0, 60, noise=0.0)
    x_ref, y_ref = noisy_data(1, 200, noise=0.0)
    chunks = [list(range(len(models)))] if vectorised else [[k] for k in range(len(models))]
    for chunk in chunks:
        train_chunk([models[k] for k in chunk], x=x, y=y,
                    masks=torch.ones((len(chunk), 60), dtype=torch.bool),
                    x_test=x_ref, y_test=y_ref, num_classes=2,
                    config=TrainConfig(epochs=epochs, batch_size=16, lr=0.05),
                    generators=[torch.Generator().manual_seed(k) for k in chunk],
                    defenses=[Distillation(epochs=epochs)], x_reference=x_ref,
                    y_reference=y_ref, vectorised=vectorised)  # fmt: skip
    return models


def test_stacked_students_keep_their_own_teachers_buffers():
    """Every stacked student was a copy of model 0, so a buffer no reset_parameters() draws
    again (here a fixed random projection, each model's own) was model 0's in every
    student, while each model was released with its own (models 1 and 2 of three fell
    to chance: 0.55 and 0.44 test accuracy, 0.86 and 0.88 each distilled alone)."""
    def trained(vectorised: bool) -> list[torch.nn.Module]:
        torch.manual_seed(0)
        models = [RandomFeatures(input_shape=(10,), num_classes=2) for _ in range(3)]
        return _distilled(models, epochs=5, vectorised=vectorised)

    x_test, _ = noisy_data(2, 200, noise=0.0)
    pairs = zip(trained(True), trained(False), strict=True)
    with torch.no_grad():
        for stacked, alone in pairs:
            assert torch.allclose(stacked(x_test), alone(x_test), atol=1e-4)


def test_a_student_batch_larger_than_the_reference_split_is_refused(make_cfg, tmp_path):
    """defense.distillation.batch_size=100000 with 300 reference samples trained the
    students on one batch an epoch, silently (train.batch_size beyond the members is
    refused)."""
    from mia_defense.cli.train import run

    cfg = make_cfg("defense=distillation", "plan.reference_size=40",
                   "defense.distillation.batch_size=41")
    with pytest.raises(ConfigError, match=r"defense\.distillation\.batch_size=41 is larger "
                       r"than the reference split the students train on \(40 samples\); "
                       r"lower it or raise plan\.reference_size"):  # fmt: skip
        run(cfg, tmp_path)
    assert not (tmp_path / "checkpoints").exists()
    run(make_cfg("defense=distillation", "plan.reference_size=40",
                 "defense.distillation.batch_size=40", "train.epochs=1", *LEAN_ATTACKS),
        tmp_path / "fits")  # (the attacks' extras: not what is checked)


def test_students_keep_the_frozen_layers_of_their_models():
    """A frozen layer (requires_grad=False: a pretrained backbone, the user's values, learnt
    from no member) was drawn again in the student, so the released model carried a random
    backbone (0.105 test accuracy); it now keeps the model's values, stacked as alone."""
    def trained(vectorised: bool) -> tuple[list[torch.nn.Module], list[torch.Tensor]]:
        torch.manual_seed(0)
        models = [FrozenFirstLayer(input_shape=(10,), num_classes=2) for _ in range(2)]
        backbones = [m.body.weight.detach().clone() for m in models]
        return _distilled(models, epochs=3, vectorised=vectorised), backbones

    (stacked, backbones), (alone, _) = trained(True), trained(False)
    x_test, _ = noisy_data(2, 200, noise=0.0)
    with torch.no_grad():
        for one, other, backbone in zip(stacked, alone, backbones, strict=True):
            assert torch.equal(one.body.weight, backbone) and torch.equal(other.body.weight,
                                                                          backbone)
            assert not one.body.weight.requires_grad
            assert torch.allclose(one(x_test), other(x_test), atol=1e-4)
