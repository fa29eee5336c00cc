"""TensorBoard logging of one run: training curves, its HParams session with the few
metrics a comparison needs, one summary table, and the figures of `mia_defense.tracking.figures`
(ROC, score histograms, per class).

Every final figure of the run is in the summary table (a text card) and in results.json;
only the comparison metrics (`mia_defense.tracking.hparams.comparison_metrics`) are scalars,
for the HParams tab. The experiment config that names the HParams columns is not written
here: see `mia_defense.tracking.hparams`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from torch.utils.tensorboard import SummaryWriter

from mia_defense.attacks.runner import AttackResult
from mia_defense.constraints import shown_path, typed_path
from mia_defense.errors import DataError
from mia_defense.files import events_write, run_folder_advice
from mia_defense.tracking.figures import (
    class_figure,
    curve_styles,
    figure_summary,
    roc_figure,
    score_figure,
)
from mia_defense.tracking.hparams import (
    CAVEATS,
    EPSILON,
    EPSILON_NO_GUARANTEE,
    NO_VERDICT,
    comparison_metrics,
    session_hparams,
    session_summaries,
    trial_name,
)
from mia_defense.training.loop import EpochRecord, ModelHistory

__all__ = [
    "add_figure",
    "class_figure",
    "curve_styles",
    "log_run",
    "roc_figure",
    "run_title",
    "score_figure",
    "summary_table",
]


def summary_table(scalars: Mapping[str, float]) -> str:
    """The run's final figures as Markdown (TensorBoard's text card): utility and privacy
    figures in one table, the attacks in another (a row each), intervals in brackets.

    ``scalars`` are results.json's ``headline``: ``utility/KEY``, ``privacy/KEY`` and
    ``attack/NAME/KEY``, each interval as ``KEY_ci_low`` and ``KEY_ci_high``.
    """
    run: dict[str, str] = {}
    attacks: dict[str, dict[str, str]] = {}
    for key, value in scalars.items():
        if key.endswith(("_ci_low", "_ci_high")):
            continue
        cell = _cell(value, scalars.get(f"{key}_ci_low"), scalars.get(f"{key}_ci_high"))
        if key == EPSILON and value == np.inf:  # (it read "inf", as a number would)
            cell = "∞ (unbounded: no privacy guarantee)"
        group, _, rest = key.partition("/")
        if group == "attack":
            name, _, metric = rest.partition("/")
            attacks.setdefault(name, {})[metric] = cell
        else:
            run[key] = cell
    lines = ["| figure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in run.items())]
    if attacks:
        columns = list(dict.fromkeys(m for row in attacks.values() for m in row))
        lines += ["", "| attack | " + " | ".join(columns) + " |",
                  "|---" * (len(columns) + 1) + "|"]  # fmt: skip
        lines += [f"| {name} | " + " | ".join(row.get(c, "") for c in columns) + " |"
                  for name, row in attacks.items()]  # fmt: skip
    return "\n".join(lines)


def run_title(dataset: str, settings: Mapping[str, Any]) -> str:
    """The title of a run's ROC figure: the dataset, the training-time defenses
    (``settings["defense"]``, results.json's ``defense``) and, when not the defaults, the
    release and the shadow recipe. ``release=label_only`` and ``release=temperature`` runs
    were both "digits: none", as was a run without either, where they differ most."""
    title = f"{dataset}: {settings.get('defense', 'none')}"
    release = settings.get("release")
    if release is not None and release != "full":
        title += f", release {release}"
    shadows = settings.get("shadow_recipe")
    if shadows is not None and shadows != "same":
        title += f", {shadows} shadow models"
    return title


def _cell(value: Any, low: Any, high: Any) -> str:
    text = _number(value)
    if low is not None and high is not None and np.isfinite([low, high]).all():
        text += f" [{_number(low)}, {_number(high)}]"
    return text


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        return str(value)
    return f"{float(value):.4g}"


def _mean_curves(histories: Sequence[ModelHistory]) -> dict[str, dict[int, float]]:
    """Means over models at each recorded epoch (``train.eval_every`` spaces the records;
    models that stopped early drop out of later epochs): field -> {epoch: mean}. A diverged
    run's curves end before the first epoch with a non-finite loss (its accuracies from
    there on are those of NaN outputs)."""
    by_epoch: dict[int, list[EpochRecord]] = {}
    for history in histories:
        for record in history.epochs:
            by_epoch.setdefault(record.epoch, []).append(record)
    end = min((epoch for epoch, records in by_epoch.items()
               if not np.isfinite([[r.train_loss, r.test_loss] for r in records]).all()),
              default=None)  # fmt: skip
    curves: dict[str, dict[int, float]] = {}
    for field in ("train_loss", "train_acc", "test_loss", "test_acc"):
        curves[field] = {
            epoch: float(np.mean([getattr(r, field) for r in records]))
            for epoch, records in sorted(by_epoch.items())
            if end is None or epoch < end
        }
    return curves


def _record_tag(field: str) -> str:
    """The Scalars tag of an `EpochRecord` field: ``test_acc`` -> ``accuracy/test``."""
    split, metric = field.split("_")
    return f"{ {'acc': 'accuracy', 'loss': 'loss'}[metric]}/{split}"


def _released_means(histories: Sequence[ModelHistory]) -> dict[str, tuple[int, float]]:
    """Where a defense released other weights than the curves' last (distillation's
    student, early stopping's best epoch restored): field -> (the last epoch recorded, the
    mean over models of the released weights' figure, `ModelHistory.of_released`). The
    curves are the weights trained (distillation: the teacher's, test accuracy 0.92 where
    the released students' was 0.745), so the Scalars tab showed such a run as accurate as
    one without a defense. Empty where no model released other weights."""
    if all(h.released is None for h in histories) or not all(h.epochs for h in histories):
        return {}
    records = [h.of_released for h in histories]
    if not np.isfinite([[r.train_loss, r.test_loss] for r in records]).all():
        return {}
    epoch = max(r.epoch for r in records)
    return {field: (epoch, float(np.mean([getattr(r, field) for r in records])))
            for field in ("train_loss", "train_acc", "test_loss", "test_acc")}  # fmt: skip


# What defenses report per epoch that is a bound of each model (DP-SGD's ε spent): its curve
# is the worst model's, as the run's ε (privacy.epsilon) is, not the models' mean.
_WORST_OF_MODELS = ("epsilon",)


def _mean_epoch_stats(histories: Sequence[ModelHistory]) -> dict[str, list[float]]:
    """Per-epoch means over models of what the defenses report; for DP-SGD's ``epsilon``
    the largest (`_WORST_OF_MODELS`), a model that stopped early keeping the ε it spent.
    The mean's last point was below the run's ε (K=4 digits MLPs at target ε 8: 7.82
    against privacy/epsilon 7.99)."""
    keys = sorted({key for h in histories for stats in h.epoch_stats for key in stats})
    longest = max((len(h.epoch_stats) for h in histories), default=0)
    curves: dict[str, list[float]] = {}
    for key in keys:
        curves[key] = []
        worst = key in _WORST_OF_MODELS
        for e in range(longest):
            values = [h.epoch_stats[e][key] for h in histories
                      if len(h.epoch_stats) > e and key in h.epoch_stats[e]]
            if worst:
                values += [_last(h.epoch_stats, key) for h in histories
                           if 0 < len(h.epoch_stats) <= e]  # fmt: skip
                values = [v for v in values if v is not None]
            if values:
                curves[key].append(float(np.max(values) if worst else np.mean(values)))
    return curves


def _last(epoch_stats: Sequence[Mapping[str, float]], key: str) -> float | None:
    """The last value of ``key`` a model reported (None when it never did)."""
    return next((stats[key] for stats in reversed(epoch_stats) if key in stats), None)


def log_run(
    log_dir: Path,
    *,
    histories: Sequence[ModelHistory],
    attacks: Mapping[str, AttackResult],
    scalars: Mapping[str, float],
    hparams: Mapping[str, Any],
    title: str = "",
    masks: np.ndarray | None = None,
    slices: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
    figures: bool = True,
    trial: str = "",
    caveats: Sequence[str] = (),
    notes: Sequence[str] = (),
    epsilon_doubted: bool = False,
    epsilon_privacy: Mapping[str, Any] | None = None,
) -> None:
    """Write the run's TensorBoard events under ``log_dir`` (the run directory's ``tb``).

    Per-epoch means over the models of the training curves and of what the defenses report;
    where a defense released other weights than the curves' last, their figures as one
    point of ``accuracy/test_released`` and the like (`_released_means`);
    the run's HParams session (``hparams``, see `session_hparams`) with the comparison
    metrics of ``scalars`` (results.json's ``headline``) as scalars, the attacks' left out
    where ``hparams`` has a `NO_VERDICT` column (`run_columns`), named by ``trial`` and the
    run directory (`trial_name`, TensorBoard's Trial ID); all of ``scalars`` as
    one ``summary`` table; the ``roc`` figure; with ``masks`` [K, N] the ``scores`` figure
    (members vs non-members, one histogram per attack); with ``slices`` (attack -> slice ->
    metrics) the ``per_class`` figure. ``figures=False`` leaves the three figures out (about a
    second of a run). ``caveats`` (`run_caveats`: mia-report's "Figures to read with care"
    of the run) head the ``summary`` card, and the figures' titles say so (`CAREFUL_TITLE`);
    ``notes`` (the end-of-run table's on its attack rows) follow its attack table.
    ``epsilon_doubted``: the run's ε is doubted by its config (`comparison_metrics`).
    ``epsilon_privacy``: results.json's ``privacy`` block (`comparison_metrics`' ``privacy``:
    a gdp run's RDP upper bound is its ε column's figure, as a search's objective); the ε
    curve of the gdp accountant, its approximation each epoch, is in the no-guarantee chart.

    Event files of an earlier, unfinished attempt of this run are replaced.
    """
    start = time.time()
    with _events_writer(Path(log_dir)) as writer:
        for field, values in _mean_curves(histories).items():
            for epoch, value in values.items():
                writer.add_scalar(_record_tag(field), value, epoch + 1)
        for field, (epoch, value) in _released_means(histories).items():
            writer.add_scalar(f"{_record_tag(field)}_released", value, epoch + 1)
        verdict = NO_VERDICT not in hparams
        metrics = comparison_metrics(scalars, verdict=verdict, doubted=epsilon_doubted,
                                     privacy=epsilon_privacy)  # fmt: skip
        approximated = isinstance(epsilon_privacy, Mapping) and (
            epsilon_privacy.get("accountant") == "gdp")  # fmt: skip
        for key, values in _mean_epoch_stats(histories).items():
            tag = _curve_tag(key, no_guarantee=EPSILON_NO_GUARANTEE in metrics or approximated)
            for epoch, value in enumerate(values):
                if np.isfinite(value):
                    writer.add_scalar(tag, value, epoch + 1)
            note = _unbounded_note(key, values) or _vast_epsilon_note(key, values)
            if note:
                writer.add_text(tag, note, 0)
        for tag, value in metrics.items():
            writer.add_scalar(tag, value, 0)
        table = summary_table(scalars) + "".join(f"\n\n{note}" for note in notes)
        if not verdict:
            table = f"**no privacy verdict**: {hparams[NO_VERDICT]}" + (
                f"\n\n{table}" if scalars else "")  # (a diverged run has no figures)
        if caveats:
            table = _caveats_text(caveats) + f"\n\n{table}"
        writer.add_text("summary", table, 0)
        if figures:
            _add_figures(writer, attacks, title=title, masks=masks, slices=slices,
                         verdict=verdict, careful=bool(caveats))  # fmt: skip
        for summary in session_summaries(session_hparams(hparams), start=start, end=time.time(),
                                         group_name=trial_name(trial, Path(log_dir).parent)):
            writer.file_writer.add_summary(summary)


def _caveats_text(caveats: Sequence[str]) -> str:
    """The head of the ``summary`` card of a run mia-report marks "(read with care)": its
    caveats, in the report's words. The card was the figures alone: an idle defense's run, an
    ε that is no guarantee read as any other run's."""
    return f"**{CAVEATS}** (mia-report's caveats):\n\n" + "\n".join(f"- {c}" for c in caveats)


def _unbounded_note(key: str, values: Sequence[float]) -> str:
    """What a text card of the curve's tag says where its values are not all finite, or
    ``""``: TensorBoard draws no point of ∞ or NaN, and DP-SGD's ε without noise
    (``noise_multiplier: 0``: ∞ from the first epoch) was an empty chart with no word of
    why. Such points are left out of the curve; results.json keeps ε as it is (null: ∞)."""
    bad = [epoch for epoch, value in enumerate(values, start=1) if not np.isfinite(value)]
    if not bad:
        return ""
    if bad == list(range(bad[0], len(values) + 1)):
        epochs = f"every epoch from {bad[0]} on"
    else:
        epochs = "epoch " + ", ".join(map(str, bad[:5])) + (" ..." if len(bad) > 5 else "")
    if key == "epsilon" and all(values[e - 1] == np.inf for e in bad):
        return (
            f"**ε = ∞ (unbounded) at {epochs}**: the accountant bounds no privacy loss (DP-SGD "
            "without noise, or a noise multiplier too small for it), so there is no privacy "
            "guarantee; TensorBoard cannot draw ∞, so those epochs have no point in the ε chart"
        )
    return (f"**{key} is not finite (∞ or NaN) at {epochs}**: TensorBoard cannot draw it, so "
            "those epochs have no point in the chart")  # fmt: skip


def _vast_epsilon_note(key: str, values: Sequence[float]) -> str:
    """What the ``defense/epsilon`` text card says of finite ε curve points above
    `MAX_TARGET_EPSILON` (an explicit ``defense.dp.noise_multiplier=1e-4``: ε about 1.5e9), or
    ``""``: drawn beside other runs' ε of 1 to 10 on one linear axis, they flattened those
    curves into a line at 0, with no word of why or what to do."""
    if key != "epsilon":
        return ""
    from mia_defense.defenses.dp import MAX_TARGET_EPSILON  # (a DP run: imported already)
    from mia_defense.report.objectives import epsilon_vacuous  # (the limit's one test)

    vast = [epoch for epoch, value in enumerate(values, start=1) if epsilon_vacuous(value)]
    if not vast:
        return ""
    return (
        f"**ε = {max(values):.3g} (from epoch {vast[0]} on above {MAX_TARGET_EPSILON:g}, where "
        "ε guarantees nothing)**: beside runs of ordinary ε (0.1 to 10) on one axis, this "
        "run's points flatten their curves in the ε chart: turn on that chart's y-axis log "
        "scale (its card's 'Toggle Y-axis log scale' button), or untick this run"
    )


def _curve_tag(key: str, *, no_guarantee: bool) -> str:
    """The tag of what defenses report per epoch: ``defense/KEY``; DP-SGD's ε of a run whose
    ε is no guarantee (`EPSILON_NO_GUARANTEE`) is ``defense/epsilon_no_guarantee``, as its
    HParams column is (``dp.poisson_sampling=false``'s ε curve was in the chart of ε, as a
    guarantee, beside the accounted runs')."""
    if key == "epsilon" and no_guarantee:
        return "defense/epsilon_no_guarantee"
    return f"defense/{key}"


def add_figure(writer: SummaryWriter, tag: str, fig: Figure) -> None:
    """``fig`` as the PNG image ``tag`` at step 0 (`figure_summary`)."""
    writer.file_writer.add_summary(figure_summary(tag, fig), 0)


# The figures' titles of a run without a privacy verdict: its ROC at chance (a model that
# learned nothing, train.lr=1e6) was titled "digits: none" as a private run's is.
NO_VERDICT_TITLE = "NO PRIVACY VERDICT (see summary)"
# Those of a run mia-report marks "(read with care)" (`log_run`'s ``caveats``): an idle
# early_stopping run's ROC was titled "digits: early_stopping" as a defended run's.
CAREFUL_TITLE = f"{CAVEATS.upper()} (see summary)"


def _add_figures(
    writer: SummaryWriter,
    attacks: Mapping[str, AttackResult],
    *,
    title: str,
    masks: np.ndarray | None,
    slices: Mapping[str, Mapping[str, Mapping[str, float]]] | None,
    verdict: bool = True,
    careful: bool = False,
) -> None:
    """The ``roc`` figure, the ``scores`` figure with ``masks``, the ``per_class`` one;
    without a ``verdict`` each title says so (`NO_VERDICT_TITLE`), and of a ``careful`` run
    (one with caveats) that it is to read with care (`CAREFUL_TITLE`)."""
    mark = NO_VERDICT_TITLE if not verdict else CAREFUL_TITLE if careful else ""
    roc_title = f"{title} \N{EM DASH} {mark}" if title and mark else title or mark
    add_figure(writer, "roc", roc_figure(attacks, title=roc_title))
    if masks is not None:
        fig = score_figure(attacks, masks, title=mark)  # (beside its legend: short)
        if fig is not None:
            add_figure(writer, "scores", fig)
    fig = class_figure({name: dict((slices or {}).get(name, {})) for name in attacks},
                       title=mark and f"{mark}: per-class attack success")  # fmt: skip
    if fig is not None:
        add_figure(writer, "per_class", fig)


@contextmanager
def _events_writer(log_dir: Path) -> Iterator[SummaryWriter]:
    """A SummaryWriter on ``log_dir`` that replaces the event files already there (they can
    only come from an earlier, unfinished attempt of this same run: the run directory
    refuses other configs, and TensorBoard would draw both attempts as one run) and turns
    a failed write (a full disk) into one `DataError`."""
    try:
        for old in log_dir.glob("events.out.tfevents.*"):
            old.unlink()
        with events_write(log_dir, "events.out.tfevents.*"):
            writer = SummaryWriter(log_dir=str(log_dir))
            try:
                yield writer
            finally:
                writer.close()
    except OSError as exc:
        advice = run_folder_advice(exc)
        if isinstance(exc, PermissionError) and log_dir.is_dir():  # (chmod a-w tb: the run
            # folder is writable, scores.npz was written there; another folder trains anew)
            advice = ("make it writable for this user (chmod -R u+w "
                      f"{typed_path(log_dir, instead='<that folder>')}, or ask its "
                      "owner), or delete it (the run writes its events anew), then run the "
                      "same command again")
        raise DataError(
            f"{shown_path(log_dir)}: cannot write the TensorBoard events "
            f"({exc.strerror or exc}); {advice}"
        ) from None


