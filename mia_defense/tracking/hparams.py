"""What TensorBoard's HParams tab compares: each run's hyperparameters and a few final
metrics, and one experiment config that names the columns for all the runs it shows.

TensorBoard takes the HParams columns from the first experiment config it finds under its
``--logdir`` and ignores the others. So a run writes only its *session* (hyperparameters,
start, end: `session_summaries`) and the comparison metrics as scalars (`comparison_metrics`);
the experiment config is written once per scope by whoever knows it (`write_experiment`):
a sweep at its end in its `SWEEP_EXPERIMENT_DIR` folder, for the union of its runs; a single
``mia-train`` run in its own ``tb/``. Until a sweep has ended, TensorBoard builds the
columns from the sessions it sees (all hyperparameters, every scalar as a metric).

No torch here: the Hydra callbacks that write the experiment config import this module.
"""

from __future__ import annotations

import contextlib
import logging
import math
import numbers
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from mia_defense.errors import DataError, MiaDefenseError
from mia_defense.files import events_write, run_files, write_advice
from mia_defense.tracking.artifacts import flat_hparams, models_problem, read_json

__all__ = [
    "ATTACKED",
    "CAVEATS",
    "EXPERIMENT_SUFFIX",
    "NO_VERDICT",
    "RUN_NAMES",
    "SWEEP_EXPERIMENT_DIR",
    "HParamValue",
    "Session",
    "column_name",
    "comparison_metrics",
    "default_columns",
    "experiment_summary",
    "metric_tags",
    "run_caveats",
    "run_columns",
    "session_hparams",
    "session_summaries",
    "sessions_under",
    "trial_name",
    "write_experiment",
    "write_sweep_experiment",
]

log = logging.getLogger(__name__)

HParamValue = bool | float | str
# The experiment config's event file: its own file, so that writing it again replaces it.
EXPERIMENT_SUFFIX = ".experiment"
# The folder of a sweep's experiment config, in the sweep directory. TensorBoard names a run
# after the folder of its event files: in the sweep directory itself it was a run named "."
# among the sweep's runs, with no data. (Before this folder, sweeps wrote it there.)
SWEEP_EXPERIMENT_DIR = "sweep_hparams"

# The comparison metrics, as results.json's ``headline`` keys (also their TensorBoard tags).
TEST_ACCURACY = "utility/test_accuracy"
EPSILON = "privacy/epsilon"
# The ε of a run whose results.json says it is no guarantee (``privacy.epsilon_valid`` false:
# standardised features, shuffled batches, the GDP accountant...; or refuted by a measured
# bound), that is vacuous (above 1000: `_no_guarantee`) or that its config doubts
# (`comparison_metrics`' ``doubted``): a column of its own, never beside
# the guarantees in the ε column.
EPSILON_NO_GUARANTEE = "privacy/epsilon_no_guarantee"
# The δ of that ε (the accountant's): a run given dp.delta=auto has that column as its config,
# so the δ the accountant used is a metric of its own, beside ε (an ε says nothing without it).
DELTA = "privacy/delta"
# The σ DP-SGD trained with: a run given a target ε has the column dp.noise_multiplier=auto
# (its config, kept as is), so the σ found for the target is a metric of its own.
NOISE_MULTIPLIER = "privacy/noise_multiplier"
STRONGEST_TPR = "privacy/strongest_tpr@"
STRONGEST_AUC = "privacy/strongest_auc"
EMPIRICAL_EPSILON = "privacy/empirical_epsilon"
# How many metric columns TensorBoard's HParams tab shows before a user ticks more (its
# index.js: ``displayed: i<5``); `metric_tags` puts the ones a comparison needs first.
SHOWN_METRICS = 5
# The attacks' figures, which say nothing of a run without a privacy verdict.
_ATTACK_FIGURES = (STRONGEST_TPR, STRONGEST_AUC, EMPIRICAL_EPSILON)
# Columns only some runs have (`run_columns`): why a run has no privacy verdict, and the run
# or file a mia-attack run attacked.
NO_VERDICT = "no privacy verdict"
# The names a run's row gives its defenses, release and shadow models (results.json's
# ``defense``, `mia_defense.pipeline.record.defense_names`); a diverged run's results.json has
# none, its own HParams session has them (`_recorded_names`).
RUN_NAMES = ("defense", "release", "shadow_recipe")
ATTACKED = "mia-attack of"
# The column of a run mia-report marks "(read with care)": its caveats (`run_caveats`).
CAVEATS = "read with care"
_DISPLAY = {
    TEST_ACCURACY: "test accuracy",
    EPSILON: "ε (DP accountant, max over models; accountant gdp: its RDP upper bound)",
    # (above `MAX_TARGET_EPSILON`: `_display_name` says the limit)
    EPSILON_NO_GUARANTEE: ("ε, no guarantee (privacy.epsilon_valid false, refuted, doubted by "
                           "its config or above {})"),
    DELTA: "δ of ε (DP accountant)",
    NOISE_MULTIPLIER: "σ used (DP-SGD noise multiplier)",
    STRONGEST_AUC: "AUC (strongest attack)",
    EMPIRICAL_EPSILON: "empirical ε (audit lower bound)",
}


