"""What README promises a new user, checked where a walk through it (h322) found otherwise."""

import re
import shlex
from pathlib import Path

from mia_defense.defenses.dp import preprocessing_reason

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_csv_example_marked_epsilon_valid_keeps_a_guarantee(make_cfg):
    """README's `dataset=csv ... shop.csv ... defense=dp   # ε valid` example left
    dataset.num_classes null, which makes ε no guarantee since 5b2579f3 (the classes are
    taken from the members' labels): the run said epsilon_valid False."""
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    command = next(line for line in text.splitlines() if "dataset.path=shop.csv" in line)
    assert "ε valid" in command
    words = shlex.split(command.split("#")[0])
    overrides = [w for w in words if w.startswith(("dataset", "defense="))]
    cfg = make_cfg(*overrides)
    # the fixed lists encode every text column: the loader one-hot encodes none from the data
    assert preprocessing_reason(cfg.dataset, one_hot_columns=[]) is None


def test_run_directory_doc_names_the_store_record():
    """docs/run_directory.md gave results.json's `training.store` as "the store's
    directory", where a run with a store writes {dir, stages: {model: {key, models,
    reused}}}."""
    from mia_defense.store import ModelStore

    doc = README.parent / "docs" / "run_directory.md"
    row = next(line for line in doc.read_text(encoding="utf-8").splitlines()
               if line.startswith("| `training` |"))  # fmt: skip
    stage = {"key": "k", "models": 4, "reused": True}
    store = ModelStore(Path("store"), stages={"model": stage}).summary()["store"]
    named = set(re.findall(r"`([a-z_]+)`", row))
    assert set(store) | set(stage) | {"model"} <= named, sorted(named)


def test_readme_names_every_library_a_checkpoint_resume_checks():
    """README said a resume (and a finished run's skip) checks the torch, opacus and scipy
    versions: it checks numpy's too (`training_versions`, mixup's λ draws)."""
    from mia_defense.versions import training_versions

    text = " ".join(README.read_text(encoding="utf-8").split())
    lists = re.findall(r"\btorch(?:, |/| and | or )[a-z ,/]*?versions", text)
    assert len(lists) >= 3, lists
    for named in lists:
        assert set(training_versions()) <= set(re.findall(r"[a-z]+", named)), named


def test_run_directory_doc_names_every_checkpoint_field(fast_run):
    """docs/run_directory.md gave a checkpoint as state_dict, history (epochs, stats,
    epoch_stats) and fingerprint; each also holds index, versions and settings, which a
    resume checks, and history.released."""
    import torch

    doc = (README.parent / "docs" / "run_directory.md").read_text(encoding="utf-8")
    section = doc.split("## checkpoints/", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", section))
    saved = torch.load(fast_run.run_dir / "checkpoints" / "model_0000.pt", weights_only=True)
    assert set(saved) | set(saved["history"]) <= named, sorted(named)


def test_readme_names_the_attacks_an_audit_without_queries_skips(caplog):
    """README's own-models example printed three warnings (two attacks skipped, label_only
    on the gap attack) that README did not prepare the reader for; it names them now."""
    import logging

    from mia_defense import api
    from tests.helpers import synthetic_observations

    obs = synthetic_observations(num_models=4, num_samples=100, num_classes=3)
    with caplog.at_level(logging.WARNING):
        api.audit(obs, overrides=["~attack.attacks.shokri", "attack.bootstrap=0"])
    warned = {name for name in ("lira_online_augmented", "gradient_norm", "label_only")
              if any(r.getMessage().startswith((f"attack {name} skipped", f"{name}: no perturbed"))
                     for r in caplog.records)}  # fmt: skip
    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"gradient norms optional: without them ([^;]*?) each with a warning", text)
    assert said and warned == set(re.findall(r"`([a-z_]+)`", said.group(1))), warned
