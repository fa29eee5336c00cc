"""Hydra overrides a hostile or careless user gives (helper 296): ``~defense@foo`` got
Hydra's raw "Could not delete 'defense@foo'. No match in the defaults list" and
``~defense=`` was told it "deletes the defaults list's entry defense="; a primary config of
one's own (``--config-dir DIR --config-name NAME``) was said to select what the packaged
config.yaml selects."""

from __future__ import annotations

import sys

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from mia_defense.errors import ConfigError
from mia_defense.hydra_setup import setup_hydra
from tests.helpers import composition_refused

setup_hydra()  # (as the tools compose: Hydra's loader guarded)


@pytest.mark.parametrize(("overrides", "said"), [
    (["~defense@foo"], "~defense@foo: '@foo' names the package a config of defense lands at, "
     "and config.yaml's defaults list gives its defense entry no package (its configs land at "
     "defense.NAME, each defense its own), so no entry matches; nothing was run. Drop "
     "'~defense@foo': no defense is selected (defense=[], the default), and a run without a "
     "training-time defense needs none"),
    (["defense=dp", "~defense="], "~defense=: no name after '=' (a shell variable that was "
     "not set?): ~defense=NAME deletes the defense entry only where it selects NAME, and none "
     "is named ''; nothing was run. To run without the defenses selected (defense=[dp]), "
     "write defense=[] instead"),
    (["~model@x"], "~model@x: '@x' names the package a config of model lands at, and "
     "config.yaml's defaults list gives its model entry no package (its config lands at "
     "model), so no entry matches; nothing was run. Drop '~model@x'; model=NAME selects the "
     "model wanted"),
])  # fmt: skip
def test_deleting_a_group_at_a_package_or_by_no_name_says_what_to_write(overrides, said):
    refused = composition_refused(overrides)
    assert isinstance(refused, ConfigError) and str(refused) == f"ConfigError: {said}"


def test_refusals_name_what_a_primary_config_of_ones_own_selects(tmp_path):
    # was "dataset=digits is selected (config.yaml's default)", "no defense is selected"
    (tmp_path / "mine.yaml").write_text(
        "defaults:\n  - dataset: breast_cancer\n  - model: cnn\n  - defense: [mixup]\n"
        "  - _self_\nhydra:\n  searchpath: [pkg://mia_defense.conf]\n")
    said = []
    for overrides in (["~dataset=mnist"], ["+model=mlp"], ["~defense=dp"]):
        with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
            loader = GlobalHydra.instance().config_loader()
            with pytest.raises(ConfigError) as refused:
                loader.load_configuration("mine", overrides, run_mode=RunMode.RUN)
        said.append(str(refused.value))
    mine = f"{tmp_path}/mine.yaml"
    assert f"dataset=breast_cancer is selected ({mine}'s default)" in said[0]
    assert f"selects one already (model=cnn, {mine}'s default)" in said[1]
    assert "and defense=[mixup] is selected, so there is nothing to delete" in said[2]