@dataclass(frozen=True)
class Session:
    """One run as HParams shows it: its name under the log directory, hyperparameters and
    comparison metrics."""

    name: str
    hparams: Mapping[str, HParamValue]
    metrics: Mapping[str, float]


def column_name(key: str) -> str:
    """The HParams column of a config key: a defense's settings are named as the defense
    reports them (``defense.dp.target_epsilon`` -> ``dp.target_epsilon``), one name per
    setting whether it was configured or swept."""
    return key.lstrip("+~").removeprefix("defense.")


def session_hparams(hparams: Mapping[str, Any]) -> dict[str, HParamValue]:
    """A run's hyperparameters as HParams values, one column per setting.

    A config key under ``defense.`` is dropped when the defense reports the same setting
    itself (its ``hparams()``: ``dp.target_epsilon``), renamed to that column otherwise.
    ``None`` is left out (no value), finite numbers become floats, infinities and anything
    else strings.
    """
    out: dict[str, HParamValue] = {}
    for key, value in hparams.items():
        name = column_name(key)
        if name != key and name in hparams:
            continue
        clean = _clean(value)
        if clean is not None:
            out[_utf8(name)] = _utf8(clean) if isinstance(clean, str) else clean
    return out


def _utf8(text: str) -> str:
    """``text`` as protobuf can hold it: a lone surrogate (a byte of a command-line value
    that is no UTF-8, ``+model.note=$'\\xff'``) as its escape ``\\udcff``; protobuf's
    UnicodeEncodeError ended the run after its attacks, before results.json was complete."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _clean(value: Any) -> HParamValue | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:  # an int beyond a float (seed=10**400): kept as its digits
            return str(value)
        return number if math.isfinite(number) else str(number)
    return value if isinstance(value, str) else str(value)


def metric_tags(keys: Iterable[str]) -> list[str]:
    """The comparison metrics among headline ``keys``, in column order: test accuracy, the
    strongest attack's TPR at the two lowest FPRs, ε (or ε that is no guarantee), its δ, the
    σ DP-SGD used, the strongest attack's AUC, the empirical ε bound.

    TensorBoard's HParams tab shows the first `SHOWN_METRICS` of them until a user ticks
    more: with ε, δ and σ before the TPRs, a sweep with DP-SGD runs showed test accuracy, ε,
    δ, σ and TPR at 0.1% FPR, and no other figure of the attacks."""
    present = set(keys)
    tprs = sorted(
        (k for k in present if k.startswith(STRONGEST_TPR) and k.endswith("%fpr")), key=_fpr
    )[:2]
    order = [TEST_ACCURACY, *tprs, EPSILON, EPSILON_NO_GUARANTEE, DELTA, NOISE_MULTIPLIER,
             STRONGEST_AUC, EMPIRICAL_EPSILON]  # fmt: skip
    return [key for key in order if key in present]


def run_columns(
    payload: Mapping[str, Any], *, caveats: Sequence[str] | None = None
) -> dict[str, str]:
    """The columns a run has beside its config (results.json's ``status``, ``diverged``,
    ``utility_below_chance``, ``privacy`` and ``source``): `NO_VERDICT`, why it gets no
    privacy verdict (training diverged: ``diverged.reason``; accuracy not above chance, and
    no leak measured in spite of it: ``privacy.leak_without_utility``; or
    ``privacy.no_verdict_reason``), else `CAVEATS`, mia-report's caveats of the run, numbered
    (`run_caveats`: an idle ``early_stopping`` run was a row named ``early_stopping`` beside
    the defended runs, a seeded-noise ε a figure with no word), and `ATTACKED`, the run or
    file mia-attack attacked. ``caveats``: `run_caveats` of ``payload`` where the caller has
    them already (`mia_defense.pipeline.record.record_run`, for the summary card too).

    A mia-train run at chance (``train.lr=1000``) showed TPR 0 and empirical ε 0 as any
    private run, and a mia-attack run of a run the same figures under the same columns.
    """
    columns: dict[str, str] = {}
    privacy = payload.get("privacy")
    privacy = privacy if isinstance(privacy, Mapping) else {}
    reason = privacy.get("no_verdict_reason")
    leak = privacy.get("leak_without_utility") is True  # its figures stand: not private
    diverged = payload.get("diverged")
    if payload.get("status") == "diverged":
        why = diverged.get("reason") if isinstance(diverged, Mapping) else None
        why = " ".join(why.split()) if isinstance(why, str) else ""
        columns[NO_VERDICT] = f"training diverged: {why}" if why else "training diverged"
    elif payload.get("utility_below_chance") is True and not leak:
        columns[NO_VERDICT] = "accuracy not above chance (the model learned nothing)"
    elif isinstance(reason, str) and reason:
        columns[NO_VERDICT] = reason
    else:
        found = run_caveats(payload) if caveats is None else caveats
        if found:
            columns[CAVEATS] = "; ".join(f"({i}) {note}" for i, note in enumerate(found, 1))
    source = payload.get("source")
    if isinstance(source, Mapping) and isinstance(source.get("path"), str):
        columns[ATTACKED] = source["path"]
    return columns


def run_caveats(payload: Mapping[str, Any]) -> list[str]:
    """What mia-report lists of the run ``payload`` (its results.json) under "Figures to read
    with care" (`mia_defense.report.checks.caveats`, its words): a defense that did not act,
    an ε that is no guarantee or a claim no attack could test, saturated outputs, models at
    chance, LiRA and RMIA with few reference models... None for a run the report does not
    read or rank (`payload_problem`, `rank_problem`: a diverged run, one at chance, with
    its `NO_VERDICT` column instead). TensorBoard showed such a run's figures bare: an idle
    ``early_stopping`` run's row beside the defended runs', a seeded-noise ε 50 in its
    summary with no word that it guarantees nothing."""
    from mia_defense.report.checks import caveats, payload_problem, rank_problem

    if payload_problem(payload) is not None or rank_problem(payload) is not None:
        return []
    return caveats(payload)


def comparison_metrics(
    headline: Mapping[str, float], *, verdict: bool = True, doubted: bool = False,
    privacy: Mapping[str, Any] | None = None,
) -> dict[str, float]:
    """The comparison metrics of a run with a finite value (HParams cannot show others);
    ``verdict=False`` (a run without a privacy verdict, `run_columns`) leaves the attacks'
    figures out, which read as a private run's (TPR 0 at chance utility).

    An ε that is no guarantee (headline ``privacy/epsilon_valid`` false or
    ``privacy/epsilon_refuted`` true) is under `EPSILON_NO_GUARANTEE`: in the ε column it read
    as a guarantee (digits_standardized, target ε 8: 7.99 there as for plain digits), and so
    is one ``doubted`` by the run's own config (`mia_defense.report.objectives.epsilon_doubted`
    of its results.json, which the headline does not hold). ``privacy``: results.json's
    privacy block, where the caller has it: under the gdp accountant alone its RDP upper
    bound is the ε column's figure (`_epsilon_metric`), as a search's objective gets.
    """
    out: dict[str, float] = {}
    for tag in metric_tags(headline):
        if not verdict and tag.startswith(_ATTACK_FIGURES):
            continue
        value = headline[tag]
        if not (isinstance(value, numbers.Real) and math.isfinite(value)):
            continue
        if tag == EPSILON:  # (the bound standing in may be infinite: no column value)
            tag, value = _epsilon_metric(headline, doubted=doubted, privacy=privacy)
        if math.isfinite(value):
            out[tag] = float(value)
    return out


def _epsilon_metric(
    headline: Mapping[str, Any], *, doubted: bool, privacy: Mapping[str, Any] | None
) -> tuple[str, Any]:
    """The column and figure of a run's ε: `EPSILON_NO_GUARANTEE` where it is no guarantee
    (invalid, refuted, vacuous: `mia_defense.report.objectives.epsilon_vacuous`, above 1000,
    the 1.8e3 an explicit ``defense.dp.noise_multiplier=0.15`` spent with secure_mode=true,
    epsilon_valid true; or ``doubted``), else `EPSILON`, by the rule of a search's objective
    (`mia_defense.report.objectives.standing_epsilon`): read from results.json's ``privacy``
    where given (a gdp run's RDP upper bound stands in for its approximation; HParams filed
    the approximation under 'ε, no guarantee' while a search got the bound), else from the
    headline's flags. An ε that is no guarantee is shown as recorded."""
    from mia_defense.report.objectives import standing_epsilon  # (no torch)

    flags = {"epsilon_valid": headline.get("privacy/epsilon_valid"),
             "epsilon_refuted": headline.get("privacy/epsilon_refuted")}  # fmt: skip
    source = privacy if isinstance(privacy, Mapping) else flags
    recorded = headline[EPSILON]
    value, nothing = standing_epsilon(source, recorded, doubted=doubted)
    return (EPSILON_NO_GUARANTEE, recorded) if nothing else (EPSILON, value)


