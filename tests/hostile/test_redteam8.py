"""Hostile inputs, eighth round: a results.json of another format version met by a resumed
mia-train or by `load_trained_model`; settings the observations fix (white_box among them)
given to mia-attack or to `api.audit`; and what mia-attack records of the settings a file
does not state."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mia_defense import api
from mia_defense.cli.build import run as train_run
from mia_defense.cli.report import main as report_main
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import Observations
from mia_defense.tracking import SCHEMA_VERSION, write_json
from mia_defense.tracking.run_dir import finished_run
from mia_defense.tracking.trained_model import load_trained_model
from tests.helpers import FAST, LEAN_ATTACKS, mia_attack, synthetic_observations

# A schema_version that is not exactly the integer this code writes: missing, another
# version, and values that compare or convert equal to it.
VERSIONS = ["missing", SCHEMA_VERSION + 1, str(SCHEMA_VERSION), float(SCHEMA_VERSION), True,
            None]  # fmt: skip


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}  # fmt: skip


def _set_version(payload: dict, version: object) -> dict:
    payload = dict(payload)
    if version == "missing":
        payload.pop("schema_version", None)
    else:
        payload["schema_version"] = version
    return payload


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text())


# -- 1. a results.json of another format version ---------------------------------------------


@pytest.mark.parametrize("version", VERSIONS, ids=repr)
@pytest.mark.parametrize("status", ["complete", "interrupted"])
def test_a_resume_never_takes_another_versions_results_as_this_configs(tmp_path, version, status):
    # finished_run read any schema_version: a complete run of another layout was skipped
    # as this config's finished run, its figures taken as this code's
    config = {"seed": 0, "model": {"_target_": "mia_defense.models.MLP"}}
    payload = _set_version({"schema_version": SCHEMA_VERSION, "status": status,
                            "config": config}, version)  # fmt: skip
    write_json(tmp_path / "results.json", payload)
    before = _digest(tmp_path)
    with pytest.raises(ConfigError, match=rf"{tmp_path / 'results.json'}: schema_version .*"
                       r"nothing was changed\. Run in a new directory"):  # fmt: skip
        finished_run(tmp_path, config=config, data_fingerprint=None)
    assert _digest(tmp_path) == before


def test_mia_train_refuses_a_finished_run_of_another_version_and_keeps_it(
    fast_run, make_cfg, tmp_path
):
    run_dir = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    payload = _results(run_dir)
    (run_dir / "results.json").write_text(json.dumps({**payload, "schema_version": 99}))
    before = _digest(run_dir)
    with pytest.raises(ConfigError, match=r"run/results.json: schema_version is int 99, not the "
                                          r"integer 1"):  # fmt: skip
        train_run(make_cfg(*FAST), run_dir)
    assert _digest(run_dir) == before


@pytest.mark.parametrize("version", [SCHEMA_VERSION + 1, "missing", True], ids=repr)
def test_load_trained_model_refuses_another_versions_results(fast_run, tmp_path, version):
    # the model was built from a config of another layout as if it were this one's
    run_dir = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    payload = _set_version(_results(run_dir), version)
    (run_dir / "results.json").write_text(json.dumps(payload))
    with pytest.raises(DataError, match=r"run/results.json: schema_version .*load it with the "
                                        r"mia-defense version that wrote it"):  # fmt: skip
        load_trained_model(run_dir, 0)


# -- 2. attack.white_box: fixed by the observations' gradient norms ---------------------------


@pytest.fixture
def with_gradients(tmp_path: Path) -> Path:
    """A tiny observations file holding gradient norms (white-box)."""
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    grad_norms = np.abs(np.random.default_rng(0).normal(size=obs.masks.shape)).astype(np.float32)
    Observations(log_probs=obs.log_probs, labels=obs.labels, masks=obs.masks,
                 grad_norms=grad_norms).save(tmp_path / "g.npz")  # fmt: skip
    return tmp_path / "g.npz"


def test_white_box_false_on_gradient_norms_is_refused(with_gradients, tmp_path):
    # gradient_norm ran on the file's norms while the record said white_box: false
    lean = [a for a in LEAN_ATTACKS if not a.startswith("attack.white_box")]
    done = mia_attack("g.npz", *lean, "attack.white_box=false", "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: attack.white_box=false: cannot take effect: the observations of "
            in done.stderr and "were made with attack.white_box=true" in done.stderr)
    assert not (tmp_path / "out").exists()
    done = mia_attack("g.npz", *lean, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    payload = _results(tmp_path / "out")
    assert payload["config"]["attack"]["white_box"] is True
    assert "gradient_norm" in payload["attacks"]


def test_the_record_says_white_box_false_of_a_file_without_gradient_norms(tmp_path):
    # the config's default (white_box: true) was recorded of a file holding no norms
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    lean = [a for a in LEAN_ATTACKS if not a.startswith("attack.white_box")]
    done = mia_attack("o.npz", *lean, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _results(tmp_path / "out")["config"]["attack"]["white_box"] is False


# -- 3. what a file does not state is not recorded as known -----------------------------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_files_unknown_settings_are_recorded_null_and_read_back_so(tmp_path):
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    Observations(log_probs=obs.log_probs, labels=obs.labels, masks=obs.masks,
                 test_log_probs=obs.log_probs[:, :20], test_labels=obs.labels[:20],
                 metadata={"dataset": "mine"}).save(tmp_path / "o.npz")  # fmt: skip
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=runs/first", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    attack = _results(tmp_path / "runs" / "first")["config"]["attack"]
    # the config's defaults (noise 0.3, shift 1, 16 repeats, mislabeled canaries, 100 and
    # 1000 audit canaries) were recorded as if the file had been made with them
    assert attack["queries"] == {"num_augmented": 0, "noise_std": None, "max_shift": None,
                                 "flip": None, "repeats": None}  # fmt: skip
    assert attack["canaries"] == {"num": 0, "kind": None}
    assert attack["audit"] == "none" and attack["white_box"] is False
    assert attack["audit_canaries"] is None and attack["audit_gradient_canaries"] is None
    # attacked again as a run directory: its nulls are unknown, not values it was made with
    done = mia_attack("runs/first", *LEAN_ATTACKS, "attack.queries.noise_std=0.3",
                      "hydra.run.dir=again", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "do not say their attack.queries.noise_std" in done.stderr, done.stderr[-3000:]
    done = mia_attack("runs/first", *LEAN_ATTACKS, "hydra.run.dir=runs/second", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _results(tmp_path / "runs" / "second")["config"]["attack"]["queries"]["repeats"] is None
    # mia-report reads attack.queries.* as how a run was attacked: the nulls group alike
    assert report_main([str(tmp_path / "runs"), "--no-tensorboard", "--no-charts"]) == 0
    summary = (tmp_path / "runs" / "report" / "README.md").read_text()
    assert "first" in summary and "second" in summary and "None" not in summary


# -- 4. api.audit: overrides that cannot take effect ------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("attack.queries.num_augmented=8",
         r"attack.queries.num_augmented=8: cannot take effect: the observations audited were "
         r"made with attack.queries.num_augmented=0.*observe_models"),
        ("attack.queries.noise_std=0.3", r"do not say their attack.queries.noise_std"),
        ("attack.white_box=true", r"were made with attack.white_box=false"),
        ("attack.canaries.num=5", r"were made with attack.canaries.num=0"),
        ("attack.audit=one_run", r"attack.audit=one_run: cannot take effect"),
        ("~attack.queries", r"~attack.queries.num_augmented: cannot take effect"),
    ],
)
def test_audit_refuses_overrides_that_cannot_take_effect(override, message):
    # README's "Audit models you trained yourself": each was accepted and silently ignored
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError, match=message):
        api.audit(obs, overrides=["attack.bootstrap=0", override])


def test_audit_accepts_the_observations_own_values():
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    flags = np.zeros(40, dtype=bool)
    flags[:2] = True
    found = api.audit(obs, overrides=[*LEAN_ATTACKS[1:], "attack.canaries.num=2"], is_canary=flags)
    assert "loss" in found.result.attacks


def test_audit_refuses_a_seed_that_is_no_integer():
    # seed="0,1" went into the '+seed=...' override as a Hydra sweep, "1" was read as 1
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    for seed in ("0,1", 1.5, True):
        with pytest.raises(ConfigError, match=rf"audit: seed={seed!r}: must be an integer >= 0"):
            api.audit(obs, overrides=LEAN_ATTACKS[1:], seed=seed)


# -- 5. models and outputs that hide the leak --------------------------------------------------


def _torch_models(count: int, *, softmax: bool = False) -> list:
    import torch
    from torch import nn

    torch.manual_seed(0)
    layers = lambda: [nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)]  # noqa: E731
    return [nn.Sequential(*layers(), *([nn.Softmax(-1)] if softmax else []))
            for _ in range(count)]  # fmt: skip


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 5)).astype(np.float32), np.arange(60) % 3


def test_observe_models_refuses_models_that_return_probabilities():
    # nn.Softmax last: its probabilities were read as logits, squeezed towards uniform by
    # the softmax on them (LiRA online's TPR at 1% FPR 0.98 -> 0.74 on synthetic outputs)
    from mia_defense.errors import UnsupportedModelError

    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=40)
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(Sequential\) returns "
                                                    r"probabilities .*drop the model's final "
                                                    r"softmax"):  # fmt: skip
        api.observe_models(_torch_models(4, softmax=True), x, y, plan)
    assert api.observe_models(_torch_models(4), x, y, plan).num_models == 4


def test_observe_models_refuses_one_module_given_for_several_models():
    # [model] * K (one module trained on every mask): IN and OUT records fit it alike, and
    # the audit found no leak whatever the model had memorised
    x, y = _data()
    plan = api.make_plan(x, y, num_models=4, population_size=40)
    model = _torch_models(1)[0]
    with pytest.raises(ConfigError, match=r"models\[1\] is models\[0\] \(the same module "
                                          r"object\); give K separately trained modules"):
        api.observe_models([model] * 4, x, y, plan)


def test_probabilities_said_to_be_logits_are_refused():
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    probs = np.exp(obs.log_probs)
    with pytest.raises(DataError, match=r"outputs: every output lies in \[0, 1\] and sums to 1: "
                                        r"probabilities, not logits.*output_kind=probabilities"):
        api.observations_from_arrays(probs, obs.masks, obs.labels, kind="logits")
    found = api.observations_from_arrays(probs, obs.masks, obs.labels, kind="probabilities")
    np.testing.assert_allclose(found.log_probs, obs.log_probs, atol=1e-5)


@pytest.mark.parametrize(("key", "value"), [("queries.repeats", "abc"), ("white_box", 1),
                                            ("canaries.kind", "mislabelled"), ("audit", 5)])
def test_a_source_runs_fixed_setting_of_the_wrong_type_is_refused(tmp_path, key, value):
    # carried as the observations' own into the new record (and named in refusals):
    # repeats 'abc' stood in config.attack beside the figures
    from mia_defense.attack_source import read_source

    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    payload = _results(tmp_path / "run")
    *nodes, name = key.split(".")
    node = payload["config"]["attack"]
    for part in nodes:
        node = node[part]
    node[name] = value
    (tmp_path / "run" / "results.json").write_text(json.dumps(payload))
    with pytest.raises(DataError, match=rf"run/results.json: config.attack.{key}=.*: must be "):
        read_source(tmp_path / "run")


def test_a_complete_run_without_its_arrays_or_linked_in_is_said_when_skipped(
    fast_run, tmp_path, caplog
):
    # a half-copied folder (results.json without observations.npz) or a results.json linked
    # from another run was skipped as finished without a word
    run_dir = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    payload = _results(run_dir)
    (run_dir / "observations.npz").unlink()
    assert finished_run(run_dir, config=payload["config"],
                        data_fingerprint=payload["data_fingerprint"]) is not None  # fmt: skip
    assert "observations.npz is missing" in caplog.text
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "results.json").symlink_to(fast_run.run_dir / "results.json")
    finished_run(linked, config=payload["config"], data_fingerprint=payload["data_fingerprint"])
    assert "results.json is a link to" in caplog.text


def test_observe_models_takes_a_tensor_that_requires_grad_and_refuses_integer_outputs():
    import torch
    from torch import nn

    from mia_defense.errors import UnsupportedModelError

    x, y = _data()
    plan = api.make_plan(torch.tensor(x, requires_grad=True), y, num_models=4,
                         population_size=40)  # fmt: skip
    # x as a tensor that requires grad was a raw RuntimeError (numpy() on it)
    found = api.observe_models(_torch_models(4), torch.tensor(x, requires_grad=True), y, plan)
    assert found.num_models == 4

    class Votes(nn.Module):  # the predicted class, one-hot as integers: no scores left
        def __init__(self) -> None:
            super().__init__()
            self.net = _torch_models(1)[0]

        def forward(self, v: torch.Tensor) -> torch.Tensor:
            return nn.functional.one_hot(self.net(v).argmax(-1), 3)

    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(Votes\) returns torch.int64 "
                                                    r"values, not logits"):  # fmt: skip
        api.observe_models([Votes() for _ in range(4)], x, y, plan)


@pytest.mark.parametrize(
    ("extra", "said"),
    [("+hydra.run.dri=x", "Hydra has no setting hydra.run.dri"),
     ("launcher=ray", "its Hydra plugin is not installed")],
)
def test_mia_attack_refuses_hydra_keys_it_would_never_read(tmp_path, extra, said):
    # as mia-train does: +hydra.run.dri=x sent the output to the default folder
    if extra == "launcher=ray":
        pytest.importorskip("hydra_plugins.hydra_joblib_launcher")  # (the sweep extra)
        try:
            import hydra_plugins.hydra_ray_launcher  # noqa: F401
            pytest.skip("the Ray launcher is installed here")
        except ImportError:
            pass
    synthetic_observations(num_models=4, num_samples=60).save(tmp_path / "obs.npz")
    done = mia_attack("obs.npz", extra, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert said in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.npz"]
