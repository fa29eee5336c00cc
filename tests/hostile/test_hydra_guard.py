"""Hydra's own nodes run no code a run's config could not (`mia_defense.hydra_guard`):
callbacks, a sweeper's nested objects and the logging handlers set by a config *file* (a
shared experiment on ``hydra.searchpath``, a ``--config-dir``) are refused before Hydra
builds any of them; mia-defense's own checks cannot be dropped; ``--experimental-rerun``,
which unpickles its file, is refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mia_defense.errors import ConfigError
from tests.helpers import FAST, mia_attack, mia_train, synthetic_observations

REFUSED = ": not a dataset, model, defense, release, attack or optimiser; a _target_ may " \
    "not name the standard library"


def experiment(root: Path, name: str, hydra_yaml: str) -> str:
    """Write ``root/experiment/<name>.yaml`` setting ``hydra:`` to ``hydra_yaml``; returns
    the override that puts ``root`` on Hydra's search path."""
    (root / "experiment").mkdir(parents=True, exist_ok=True)
    body = "".join(f"  {line}\n" for line in hydra_yaml.strip().splitlines())
    (root / "experiment" / f"{name}.yaml").write_text(f"# @package _global_\nhydra:\n{body}")
    return f"hydra.searchpath=[file://{root}]"


def copying_callback(flag: Path) -> str:
    """``hydra:`` lines of a callback that copies this file to ``flag`` when Hydra builds it."""
    return f"callbacks:\n  evil:\n    _target_: shutil.copy\n    src: {__file__}\n    dst: {flag}"