@pytest.mark.parametrize("override", [
    "model._target_={}", "dataset._target_={}", "train.optimizer={{_target_: {}}}",
    "release._target_={}", "attack.attacks.loss._target_={}", "+hydra.callbacks.x._target_={}",
    "hydra.job_logging.handlers.console.class={}",
])  # fmt: skip
def test_a_refused_target_is_refused_before_its_module_is_imported(
    override, make_cfg, tmp_path, monkeypatch
):
    # the check imported what it refused: 'model._target_=this.x' printed the Zen of Python,
    # 'unittest.__main__.x' ran unittest's program, a package's __main__ its program
    from mia_defense.config import check_config

    (tmp_path / "h296_program").mkdir()
    (tmp_path / "h296_program" / "__init__.py").write_text("")
    (tmp_path / "h296_program" / "__main__.py").write_text(
        f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("this.x", "h296_program.__main__.x"):
        monkeypatch.delitem(sys.modules, name.split(".")[0], raising=False)
        given = override.format(name)
        if given.startswith(("+hydra", "hydra")):
            refused: BaseException = composition_refused([given])
        else:
            with pytest.raises(ConfigError) as caught:
                check_config(make_cfg(given))
            refused = caught.value
        assert isinstance(refused, ConfigError) and f"{name!r}: " in str(refused)
        assert "this" not in sys.modules and not (tmp_path / "ran").exists()


@pytest.mark.parametrize(("given", "said"), [
    # was Hydra's "LexerNoViableAltException: train.lr=0.1" with a caret past the end
    ("train.lr=0.1\n", "$'train.lr=0.1\\x0a': a control character ('\\n') in the value of "
     "train.lr; no setting of mia-defense's holds one"),
    # was run: a run folder named over two lines
    ('hydra.run.dir="runs/a\nb"', "$'hydra.run.dir=\"runs/a\\x0ab\"': a control character "
     "('\\n') in the value of hydra.run.dir;"),
    ("train.l\tr=1", "$'train.l\\x09r=1': a control character ('\\t') in the override's key"),
])  # fmt: skip
def test_an_override_holding_a_control_character_is_refused_naming_it(given, said, capsys):
    from mia_defense.cli.arguments import refuse_unquoted_non_ascii

    with pytest.raises(SystemExit) as stopped:
        refuse_unquoted_non_ascii(["-m", given])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith(f"ConfigError: {said}")


def test_the_api_refuses_an_attack_override_holding_a_control_character():
    # api.audit(obs, overrides=[...]) got Hydra's lexer text, as the tools did before
    from mia_defense.api import audit
    from tests.helpers import synthetic_observations

    observations = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    with pytest.raises(ConfigError, match="control character"):
        audit(observations, overrides=["attack.bootstrap=0\n"])


def test_config_files_of_ones_own_that_the_packaged_ones_shadow_are_refused(tmp_path):
    # were passed over without a word: Hydra finds config.yaml and model/mlp.yaml in the
    # packaged configs first, and the run used those
    from importlib.resources import files

    from mia_defense.cli.arguments import shadowed_configs

    packaged = files("mia_defense.conf")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "mlp.yaml").write_bytes(packaged.joinpath("model/mlp.yaml").read_bytes())
    (tmp_path / "config.yaml").write_text("defaults:\n  - dataset: breast_cancer\n")
    said = shadowed_configs(["--config-dir", str(tmp_path), "train.epochs=1"])
    assert said is not None and said.startswith(f"ConfigError: {tmp_path}/config.yaml: not read;")
    assert "--config-name my_config for my_config.yaml" in said and "mlp.yaml" not in said
    assert shadowed_configs([f"--config-dir={tmp_path}", "-cn", "mine"]) is None
    (tmp_path / "model" / "mlp.yaml").write_text("_target_: my.Net\n")
    said = shadowed_configs([f"hydra.searchpath=[file://{tmp_path}]", "-cn", "mine"])
    assert said is not None and said.startswith(f"ConfigError: {tmp_path}/model/mlp.yaml: ")
    assert "(e.g. model=my_mlp for model/my_mlp.yaml)" in said


@pytest.mark.parametrize("override", [
    # ran the config's Python text in a subprocess as the model was built
    "model._target_=sklearn.utils._testing.assert_run_python_script_without_output",
    "model._target_=numpy.distutils.exec_command.exec_command",  # a shell command
    "model._target_=numpy.ctypeslib.load_library",  # a shared library's code
    "model._target_=mia_defense.tracking.artifacts.write_json",  # wrote any file named
])  # fmt: skip
def test_a_target_that_runs_code_or_commands_is_refused(override, make_cfg):
    from mia_defense.config import check_config
    from mia_defense.targets import target_is_forbidden

    with pytest.raises(ConfigError, match=f"{override.replace('=', '=.')}.: not a dataset, "
                       "model, defense, release, attack or optimiser; .* an installed "
                       "package's private or test code, or a part of mia_defense other than "
                       "its data, models, defenses, attacks, metrics and audit"):  # fmt: skip
        check_config(make_cfg("model=custom", override, "+model.source_code='print(1)'"))
    assert not any(map(target_is_forbidden, ("torch.nn.Linear", "torch.optim.AdamW")))


def test_an_environment_variable_that_loads_code_is_refused_in_hydra_job_env_set():
    # was set for the job without a word (a sweep's joblib workers then load the file)
    refused = composition_refused(["+hydra.job.env_set.LD_PRELOAD=/tmp/x.so",
                                   "+hydra.job.env_set.OMP_NUM_THREADS=1"])  # fmt: skip
    assert isinstance(refused, ConfigError)
    assert str(refused) == (
        "ConfigError: hydra config: hydra.job.env_set.LD_PRELOAD: makes the job's processes "
        "load code from the file it names; set it in the shell that starts the run, where it "
        "is seen, not in a config")


def test_an_override_naming_itself_is_refused_as_the_users_key_not_hydras():
    # was "ConfigError: hydra config: train.lr='${train.lr}': ... (an environment variable
    # that is set, a key that exists)": train.lr is no key of Hydra's, and it exists
    from mia_defense.hydra_node_checks import refuse_code_in_hydra
    from tests.test_hostile_numbers_paths import _with_override

    with pytest.raises(ConfigError) as refused:
        refuse_code_in_hydra(_with_override("RUN", "train.lr", "${train.lr}"))
    assert str(refused.value) == (
        "ConfigError: train.lr='${train.lr}': cannot be resolved (Recursive interpolation "
        "detected); give a value that resolves (one that does not name itself, nor a key that "
        "names it back) or leave it at its default")