def _fpr(key: str) -> float:
    return float(key.split("@", 1)[1].split("%", 1)[0])


def _display_name(tag: str) -> str:
    if tag.startswith(STRONGEST_TPR):
        return f"TPR at {tag.split('@', 1)[1].split('%', 1)[0]}% FPR (strongest attack)"
    if tag == EPSILON_NO_GUARANTEE:
        from mia_defense.defenses.accounting import MAX_TARGET_EPSILON  # (numpy alone)

        return _DISPLAY[tag].format(f"{MAX_TARGET_EPSILON:g}")
    return _DISPLAY.get(tag, tag)


def default_columns(keys: Iterable[str], sessions: Sequence[Session]) -> set[str]:
    """The columns HParams shows ticked: those of the swept config ``keys``.

    A key that is a column (``defense``, ``train.lr``, ``defense.dp.target_epsilon``) is that
    column; a key above columns (``defense.dp`` swept as a mapping, ``dataset``) stands for
    the columns under it that take different values across the sessions that have any of them
    (all of them for one such session). A run without the key's columns (``defense=none``
    beside the ``defense.dp`` runs) says nothing of what the key varied: counted, every
    DP-SGD setting was ticked (``dp.accountant`` ``rdp`` in every DP run), and TensorBoard
    showed them in the place of what the sweep varied.
    """
    names = {name for s in sessions for name in s.hparams}
    columns: set[str] = set()
    for key in map(column_name, keys):
        if key in names:
            columns.add(key)
            continue
        prefix = f"{key}."
        having = [s for s in sessions if any(n.startswith(prefix) for n in s.hparams)]
        below = {n for n in names if n.startswith(prefix)}
        columns |= {n for n in below if len(having) == 1 or _varies(n, having)}
    return columns


