"""Hostile and mistaken mia-train command lines (red team): each is one line naming the key
or path and what to do, exit 2, no traceback, and no run, file or folder is touched."""

from __future__ import annotations

import functools

import pytest
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from mia_defense.hydra_node_checks import unresolvable_settings
from tests.helpers import mia_train

TINY = ("plan.num_models=2", "train.epochs=1", "progress=false", "figures=false")
UNSET = "${oc.env:MIA_RED_NO_SUCH_VAR}"


@functools.cache
def _hydra_config(mode: str) -> DictConfig:
    from hydra import compose, initialize_config_module

    from mia_defense.hydra_setup import register_resolvers

    register_resolvers()  # ${mia_safe_dirname:...}, as the tools register it
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=[f"hydra.mode={mode}"], return_hydra_config=True)


def hydra_config(mode: str, **settings: str) -> DictConfig:
    """The packaged config as Hydra composes it for a run (``RUN``) or a sweep (``MULTIRUN``),
    with ``settings`` (``job__name=...`` for hydra.job.name) set as given, unresolved."""
    config = _hydra_config(mode).copy()
    config = OmegaConf.create(OmegaConf.to_container(config, resolve=False))
    with read_write(config), open_dict(config):
        for key, value in settings.items():
            OmegaConf.update(config, "hydra." + key.replace("__", "."), value, force_add=True)
    config.hydra.mode = _hydra_config(mode).hydra.mode
    return config


