"""h314: a ``_target_`` may name an installed package's models, layers and optimisers only
(torch.nn, torch.optim), besides mia_defense's components and a module of one's own. The
list of what was refused leaked: scipy.io.savemat wrote a file a config named,
tensorboard.main.run_main ran TensorBoard's program, matplotlib.pyplot.savefig wrote a PNG."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError

CASES = [  # (overrides, the key refused, or None: allowed)
    (["model=custom", "model._target_=scipy.io.savemat", "+model.file_name=/tmp/h314/x.mat",
      "+model.mdict={a:1}"], "model._target_='scipy.io.savemat'"),
    (["model=custom", "model._target_=tensorboard.main.run_main"],
     "model._target_='tensorboard.main.run_main'"),
    (["model=custom", "model._target_=matplotlib.pyplot.savefig", "+model.fname=/tmp/h314/x"],
     "model._target_='matplotlib.pyplot.savefig'"),
    # a module of one's own that passes scipy's function on: judged where it really lives
    (["model=custom", "model._target_=h314_mine.savemat", "+model.file_name=/tmp/h314/x.mat",
      "+model.mdict={a:1}"], "model._target_='h314_mine.savemat'"),
    (["model=custom", "model._target_=tests.models.user_models.WidthNet", "+model.width=8",
      "+model.classes=10"], None),  # a module of one's own (torch.nn.Linear inside)
    (["model=custom", "model._target_=h314_mine.Net"], None),
    (["train.optimizer={_target_: torch.optim.AdamW, betas: [0.9, 0.99]}"], None),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "refused"), CASES,
                         ids=[next(o for o in c[0] if "_target_" in o)[:48] for c in CASES])
def test_only_models_and_optimisers_of_an_installed_package_may_be_named(
    make_cfg, tmp_path, monkeypatch, overrides, refused
):
    (tmp_path / "h314_mine.py").write_text(
        "import torch\nfrom scipy.io import savemat\n\n\nclass Net(torch.nn.Linear):\n"
        "    def __init__(self, num_classes: int, input_shape: tuple) -> None:\n"
        "        super().__init__(64, num_classes)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = make_cfg(*overrides)
    if refused is None:
        check_config(cfg)
        return
    with pytest.raises(ConfigError, match="Point it at a class or function of mia_defense's "
                       r"components, torch.nn/torch.optim \(or torchvision.models\), or "
                       "a module of your own") as caught:  # fmt: skip
        check_config(cfg)
    assert f"{refused}: not a dataset, model, defense, release, attack or optimiser" in str(
        caught.value)


@pytest.mark.parametrize(("name", "refused"), [("logging.os.makedirs", True),
                                               ("logging.handlers.RotatingFileHandler", False)])
def test_a_logging_config_names_logging_s_own_classes_by_where_they_live(name, refused):
    """An experiment file's hydra.job_logging.formatters.f={'()': logging.os.makedirs,
    name: DIR} made DIR: the logging check let through any name starting with logging."""
    from omegaconf import OmegaConf

    from mia_defense.composition_errors import HydraConfigError
    from mia_defense.hydra_node_checks import refuse_code_in_hydra

    cfg = OmegaConf.create({"hydra": {"job_logging": {"version": 1, "formatters": {
        "f": {"()": name, "name": "/tmp/h314/made"}}}}})
    if not refused:
        refuse_code_in_hydra(cfg, None)
        return
    with pytest.raises(HydraConfigError, match=rf"formatters.f.\(\)='{name}': a logging config"):
        refuse_code_in_hydra(cfg, None)
