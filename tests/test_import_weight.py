"""Start-up stays light (issue 17, target 1): ``mia-train --help``, ``mia-train --cfg job``
and ``mia-report --help`` import neither torch nor the other heavy libraries; they are
imported where a run uses them. Timings are `scripts/bench_startup.py`'s, not asserted here.
"""

from __future__ import annotations

import copy
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.core.config_store import ConfigStore
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf, ValidationError

from mia_defense.experiment import PlanConfig
from mia_defense.hydra_setup import register_configs, share_config_store
from mia_defense.training.config import TrainConfig

BIN = Path(sys.executable).parent
HEAVY = ("torch", "torch._dynamo", "opacus", "tensorboard", "matplotlib", "scipy.stats", "sklearn",
         "optuna")

# Runs a command's main() (or an installed console script, given by its path) in a fresh
# interpreter, then prints its exit code and which of HEAVY it imported (stdout of the
# command itself goes to a file).
_PROBE = """
import contextlib, json, runpy, sys
module, argv, heavy, out = sys.argv[1], sys.argv[2:-2], sys.argv[-2].split(","), sys.argv[-1]
sys.argv = [module, *argv]
code = 0
with open(out, "w") as sink, contextlib.redirect_stdout(sink):
    try:
        if "/" in module:
            runpy.run_path(module, run_name="__main__")
        else:
            code = __import__(module, fromlist=["main"]).main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code or 0, "heavy": [m for m in heavy if m in sys.modules]}))
"""


def _probe(tmp_path: Path, module: str, *argv: str) -> tuple[int, list[str], str]:
    """Exit code, heavy modules imported and stdout of ``module.main()`` run with ``argv``."""
    out = tmp_path / "stdout.txt"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, module, *argv, ",".join(HEAVY), str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], result["heavy"], out.read_text()