@pytest.mark.parametrize(("mode", "given", "said"), [
    # -m (or hydra.mode=MULTIRUN) with hydra.run.dir=out wrote into multirun/DATE/TIME
    ("MULTIRUN", ["hydra.run.dir=out"], "hydra.run.dir=out: the folder of a single run, "
     "unused by a sweep (-m, or hydra.mode=MULTIRUN, which -m sets): its runs would go into "
     "hydra.sweep.dir (multirun/DATE/TIME), not there; nothing was run. Write "
     "hydra.sweep.dir=out for the sweep's folder, or leave -m out for one run"),
    # a run with hydra.sweep.dir=out wrote into outputs/DATE/TIME
    ("RUN", ["hydra.sweep.dir=out"], "hydra.sweep.dir=out: a sweep's folder, unused by a "
     "single run (no -m): the run would go into hydra.run.dir (outputs/DATE/TIME), not "
     "there; nothing was run. Write hydra.run.dir=out for the run's folder, or add -m for a "
     "sweep"),
    ("MULTIRUN", ["hydra.run.dir=out", "hydra.sweep.dir=s"], None),  # (both: a script's)
    ("RUN", ["hydra.run.dir=out", "hydra.sweep.dir=s"], None),
])  # fmt: skip
def test_the_other_modes_folder_alone_is_refused(mode, given, said, caplog):
    from omegaconf import OmegaConf

    from mia_defense.cli.sweep_checks import refuse_other_modes_folder

    config = OmegaConf.create({"hydra": {"mode": mode, "overrides": {
        "hydra": [*given, *(["hydra.mode=MULTIRUN"] if mode == "MULTIRUN" else [])]}}})
    if said is None:
        refuse_other_modes_folder(config)
        return
    with pytest.raises(SystemExit) as stopped:
        refuse_other_modes_folder(config)
    assert stopped.value.code == 2 and caplog.messages[-1] == f"ConfigError: {said}"


def test_a_searchpath_entry_hydra_would_import_or_pass_over_is_refused(tmp_path, monkeypatch):
    # pkg://this printed the Zen of Python as Hydra imported it (a package's __main__ would
    # run its program); a missing folder or module was a UserWarning, and the run went on
    monkeypatch.delitem(sys.modules, "this", raising=False)
    said = []
    for entry in ("pkg://this", f"file://{tmp_path}/nothere", "structured://h296_nothere"):
        refused = composition_refused([f"hydra.searchpath=[{entry}]"])
        assert isinstance(refused, ConfigError)
        said.append(str(refused))
    assert "this" not in sys.modules
    assert said[0].startswith("ConfigError: hydra.searchpath: pkg://this: Hydra imports this "
                              "to read configs from it, and importing a module of the "
                              "standard library, a package's __main__ or its private or test "
                              "code runs what no config may")
    assert said[1] == (f"ConfigError: hydra.searchpath: file://{tmp_path}/nothere: no such "
                       "folder; Hydra would go on without it (its configs not found); give a "
                       "folder that holds configs, or leave it out")
    assert said[2].startswith("ConfigError: hydra.searchpath: structured://h296_nothere: no "
                              "module 'h296_nothere' to read configs from")


def test_a_log_file_that_holds_other_text_is_refused(tmp_path):
    # hydra.job_logging.handlers.file.filename=~/.bashrc (a config file of someone else's;
    # hydra.hydra_logging's alike, in a sweep) had the run's log lines appended to it
    (tmp_path / "rc").write_text("alias ll='ls -l'\n")
    for part in ("job_logging", "hydra_logging"):
        refused = composition_refused([
            f"+hydra.{part}.handlers.f={{class: logging.FileHandler, filename: {tmp_path}/rc}}"])
        assert isinstance(refused, ConfigError) and str(refused) == (
            f"ConfigError: hydra config: hydra.{part}.handlers.f.filename='{tmp_path}/rc': a "
            "file that holds other text than log lines (\"alias ll='ls -l'\"); the log would "
            "be appended to it. Point it at a new file or a log (*.log), or leave it at its "
            "default (train.log in the run directory)")
    assert (tmp_path / "rc").read_text() == "alias ll='ls -l'\n"
    from mia_defense.hydra_node_checks import _not_a_log

    (tmp_path / "runs.txt").write_text("[2026-12-06 07:41:15,217][HYDRA] one run\n")
    (tmp_path / "runs.log").write_text("a format of one's own\n")
    for name in ("runs.txt", "runs.log", "new.txt"):  # (an earlier run's log; a *.log; new)
        assert _not_a_log(str(tmp_path / name)) is None


