"""Telling apart the runs mia-report read (`mia_defense.report.runs.load_runs`): a repeat
of a run (the same experiment: counted once), a run of the same models or figures under
another seed (no seed replicate), runs of one config on other data or software (tagged
apart: `RunRecord.apart`), and the caveats on seed replicates that share one file, an
attack's seed, mixed versions or failed seeds."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from mia_defense.constraints import shown_path
from mia_defense.report.checks import one_line, same_figure
from mia_defense.report.run_record import LoadedRuns, RunRecord, log


def _seedless(payload: Mapping[str, Any], *, seeds: bool) -> str | None:
    """A run's config (with or without its seeds) and what it attacked, as text; ``None``
    for a run without a config."""
    config = payload.get("config")
    if not isinstance(config, Mapping) or not config:
        return None
    kept = config if seeds else _without_seeds(config)
    kept = {k: v for k, v in kept.items() if k not in _NO_EFFECT}
    return json.dumps([kept, payload.get("source")], sort_keys=True, default=str)


def _note_failed_seeds(loaded: LoadedRuns, failed: list[tuple[RunRecord, str]]) -> None:
    """A caveat on the ranked runs of a config whose other seeds were not ranked (training
    diverged, a model at chance, no leakage figure): their row averages the seeds that
    were, and a config that fails for most seeds looked as accurate as one that never
    does, the failures listed only apart, under "Runs not ranked"."""
    if not failed or not loaded.runs:
        return
    ranked = {_seedless(r.payload, seeds=True) for r in loaded.runs}
    lost: dict[str, dict[str, str]] = {}  # config -> {seeded config: first reason}
    for record, reason in failed:
        key, seeded = _seedless(record.payload, seeds=False), _seedless(record.payload, seeds=True)
        if key is not None and seeded not in ranked:  # (not a failed copy of a ranked run)
            lost.setdefault(key, {}).setdefault(str(seeded), reason)
    if not lost:
        return
    for record in loaded.runs:
        seeds = lost.get(str(_seedless(record.payload, seeds=False)))
        if not seeds:
            continue
        count = len(seeds)
        were = f"{count} other seeds of its config were" if count > 1 else (
            "another seed of its config was")
        first = one_line(next(iter(seeds.values())), limit=160)
        note = (
            f"{were} not ranked (first: {first}): its row "
            "averages the seeds that were, and may overstate the config's utility or "
            "understate its leakage; see Runs not ranked"
        )
        loaded.caveat(record, note)


# Settings that do not change a run's numbers: runs differing only in them are repeats.
_NO_EFFECT = ("progress", "figures", "cache_dir")


def _experiment(
    payload: Mapping[str, Any], facts: tuple[str, ...] = ("data_fingerprint", "source", "versions")
) -> str | None:
    """What determines a run's numbers (its config, seeds included, and ``facts``: its data's
    content hash, what mia-attack attacked, the library versions), as text; ``None`` for a
    run without a config (built in code: not comparable)."""
    config = payload.get("config")
    if not isinstance(config, Mapping) or not config:
        return None
    kept = {k: v for k, v in config.items() if k not in _NO_EFFECT}
    return json.dumps([kept, *(payload.get(k) for k in facts)], sort_keys=True, default=str)


def _resolved(path: Any) -> str | None:
    """``path`` (a results.json's string) absolute with its links followed, or ``None``."""
    if not isinstance(path, str) or not path:
        return None
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return None


def _attacked(loaded: LoadedRuns) -> dict[Path, Any]:
    """Per ranked run (by its directory), the models it measured besides its config and
    data: its ``source`` (what mia-attack attacked; none for mia-train's own). A run
    attacked again from a run's folder (``mia-attack RUN``: ``source.kind`` run_directory)
    measured that run's models: what that run attacked when it is among the runs read, or,
    for a folder of mia-train's models (its config is a training config, no mia-attack
    ``source``), the models its config and data name, as for the run itself. The same run
    attacked again with the same settings was a second "seed replicate" of it (seeds 0, 0),
    never a repeat."""
    if not any(map(_again, loaded.runs)):  # (no folder resolved: a sweep of thousands)
        return {r.path: r.payload.get("source") for r in loaded.runs}
    records = [*loaded.runs, *(record for record, _ in loaded.unranked)]
    by_path = {_resolved(str(r.path)): r.payload for r in records}

    def origin(payload: Mapping[str, Any], depth: int = 0) -> Any:
        source = payload.get("source")
        if not isinstance(source, Mapping) or source.get("kind") != "run_directory":
            return source
        first = by_path.get(_resolved(source.get("path")))
        if first is not None and first is not payload and depth < len(by_path):
            return origin(first, depth + 1)
        config = payload.get("config")
        return None if isinstance(config, Mapping) and "source" not in config else source

    return {r.path: origin(r.payload) for r in loaded.runs}


def _short(value: Any) -> str:
    """A short, printable tag of a fingerprint (itself when it is short hex) or of a value."""
    text = json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str) and value.isalnum() and len(value) <= 16:
        return value
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def software_tag(payload: Mapping[str, Any]) -> str | None:
    """The run's ``software=`` value as `_tell_apart` tags it (`_short` of results.json's
    ``versions``), or ``None`` where it records no versions (an older run, or the field
    deleted): what the report labels a run that was not tagged itself, beside runs of its
    dataset and model that were."""
    versions = payload.get("versions")
    if not isinstance(versions, Mapping) or not versions:
        return None
    return _short(versions)