def _varies(name: str, sessions: Sequence[Session]) -> bool:
    absent = object()
    return len({s.hparams.get(name, absent) for s in sessions}) > 1


def experiment_summary(
    sessions: Sequence[Session], *, swept: Iterable[str]
) -> summary_pb2.Summary:
    """The experiment config of ``sessions``: every column any of them has, with its domain
    over all of them, and their comparison metrics.

    TensorBoard ticks up to five columns, those marked ``differs`` first: only the columns
    of the ``swept`` config keys are marked (`default_columns`), so the ticked columns are
    what the sweep varies, whatever else varies with it; and `NO_VERDICT` and `ATTACKED`
    where a run has them, in the place of the swept keys beyond the first five
    (`_with_flags`).
    """
    names = sorted({name for s in sessions for name in s.hparams})
    swept = list(swept)
    columns = default_columns(swept, sessions)
    ticked = _with_flags(columns, set(names), order=[column_name(key) for key in swept])
    infos = [
        _hparam_info(name, [s.hparams[name] for s in sessions if name in s.hparams],
                     differs=name in ticked, swept=name in columns - set(_FLAG_COLUMNS))
        for name in names
    ]  # fmt: skip
    tags = metric_tags(tag for s in sessions for tag in s.metrics)
    experiment = api_pb2.Experiment(
        description="mia-defense runs: hyperparameters, utility and attack success",
        time_created_secs=time.time(),
        hparam_infos=infos,
        metric_infos=[
            api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag), display_name=_display_name(tag))
            for tag in tags
        ],
    )
    return _summary(metadata.EXPERIMENT_TAG, plugin_data_pb2.HParamsPluginData(
        version=metadata.PLUGIN_DATA_VERSION, experiment=experiment))  # fmt: skip