@pytest.mark.slow  # 0.5 s: mia-train in this process
def test_a_run_dir_that_cannot_be_resolved_is_one_line_before_any_folder(tmp_path):
    # Hydra resolved it only as it made the run's folder: a traceback, exit 1
    done = mia_train(*TINY, f"hydra.run.dir={UNSET}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"ConfigError: hydra config: hydra.run.dir='{UNSET}': cannot be resolved" \
        in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # 0.5 s: mia-train in this process
def test_a_job_name_that_cannot_be_resolved_is_refused_before_the_run_folder_is_made(tmp_path):
    # Hydra made the run's folder, then stopped on the log file's name with a traceback
    done = mia_train(*TINY, "hydra.run.dir=run", f"hydra.job.name={UNSET}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"hydra.job.name='{UNSET}': cannot be resolved" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.slow  # 0.5 s: mia-train in this process
def test_a_sweep_subdir_that_cannot_be_resolved_is_one_line_before_any_folder(tmp_path):
    # the sweep's folder was made, then each job stopped with a traceback, exit 1
    done = mia_train("-m", *TINY, "hydra.sweep.dir=sweep", f"hydra.sweep.subdir={UNSET}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"hydra.sweep.subdir='{UNSET}': cannot be resolved" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("mode", "key", "value"),
    [
        ("RUN", "run.dir", "${no_such_key}"),
        ("RUN", "run.dir", "out/${hydra.job.num}"),  # a sweep's job number: not in a run
        ("RUN", "run.dir", "???"),
        ("RUN", "job_logging.handlers.file.filename", UNSET),
        ("RUN", "verbose", UNSET),
        ("RUN", "job.chdir", UNSET),
        ("RUN", "job.env_set.A", UNSET),
        ("MULTIRUN", "sweep.dir", UNSET),
        ("MULTIRUN", "sweep.subdir", "${hydra.runtime.output_dir}/${no_such_key}"),
    ],
)
def test_each_setting_hydra_reads_must_resolve(mode, key, value):
    config = hydra_config(mode, **{key.replace(".", "__"): value})
    problems = unresolvable_settings(config)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"hydra.{key}={value!r}: cannot be resolved (")


def test_settings_of_the_other_mode_and_of_a_job_are_not_resolved_up_front():
    # a run never reads hydra.sweep.dir, a sweep never hydra.run.dir; a sweep's job number
    # and a job's folder are set as each job starts; --cfg (no mode) resolves nothing
    assert unresolvable_settings(hydra_config("RUN", sweep__dir=UNSET)) == []
    sweep = hydra_config("MULTIRUN", run__dir=UNSET, sweep__subdir="${hydra.job.num}",
                         job_logging__handlers__file__filename="${hydra:runtime.output_dir}/x")
    assert unresolvable_settings(sweep) == []
    assert sweep.hydra.job._get_node("num")._is_missing()  # (put back as found)
    assert sweep.hydra.runtime._get_node("output_dir")._is_missing()
    shown = hydra_config("RUN", run__dir=UNSET)
    with read_write(shown), open_dict(shown):
        shown.hydra.mode = None
    assert unresolvable_settings(shown) == []


@pytest.mark.parametrize("sweep", [False, True])
def test_a_run_or_sweep_dir_in_a_symlink_loop_is_one_line(tmp_path, sweep):
    # Path.resolve raised RuntimeError("Symlink loop") in the run-directory check; Hydra
    # warned, skipped the checks after it (the earlier sweep's multirun.yaml unkept) and
    # stopped with a traceback
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    key = "hydra.sweep.dir" if sweep else "hydra.run.dir"
    done = mia_train(*(["-m"] if sweep else []), *TINY, f"{key}=a/run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"DataError: {key}=a/run: cannot write there (Too many levels of symbolic links)" \
        in done.stderr
    assert "Traceback" not in done.stderr
    assert "UserWarning" not in done.stderr


@pytest.mark.parametrize("sweep", [False, True])
def test_a_run_dir_check_that_fails_stops_the_run_rather_than_being_skipped(
    tmp_path, monkeypatch, sweep
):
    # Hydra turns a callback's exception into a warning and goes on: the run or sweep went
    # ahead without the checks after the failed one
    import mia_defense.cli.train as cli

    def broken(path: str, *, key: str) -> None:
        raise ValueError("an unforeseen problem")

    monkeypatch.setattr(cli, "refuse_inside_a_run", broken)
    key = "hydra.sweep.dir" if sweep else "hydra.run.dir"
    done = mia_train(*(["-m"] if sweep else []), *TINY, f"{key}=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"ConfigError: {key}=out: cannot be checked (ValueError: an unforeseen problem); " \
        "nothing was run" in done.stderr
    assert "UserWarning" not in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_lock_file_that_is_a_link_or_fifo_is_refused_and_its_target_kept(tmp_path, kind):
    # the run directory's .lock was opened through a link and truncated: a copied or shared
    # run folder whose .lock named a file of the user's had it written over with "pid ..."
    import os

    from mia_defense.errors import DataError
    from mia_defense.tracking.run_dir import claim_run_dir

    run_dir, precious = tmp_path / "run", tmp_path / "precious.txt"
    run_dir.mkdir()
    precious.write_text("keep me\n")
    if kind == "link":
        (run_dir / ".lock").symlink_to(precious)
    else:
        os.mkfifo(run_dir / ".lock")  # (ftruncate's bare OSError, a traceback)
    with pytest.raises(DataError, match=r"\.lock: not a regular file .*Delete it"):
        with claim_run_dir(run_dir):
            pass
    assert precious.read_text() == "keep me\n"


def test_a_run_log_that_is_a_link_is_refused_and_the_file_it_names_kept(tmp_path):
    # Hydra appended the run's log through a copied run folder's train.log link into the
    # user's file it named
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "train.log").symlink_to(precious)
    done = mia_train(*TINY, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "train.log: the run's log file (hydra.job_logging.handlers.file.filename) is a " \
        "link, not a log of mia-train's" in done.stderr
    assert precious.read_text() == "keep me\n"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["train.log"]


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_run_log_that_is_a_fifo_or_folder_is_refused(tmp_path, kind):
    # a FIFO train.log: Hydra's log file handler waited forever for a reader
    import os

    from mia_defense.cli.run_dirs import refuse_odd_log_files

    for run_dir in (tmp_path / "run", tmp_path / "sweep" / "job"):
        run_dir.mkdir(parents=True)
        if kind == "fifo":
            os.mkfifo(run_dir / "train.log")
        else:
            (run_dir / "train.log").mkdir()
    config = hydra_config("MULTIRUN", job__name="train")
    with pytest.raises(SystemExit) as stopped:
        refuse_odd_log_files(config, [tmp_path / "sweep" / "job"], key="hydra.sweep.dir")
    assert stopped.value.code == 2
    config = hydra_config("RUN", job__name="train")
    with pytest.raises(SystemExit):
        refuse_odd_log_files(config, [tmp_path / "run"], key="hydra.run.dir")
    assert config.hydra.runtime._get_node("output_dir")._is_missing()  # (put back)
    (tmp_path / "new").mkdir()
    refuse_odd_log_files(config, [tmp_path / "new"], key="hydra.run.dir")  # none yet: fine


@pytest.mark.parametrize("name", ["multirun.yaml", "optimization_results.yaml"])
def test_a_sweep_record_that_is_a_link_is_refused_and_the_file_it_names_kept(tmp_path, name):
    # Hydra saved the sweep's multirun.yaml through a link in the sweep folder: the user's
    # file it named was written over with the sweep's config
    from mia_defense.cli.run_dirs import keep_earlier_sweep_records

    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / name).symlink_to(precious)
    with pytest.raises(SystemExit) as stopped:
        keep_earlier_sweep_records(tmp_path / "sweep", "hydra: {}\n")
    assert stopped.value.code == 2
    assert precious.read_text() == "keep me\n"


def test_a_run_dir_in_use_is_refused_before_hydra_writes_into_the_holders_log(tmp_path):
    # the second process's log lines (its "in use" error among them) were appended to the
    # running run's train.log before the task found the lock
    from mia_defense.tracking.run_dir import claim_run_dir

    with claim_run_dir(tmp_path / "run"):
        done = mia_train(*TINY, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"ConfigError: run is in use by pid {__import__('os').getpid()} on " in done.stderr
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock"]


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("train=5", "train=5: a config group takes the name of one of its configs (one of: "
                    "default), not 5"),
        ("model=true", "model=true: a config group takes the name of one of its configs "
                       "(one of: cnn, custom, logistic, mlp, resnet, wide_resnet), not true"),
        ("defense=[dp,1.5]", "not 1.5"),
        ("+experiment=5", "+experiment=5: a config group takes the name"),
        ("hydra/launcher=5", "hydra/launcher=5: a config group takes the name of one of its "
                             "configs, not 5"),
        ("=5", "=5: no config group or key before '='; write KEY=VALUE"),
        ("@x=5", "@x=5: no config group or key before '='"),
    ],
)
def test_a_group_given_a_number_or_no_key_is_one_line(tmp_path, override, said):
    # Hydra: "ValueError: Config group override must be a string or a list. Got int", with
    # a Python traceback
    done = mia_train(override, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"ConfigError: {override}: "), done.stderr
    assert said in done.stderr.splitlines()[0]
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_group_names_and_sweeps_of_names_pass():
    from mia_defense.cli.arguments import unnamed_group_choice

    assert unnamed_group_choice(["model=mlp", "defense=[dp,mixup]", "defense=[],[dp]",
                                 "release=topk,full", "train.lr=5", "+foo=1", "seed=1,2",
                                 "hydra/launcher=basic"]) is None  # fmt: skip
    assert unnamed_group_choice(["model=mlp,1"]) is not None  # (a sweep's values each)


@pytest.mark.parametrize(
    ("sweep", "said"),
    [
        (("seed=range(0,1000000000)",), "ConfigError: the sweep holds 1000000000 runs "
                                        "(seed=range(0,1000000000): 1000000000 values), more "
                                        "than the 100000 one sweep may hold"),
        (("seed=range(0,1000)", "train.lr=range(1,1001)"), "the sweep holds 1000000 runs"),
        (("seed=range(0,10,0)",), "ConfigError: seed=range(0,10,0): a range with step 0 never "
                                  "ends; nothing was run"),
    ],
)
def test_a_sweep_too_large_to_list_or_endless_is_refused_at_once(tmp_path, sweep, said):
    # the emptiness check (and Hydra after it) listed every value first: memory ran out, or
    # the step-0 range never ended, before any message
    done = mia_train("-m", *TINY, *sweep, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert said in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_sweep_sizes_are_counted_without_listing_them():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.cli.sweep_checks import sweep_size

    parser = OverridesParser.create()
    sizes = {text: sweep_size(parser.parse_override(text)) for text in (
        "seed=range(0,10**9)".replace("10**9", "1000000000"), "x=range(0,1,0.25)",
        "x=range(5,1)", "x=range(5,1,-1)", "x=1,2,3", "x=interval(0,1)")}  # fmt: skip
    assert list(sizes.values()) == [10**9, 4, 0, 4, 3, None]


def test_a_swept_key_given_twice_is_refused_rather_than_half_run(tmp_path):
    # -m seed=1,2 seed=3: Hydra kept the last, and the sweep ran seed=3 alone, exit 0
    done = mia_train("-m", *TINY, "seed=1,2", "seed=3", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "ConfigError: seed=3: seed is given 2 times on the command line (seed=1,2 seed=3) " \
        "and Hydra keeps only the last, so the sweep would run only seed=3; nothing was run" \
        in done.stderr
    assert list(tmp_path.iterdir()) == []