def test_a_callback_set_by_an_experiment_file_is_refused_before_hydra_builds_it(tmp_path):
    # Hydra instantiated hydra.callbacks from the file right after composing: the file was
    # copied, then the run went on (the command-line check sees overrides only)
    flag = tmp_path / "flag"
    path = experiment(tmp_path / "conf", "evil", copying_callback(flag))
    done = mia_train(path, "+experiment=evil", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"ConfigError: hydra config: hydra.callbacks.evil._target_='shutil.copy'{REFUSED}" \
        in done.stderr
    assert not flag.exists()
    assert not (tmp_path / "run").exists()
    assert "Traceback" not in done.stderr


def test_a_callback_given_by_interpolation_is_checked_as_hydra_builds_it(tmp_path):
    # `evil: ${stash}` is no _target_ where it stands: the walk passed it by, and the
    # callback Hydra built from the node it names copied the file before check_config
    # refused `stash` itself
    flag = tmp_path / "flag"
    path = experiment(tmp_path / "conf", "evil", "callbacks:\n  evil: ${stash}")
    stash = f"stash:\n  _target_: shutil.copy\n  src: {__file__}\n  dst: {flag}\n"
    file = tmp_path / "conf" / "experiment" / "evil.yaml"
    file.write_text(file.read_text() + stash)
    done = mia_train(path, "+experiment=evil", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "hydra.callbacks.evil._target_='shutil.copy'" in done.stderr
    assert not flag.exists()
    assert not (tmp_path / "run").exists()


def test_a_target_made_by_an_interpolation_is_checked_where_it_is_used(tmp_path):
    # ${oc.create:'{_target_: ...}'} names its target nowhere in the config: the walk
    # passed it by, and the attack stage called shutil.copy (then refused the str it built)
    flag = tmp_path / "flag"
    path = experiment(tmp_path / "conf", "evil", "job:\n  chdir: false")
    made = f"{{_target_: shutil.copy, src: {__file__}, dst: {flag}}}"
    file = tmp_path / "conf" / "experiment" / "evil.yaml"
    file.write_text(file.read_text() + f"attack:\n  attacks:\n    x: \"${{oc.create:'{made}'}}\"\n")
    done = mia_train(path, "+experiment=evil", "hydra.run.dir=run", *FAST, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"attack.attacks.x._target_='shutil.copy'{REFUSED}" in done.stderr
    assert not flag.exists()
    assert not (tmp_path / "run").exists()


def test_a_sweep_from_an_experiment_file_is_refused_too(tmp_path):
    flag = tmp_path / "flag"
    path = experiment(tmp_path / "conf", "evil", f"""
callbacks:
  evil:
    _target_: pathlib.Path.touch
    self: {flag}
""")
    done = mia_train("-m", path, "+experiment=evil", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "hydra.callbacks.evil._target_='pathlib.Path.touch'" in done.stderr
    assert not flag.exists()
    assert not (tmp_path / "sweep").exists()


def test_a_sweepers_nested_object_from_a_file_is_refused(tmp_path):
    # the Optuna sweeper instantiates its sampler when the sweep starts
    path = experiment(tmp_path / "conf", "evil", """
sweeper:
  sampler:
    _target_: os.abort
""")
    done = mia_train("hparams_search=optuna_custom", path, "+experiment=evil", "--cfg", "job",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "hydra.sweeper.sampler._target_='os.abort'" in done.stderr


@pytest.mark.parametrize(("part", "handler", "named"), [
    # logging.config.dictConfig calls what "()" names, and instantiates "class" with the
    # handler's other keys: subprocess.Popen(args=[...]) runs a command
    ("hydra_logging", "'()': shutil.copy\n      src: SRC\n      dst: FLAG",
     "hydra.hydra_logging.handlers.evil.()='shutil.copy'"),
    ("job_logging", "class: subprocess.Popen\n      args: [touch, FLAG]",
     "hydra.job_logging.handlers.evil.class='subprocess.Popen'"),
    ("job_logging", "class: logging.config.listen",
     "hydra.job_logging.handlers.evil.class='logging.config.listen'"),
])  # fmt: skip
def test_a_logging_handler_that_calls_the_standard_library_is_refused(
    tmp_path, part, handler, named
):
    flag = tmp_path / "flag"
    body = handler.replace("SRC", __file__).replace("FLAG", str(flag))
    path = experiment(tmp_path / "conf", "evil", f"{part}:\n  handlers:\n    evil:\n      {body}")
    done = mia_train(path, "+experiment=evil", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert "logging.config.dictConfig would call it" in done.stderr
    assert not flag.exists()
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", ["check_config", "run_dir_check"])
def test_a_file_cannot_drop_mia_defenses_own_checks(tmp_path, name):
    # with the config check gone, a sweep's jobs would run with no check before Hydra
    # writes; with the run-directory check gone, a run could write into $HOME
    path = experiment(tmp_path / "conf", "quiet", f"callbacks:\n  {name}: null")
    done = mia_train(path, "+experiment=quiet", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"hydra.callbacks.{name}: mia-defense's own callback" in done.stderr
    assert "is missing" in done.stderr
    replaced = experiment(tmp_path / "conf2", "other", f"""
callbacks:
  {name}:
    _target_: mia_defense.cli.user_code.LaunchDirOnPath
""")
    done = mia_train(replaced, "+experiment=other", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"hydra.callbacks.{name}: mia-defense's own callback" in done.stderr
    assert "is replaced" in done.stderr


def test_a_primary_config_of_the_users_own_must_keep_the_checks(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "mine.yaml").write_text("seed: 0\n")
    done = mia_train("--config-dir", str(tmp_path / "mine"), "--config-name", "mine",
                     "--cfg", "job", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "mine.yaml: its defaults list includes no config, so none of mia-train's config " \
        "(config.yaml: its settings, its checks of the run)" in done.stderr  # (h559's words)


def test_allowed_hydra_nodes_from_a_file_still_work(tmp_path):
    # a callback of mia_defense, a logging file handler: what users set on purpose
    path = experiment(tmp_path / "conf", "fine", f"""
callbacks:
  mine:
    _target_: mia_defense.cli.user_code.LaunchDirOnPath
job_logging:
  handlers:
    extra:
      class: logging.FileHandler
      filename: {tmp_path / "extra.log"}
""")
    done = mia_train(path, "+experiment=fine", "--cfg", "hydra", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "LaunchDirOnPath" in done.stdout


def test_mia_attack_checks_hydra_nodes_from_a_file_and_keeps_its_own_checks(tmp_path):
    flag = tmp_path / "flag"
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    path = experiment(tmp_path / "conf", "evil", copying_callback(flag))
    done = mia_attack("o.npz", path, "+experiment=evil", "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "hydra.callbacks.evil._target_='shutil.copy'" in done.stderr
    assert not flag.exists()
    assert not (tmp_path / "out").exists()
    quiet = experiment(tmp_path / "conf2", "quiet", "callbacks:\n  source_check: null")
    done = mia_attack("o.npz", quiet, "+experiment=quiet", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "hydra.callbacks.source_check: mia-defense's own callback" in done.stderr


def test_mia_attack_path_then_an_option(tmp_path):
    # PATH became source=PATH after the option: argparse refused "unrecognized arguments"
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "source: o.npz" in done.stdout


class _Marker:
    """Unpickling it touches ``path``: what a forged config.pickle could do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.path,))


@pytest.mark.parametrize("tool", [mia_train, mia_attack])
def test_experimental_rerun_never_unpickles_its_file(tmp_path, tool):
    # Hydra's --experimental-rerun FILE ran pickle.load(FILE): any code in it ran, then a
    # traceback ('int' object has no attribute 'hydra')
    flag = tmp_path / "flag"
    (tmp_path / "config.pickle").write_bytes(pickle.dumps(_Marker(flag)))
    done = tool("--experimental-rerun", "config.pickle", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "ConfigError: --experimental-rerun: not supported; it unpickles" in done.stderr
    assert not flag.exists()


def test_the_guard_wraps_the_loader_hydra_uses():
    # the guard wraps a Hydra 1.3 internal (pyproject keeps hydra-core < 1.4): this fails
    # if Hydra stops composing through it
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.hydra import Hydra

    import mia_defense.cli.train  # noqa: F401  (installs the guard)

    assert getattr(ConfigLoaderImpl.load_configuration, "_mia_guarded", False)
    import inspect

    assert "self.config_loader.load_configuration(" in inspect.getsource(Hydra.compose_config)


def test_the_refusal_is_a_config_error_for_the_python_api():
    from hydra import compose, initialize_config_module

    import mia_defense.cli.train  # noqa: F401

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        with pytest.raises(ConfigError, match=r"hydra.callbacks.x._target_='os.remove'"):
            compose(config_name="config",
                    overrides=["+hydra.callbacks.x={_target_: os.remove, path: nowhere}"],
                    return_hydra_config=True)  # fmt: skip


@pytest.mark.parametrize(("content", "said"), [
    (b"# @package _global_\nfoo: {a: b\n  c: d: e\n", "broken.yaml\", line 3"),
    (bytes(range(128, 256)), "'utf-8' codec can't decode"),
])  # fmt: skip
def test_a_config_file_that_is_no_yaml_is_one_config_error(tmp_path, content, said):
    # Hydra printed yaml's (or the codec's) traceback through its defaults-list internals
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    (tmp_path / "conf" / "experiment" / "broken.yaml").write_bytes(content)
    done = mia_train(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "+experiment=broken",
                     "--cfg", "job", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("ConfigError: a config file cannot be read as YAML (")
    assert said in done.stderr and "fix or remove that file" in done.stderr
    assert "+experiment=broken" in done.stderr
    assert "Traceback" not in done.stderr