# Columns that say a row is not what the others are: ticked wherever a run has one, within
# the columns TensorBoard shows (`SHOWN_HPARAMS`). Unticked, "no privacy verdict" was beyond
# them, after the swept keys and constants in alphabetical order: a diverged run's row was
# blank but for its name, a run at chance had blank attack columns with nothing to say why.
_FLAG_COLUMNS = (NO_VERDICT, CAVEATS, ATTACKED)
# How many hparam columns TensorBoard's HParams tab shows before a user ticks more: the ticked
# (``differs``) first, then the others, each by name (its backend sorts them, its index.js
# shows five).
SHOWN_HPARAMS = 5


def _with_flags(ticked: set[str], names: set[str], *, order: Sequence[str] = ()) -> set[str]:
    """``ticked`` and the `_FLAG_COLUMNS` among ``names``; of more than `SHOWN_HPARAMS`, the
    flags and the first of ``ticked``: those in ``order`` (the swept keys that are columns
    themselves, ``release``, then those ticked before) as there, then the settings of a key
    swept as a mapping (``defense.dp``) by name. By name alone, ``-m defense=dp
    'defense.dp=...'`` into a sweep of ``release=full,topk`` showed four ``dp.*`` settings
    and no ``release``."""
    flags = {name for name in _FLAG_COLUMNS if name in names}
    rank = {name: i for i, name in reversed(list(enumerate(order)))}
    rest = sorted(ticked - flags, key=lambda name: (rank.get(name, len(order)), name))
    return set(rest[: max(0, SHOWN_HPARAMS - len(flags))]) | flags if flags else ticked


# The description of a column a sweep varied (`default_columns`), ticked or not: the columns
# `_with_flags` leaves unticked beside a flag column are still the sweep's, and a later sweep
# into the same folder keeps them (`_ticked`). Read from the ticks alone, they were lost: a
# third sweep no longer ticked ``release``, which the first had swept.
SWEPT_DESCRIPTION = "swept (or set on the command line)"


def _hparam_info(
    name: str, values: Sequence[HParamValue], *, differs: bool, swept: bool = False
) -> api_pb2.HParamInfo:
    """A column with its type and domain: booleans and strings list their values, numbers
    span their interval; a column of mixed types is a string column. A ``swept`` column is
    described so (`SWEPT_DESCRIPTION`)."""
    info = api_pb2.HParamInfo(name=name, differs=differs,
                              description=SWEPT_DESCRIPTION if swept else "")  # fmt: skip
    if all(isinstance(v, bool) for v in values):
        info.type = api_pb2.DATA_TYPE_BOOL
        info.domain_discrete.extend(sorted(set(values)))
    elif all(isinstance(v, float) for v in values):
        info.type = api_pb2.DATA_TYPE_FLOAT64
        info.domain_interval.min_value = min(values)
        info.domain_interval.max_value = max(values)
    else:
        info.type = api_pb2.DATA_TYPE_STRING
        info.domain_discrete.extend(sorted({_text(v) for v in values}))
    return info


