"""Hostile inputs, fourth round: mia-attack and the Python API refuse a ``_target_`` that
would run a file or shell function as mia-train does; a sweep's subdir of the user's own
that a job's value sends outside the sweep directory is refused before Hydra makes the
job's folder and its train.log there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import mia_attack, mia_train, synthetic_observations

LEAN = ["attack.bootstrap=0", "attack.queries.num_augmented=0", "attack.white_box=false",
        "~attack.attacks.shokri", "progress=false", "figures=false"]  # fmt: skip
LEAN_API = LEAN[:4]  # (the API's attack settings: no progress bar, no TensorBoard)
REFUSED = ": not a dataset, model, defense, release, attack or optimiser; a _target_ may " \
    "not name the standard library"


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# -- 1. _target_ at a file or shell function: mia-attack and the API as mia-train ------------

# Each writes the file FLAG when built (Hydra's own blocklist stops os.system, not these).
WRITERS = [
    ("+attack.attacks.x={_target_:shutil.copy,src:/etc/hostname,dst:FLAG}",
     "attack.attacks.x._target_='shutil.copy'"),
    ("+attack.attacks.x={_target_:numpy.savetxt,fname:FLAG,X:[1]}",
     "attack.attacks.x._target_='numpy.savetxt'"),
    ("+attack.attacks.x={_target_:torch.save,obj:1,f:FLAG}",
     "attack.attacks.x._target_='torch.save'"),
    # nested: Hydra instantiates a target's arguments too
    ("+attack.attacks.x={_target_:mia_defense.attacks.LossAttack,"
     "y:{_target_:pathlib.Path.touch,self:FLAG}}",
     "attack.attacks.x.y._target_='pathlib.Path.touch'"),
]  # fmt: skip


@pytest.mark.parametrize(("override", "named"), WRITERS, ids=[w[1] for w in WRITERS])
def test_the_api_refuses_a_target_that_writes_files(tmp_path, override, named):
    # api.audit checked the attack keys but built any _target_: the file was written
    flag = tmp_path / "flag"
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError) as caught:
        api.audit(obs, overrides=[*LEAN_API, override.replace("FLAG", str(flag))])
    assert f"{named}{REFUSED}" in str(caught.value)
    assert not flag.exists()
    with pytest.raises(ConfigError, match="may not name the standard library"):
        api.check_attack_config(api.attack_config([override.replace("FLAG", str(flag))]))
    assert not flag.exists()


def test_mia_attack_refuses_a_target_that_writes_files_before_anything_is_made(tmp_path):
    flag = tmp_path / "flag"
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    override, named = WRITERS[0]
    done = mia_attack(str(tmp_path / "o.npz"), *LEAN, override.replace("FLAG", str(flag)),
                      f"hydra.run.dir={tmp_path / 'out'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: {named}{REFUSED}" in done.stderr and "Traceback" not in done.stderr
    assert not flag.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("tool", ["mia-train", "mia-attack"])
@pytest.mark.parametrize("sweep", [False, True])
def test_a_hydra_callback_naming_a_file_function_is_refused_before_hydra_builds_it(
    tmp_path, tool, sweep
):
    # Hydra builds hydra.callbacks right after composing, before any check of ours: the
    # override copied the file, and check_config leaves the hydra node alone
    flag = tmp_path / "flag"
    evil = f"+hydra.callbacks.evil={{_target_:shutil.copy,src:'{__file__}',dst:'{flag}'}}"
    args = [*(["-m"] if sweep else []), evil, f"hydra.run.dir={tmp_path / 'out'}",
            f"hydra.sweep.dir={tmp_path / 'sweep'}", *LEAN]  # fmt: skip
    if tool == "mia-train":
        done = mia_train(*args, cwd=tmp_path)
    else:
        synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
        done = mia_attack(str(tmp_path / "o.npz"), *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: hydra override: hydra.callbacks.evil._target_='shutil.copy'"
            f"{REFUSED}") in done.stderr  # fmt: skip
    assert not flag.exists() and not (tmp_path / "out").exists()
    assert not (tmp_path / "sweep").exists()


def test_every_value_of_a_swept_hydra_override_is_checked(tmp_path):
    # the check kept only the last of a sweep's values: a harmless one after the file
    # function hid it
    flag = tmp_path / "flag"
    evil = (f"+hydra.callbacks.x={{_target_:shutil.copy,src:'{__file__}',dst:'{flag}'}},"
            "{_target_:mia_defense.cli.user_code.LaunchDirOnPath}")  # fmt: skip
    done = mia_train("-m", evil, f"hydra.sweep.dir={tmp_path / 'sweep'}", *LEAN, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"hydra.callbacks.x[0]._target_='shutil.copy'{REFUSED}" in done.stderr
    assert not flag.exists() and not (tmp_path / "sweep").exists()


def test_hydra_overrides_without_a_forbidden_target_still_run(tmp_path):
    done = mia_train("+hydra.callbacks.mine={_target_:mia_defense.cli.user_code.LaunchDirOnPath}",
                     "hydra.job.config.override_dirname.exclude_keys=[progress,seed]",
                     "--cfg", "job", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


# -- 2. a job's value that sends its run folder outside the sweep directory ------------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_subdir_escaping_through_a_swept_value_leaves_no_folder_or_log_outside(tmp_path):
    # Hydra made the job's folder and wrote train.log two levels up before the job
    # callback refused it; the refusal now comes as Hydra resolves the job's subdir
    sweep = tmp_path / "a" / "b" / "sweep"
    done = mia_train("-m", "progress=false", "+z=../../..,x", f"hydra.sweep.dir={sweep}",
                     "hydra.sweep.subdir=${hydra.job.override_dirname}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError: hydra.sweep.subdir=+z=../../.. puts a run at" in done.stderr
    assert "outside the sweep directory" in done.stderr
    # (the sweep's check of its points resolves the first point's subdir: nothing is made)
    assert tree(tmp_path) == []


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_subdir_of_the_users_own_that_stays_inside_still_works(tmp_path):
    # the wrapped subdir resolves as the user wrote it (quotes, per-job values); the
    # points themselves are refused by the config check, quickly, inside their folders
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "progress=false", "train.lr=-1,-2", f"hydra.sweep.dir={sweep}",
                     "hydra.sweep.subdir='r${hydra.job.num}_it\\'s'", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "must be a finite number > 0" in done.stderr
    assert tree(sweep) == ["multirun.yaml", "r0_it's", "r0_it's/train.log", "r1_it's",
                           "r1_it's/train.log"]  # fmt: skip


# -- 3. names with newlines, escape codes, bytes that are no UTF-8 ---------------------------


@pytest.mark.parametrize("name", ["we\nird\x1b[31m.npz", "it's \\ \u200b", b"\xff\xfe\n".decode(
    "utf-8", "surrogateescape")], ids=["newline-escape", "quote-backslash-zwsp", "not-utf8"])
def test_a_printed_path_is_one_printable_line_the_shell_reads_back(name):
    # shlex.quote kept the newline and the escape code (a forged line of mia-attack's output,
    # the terminal recoloured) and print() of a name that is no UTF-8 could fail
    import subprocess

    from mia_defense.cli.commands import shell_path

    shown = shell_path(f"/tmp/{name}")
    assert shown.isprintable() and shown.encode("utf-8")
    back = subprocess.run(["bash", "-c", f"printf %s {shown}"], capture_output=True,
                          check=True).stdout  # fmt: skip
    assert back == os.fsencode(f"/tmp/{name}")


def test_mia_report_prints_an_output_folder_with_a_newline_quoted(tmp_path, capsys):
    from mia_defense.cli.report import main as report_main
    from tests.report.fake_runs import make_run

    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    out = tmp_path / "rep\nsummary: forged\x1b[2J"
    assert report_main([str(tmp_path / "sweep"), "-o", str(out), "--no-tensorboard",
                        "--no-charts"]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert all(line.isprintable() for line in lines)
    assert not any(line.startswith("summary: forged") for line in lines)
    assert "\\x0asummary: forged\\x1b[2J" in printed
    assert (out / "README.md").is_file()


# -- 4. a PATH mia-attack cannot read: refused before Hydra makes the run directory ----------


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_mia_attack_on_nothing_readable_leaves_no_run_folder(tmp_path, kind):
    # a folder without observations.npz was refused as 'lies in the run attacked' (it is
    # no run); a FIFO was refused by the task, after Hydra had made the run folder and log
    source = tmp_path / "src"
    source.mkdir() if kind == "folder" else os.mkfifo(source)
    done = mia_attack(str(source), *LEAN, f"hydra.run.dir={tmp_path / 'out'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    said = "no observations.npz in it" if kind == "folder" else "a FIFO (named pipe)"
    assert f"DataError: {source}: {said}" in done.stderr
    assert not (tmp_path / "out").exists()


# -- 5. the Python API's arguments of the wrong kind -----------------------------------------


def test_overrides_given_as_a_generator_are_applied_not_dropped():
    # the type check used the generator up: the audit ran with none of the overrides
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    chosen = [*LEAN_API, "attack.num_targets=2"]
    audit = api.audit(obs, overrides=(o for o in chosen))
    assert len(audit.targets) == 2


@pytest.mark.parametrize("overrides", [None, 3, b"attack.bootstrap=0", [1]])
def test_overrides_that_are_no_list_of_strings_are_refused_by_name(overrides):
    # None was a raw TypeError ('NoneType' object is not iterable)
    with pytest.raises(ConfigError, match=r"overrides=.*: a list of strings, one override each"):
        api.attack_config(overrides)


def test_make_plan_refuses_more_models_than_mia_train_allows():
    # num_models=10**9 passed the check (even, >= 0) and was a raw MemoryError (559 GiB)
    import numpy as np

    x, y = np.random.default_rng(0).normal(size=(100, 2)), np.arange(100) % 2
    with pytest.raises(ConfigError, match=r"make_plan: num_models=1000000000: must be an "
                                          r"even integer in \[2, 4096\]"):  # fmt: skip
        api.make_plan(x, y, num_models=10**9)


# -- 6. a config read from a file (results.json of a run received from someone else) --------


def test_a_config_from_a_file_with_a_forbidden_target_is_refused_by_name():
    # load_trained_model builds results.json's config.model: a forged run directory whose
    # model is {_target_: shutil.copy, ...} copied a file when the model was loaded
    from mia_defense.config import refuse_forbidden_targets

    config = {"model": {"_target_": "shutil.copy", "src": "/etc/hostname", "dst": "x"},
              "defense": {"a": {"_target_": "mia_defense.defenses.Mixup",
                                "f": [{"_target_": "builtins.exec", "_args_": ["1"]}]}},
              "dataset": {"_target_": "mia_defense.data.Digits", "x": "${oops}"}}  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        refuse_forbidden_targets(config, where="run/results.json config")
    said = str(caught.value)
    assert said.startswith(f"run/results.json config: model._target_='shutil.copy'{REFUSED}")
    assert f"defense.a.f[0]._target_='builtins.exec'{REFUSED}" in said
    refuse_forbidden_targets({"model": {"_target_": "mia_defense.models.MLP"}}, where="x")


# -- 7. atomic writes: a long file name; a disk that fills up mid-write ----------------------


def test_a_file_name_near_the_limit_is_written_and_a_full_disk_keeps_the_old_one(tmp_path):
    # the temporary name, 20-odd bytes longer than the file's, was refused as 'File name
    # too long' for a name of 240 bytes the file system takes
    import errno

    from mia_defense.errors import DataError
    from mia_defense.files import atomic_write

    path = tmp_path / ("a" * 240 + ".npz")
    atomic_write(path, lambda handle: handle.write(b"old"))
    assert path.read_bytes() == b"old"

    def fills_up(handle) -> None:
        handle.write(b"half of the new")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DataError, match=r"cannot write it \(No space left on device\); free "):
        atomic_write(path, fills_up)
    assert path.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [path]


# -- 8. mia-attack's PATH with ${...}, quotes and backslashes in its name ---------------------


@pytest.mark.parametrize("name", ["o${oc.env:MIA_RT4_DECOY}.npz", "a'b\\c.npz", "t\\${x}.npz"],
                         ids=["interpolation", "quote-backslash", "escaped-interpolation"])
def test_mia_attack_attacks_the_file_named_never_another(tmp_path, monkeypatch, name):
    # the PATH went to Hydra as an override value whose ${...} was resolved: the file
    # 'odecoy.npz' was attacked instead; a backslash was doubled (no such file)
    monkeypatch.setenv("MIA_RT4_DECOY", "decoy")
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / name)
    synthetic_observations(num_models=6, num_samples=40, num_classes=3).save(
        tmp_path / "odecoy.npz")
    done = mia_attack(str(tmp_path / name), *LEAN, f"hydra.run.dir={tmp_path / 'out'}",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    from mia_defense.tracking import read_json

    payload = read_json(tmp_path / "out" / "results.json")
    assert payload["source"]["path"] == str(tmp_path / name) and payload["num_models"] == 4


def _two_linear_models() -> tuple[list, object, object, object]:
    import numpy as np
    import torch

    x = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    torch.manual_seed(0)
    return [torch.nn.Linear(3, 2) for _ in range(2)], x, y, api.make_plan(x, y, num_models=2)


@pytest.mark.parametrize(("kwargs", "said"), [
    ({"white_box": "no"}, r"observe_models: white_box='no': must be True or False"),
    ({"plan": "plan"}, r"observe_models: plan is a str, not a MembershipPlan"),
    ({"num_augmented": 10**12}, r"observe_models: num_augmented=1000000000000: the augmented "
                                r"queries need about .* of memory \(2 models x"),
], ids=["white_box-text", "plan-text", "num_augmented-huge"])  # fmt: skip
def test_observe_models_refuses_arguments_of_the_wrong_kind(kwargs, said):
    # white_box='no' computed gradient norms (truthy), a str plan was a raw AttributeError,
    # num_augmented=10**12 a raw MemoryError (655 TiB)
    models, x, y, plan = _two_linear_models()
    arguments = {"plan": plan, **kwargs}
    with pytest.raises(ConfigError, match=said):
        api.observe_models(models, x, y, **arguments)


# -- 9. a mia-attack sweep with one point the observations cannot support ----------------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_one_bad_point_of_a_mia_attack_grid_fails_alone(tmp_path):
    # attack.num_targets=9 (of 4 models) stopped the sweep: the point 2 was never attacked
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    sweep = tmp_path / "sweep"
    done = mia_attack(str(tmp_path / "o.npz"), "-m", *LEAN, "attack.num_targets=9,2",
                      f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    runs = {d.name.split("attack.num_targets=")[1].split(",")[0]: d
            for d in sweep.glob("*attack.num_targets=*")}  # fmt: skip
    assert (runs["2"] / "results.json").is_file() and not (runs["9"] / "results.json").exists()
    refused = done.stdout.split("1 run(s) of this sweep were refused")[1]
    assert "ConfigError: attack.num_targets=9: must lie in [1, 4]" in refused


# -- 10. a run directory whose observations.npz is another run's -------------------------------


def test_a_run_whose_observations_were_replaced_is_refused(tmp_path):
    # mia-attack recorded the run's num_models=4, its 40 records and its utility beside
    # the attack figures of the 6 models of another file put in its place
    from mia_defense.attack_source import read_source
    from mia_defense.errors import DataError

    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    run = tmp_path / "run"
    done = mia_attack(str(tmp_path / "o.npz"), *LEAN, f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert read_source(run).results["num_models"] == 4  # the run as written reads back
    synthetic_observations(num_models=6, num_samples=40, num_classes=3).save(
        run / "observations.npz")
    with pytest.raises(DataError, match=r"run/observations.npz: num_models is 6 in them, 4 in "
                                        r"results.json: they are not this run's"):  # fmt: skip
        read_source(run)