def test_importing_the_clis_imports_no_heavy_library():
    code = (
        "import sys, mia_defense.cli.train, mia_defense.cli.report; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_mia_train_help_lists_the_groups_without_heavy_imports(tmp_path):
    code, heavy, out = _probe(tmp_path, "mia_defense.cli.train", "--help")
    assert (code, heavy) == (0, [])
    # the typed schema nodes are building blocks for a config of your own, not options to
    # pick: "plan: default, schema" invited plan=schema (the dataclass's defaults)
    assert "\ntrain: default\n" in out and "\nplan: default\n" in out and "schema" not in out
    assert "defense: advreg, distillation, dp," in out
    assert not list(tmp_path.glob("outputs")), "--help created a run directory"


def test_mia_train_cfg_job_prints_the_config_without_heavy_imports(tmp_path):
    code, heavy, out = _probe(tmp_path, "mia_defense.cli.train", "--cfg", "job", "seed=7")
    assert (code, heavy) == (0, [])
    cfg = OmegaConf.create(out)
    assert cfg.seed == 7 and cfg.train.optimizer == "adam" and "hydra" not in cfg
    assert not list(tmp_path.glob("outputs")), "--cfg job created a run directory"


def test_mia_train_cfg_job_still_refuses_a_bad_override(tmp_path):
    code, heavy, _ = _probe(tmp_path, "mia_defense.cli.train", "--cfg", "job", "trian.lr=1")
    assert (code, heavy) == (2, [])


@pytest.mark.slow  # ~8 s: a whole run of the installed mia-train in a process of its own
def test_the_console_script_runs_without_opacus_and_prints_table_and_tensorboard_command(
    tmp_path,
):
    """The installed ``mia-train`` runs, prints the table and a TensorBoard command relative to
    where it started. Opacus is DP-SGD's reference (train.engine=opacus) and costs 0.15 s to
    import: a run that uses neither pays nothing for it (results.json still names its
    version)."""
    code, heavy, out = _probe(
        tmp_path, str(BIN / "mia-train"), "plan.num_models=2", "plan.population_size=200",
        "train.epochs=1", "attack.bootstrap=0", "figures=false", "progress=false",
        "hydra.run.dir=run",
    )  # fmt: skip
    assert code == 0 and "opacus" not in heavy and "torch" in heavy, heavy
    assert "torch._dynamo" not in heavy  # 3.4 s nothing in a run needs (training/eager.py)
    assert "TPR@0.1%FPR" in out and "lira_online" in out
    look = shlex.split(out.splitlines()[-1].removeprefix("look at it:"))  # (its path quoted
    assert look[0].endswith("tensorboard") and look[1:] == ["--logdir", "run"]  # in "my dir/")
    versions = json.loads((tmp_path / "run" / "results.json").read_text())["versions"]
    assert versions["opacus"] and versions["hydra-core"] and versions["scikit-learn"]


@pytest.mark.slow  # ~8 s each: a whole run in a process of its own
@pytest.mark.parametrize("defense", ["advreg", "dp"])
def test_a_defended_run_never_imports_torch_compile(tmp_path, defense):
    """AdvReg's attacker optimiser, the FLOP probe that reference data brings in and the
    DP engine train without torch._dynamo (3.4 s; see mia_defense/training/eager.py)."""
    code, heavy, _ = _probe(
        tmp_path, "mia_defense.cli.train", f"defense={defense}", "plan.num_models=2",
        "plan.population_size=200", "plan.reference_size=100", "train.epochs=2",
        "attack.bootstrap=0", "figures=false", "progress=false", "hydra.run.dir=run",
    )  # fmt: skip
    assert code == 0 and "torch" in heavy and "torch._dynamo" not in heavy, heavy
    assert "opacus" not in heavy  # the RDP analysis alone (defenses/accounting.py)


def test_mia_report_help_and_a_usage_error_import_no_heavy_library(tmp_path):
    code, heavy, out = _probe(tmp_path, "mia_defense.cli.report", "--help")
    assert (code, heavy) == (0, [])
    assert "sweep roots or run directories" in out
    code, heavy, _ = _probe(tmp_path, "mia_defense.cli.report", "d", "--roc-runs", "-1")
    assert (code, heavy) == (2, [])


@pytest.mark.slow  # several runs or a subprocess (1.5-3 s): make test-slow
def test_a_whole_report_imports_neither_torch_nor_scikit_learn(tmp_path):
    # charts, tables and TensorBoard events of a sweep need matplotlib and TensorBoard's
    # writer only: torch, scikit-learn and scipy.stats were 5 s of a study's closing report
    from tests.report.fake_runs import two_run_sweep

    sweep = two_run_sweep(tmp_path / "sweep")
    code, heavy, out = _probe(tmp_path, "mia_defense.cli.report", str(sweep), "--out",
                              str(tmp_path / "report"))  # fmt: skip
    assert code == 0, out
    assert heavy == ["tensorboard", "matplotlib"]
    assert (tmp_path / "report" / "roc.png").is_file()
    assert list((tmp_path / "report" / "tb").glob("events.out.tfevents.*"))


@pytest.mark.parametrize("tool", ["mia-train", "mia-report"])
def test_the_installed_console_scripts_answer_help(tool):
    script = BIN / tool
    if not script.exists():
        pytest.skip(f"{tool} is not installed next to {sys.executable}")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = "usage: mia-report" if tool == "mia-report" else "== Config =="
    assert expected in done.stdout


def test_the_pipeline_functions_are_still_importable_from_cli_train():
    from mia_defense.cli import build
    from mia_defense.cli.train import build_experiment, format_table, run

    assert (build_experiment, format_table, run) == (
        build.build_experiment, build.format_table, build.run
    )
    with pytest.raises(ImportError, match="cannot import name 'no_such_thing'"):
        from mia_defense.cli.train import no_such_thing  # noqa: F401


@pytest.mark.parametrize(("group", "schema"), [("train", TrainConfig), ("plan", PlanConfig)])
def test_a_config_that_selects_a_schema_gets_the_typed_dataclass_defaults(make_cfg, group,
                                                                           schema):
    cfg = make_cfg(f"{group}=schema", tiny=False)
    assert OmegaConf.to_container(cfg[group]) == OmegaConf.to_container(
        OmegaConf.structured(schema)
    )
    assert OmegaConf.get_type(cfg, group) is schema  # typed: Hydra checks values on compose


def test_a_schema_node_is_fresh_on_every_load():
    register_configs()
    first = ConfigStore.instance().load("train/schema.yaml")
    first.node.epochs = 12345
    again = ConfigStore.instance().load("train/schema.yaml")
    assert again.node.epochs == TrainConfig().epochs


def test_a_wrong_value_for_a_schema_key_is_refused_at_composition(make_cfg):
    with pytest.raises(ConfigCompositionException,
                       match=r"Error merging override plan.num_models=abc") as caught:
        make_cfg("plan=schema", "plan.num_models=abc", tiny=False)
    assert isinstance(caught.value.__cause__, ValidationError)
    assert make_cfg("plan.num_models=abc", tiny=False).plan.num_models == "abc"  # untyped


def test_the_config_store_is_shared_not_copied(make_cfg):
    share_config_store()
    store = ConfigStore.instance()
    assert copy.deepcopy(store) is store
    # two compositions in a row still see independent configs
    first, second = make_cfg("seed=1"), make_cfg("seed=2")
    assert (first.seed, second.seed) == (1, 2)