def _text(value: HParamValue) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, float) else value


def trial_name(trial: str, run_dir: Path) -> str:
    """A run's Trial ID in TensorBoard's HParams table (its session's ``group_name``):
    ``trial`` (what tells it from the other runs of its sweep, ``train.lr=0.01``) then its
    absolute directory (``train.lr=0.01 · /home/me/proj/multirun/2026-12-06/02-35-00/
    train.epochs=2,train.lr=0.01``); ``""`` without ``trial`` (TensorBoard then names the
    row by its folder under ``--logdir``, ``.../tb``).

    Without a group name the Trial ID was the run's folder under ``--logdir``, the same
    long prefix for every run of a sweep (``2026-12-06/02-35-00/plan.num_models=4,...``:
    the column shows about 16 characters). With its directory the name is one run's:
    TensorBoard shows the sessions of one group name as one row, their metrics averaged,
    and two sweeps under one ``--logdir`` have runs of the same ``trial``. The directory
    was relative to the working directory: the same command run in two folders
    (``hydra.sweep.dir=sweep``) gave two runs one name, one row of both runs' mean. A copy
    of a run's folder (``cp -r``) holds the same events, so it and its original are still
    one row (of the same figures): no name written before the copy can tell them apart."""
    if not trial:
        return ""
    return _utf8(f"{trial} · {os.path.abspath(run_dir)}")


def session_summaries(
    hparams: Mapping[str, HParamValue], *, start: float, end: float, group_name: str = ""
) -> list[summary_pb2.Summary]:
    """A finished run's session: its start (with ``hparams``, see `session_hparams`, and
    ``group_name``, its Trial ID: `trial_name`) and its successful end, at wall times
    ``start`` and ``end``."""
    begin = plugin_data_pb2.SessionStartInfo(start_time_secs=start, group_name=group_name)
    for name, value in hparams.items():
        if isinstance(value, bool):
            begin.hparams[name].bool_value = value
        elif isinstance(value, float):
            begin.hparams[name].number_value = value
        else:
            begin.hparams[name].string_value = value
    finish = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS, end_time_secs=end)
    version = metadata.PLUGIN_DATA_VERSION
    return [
        _summary(metadata.SESSION_START_INFO_TAG,
                 plugin_data_pb2.HParamsPluginData(version=version, session_start_info=begin)),
        _summary(metadata.SESSION_END_INFO_TAG,
                 plugin_data_pb2.HParamsPluginData(version=version, session_end_info=finish)),
    ]  # fmt: skip


def _summary(tag: str, data: plugin_data_pb2.HParamsPluginData) -> summary_pb2.Summary:
    value = summary_pb2.Summary.Value(tag=tag, metadata=metadata.create_summary_metadata(data))
    return summary_pb2.Summary(value=[value])