def _tell_apart(loaded: LoadedRuns, attacked: Mapping[Path, Any]) -> None:
    """Tag the runs of one config that differ in their data or software
    (`RunRecord.apart`), with a warning naming them: such runs are no seed replicates (an
    edited data file rerun with the same config gave a row averaging two different tasks as
    if they were seeds, seeds ``0, 0``), so they get rows and fronts of their own.

    Runs that record ``data_digest`` (the whole dataset's hash, the same for every seed) are
    told apart by it across seeds (of one ``dataset.seed``, for data drawn from the seed).
    Older runs only have ``data_fingerprint``, which hashes the plan's arrays too (the seed
    draws them): only runs of the same seeds can be compared by it, and those of other seeds
    are matched to neither."""
    for members in _same_config(loaded, attacked, seeds=False, data_seed=True).values():
        digests = [loaded.runs[i].payload.get("data_digest") for i in members]
        if all(isinstance(d, str) for d in digests) and len(set(digests)) > 1:
            _tag(loaded, members, "data_digest", "data")
    for members in _same_config(loaded, attacked, seeds=True).values():
        if len(members) < 2 or any(loaded.runs[i].apart for i in members):
            continue
        data = {_short(loaded.runs[i].payload.get("data_fingerprint")) for i in members}
        if len(data) > 1:
            _tag(loaded, members, "data_fingerprint", "data")
        else:
            _tag(loaded, members, "versions", "software")
    for members in _same_config(loaded, attacked, seeds=False).values():
        _tag_other_seeds(loaded, members)
        _note_mixed_versions(loaded, [i for i in members if not loaded.runs[i].apart])
        _note_one_file(loaded, members, attacked)
        _note_attack_seeds(loaded, members)


def _tag_other_seeds(loaded: LoadedRuns, members: list[int]) -> None:
    """Where runs of one config (``members``, all seeds) were told apart by their software,
    tag its other runs with the versions they record (`software_tag`): a run of another seed
    than those, untagged, was labelled software=unknown though its results.json records its
    versions, and sat in a row and front of its own (or with other untagged seeds of other
    versions). Runs that record none stay untagged (unknown); runs told apart by their data
    keep that tag."""
    if not any(loaded.runs[i].apart.startswith("software=") for i in members):
        return
    tagged: dict[int, RunRecord] = {}
    for i in members:
        record = loaded.runs[i]
        tag = None if record.apart else software_tag(record.payload)
        if tag is not None:
            loaded.runs[i] = tagged[id(record)] = replace(record, apart=f"software={tag}")
    loaded.caveats = [(tagged.get(id(r), r), n) for r, n in loaded.caveats]


def _note_one_file(loaded: LoadedRuns, members: list[int], attacked: Mapping[Path, Any]) -> None:
    """A caveat on the runs of one config but other seeds that attacked one observations
    file (``mia-attack obs.npz seed=1``): a seed there draws the attacks, not the models, so
    their row averaged one set of models as if trained again, n runs and a tighter interval
    for the same models. (The file may have changed between them: they stay ranked.)"""
    if len(members) < 2:
        return
    origins = [attacked[loaded.runs[i].path] for i in members]
    kinds = {o.get("kind") if isinstance(o, Mapping) else None for o in origins}
    if kinds != {"observations"}:
        return
    path = shown_path(origins[0].get("path"))
    note = (
        f"attacked the same observations file ({path}) as other seeds of its config: a seed "
        "draws the attacks, not the models, so its row's n counts attacks of one set of "
        "models and its interval is no spread over trained models"
    )
    for i in members:
        loaded.caveat(loaded.runs[i], note)


