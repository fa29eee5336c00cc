"""What the runs of a folder record, read at a tool's end: which results.json files a sweep
wrote since it started, which runs failed, diverged or stopped part way, and the trained
models an interrupted run keeps (its checkpoint folders, the model store it loaded from or
waited for). Pure readers of the run folders: nothing here writes or prints."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

from mia_defense.cli.commands import shell_path
from mia_defense.cli.held_log import locked_by_another
from mia_defense.cli.sweep_refusals import in_another_runs_folder
from mia_defense.errors import MiaDefenseError, counted


def run_folders(sweep_dir: str) -> list[Path]:
    """The folders of an earlier sweep's runs in ``sweep_dir`` (none where it is new), links
    to folders too: Hydra writes a run through a link standing in its folder's place (its
    train.log appended in the folder linked to), as `run_files` reads them."""
    try:
        return [entry for entry in Path(sweep_dir).iterdir() if entry.is_dir()]
    except OSError:
        return []


def failed_after_start(run_dir: Path, said: str, before: dict[str, Any]) -> bool:
    """Whether the point in ``run_dir`` stopped on an error after it saved models (its
    results.json, written since the sweep started, `written_since` ``before``, says
    ``failed``: a disk that filled up as it wrote its results) rather than being refused
    before it ran: "refused ... nothing was trained" was said of it. A point refused in
    another run's folder (``said``), a failed run of another config, leaves that run's."""
    from mia_defense.tracking import read_json

    results = Path(run_dir) / "results.json"
    if in_another_runs_folder(said) or not written_since(results, before):
        return False
    try:
        return read_json(results).get("status") == "failed"
    except (MiaDefenseError, OSError):
        return False


def failed_unrecorded(run_dir: Path, said: str, before: dict[str, Any]) -> bool:
    """Whether the point in ``run_dir`` stopped on an error after it began (its results.json,
    written since the sweep started, `written_since` ``before``, says ``running``) but could
    not record ``failed``:
    on a disk full to its last block that needs a new file. It was said to be refused,
    "nothing was trained". A point refused in another run's folder (``said``) leaves that
    run's results.json, which may say ``running`` too."""
    from mia_defense.tracking import read_json

    if in_another_runs_folder(said) or locked_by_another(Path(run_dir)):
        return False
    results = Path(run_dir) / "results.json"
    try:
        return (written_since(results, before)
                and read_json(results).get("status") == "running")  # fmt: skip
    except (MiaDefenseError, OSError):
        return False


def diverged_since(
    results_files: list[Path], before: dict[str, Any], grown: Collection[Path] = ()
) -> list[Path]:
    """The run directories of those ``results_files`` (a sweep's, `sweep_files`) written
    since the sweep started (`written_since` ``before``), or in a folder of ``grown`` (its
    train.log grew: a rerun skipped the point, diverged before under the same code, saying
    so there), that say the run diverged."""
    from mia_defense.tracking import read_json

    grown = {os.path.abspath(run_dir) for run_dir in grown}
    found = []
    for results in results_files:
        try:
            if not (written_since(results, before)
                    or os.path.abspath(results.parent) in grown):  # fmt: skip
                continue
            # read_json: never opens a FIFO (read_text on one blocked the sweep's end)
            if read_json(results).get("status") == "diverged":
                found.append(results.parent)
        except (MiaDefenseError, OSError):
            continue  # unreadable or not a run's: mia-report names those
    return found


def holds_a_complete_run(results_files: list[Path]) -> bool:
    """Whether one of a sweep's ``results_files`` (`sweep_files`) says ``complete``: only
    then does the sweep's end name ``mia-report``, which ranks finished runs alone."""
    from mia_defense.tracking import read_json

    for results in results_files:
        with contextlib.suppress(MiaDefenseError, OSError):
            if read_json(results).get("status") == "complete":
                return True
    return False


# The files of a sweep's runs its start and end read (`sweep_files`).
RESULTS, TRAIN_LOG = "results.json", "train.log"


def sweep_files(root: Path) -> dict[str, list[Path]]:
    """The results.json and train.log files of the runs under ``root`` (`RESULTS`,
    `TRAIN_LOG`), from one walk (`mia_defense.files.sweep_files`): a walk takes ~0.1 s on
    2,000 runs, and a sweep's start and end each read both."""
    from mia_defense.files import sweep_files

    return sweep_files(root, (RESULTS, TRAIN_LOG))


def results_identities(results_files: list[Path]) -> dict[str, Any]:
    """Each of a sweep's ``results_files`` (`sweep_files`; by absolute path) and what tells
    its content apart without reading it (`file_identity`: inode, size, change times), as a
    sweep starts."""
    from mia_defense.attack_source import file_identity

    found = {}
    for results in results_files:
        found[os.path.abspath(results)] = file_identity(results)
    return found