def sessions_under(root: Path, *, results: Iterable[Path] | None = None) -> list[Session]:
    """The finished runs under ``root`` (a sweep directory or one run directory; a run whose
    training diverged too, with its `NO_VERDICT` column and no metrics), read from
    their results.json: the hyperparameters and metrics their TensorBoard sessions hold
    (the flat config and ``defense`` as `experiment.py` hands them to `log_run`, and the
    ``headline``). Unreadable or unfinished runs are left out, and so are runs whose
    checkpoints are not the models results.json measured or whose config is not the one that
    trained them (`models_problem`, as mia-report skips them). ``results``: the results.json
    files under ``root`` where the caller walked it already (`run_files`' walk: the sweep's
    end reads them for more)."""
    sessions = []
    # (a run folder linked in too, as mia-report reads)
    for path in run_files(Path(root)) if results is None else results:
        try:
            payload = read_json(path)
        except (MiaDefenseError, OSError, ValueError) as exc:
            log.warning("HParams: leaving out %s (%s)", path, exc)
            continue
        status, headline = payload.get("status"), payload.get("headline")
        headline = headline if isinstance(headline, dict) else None
        if not ((status == "complete" and headline is not None) or status == "diverged"):
            continue
        problem = models_problem(path.parent, payload)
        if problem is not None:
            log.warning("HParams: leaving out %s (%s)", path, problem)
            continue
        columns = run_columns(payload)
        # (an ε its config doubts, as mia-report: the headline holds no config)
        from mia_defense.report.objectives import epsilon_doubted  # (no torch)

        doubted = EPSILON in (headline or {}) and epsilon_doubted(payload)
        names = payload.get("defense") or (
            _recorded_names(path.parent / "tb") if status == "diverged" else {})
        hparams = {**_flat_config(payload), **names, **columns}
        sessions.append(Session(
            name=str(path.parent.relative_to(root)), hparams=session_hparams(hparams),
            metrics=comparison_metrics(headline or {}, verdict=NO_VERDICT not in columns,
                                       doubted=doubted, privacy=payload.get("privacy")),
        ))  # fmt: skip
    return sessions


def _recorded_names(log_dir: Path) -> dict[str, str]:
    """The `RUN_NAMES` of a diverged run's own HParams session in ``log_dir`` (its tb/), as
    `record_diverged` derived them from the run's experiment (`defense_names`): its
    results.json holds the config only, and its row in the sweep's columns was blank where the
    finished runs name their defense and release. None from a file that cannot be read (a
    run diverged before they were recorded: blank, as its own session)."""
    from google.protobuf.message import DecodeError

    names: dict[str, str] = {}
    for path in sorted(log_dir.glob("events.out.tfevents.*")):
        try:
            for event in _events(path):
                for value in event.summary.value:
                    if value.tag != metadata.SESSION_START_INFO_TAG:
                        continue
                    data = plugin_data_pb2.HParamsPluginData.FromString(
                        value.metadata.plugin_data.content)  # fmt: skip
                    hparams = data.session_start_info.hparams
                    names = {key: hparams[key].string_value for key in RUN_NAMES
                             if key in hparams and hparams[key].string_value}  # fmt: skip
        except (OSError, ValueError, DecodeError) as exc:
            log.debug("HParams: cannot read %s (%s)", path, exc)
    return names


