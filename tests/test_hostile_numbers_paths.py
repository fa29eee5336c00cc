"""Empty or blank folder settings of Hydra: one line naming the key, before any folder.

``hydra.run.dir=`` wrote the run into the working directory among whatever lay there
(exit 0), ``hydra.sweep.dir=`` the sweep; ``hydra.run.dir=' '`` into a folder named by a
space; with ``hydra.job.chdir=true`` Hydra stopped with a FileNotFoundError traceback.
"""

from __future__ import annotations

import pytest

from mia_defense.hydra_node_checks import blank_folder_settings
from tests.cli.test_redteam_cli_runs import TINY, hydra_config
from tests.helpers import mia_train


@pytest.mark.parametrize(
    ("mode", "key", "value", "where"),
    [
        ("RUN", "run.dir", "", "the working directory"),
        ("RUN", "run.dir", " ", "a folder named by spaces"),
        ("MULTIRUN", "sweep.dir", "", "the working directory"),
        ("MULTIRUN", "sweep.dir", "\t ", "a folder named by spaces"),
    ],
)
def test_a_blank_run_or_sweep_dir_is_refused_by_name(mode, key, value, where):
    problems = blank_folder_settings(hydra_config(mode, **{key.replace(".", "__"): value}))
    what = "run" if mode == "RUN" else "sweep"
    assert problems == [
        f"hydra.{key}={value!r}: no folder; it would put the {what} into {where}"
        + (", among what lies there" if not value else "")
        + f"; name a folder, e.g. hydra.{key}="
        + ("runs/digits" if mode == "RUN" else "sweeps/tradeoff")
        + ", or leave it at its default"
    ]


def test_a_blank_sweep_subdir_is_refused_by_name():
    # every run of the sweep went into one folder named ' ' (the second refused mid-sweep)
    problems = blank_folder_settings(hydra_config("MULTIRUN", sweep__subdir="  "))
    assert problems == [
        "hydra.sweep.subdir='  ': no folder of its own per run; every run of the sweep would go "
        "into a folder named by spaces (the second refused as holding the first's run); leave "
        "hydra.sweep.subdir at its default, or name a folder per run, e.g. "
        "'hydra.sweep.subdir=run_${hydra.job.num}'"
    ]
    assert blank_folder_settings(hydra_config("MULTIRUN", sweep__subdir="")) == []  # (run checks)
    assert blank_folder_settings(hydra_config("RUN", sweep__subdir=" ")) == []


def test_the_other_modes_folder_and_the_defaults_are_left_alone():
    assert blank_folder_settings(hydra_config("RUN", sweep__dir="")) == []
    assert blank_folder_settings(hydra_config("MULTIRUN", run__dir="")) == []
    assert blank_folder_settings(hydra_config("RUN")) == []
    assert blank_folder_settings(hydra_config("MULTIRUN")) == []


@pytest.mark.slow  # 0.5 s: mia-train in this process
@pytest.mark.parametrize("chdir", [False, True])
def test_an_empty_run_dir_writes_nothing_into_the_working_directory(tmp_path, chdir):
    done = mia_train(*TINY, "hydra.run.dir=", f"hydra.job.chdir={str(chdir).lower()}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "ConfigError: hydra config: hydra.run.dir='': no folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["", "  "])
def test_a_blank_log_file_name_is_refused_by_name(value):
    # logging.config stopped with "ValueError: Unable to configure handler 'file'" and a
    # traceback, after Hydra had made the run's folder
    from mia_defense.composition_errors import HydraConfigError
    from mia_defense.hydra_node_checks import refuse_code_in_hydra

    config = hydra_config("RUN", job_logging__handlers__file__filename=value)
    with pytest.raises(HydraConfigError, match=rf"^ConfigError: hydra config: hydra\.job_logging"
                       rf"\.handlers\.file\.filename='{value}': no file to log to; name a "
                       r"writable file, or leave it at its default"):
        refuse_code_in_hydra(config)
    refuse_code_in_hydra(hydra_config("RUN"))


def _with_override(mode: str, key: str, value: str):
    """The packaged config as Hydra composes it with the one override ``key=value``: the
    value in the config, the override's text in hydra.overrides.task and override_dirname."""
    from omegaconf import OmegaConf, open_dict, read_write

    config = hydra_config(mode, overrides__task=[f"{key}={value}"],
                          job__override_dirname=f"{key}={value}")  # fmt: skip
    with read_write(config), open_dict(config):
        OmegaConf.update(config, key, value, force_add=True)
    return config


@pytest.mark.parametrize("mode", ["RUN", "MULTIRUN"])
@pytest.mark.parametrize("value", ["${oc.env:MIA_RED_NO_SUCH_VAR}", "${train.epochs}"])
def test_an_unresolvable_override_is_named_not_the_override_dirname_built_from_it(mode, value):
    # 'hydra.job.override_dirname='train.epochs=${...}': cannot be resolved' (a sweep:
    # 'hydra.sweep.subdir=...'), naming settings the user never gave
    from mia_defense.hydra_node_checks import unresolvable_settings

    problems = unresolvable_settings(_with_override(mode, "train.epochs", value))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"train.epochs={value!r}: cannot be resolved (")
    what = ("one that does not name itself, nor a key that names it back" if "train" in value
            else "an environment variable that is set, a key that exists")  # fmt: skip
    assert problems[0].endswith(f"give a value that resolves ({what}) or leave it at its "
                                "default")


def test_a_resolvable_interpolation_in_an_override_passes():
    from mia_defense.hydra_node_checks import unresolvable_settings

    assert unresolvable_settings(_with_override("RUN", "train.lr", "${train.momentum}")) == []
