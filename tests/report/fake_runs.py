"""Run directories written by hand (results.json, scores.npz, observations.npz) for report tests."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.attacks.runner import AttackResult, strongest
from mia_defense.metrics import bootstrap_intervals, roc_metrics
from mia_defense.report.table import name_items
from mia_defense.tracking import SCHEMA_VERSION, read_json, write_json, write_npz
from mia_defense.tracking.artifacts import file_sha256
from mia_defense.tracking.run_dir import mark_run

FPRS = (0.1, 0.01, 0.001)
# A fake run's chance accuracy when none is given: digits' 10 classes, each a tenth.
DEFAULT_CHANCE = 0.1


def fpr_key(fpr: float) -> str:
    return f"tpr@{fpr * 100:g}%fpr"


def _put(config: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted key in a nested config, as a Hydra override does."""
    *parents, last = dotted.split(".")
    for key in parents:
        child = config.get(key)
        config[key] = child = child if isinstance(child, dict) else {}
        config = child
    config[last] = value


def _override_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _config(
    run_dir: Path,
    *,
    seed: int,
    dataset: str,
    model: str,
    defense: str,
    release: str,
    defense_hparams: dict[str, Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """A config of the real schema's shape (see `make_run`)."""
    config: dict[str, Any] = {
        # (unscaled, as the digits default: a DP run's ε on standardised data is no guarantee)
        "dataset": {"_target_": f"mia_defense.data.load_{dataset}", "standardize": False},
        "model": {"_target_": f"mia_defense.models.{model}", "_partial_": True},
        "plan": {"num_models": 4},
        "train": {"epochs": 3, "lr": 0.001},
        "attack": {"fprs": list(FPRS), "confidence": 0.95,
                   "attacks": {"shokri": {"seed": seed}, "rmia": {"seed": seed}}},
        "release": {"_target_": f"mia_defense.defenses.{release.capitalize()}Release"},
        "seed": seed,
        "progress": False,
        "defense": {},
    }  # fmt: skip
    if defense != "none":
        for name in defense.split("+"):
            _put(config, f"defense.{name}._target_", f"mia_defense.defenses.{name}")
    for key, value in defense_hparams.items():
        _put(config, key if key.startswith("release.") else f"defense.{key}", value)
    for item in name_items(run_dir.name):
        key, sep, value = item.partition("=")
        if sep and not isinstance(config.get(key), dict):  # not a group choice (model=cnn)
            _put(config, key, _override_value(value))
    for key, value in extra.items():
        _put(config, key, value)
    return config


def _attack_metrics(
    scores: np.ndarray, truth: np.ndarray, seed: int, resamples: int = 50
) -> dict[str, Any]:
    """An attack's results.json entry: AUC and TPRs, each with its bootstrap 95% interval
    (of ``resamples``; 0: none, each bound NaN, null in the file, as a run of
    attack.bootstrap=0 records)."""
    m = roc_metrics(scores, truth, fprs=FPRS)
    ci = bootstrap_intervals(scores, truth, fprs=FPRS, num_resamples=resamples, seed=seed)
    out: dict[str, Any] = {
        "access": "outputs", "auc": m.auc, "auc_ci_low": ci.auc[0], "auc_ci_high": ci.auc[1],
    }  # fmt: skip
    for f in FPRS:
        out[fpr_key(f)] = m.tpr_at_fpr[f]
        out[f"{fpr_key(f)}_ci_low"], out[f"{fpr_key(f)}_ci_high"] = ci.tpr_at_fpr[f]
    out.update(advantage=m.advantage, empirical_epsilon=0.0, seconds=0.01)
    return out


def _strongest(scores: dict[str, np.ndarray], truth: np.ndarray) -> str | None:
    """The strongest attack of ``scores`` [T, N] by the run's rule (`runner.strongest`: the
    TPR at the lowest FPR, then at each higher one, then the AUC), as mia-train names it:
    (TPR@0.1%FPR, AUC), the rule before 7131d8e, named an attack no run names."""
    targets = np.arange(len(truth))
    results = {name: AttackResult(name=name, targets=targets, scores=s, seconds=0.01,
                                  metrics=roc_metrics(s, truth, fprs=FPRS))
               for name, s in scores.items()}  # fmt: skip
    return strongest(results, min(FPRS))


def make_run(
    run_dir: Path,
    *,
    test_accuracy: float,
    signal: float,
    defense: str = "none",
    release: str = "full",
    defense_hparams: dict[str, Any] | None = None,
    hparams: dict[str, Any] | None = None,
    epsilon: float | None = None,
    seed: int = 0,
    chance_accuracy: float | None = None,
    dataset: str = "digits",
    model: str = "MLP",
    config: dict[str, Any] | None = None,
    test_accuracy_std: float | None = 0.02,
    nonmember_scores: int | None = 2000,
) -> dict[str, Any]:
    """Write a complete run whose attacks separate members by ``signal``; return its payload.

    The results.json has the schema mia-train writes (dataset, seed, num_models, utility with
    ``test_accuracy_std``, each attack's AUC and TPRs with their bootstrap ``_ci_low`` /
    ``_ci_high``). Its config holds ``seed`` (also the attacks' seeds, as ``${seed}`` does),
    the dataset's and model's ``_target_``, the defenses' settings under ``defense.<name>``,
    the ``key=value`` items of the run directory's name (a sweep's overrides, as Hydra puts
    them in the config; a group choice such as ``model=cnn`` is left to ``model``), then
    ``config``'s dotted keys: runs made with the same arguments but ``seed`` are seed
    replicates. ``seed`` also draws the scores. ``nonmember_scores`` is recorded as the
    count the TPRs rest on (by default as many as leave 0.1% FPR resolved, as a large run's;
    ``None``: no count, as runs written before it was recorded).
    The run records ``chance_accuracy`` (`DEFAULT_CHANCE`, digits' 1/10, unless given) as the
    majority-class rate, and is flagged ``utility_below_chance`` when ``test_accuracy`` is
    not above it (as mia-train does); and, as mia-train does, ``num_classes`` (the fewest
    whose 1/C is at most that chance), the median model's accuracy, the training loss and
    epochs, without which the report ranks no run.
    """
    rng = np.random.default_rng(seed)
    masks = rng.random((4, 200)) < 0.5
    targets = np.arange(2)
    truth = masks[targets]
    scores = {
        "loss": rng.normal(0, 1, truth.shape) + 0.5 * signal * truth,
        "lira": rng.normal(0, 1, truth.shape) + signal * truth,
    }
    # (config attack.bootstrap=0: no intervals, as such a run records none)
    count = (config or {}).get("attack.bootstrap")
    resamples = 0 if type(count) is int and count == 0 else 50
    attacks = {name: _attack_metrics(s, truth, seed, resamples) for name, s in scores.items()}
    best = _strongest(scores, truth)
    chance = DEFAULT_CHANCE if chance_accuracy is None else chance_accuracy
    utility = {
        "test_accuracy": test_accuracy,
        "test_accuracy_std": test_accuracy_std,
        "train_accuracy": min(test_accuracy + 0.1, 1.0),
        "generalization_gap": min(test_accuracy + 0.1, 1.0) - test_accuracy,
        # (what the report tells a model at chance or a training that blew up by)
        "test_accuracy_median": test_accuracy,
        "train_loss": 0.5,
        "epochs_trained": 3.0,
        "chance_accuracy": chance,
    }
    flags: dict[str, Any] = {"utility_below_chance": test_accuracy <= chance}
    if nonmember_scores is not None:
        flags["nonmember_scores"] = nonmember_scores
    # the fewest classes whose 1/C is at most the chance accuracy (10 for digits' 0.1)
    flags["num_classes"] = max(2, math.ceil(1 / chance - 1e-9)) if chance > 0 else 10
    run_config = _config(
        run_dir, seed=seed, dataset=dataset, model=model, defense=defense, release=release,
        defense_hparams=defense_hparams or {}, extra=config or {},
    )  # fmt: skip
    planned = run_config["plan"].get("num_models")  # (a sweep over plan.num_models)
    payload = {
        "schema_version": SCHEMA_VERSION,
        "status": "complete",
        **flags,
        "dataset": dataset,
        "seed": seed,
        "num_models": planned if isinstance(planned, int) else 4,
        "utility": utility,
        "attacks": attacks,
        "strongest_attack": best,
        "defense": {"defense": defense, "release": release, **(defense_hparams or {})},
        "privacy": {} if epsilon is None else {"epsilon": epsilon},
        "hparams": {"seed": seed, "train.epochs": 3, **(hparams or {})},
        "config": run_config,
    }  # fmt: skip
    write_json(run_dir / "results.json", payload)
    arrays = {f"scores/{k}": v for k, v in scores.items()}
    write_npz(run_dir / "scores.npz", targets=targets, **arrays)
    write_npz(run_dir / "observations.npz", masks=masks, labels=np.zeros(200, dtype=np.int64))
    return payload


def dp_payload(
    run_dir: Path,
    sigma: float,
    *,
    rate: float,
    steps: int,
    delta: float,
    clip: float = 1.0,
    dp: dict[str, Any] | None = None,
    privacy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete DP-SGD run (`make_run`) whose four models' privacy figures are the RDP
    accountant's for noise ``sigma`` at ``rate``, ``steps`` and ``delta``, recorded valid as
    mia-train records them; ``dp`` and ``privacy`` add keys to ``defense.dp`` and
    ``privacy``. The payload is returned, not written again: edit it for the check at hand."""
    from mia_defense.defenses.accounting import schedule_epsilon  # (torch: the DP tests' own)

    eps = schedule_epsilon("rdp", sigma, rate, steps, delta)  # what the run recorded
    model = {"epsilon": eps, "noise_multiplier": sigma, "sample_rate": rate,
             "steps": steps, "delta": delta, "accountant": "rdp"}  # fmt: skip
    payload = make_run(run_dir, test_accuracy=0.8, signal=0.3, defense="dp", epsilon=eps)
    payload["config"]["defense"]["dp"] = {"_target_": "mia_defense.defenses.DPSGD",
                                          "noise_multiplier": sigma, "max_grad_norm": clip,
                                          "accountant": "rdp", **(dp or {})}  # fmt: skip
    payload["privacy"].update(delta=delta, noise_multiplier=sigma, accountant="rdp",
                              epsilon_valid=True, per_model=[dict(model) for _ in range(4)],
                              **(privacy or {}))  # fmt: skip
    payload.update(timings={"training": 1.0}, headline={})
    return payload


def make_diverged_run(run_dir: Path, *, reason: str) -> dict[str, Any]:
    """Write the results.json of a run whose training diverged (no attacks) as mia-train does;
    return it."""
    config = {"seed": 0, "progress": False}
    mark_run(
        run_dir, status="diverged", config=config, data_fingerprint="0", diverged={"reason": reason}
    )
    return read_json(run_dir / "results.json")


def two_run_sweep(root: Path, names: tuple[str, str] = ("a", "b")) -> Path:
    """A sweep root holding two good runs: an undefended one and a private, less accurate
    one (DP, epsilon 1, seed 1)."""
    make_run(root / names[0], test_accuracy=0.90, signal=3.0)
    make_run(root / names[1], test_accuracy=0.80, signal=0.3, defense="dp", epsilon=1.0, seed=1)
    return root


def with_observations_digest(run_dir: Path, record: dict[str, str]) -> dict[str, str]:
    """``record`` (results.json's ``sha256``) with the digest of the run's observations.npz,
    which every run records beside its checkpoints' (mia-report and mia-attack refuse a
    record that lacks it)."""
    return {"observations.npz": file_sha256(run_dir / "observations.npz"), **record}


def rewrite_results(run_dir: Path, change: Any) -> dict[str, Any]:
    """Apply ``change(payload)`` to a run's results.json; return the payload."""
    payload = json.loads((run_dir / "results.json").read_text())
    change(payload)
    write_json(run_dir / "results.json", payload)
    return payload


def older_record(payload: dict[str, Any]) -> None:
    """Make ``payload`` a results.json as a run written before runs recorded digests writes
    it: no ``sha256``, and no ``versions.training_code`` (recorded only since every record
    holds ``sha256``; without the one, the other says the digests were deleted)."""
    payload.pop("sha256", None)
    if isinstance(payload.get("versions"), dict):
        payload["versions"].pop("training_code", None)


def not_ranked_reasons(out: Path) -> dict[str, str]:
    """A report's not_ranked.csv as {run: reason}."""
    with (out / "not_ranked.csv").open() as handle:
        return {row["run"]: row["reason"] for row in csv.DictReader(handle)}


def tie_top_scores(run_dir: Path, ties: int, *, record: bool = True) -> None:
    """Give the strongest attack's ``ties`` highest non-member scores in scores.npz one value
    (coarse released outputs, label-only or rounded, do) and record its AUC and TPRs of them,
    with the count of ties (``attacks.<name>.nonmember_top_ties``) unless not ``record``, as a
    run does."""
    name = read_json(run_dir / "results.json")["strongest_attack"]
    with np.load(run_dir / "scores.npz") as data:
        arrays = {key: data[key] for key in data.files}
    with np.load(run_dir / "observations.npz") as data:
        members = data["masks"][arrays["targets"]]
    scores = arrays[f"scores/{name}"].copy()
    top = np.sort(scores[~members])[-ties:]
    scores[~members & (scores >= top[0])] = top[-1]
    arrays[f"scores/{name}"] = scores
    write_npz(run_dir / "scores.npz", **arrays)

    def change(payload: dict[str, Any]) -> None:
        attack = payload["attacks"][name]
        measured = roc_metrics(scores, members, fprs=FPRS)
        attack["auc"] = measured.auc
        attack.update({fpr_key(f): measured.tpr_at_fpr[f] for f in FPRS})
        if record:
            attack["nonmember_top_ties"] = ties

    rewrite_results(run_dir, change)