def written_since(results: Path, before: dict[str, Any]) -> bool:
    """Whether ``results`` was written since the sweep started: it is there and was not, or
    was otherwise (``before``: `results_identities` then; a write replaces the file). Not
    by its mtime: a sweep copied with ``rsync -a`` or ``cp -p`` from a machine whose clock
    runs ahead kept mtimes after this sweep's start, and its runs were taken for this one's
    (a refused point said to have diverged too)."""
    from mia_defense.attack_source import file_identity

    now = file_identity(results)
    return now is not None and before.get(os.path.abspath(results)) != now


def log_sizes(train_logs: list[Path]) -> dict[Path, int]:
    """The size of each of a sweep's ``train_logs`` (`sweep_files`; none where it has gone)."""
    sizes = {}
    for train_log in train_logs:
        with contextlib.suppress(OSError):
            sizes[train_log] = train_log.stat().st_size
    return sizes


def refused_since(
    train_logs: list[Path], before: dict[str, Any], sizes: dict[Path, int]
) -> list[tuple[Path, str]]:
    """``(run directory, its last error line)`` for each run of ``train_logs`` (a sweep's,
    `sweep_files`) whose train.log grew since the sweep started (``sizes`` then) by an
    ERROR line but that neither wrote a results.json since then (`written_since`
    ``before``) nor was skipped as finished: a point of the sweep that was refused or failed.
    Where the points run in other processes (joblib, submitit, Ray) this is all that is left
    of it: the sweep ended as a success."""
    found = []
    for train_log, size in log_sizes(train_logs).items():
        run_dir = train_log.parent
        try:
            if size <= sizes.get(train_log, 0):
                continue
            results = run_dir / "results.json"
            if written_since(results, before):
                continue
            with train_log.open("rb") as handle:
                handle.seek(sizes.get(train_log, 0))
                written = handle.read().decode(errors="replace")
        except OSError:
            continue
        if "skipping finished run" in written:
            continue
        errors = [line.split("][ERROR] - ", 1)[1].strip()
                  for line in written.splitlines() if "][ERROR] - " in line]  # fmt: skip
        if errors:  # (a refused or failed point logs why; a skipped one may only warn)
            found.append((run_dir, errors[-1]))
    return sorted(found)


def saved_models(run_dir: Path, statuses: tuple[str, ...]) -> tuple[dict, list[int]] | None:
    """The results.json of the run in ``run_dir`` and how many models each of its checkpoint
    folders holds (`DIGESTED_FOLDERS`), or the model store for it (`in_store`: a resume
    loads them), where its status is one of ``statuses``; None where it is not, or cannot be
    read: what an interrupted run or sweep keeps on disk."""
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS, saved_model_counts

    payload = results_of(run_dir, statuses)
    if payload is None:
        return None
    try:
        stored = in_store(payload)
        folders = zip(DIGESTED_FOLDERS, saved_model_counts(run_dir), strict=True)
        return payload, [max(on_disk, stored.get(folder, (0, ""))[0])
                         for folder, on_disk in folders]  # fmt: skip
    except (MiaDefenseError, OSError):
        return None


def results_of(run_dir: Path, statuses: tuple[str, ...]) -> dict | None:
    """The results.json of the run in ``run_dir`` where its status is one of ``statuses``;
    None where it is not, or cannot be read."""
    from mia_defense.tracking import read_json

    try:
        payload = read_json(run_dir / "results.json")
    except (MiaDefenseError, OSError):
        return None
    return payload if payload.get("status") in statuses else None


def in_store(payload: dict) -> dict[str, tuple[int, str]]:
    """Per checkpoint folder of an interrupted run (its results.json, ``payload``), the
    models the model store holds for it and the entry's weights file, where the run was
    stopped as it took them from there (``model_store``, `ModelStore.loading`): its resume
    loads them rather than trains them. An entry gone since, or without its manifest
    (written last: the entry is whole), counts none."""
    from mia_defense.tracking.artifacts import CHECKPOINT_STAGES

    folders = {stage: folder for folder, stage in CHECKPOINT_STAGES.items()}
    found = {}
    for stage, entry in _model_store_entries(payload).items():
        models, weights = entry.get("models"), entry.get("entry")
        if stage not in folders or type(models) is not int or not isinstance(weights, str):
            continue
        if os.path.isfile(weights) and os.path.isfile(os.path.splitext(weights)[0] + ".json"):
            found[folders[stage]] = (models, weights)
    return found


def waited_for(payload: dict) -> str | None:
    """The holder line of the model store's lock an interrupted run (its results.json,
    ``payload``) was waiting for (``model_store``'s ``waiting_for``, `ModelStore.loading`):
    another run trained its models, this one nothing; ``None`` where it was not waiting.
    Printable (`report.checks.printable`, as `holder_line` reads the lock): results.json
    can be written by anyone who can write the run's folder, and the line goes into the kept
    line on the terminal."""
    from mia_defense.report.checks import printable

    for entry in _model_store_entries(payload).values():
        if isinstance(entry.get("waiting_for"), str):
            return printable(entry["waiting_for"][:512])
    return None