def _events(path: Path) -> Iterator[event_pb2.Event]:
    """The events of the event file at ``path``; none where it is no regular file (after
    links): a FIFO of an event file's name in a sweep directory, opened, blocked the sweep's
    end forever, every run finished."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    if not path.is_file():
        log.debug("HParams: %s is no regular file; not read", path)
        return
    yield from EventFileLoader(str(path)).Load()


def _flat_config(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """A run's flat config, read from results.json's ``config`` (`flat_hparams`, the walk
    mia-train wrote ``hparams`` with), which the checkpoints' fingerprint holds to the models,
    not from its ``hparams`` copy, which nothing checks (``hparams.train.lr`` edited showed
    in the HParams columns); a run without a config gives its ``hparams``, as mia-report's
    table does."""
    config = payload.get("config")
    if isinstance(config, Mapping) and config:
        return flat_hparams(config)
    hparams = payload.get("hparams")
    return hparams if isinstance(hparams, Mapping) else {}


def write_experiment(
    log_dir: Path, sessions: Sequence[Session], *, swept: Iterable[str],
    again: str = "run the sweep again", elsewhere: str = "a new hydra.sweep.dir",
) -> Path:
    """Write the experiment config of ``sessions`` (`experiment_summary`) into ``log_dir``,
    replacing the one written there before; returns the event file. A failure's advice
    says to fix it, then ``again`` (a single run's: run the same command again, which skips
    the finished run and writes this file), or to write ``elsewhere``.

    The earlier configs are removed only once the new one is whole: a sweep killed while
    writing it (SIGKILL, Ctrl-C) kept the earlier one, and a second writer of the same
    folder (two sweeps sharing it, ending at once) never leaves it without one.

    Raises:
        DataError: the file cannot be written (a full disk, a read-only directory).
    """
    log_dir = Path(log_dir)
    summary = experiment_summary(sessions, swept=swept)
    pattern = f"events.out.tfevents.*{EXPERIMENT_SUFFIX}"
    earlier = set(log_dir.glob(pattern))
    try:
        with events_write(log_dir, pattern):
            writer = EventFileWriter(str(log_dir), filename_suffix=EXPERIMENT_SUFFIX)
            written = Path(writer._file_name)  # (the name it gave the file it made)
            try:
                writer.add_event(event_pb2.Event(wall_time=time.time(), summary=summary))
                # a thread of TensorBoard's writes the event; close() does not raise its
                # failure (a full disk), flush() does
                writer.flush()
            finally:
                writer.close()
        for old in earlier:
            old.unlink(missing_ok=True)
    except OSError as exc:
        advice = write_advice(exc, fix=f"make the directory writable, then {again}",
                              where=f"{elsewhere}, then {again}")
        raise DataError(
            f"{log_dir}: cannot write the HParams experiment config ({exc.strerror or exc}); "
            f"{advice}"
        ) from None
    return written


def _ticked(log_dir: Path, *, swept: bool = False) -> set[str]:
    """The columns ticked (``differs``) in the experiment configs in ``log_dir``, or with
    ``swept`` those described as swept (`SWEPT_DESCRIPTION`); none from a file that cannot
    be read."""
    from google.protobuf.message import DecodeError

    names: set[str] = set()
    for path in log_dir.glob(f"events.out.tfevents.*{EXPERIMENT_SUFFIX}"):
        try:
            for event in _events(path):
                for value in event.summary.value:
                    if value.tag == metadata.EXPERIMENT_TAG:
                        content = value.metadata.plugin_data.content
                        experiment = metadata.parse_experiment_plugin_data(content)
                        names |= {h.name for h in experiment.hparam_infos if h.differs
                                  or (swept and h.description == SWEPT_DESCRIPTION)}
        except (OSError, ValueError, DecodeError) as exc:  # (damaged: its ticks are lost)
            log.debug("HParams: cannot read %s (%s)", path, exc)
    return names


def write_sweep_experiment(
    root: Path, sessions: Sequence[Session], *, swept: Iterable[str]
) -> Path:
    """`write_experiment` for the sweep in ``root``: into its `SWEEP_EXPERIMENT_DIR` folder,
    then the config an earlier version wrote in ``root`` itself is removed (with two,
    TensorBoard takes either); returns the event file.

    The columns ticked in the config it replaces stay ticked: a second sweep into the same
    ``hydra.sweep.dir`` (``-m train.lr=1e6`` after ``-m defense=none,dp release=full,topk``)
    ticked its own keys alone, none for a ``-m`` without a swept key, and TensorBoard then
    showed the first five columns in alphabetical order (``dataset.standardize``,
    ``defense``, ``dp.accountant``...), ``release`` not among them.

    Raises:
        DataError: the file cannot be written, or the folder is a link (the configs
            written there before, in the folder it names, would be deleted).
    """
    root = Path(root)
    log_dir = root / SWEEP_EXPERIMENT_DIR
    if log_dir.is_symlink():
        raise DataError(
            f"{log_dir}: a link to {os.readlink(log_dir)}, where the sweep writes its HParams "
            "experiment config (replacing the one written before); delete it, then run the "
            "sweep again"
        )
    # the columns an earlier sweep into this directory ticked (its runs are still listed)
    before = _ticked(log_dir) | _ticked(root)
    # and the columns it swept but left unticked beside a flag column (`_with_flags`), after
    before_swept = (_ticked(log_dir, swept=True) | _ticked(root, swept=True)) - before
    written = write_experiment(log_dir, sessions,
                               swept=[*swept, *sorted(before), *sorted(before_swept)])
    for old in root.glob(f"events.out.tfevents.*{EXPERIMENT_SUFFIX}"):
        with contextlib.suppress(OSError):
            old.unlink()
    return written