def test_mia_attacks_refusals_name_its_config_not_config_yaml():
    # was "(attack=default, config.yaml's default)": mia-attack's primary config is its own
    from hydra import initialize_config_module

    import mia_defense.cli.attack  # noqa: F401  (stores mia-attack's config)

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        with pytest.raises(ConfigError) as refused:
            loader.load_configuration("mia_attack", ["+attack=default"], run_mode=RunMode.RUN)
    assert "which selects one already (attack=default, mia-attack's config's default)" in str(
        refused.value)


def test_a_job_name_that_is_a_path_is_refused():
    # hydra.job.name=../../escape wrote the run's log to ../../escape.log, outside the run
    refused = composition_refused(["hydra.job.name=../../escape"])
    assert isinstance(refused, ConfigError) and str(refused) == (
        "ConfigError: hydra config: hydra.job.name='../../escape': the run's log file is named "
        "after it (../../escape.log in the run directory), and a path puts that file "
        "elsewhere; give a name without '/' (or leave it at its default)")


def test_a_config_path_that_replaces_or_misses_the_packaged_configs_is_refused(tmp_path):
    # Hydra stopped on "In 'config': Could not find 'hydra/default'" (its folder replaced the
    # packaged configs), or looked for a relative one beside mia-defense's code
    from mia_defense.cli.arguments import shadowed_configs

    advice = ("; nothing was run. Add your folder to mia-defense's configs with --config-dir "
              "DIR instead (--config-name NAME for a primary config of yours)")
    assert shadowed_configs(["--config-path", str(tmp_path)]) == (
        f"ConfigError: --config-path {tmp_path}: replaces mia-defense's own configs with this "
        "folder's, which lacks their groups (no hydra/default.yaml, whose callbacks check each "
        f"run){advice}")
    assert shadowed_configs(["-cp", "conf"]) == (
        "ConfigError: -cp conf: is read beside mia-defense's code (Hydra's rule for a relative "
        f"one), not here{advice}")
    assert shadowed_configs(["--config-path=pkg://mia_defense.conf"]) is None


@pytest.mark.parametrize(("overrides", "said"), [
    # was Hydra's bare AssertionError, a traceback
    (['train=${oc.decode:"[1]"}'], "train=${oc.decode:\"[1]\"}: train is a config group, whose "
     "choice is the name of one of its configs, and this interpolation resolves to no name (a "
     "list, a number, a mapping); nothing was run. Name the config: train=NAME (e.g. "
     "train=default)"),
    # were "Error merging override ~hydra.callbacks" and OmegaConf's "HydraConf (DictConfig)
    # does not support deletion / full_key: ... / object_type=HydraConf"
    (["~hydra.callbacks"], "~hydra.callbacks: hydra.callbacks is a setting of Hydra's own, "
     "which cannot be deleted; nothing was run. Set it (hydra.callbacks=VALUE), or leave it at "
     "its default"),
    (["hydra.run.dir=null"], "hydra.run.dir=null: hydra.run.dir is a setting of Hydra's own, "
     "which takes a value, not null; nothing was run. Set it (hydra.run.dir=VALUE), or leave "
     "it at its default"),
])  # fmt: skip
def test_hydra_errors_of_a_choice_or_a_setting_of_its_own_are_said_in_words(overrides, said):
    refused = composition_refused(overrides)
    assert isinstance(refused, ConfigError) and str(refused) == f"ConfigError: {said}"


@pytest.mark.parametrize(("given", "said"), [
    # was "train.optimizer has no key '_target_' (it has no keys)": it holds 'adam'
    ("train.optimizer._target_=torch.optim.AdamW", "train.optimizer holds a value (adam by "
     "default), not a mapping of keys, so it has no key '_target_'; to give a mapping in its "
     "place, write it whole: 'train.optimizer={_target_: torch.optim.AdamW}'"),
    ("attack.bootstrap.x=1", "attack.bootstrap has no key 'x' (it holds a value, 200 by "
     "default, not a mapping of keys)"),
])  # fmt: skip
def test_a_key_below_a_value_says_the_value_is_no_mapping(given, said):
    refused = composition_refused([given])
    assert str(refused).endswith(f"(Key '{given.split('=')[0].split('.')[-1]}' is not in "
                                 f"struct): {said}")