def _model_store_entries(payload: dict) -> dict[str, dict]:
    """Per seed stream, the entry an interrupted run's results.json (``payload``) records
    under ``model_store`` (`ModelStore.loading`); none where that is no object."""
    loading = payload.get("model_store")
    if not isinstance(loading, dict):
        return {}
    return {stage: entry for stage, entry in loading.items() if isinstance(entry, dict)}


def models_kept(points: list[tuple[Path, str]]) -> str:
    """What the runs of ``points`` that failed after they began keep on disk, counted
    (`saved_models`), for the sweep's failed line: runs that saved none are told so."""
    found = [saved_models(Path(run_dir), STOPPED) for run_dir, _ in points]
    counts = [sum(counts) for _, counts in filter(None, found)]
    models, saving = sum(counts), sum(1 for count in counts if count)
    if not models:
        return "they saved no trained model (their training starts anew when they resume)"
    by = "they saved" if saving == len(points) else f"saved by {saving} of them"
    none = f" ({len(points) - saving} saved none)" if saving < len(points) else ""
    return f"{counted(models, 'trained model')} {by} {'is' if models == 1 else 'are'} kept{none}"


def where_kept(run_dir: Path, payload: dict, counts: list[int]) -> str:
    """Where the models an interrupted run in ``run_dir`` kept (``counts`` per checkpoint
    folder, `saved_models`) are: each folder holding some, or the model store's entry
    (`in_store`) where the run was taking more from there than the folder holds. A naive
    attacker's shadows (shadow_recipe=undefended) have a folder of their own."""
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS, saved_model_counts

    stored = in_store(payload)
    folders = zip(DIGESTED_FOLDERS, saved_model_counts(run_dir), counts, strict=True)
    return " and ".join(
        shell_path(stored[folder][1]) if on_disk < count else f"{shell_path(run_dir / folder)}/"
        for folder, on_disk, count in folders if count
    )


def chunk_remark(config: dict[str, Any], counts: list[int]) -> str:
    """The kept line's remark where a checkpoint folder's count of saved models (``counts``)
    may end inside a chunk of stacked models (written together as the chunk ends: only Ctrl-C
    while they were written leaves part of one): some but not all of the plan's models, no
    whole number of chunks; else ``""``. ``train.chunk_size=null`` on a CPU stacks small
    models 32 at a time but trains large ones one at a time (each saved as it ends), which
    results.json does not say before the run completes: the remark says both."""
    from mia_defense.training.config import CHUNK_SIZE, resolve_device

    train = config.get("train") if isinstance(config, dict) else None
    plan = config.get("plan") if isinstance(config, dict) else None
    if not isinstance(train, dict) or (train.get("engine"), train.get("fit")) != ("stacked", None):
        return ""  # (models trained one at a time: none saved in part)
    num = plan.get("num_models") if isinstance(plan, dict) else None
    width = train.get("chunk_size") or CHUNK_SIZE
    if type(num) is not int or type(width) is not int:  # (an edited results.json: no remark
        return ""  # rather than a traceback after Ctrl-C)
    if not any(0 < count < (num or 0) and count % width for count in counts):
        return ""
    try:
        on_cpu = train.get("chunk_size") is None and resolve_device(
            str(train.get("device", "auto"))).type == "cpu"
    except (RuntimeError, ValueError):  # (a device name this torch does not know)
        on_cpu = True
    if on_cpu:
        return (f" (but if they trained stacked, {CHUNK_SIZE} at a time, a chunk saved in part "
                "trains again whole; train.chunk_size=null trains large models one at a time "
                "on a CPU, each saved whole)")
    return " (but a chunk of stacked models saved in part trains again whole)"


# What results.json says of a run that began and did not finish.
STOPPED = ("interrupted", "running", "failed")


def resumable(run_dir: Path) -> bool:
    """Whether the run in ``run_dir`` stopped after it began (`STOPPED`) on anything but a
    setting (`failed_on_a_setting`): what "run the same command again" resumes."""
    from mia_defense.tracking.run_dir import failed_on_a_setting

    payload = results_of(run_dir, STOPPED)
    return payload is not None and not failed_on_a_setting(run_dir, payload)


def stopped_on_a_setting(run_dir: Path) -> bool:
    """`failed_on_a_setting` of the run in ``run_dir``: nothing there to resume."""
    from mia_defense.tracking.run_dir import failed_on_a_setting

    payload = results_of(run_dir, ("failed",))
    return payload is not None and failed_on_a_setting(run_dir, payload)