def _seed_items(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """The seeds of a nested config at any depth, as ``dotted key -> value`` (as text)."""
    items: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items.update(_seed_items(value, f"{name}."))
        elif key == "seed":
            items[name] = json.dumps(value, sort_keys=True, default=str)
    return items


def _note_attack_seeds(loaded: LoadedRuns, members: list[int]) -> None:
    """A caveat on the mia-train runs of one config that differ only in an attack's own seed
    (``-m attack.attacks.shokri.seed=0,1``; ``seed`` and ``data_fingerprint`` the same):
    ``seed`` draws the models, so these trained the same models, yet their row counted
    them as seed replicates, n=2 and a narrower interval for one set of models."""
    same: dict[str, list[int]] = {}
    for i in members:
        payload = loaded.runs[i].payload
        seed, fingerprint = payload.get("seed"), payload.get("data_fingerprint")
        config = payload.get("config")
        if (payload.get("source") is not None or not isinstance(config, Mapping)
                or isinstance(seed, bool) or not isinstance(seed, int)
                or not isinstance(fingerprint, str) or not fingerprint):  # fmt: skip
            continue
        # (runs told apart by their data or software sit in rows of their own)
        same.setdefault(json.dumps([seed, fingerprint, loaded.runs[i].apart]), []).append(i)
    for runs in same.values():
        seeds = [_seed_items(loaded.runs[i].payload["config"]) for i in runs]
        differ = sorted({k for s in seeds for k in s if len({t.get(k) for t in seeds}) > 1})
        if len(runs) < 2 or not differ or not all(k.startswith("attack.") for k in differ):
            continue  # (a seed of the training or data: other models)
        note = (
            f"trained the same models as {len(runs) - 1} other run(s) of its config (the same "
            f"seed and data_fingerprint; only {one_line(', '.join(differ), limit=120)} "
            "differs, which draws the attack, not the models), so its row's n counts attacks "
            "of one set of models and its interval is no spread over trained models; vary "
            "seed for replicates"
        )
        for i in runs:
            loaded.caveat(loaded.runs[i], note)


def versions_differing(payloads: list[Mapping[str, Any]]) -> str:
    """``versions.KEY a, b`` for each library or code version that differs between
    ``payloads`` (``""`` when none does)."""
    tables = [p.get("versions") if isinstance(p.get("versions"), Mapping) else {} for p in payloads]
    keys = dict.fromkeys(k for t in tables for k in t)
    shown = []
    for key in keys:
        values = dict.fromkeys(_short(t.get(key)) for t in tables)
        if len(values) > 1:
            shown.append(f"versions.{one_line(key, limit=40)} {', '.join(values)}")
    if not shown and len({_short(p.get("versions")) for p in payloads}) > 1:
        shown.append("versions recorded by some runs only")
    return "; ".join(shown)


def _note_mixed_versions(loaded: LoadedRuns, members: list[int]) -> None:
    """A caveat on the runs of one config but other seeds that ran on other library versions
    or code (a sweep resumed after an edit or an upgrade): their row averages them as seed
    replicates, and nothing said the code differed between them."""
    if len(members) < 2:
        return
    differing = versions_differing([loaded.runs[i].payload for i in members])
    if not differing:
        return
    note = (
        f"ran on other library versions or code than other seeds of its config ({differing}); "
        "a row averaging them counts them as seed replicates: rerun the sweep on one version "
        "to compare like with like"
    )
    for i in members:
        record = loaded.runs[i]
        loaded.caveat(record, note)


def _same_config(
    loaded: LoadedRuns, attacked: Mapping[Path, Any], *, seeds: bool, data_seed: bool = False
) -> dict[str, list[int]]:
    """Indices of the runs of one config (and source), with or without their seeds; with
    ``data_seed``, ``dataset.seed`` is kept: a dataset drawn from the seed (purchase_like,
    a subset of max_samples: ``seed: ${seed}``) has another data_digest for each, which is no
    edited data file."""
    same: dict[str, list[int]] = {}
    for i, record in enumerate(loaded.runs):
        config = record.payload.get("config")
        if not isinstance(config, Mapping) or not config:
            continue
        if not seeds:
            dataset = config.get("dataset")
            config = _without_seeds(config)
            if data_seed and isinstance(dataset, Mapping) and "seed" in dataset:
                config["dataset"] = {**config.get("dataset", {}), "seed": dataset["seed"]}
        payload = {**record.payload, "config": config, "source": attacked[record.path]}
        key = _experiment(payload, facts=("source",))
        if key is not None:
            same.setdefault(key, []).append(i)
    return same


def _without_seeds(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` without its seeds at any depth (``seed``, ``attack.attacks.rmia.seed``):
    the nested form of `mia_defense.report.groups.is_seed_key`'s dotted keys."""
    return {
        k: _without_seeds(v) if isinstance(v, Mapping) else v
        for k, v in config.items() if k != "seed"
    }  # fmt: skip


def _tag(loaded: LoadedRuns, members: list[int], field_name: str, tag: str) -> None:
    records = [loaded.runs[i] for i in members]
    tagged: dict[int, RunRecord] = {}
    for i, record in zip(members, records, strict=True):
        value = _short(record.payload.get(field_name))
        loaded.runs[i] = tagged[id(record)] = replace(record, apart=f"{tag}={value}")
    loaded.caveats = [(tagged.get(id(r), r), n) for r, n in loaded.caveats]
    shown = ", ".join(
        f"{shown_path(r.path)} ({field_name} {_short(r.payload.get(field_name))})"
        for r in records
    )
    what = "different data (the data file changed between them?)" if tag == "data" else (
        "different library versions or code")
    across = "" if field_name == "data_digest" else (
        "; results.json records no seed-independent digest of the data, so runs of other "
        "seeds are matched to neither"
    )
    log.warning(
        "%s: the same config on %s; no seed replicates, so each gets its own row and Pareto "
        "front, tagged [%s=...]%s: rerun the sweep on one version of the data and code",
        shown, what, tag, across,
    )


def _copy_key(payload: Mapping[str, Any]) -> str | None:
    """A run without a config (built in code: api.audit) as text, when it records the wall
    time it took: another results.json equal to it to the last digit of that time is a copy
    of its folder, not a second run. ``None`` without a wall time (nothing tells a copy from
    a run that gave the same figures)."""
    seconds = payload.get("wall_seconds")
    if not isinstance(seconds, float) or not seconds > 0:
        return None
    return "copy:" + json.dumps(payload, sort_keys=True, default=str)


def _set_repeats_apart(loaded: LoadedRuns) -> None:
    """Keep the first of the runs of one experiment (a copied run directory, a rerun of the
    same config and seed): runs are deterministic, so a repeat is no new evidence, and
    counting it as a seed replicate would shrink the row's interval for nothing. A run
    without a config is a repeat when it is a copy (`_copy_key`): it was a second row
    beside the first, both on the front. A run attacked first is kept before its models
    attacked again from its folder (`_attacked`)."""
    attacked = _attacked(loaded)
    keys = [
        _experiment({**r.payload, "source": attacked[r.path]}) or _copy_key(r.payload)
        for r in loaded.runs
    ]  # fmt: skip
    first: dict[str, RunRecord] = {}
    for key, record in sorted(zip(keys, loaded.runs, strict=True), key=lambda kr: _again(kr[1])):
        if key is not None:
            first.setdefault(key, record)
    kept: list[RunRecord] = []
    for key, record in zip(keys, loaded.runs, strict=True):
        if key is None or first[key] is record:
            kept.append(record)
            continue
        same = "same config, seeds and data" if key.startswith("[") else (
            "no config recorded, and the same results.json to its wall time: a copy")
        if _again(record) or _again(first[key]):
            same += ": the same models attacked again, with the same settings"
        reason = (
            f"the same experiment as {first[key].name} ({same}), so no new evidence: counted "
            "once; give replicates different seeds"
        )
        loaded.not_ranked(record, reason)
        _note_repeat_differs(loaded, first[key], record)
    kept = _same_models_apart(loaded, kept, attacked)
    ids = {id(record) for record in kept}  # (any(r is k for k in kept): quadratic)
    loaded.caveats = [(r, note) for r, note in loaded.caveats if id(r) in ids]
    loaded.runs = kept


def _figures(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A run's measured figures: its test accuracy and each attack's AUC and TPRs (not their
    intervals' nor the seconds it took)."""
    utility = payload.get("utility")
    figures = {"test accuracy": utility.get("test_accuracy") if isinstance(utility, Mapping)
               else None}  # fmt: skip
    attacks = payload.get("attacks")
    for name, metrics in (attacks.items() if isinstance(attacks, Mapping) else ()):
        for key, value in (metrics.items() if isinstance(metrics, Mapping) else ()):
            if key == "auc" or (key.startswith("tpr@") and not key.endswith(("_low", "_high"))):
                figures[f"{name} {key}"] = value
    return figures


def _note_repeat_differs(loaded: LoadedRuns, kept: RunRecord, repeat: RunRecord) -> None:
    """A caveat on the run kept of a repeat whose figures differ from its own: the two ran the
    same config, seeds and data, which gives the same numbers, so one of the results.json was
    edited (or they ran on machines that round otherwise): the repeat was dropped without a
    word, and the run kept may be the one whose figures were lowered."""
    mine, theirs = _figures(kept.payload), _figures(repeat.payload)
    # (a ranked run's figures are finite numbers or null: `payload_problem`)
    differ = [k for k in dict.fromkeys([*mine, *theirs])
              if not same_figure(mine.get(k), theirs.get(k))]  # fmt: skip
    if not differ:
        return
    first = differ[0]
    note = (
        f"its repeat {repeat.name} (same config, seeds and data) gives other figures "
        f"({one_line(first, limit=80)} {one_line(mine.get(first), limit=30)} here, "
        f"{one_line(theirs.get(first), limit=30)} there; {len(differ)} differ): one results.json "
        "was edited, or they ran where numbers round otherwise; rerun it to know which holds"
    )
    loaded.caveat(kept, note)


def _same_models_apart(
    loaded: LoadedRuns, runs: list[RunRecord], attacked: Mapping[Path, Any]
) -> list[RunRecord]:
    """``runs`` without those attacked again from a run's folder under another seed
    (``mia-attack RUN seed=1``) whose models another run of them measured: its config then
    reads as the next seed of the run's, and the two shared a row as seed replicates (n=2,
    the same models' test accuracy twice). The same models: one config but its seeds, what
    was attacked (`_attacked`) and ``data_fingerprint``, which hashes the plan the training
    seed drew (runs of other seeds differ in it)."""
    first: dict[str, RunRecord] = {}
    keys: list[str | None] = []
    for record in runs:
        fingerprint = record.payload.get("data_fingerprint")
        config = record.payload.get("config")
        if not isinstance(fingerprint, str) or not fingerprint or not isinstance(config, Mapping):
            keys.append(None)
            continue
        kept = {k: v for k, v in _without_seeds(config).items() if k not in _NO_EFFECT}
        keys.append(json.dumps([kept, attacked[record.path], fingerprint], sort_keys=True,
                               default=str))  # fmt: skip
    for key, record in sorted(zip(keys, runs, strict=True), key=lambda kr: _again(kr[1])):
        if key is not None:
            first.setdefault(key, record)
    kept_runs = []
    for key, record in zip(keys, runs, strict=True):
        if key is None or first[key] is record or not _again(record):
            kept_runs.append(record)
            continue
        reason = (
            f"the same models as {first[key].name} (same config but its seeds, and the same "
            f"data_fingerprint, which the training seed draws), attacked again from a run "
            f"folder with seed {one_line(record.payload.get('seed'), limit=20)}: no seed "
            "replicate of them, so counted once; train replicates with other seeds"
        )
        loaded.not_ranked(record, reason)
    return kept_runs


_PLAN = "plan:"


def _checkpoints(payload: Mapping[str, Any]) -> list[str]:
    """The sha256 of a mia-train run's trained models (``sha256["checkpoints/..."]``), and its
    ``data_fingerprint`` (``plan:FINGERPRINT``: it hashes the members each model trained on,
    which the seed draws)."""
    if payload.get("source") is not None:
        return []
    fingerprint = payload.get("data_fingerprint")
    plan = [_PLAN + fingerprint] if isinstance(fingerprint, str) and fingerprint else []
    digests = payload.get("sha256")
    if not isinstance(digests, Mapping):
        return plan
    return plan + [d for name, d in digests.items()
                   if isinstance(name, str) and name.startswith("checkpoints/")
                   and isinstance(d, str) and d]  # fmt: skip


def _seeds_of(payload: Mapping[str, Any]) -> tuple[Any, Any]:
    """A run's ``seed`` and its ``config.seed`` (the one that groups it: either edited alone
    made a copy another seed)."""
    config = payload.get("config")
    return payload.get("seed"), config.get("seed") if isinstance(config, Mapping) else None


def _seeds_text(seeds: tuple[Any, Any]) -> str:
    seed, configured = (one_line(s, limit=20) for s in seeds)
    return f"seed {seed}" if seed == configured else f"seed {seed} (config.seed {configured})"


def _same_checkpoints_apart(loaded: LoadedRuns) -> None:
    """Leave out of the ranking a mia-train run whose trained models are, byte for byte, those
    of a run of another seed (the same ``sha256`` of a checkpoint), or trained on the same
    members (the same ``data_fingerprint``): ``seed`` draws the plan and the initial weights,
    so no two seeds train the same model. A run folder copied and its
    seed edited by hand passed for a second seed replicate, n=2 and a narrower interval for
    one set of models. (Runs of one seed share models legitimately: a release on the same
    models, an attack's own seed.)"""

    def same(other: RunRecord, shared: str) -> str:
        what = ("the same data_fingerprint: the members the seed draws" if
                shared.startswith(_PLAN) else "a checkpoint of the same sha256")  # fmt: skip
        return f"the same trained models as {other.name} ({what})"

    _other_seeds_apart(loaded, _checkpoints, same, model="model")


def _other_seeds_apart(
    loaded: LoadedRuns,
    keys: Callable[[Mapping[str, Any]], list[str]],
    same: Callable[[RunRecord, str], str],
    *,
    model: str,
) -> None:
    """Leave out of the ranking, warned, each run sharing one of its ``keys(payload)`` with
    an earlier run of another seed (``same(other, key)`` says what they share: no two seeds
    train the same ``model``), and its caveats."""
    first: dict[str, RunRecord] = {}
    kept: list[RunRecord] = []
    for record in loaded.runs:
        found = keys(record.payload)
        seed = _seeds_of(record.payload)
        shared = next((k for k in found if k in first
                       and _seeds_of(first[k].payload) != seed), None)  # fmt: skip
        if shared is None:
            kept.append(record)
            for key in found:
                first.setdefault(key, record)
            continue
        other = first[shared]
        reason = (
            f"{same(other, shared)} under {_seeds_text(seed)}, where {other.name} has "
            f"{_seeds_text(_seeds_of(other.payload))}: no two seeds train the same {model}, so "
            "it is no seed replicate (a copy of its folder, the seed edited?): counted once; "
            "train replicates with other seeds"
        )
        loaded.not_ranked(record, reason)
    if len(kept) < len(loaded.runs):
        ids = {id(record) for record in kept}
        loaded.caveats = [(r, note) for r, note in loaded.caveats if id(r) in ids]
        loaded.runs = kept


def _figures_key(payload: Mapping[str, Any]) -> list[str]:
    """A trained run's train and test loss and every attack's AUC as text, or none (a run
    attacked from another's folder carries its utility; no finite losses): runs of
    two seeds train other models, whose mean losses never agree to the last digit."""
    utility = payload.get("utility")
    losses = [utility.get(k) for k in ("train_loss", "test_loss")] if isinstance(
        utility, Mapping) else []  # fmt: skip
    if payload.get("source") is not None or not losses or not all(
            isinstance(v, float) and math.isfinite(v) for v in losses):  # fmt: skip
        return []
    attacks = payload.get("attacks")
    aucs = {name: m.get("auc") for name, m in attacks.items() if isinstance(m, Mapping)} if (
        isinstance(attacks, Mapping)) else {}  # fmt: skip
    return [json.dumps([losses, aucs], sort_keys=True, default=str)]


def _same_figures_apart(loaded: LoadedRuns) -> None:
    """Leave out of the ranking a run whose train and test loss and attack AUCs are, to the
    last digit, those of a run of another seed (`_figures_key`): a folder copied and its
    seeds edited, its sha256 record and data_fingerprint too (which `_same_checkpoints_apart`
    reads), passed for a second seed replicate, n=2 and a narrower interval for one run."""

    def same(other: RunRecord, _key: str) -> str:
        return f"the same train and test loss and attack AUCs, to the last digit, as {other.name}"

    _other_seeds_apart(loaded, _figures_key, same, model="models")


def _again(record: RunRecord) -> bool:
    """Whether the run attacked a run's folder (``mia-attack RUN``)."""
    source = record.payload.get("source")
    return isinstance(source, Mapping) and source.get("kind") == "run_directory"
