"""The up-front checks of an Optuna search's values (`mia_defense.cli.train.RunDirCheck`,
as it starts): each value a search may draw is asked of the run's own checks (a key's
range, the dataset's sizes, the whole config check) before the search makes its folders,
where a grid sweep's points are checked one by one (`mia_defense.cli.grid_check`). Each
refusal logs one line and exits 2; nothing has run yet. Imported as a multirun starts, never
by a single run."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Any, NoReturn

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from mia_defense.cli.entry import end_refused
from mia_defense.cli.run_dirs import task_overrides
from mia_defense.cli.search_space_checks import _group_options, _range_steps, _sweep_values
from mia_defense.cli.sweep_checks import override_keys
from mia_defense.constraints import keys_shown as _keys_shown
from mia_defense.hydra_setup import plugin_is
from mia_defense.override_checks import _leaves, parsed_override

__all__ = [
    "refuse_intervals_out_of_range",
    "refuse_keys_searched_and_fixed",
    "refuse_search_refused_at_every_point",
]

log = logging.getLogger(__name__)


def refuse_intervals_out_of_range(config: DictConfig) -> None:
    """Refuse an Optuna interval that reaches values its key refuses: ``tag(log, interval(0,
    0.1))`` stopped the search with Optuna's traceback ('The `low` value must be larger than
    0 for a log distribution'); ``train.lr: interval(-0.1, 0.1)`` (``train.lr`` > 0),
    ``attack.confidence: interval(0.5, 1.5)`` or ``plan.num_models: int(interval(2, 9))``
    (odd counts) had each trial drawn there refused, after the search made its folders, and
    TPE learnt nothing from them. The key's range is its `Param`'s
    (`mia_defense.config_tables.key_param`); a float interval's ends themselves are never drawn in
    practice, so an end on an open bound (``train.lr: interval(0, 0.1)``) passes. A glob
    (`_refuse_globs`) and a position a list lacks (`_refuse_positions_lists_lack`) are
    refused first."""
    from hydra.core.override_parser.types import IntervalSweep

    _refuse_globs(config)
    _refuse_positions_lists_lack(config)
    for said, _, key, value in _sweep_values(config):
        if not isinstance(value, IntervalSweep):
            _refuse_search_points_out_of_range(config, said, key, value)
            continue
        low, high = value.start, value.end
        if "log" in value.tags and not low > 0:
            end_refused(log, "%s: a log interval needs a lower end above 0 (Optuna draws "
                        "its logarithm); nothing was run. Start it above 0, e.g. %s",
                        said, re.sub(r"interval\(\s*[^,()]*,", f"interval({high / 1000:g},",
                                     said.split(": ", 2)[-1] if said.startswith("hydra.")
                                     else said.split("=", 1)[1]))  # fmt: skip
        from mia_defense.config_tables import key_param  # (torch: only for an interval)

        param = key_param(config, key)
        whole = isinstance(low, int) and isinstance(high, int)
        if param is None or param.kind not in ("int", "float"):
            bad = False  # (a key of no range of its own: release.k's is the dataset's)
        elif whole:  # (Optuna's integers: both ends drawn, and every integer between)
            bad = not (param.accepts(low) and param.accepts(high)) or (param.even and low < high)
        else:  # (the ends themselves: never in practice)
            bad = (param.low is not None and low < param.low) or (
                param.high is not None and high > param.high)
        if not bad:
            if whole:  # (both ends drawn: each against the dataset's sizes, the run's check)
                _refuse_points_the_dataset_refuses(config, said, key, "the interval",
                                                   [low, high])  # fmt: skip
                _refuse_points_the_run_refuses(config, said, key, "the interval", [low, high])
            else:  # (against the run's check of one setting against another)
                _refuse_points_the_run_refuses(config, said, key, "the interval",
                                               _near_ends(low, high, log="log" in value.tags))
            continue
        if whole and param.even and param.accepts(low) and param.accepts(high):
            end_refused(log, "%s: %s must be %s, and an interval of integers draws odd "
                        "ones too (each trial drawing one would be refused); nothing was run. "
                        "Name the values, e.g. choice(%d, %d)", said, key, param.describe(), low,
                        high)  # fmt: skip
        end_refused(log, "%s: %s must be %s, and the interval reaches beyond it (each "
                    "trial drawn there would be refused); nothing was run. Keep the interval "
                    "within it", said, key, param.describe())  # fmt: skip


def refuse_keys_searched_and_fixed(config: DictConfig) -> None:
    """Refuse an Optuna search given a key on the command line both as values to search and
    as one value (``seed=3 seed=1,2``, or ``seed=1,2 seed=3``; a mapping setting it,
    ``train={lr: 0.3}`` beside ``train.lr=choice(...)``): the Optuna sweeper takes a key
    given one value out of its search space, and applies a trial's fixed values after its
    drawn ones, whichever comes last (a grid sweep runs the last), so every trial ran seed=3
    while the search was said to draw seed. The settings to
    give are quoted for the shell (``'train.lr=choice(0.01,0.1)'``: bash reads parentheses).
    Keys are
    compared as the sweeper does (``+KEY`` or ``KEY@PACKAGE`` apart); a key of
    ``hydra.sweeper.params`` fixed on the command line is warned of by
    `require_search_space`. Asked before the search space is (`require_search_space`): with
    no other key searched, its refusal named the one value alone."""
    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    from mia_defense.constraints import clipped, shell_word

    given: dict[str, tuple[list[str], list[str]]] = {}  # (key: its searches, its values)
    for text in task_overrides(config):
        override = parsed_override(text)
        if override is None or override.is_delete():  # (Hydra's to say; a deletion)
            continue
        if override.is_sweep_override():
            given.setdefault(override.get_key_element(), ([], []))[0].append(text)
            continue
        value = override.value()  # (a mapping sets each of its keys: train={lr: 0.3})
        keys = [leaf for leaf, _ in _leaves(override.get_key_element(), value)] \
            if isinstance(value, dict) else [override.get_key_element()]  # fmt: skip
        for key in keys:
            given.setdefault(key, ([], []))[1].append(text)
    for key, (searched, fixed) in given.items():
        if searched and fixed:
            swept, kept = clipped(searched[-1]), clipped(fixed[-1])
            end_refused(log, "%s: %s is given on the command line both as values to search "
                        "(%s) and as one value (%s): the Optuna sweeper puts the one value in "
                        "every trial, whichever comes last, so every trial would run %s; "
                        "nothing was run. Give %s once: %s to search it, or %s to fix it",
                        swept, _keys_shown(key), swept, kept, kept, _keys_shown(key),
                        clipped(shell_word(searched[-1])),
                        clipped(shell_word(fixed[-1])))  # fmt: skip


def _refuse_globs(config: DictConfig) -> None:
    """Refuse a glob in an Optuna search (``defense=glob(*)``, ``seed=glob(*)``, or in
    ``hydra.sweeper.params``): the search made its folder and stopped in a traceback (the
    Optuna sweeper's ``assert isinstance(value, ChoiceSweep)``). A glob picks a config
    group's options for a grid sweep; the refusal names those it picks as a choice, quoted
    for the shell where it is a command-line setting."""
    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    from hydra.core.override_parser.types import Glob

    from mia_defense.cli.search_space_checks import _group_options
    from mia_defense.constraints import clipped

    for said, text, key, value in _sweep_values(config):
        if not isinstance(value, Glob):
            continue
        options = sorted(_group_options(config, key))
        picked, typed = value.filter(options), said == text
        if picked:
            how = f"Name the options in a choice: {_choice_said(key, picked, typed=typed)}"
        elif options:
            how = (f"It picks none of {_keys_shown(key)}'s options ({', '.join(options)}); name "
                   f"those to search in a choice: {_choice_said(key, ['A', 'B'], typed=typed)}")
        else:
            how = (f"{_keys_shown(key)} is no config group: give its values in a choice, e.g. "
                   f"{_choice_said(key, ['A', 'B'], typed=typed)}")
        end_refused(log, "%s: a glob picks options of a config group for a grid sweep, and an "
                    "Optuna search draws from choice(...), range(...) and interval(...) alone; "
                    "nothing was run. %s", clipped(said), how)  # fmt: skip


def _refuse_positions_lists_lack(config: DictConfig) -> None:
    """Refuse an Optuna search of a position a list lacks (``attack.fprs.5=choice(0.2,0.3)``
    with attack.fprs of 3 values, ``attack.fprs.x``, or either in ``hydra.sweeper.params``):
    the search made its folder and its first trial was refused ('list index out of range')
    or stopped in a traceback (``int('x')``), where a grid sweep of it is refused before any
    run. A key the config lacks, or one under a group the search chooses, is left to its own
    checks."""
    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    from mia_defense.constraints import clipped, shell_word

    swept = _swept_nodes(config)
    for said, _, key, _ in _sweep_values(config):
        if any(key == node or key.startswith(f"{node}.") for node in swept):
            continue  # (its config is the option's a trial composes)
        found = _position_a_list_lacks(config, key.split("."))
        if found is None:
            continue
        where, size, position = found
        at = (f"a list of {size} values, at positions 0 to {size - 1} ({where}.0 to "
              f"{where}.{size - 1})") if size else "an empty list"  # fmt: skip
        end_refused(log, "%s: %s is %s, and %r is none of them; each trial would be refused; "
                    "nothing was run. Search a position it has, or the whole list in a choice "
                    "of lists: %s", clipped(said), _keys_shown(where), at,
                    clipped(position), shell_word(f"{where}=choice([A,B],[C])"))  # fmt: skip


def _position_a_list_lacks(config: DictConfig, parts: list[str]) -> tuple[str, int, str] | None:
    """(the list's key, its length, the position) where the key of ``parts`` names a position
    of a list that it lacks; ``None`` where it does not, or reaches a key the config lacks."""
    node: Any = config
    for at, part in enumerate(parts):
        if isinstance(node, ListConfig):
            if not (part.isdigit() and int(part) < len(node)):
                return ".".join(parts[:at]), len(node), part
            node = node._get_node(int(part))
        elif isinstance(node, DictConfig) and part in node:
            node = node._get_node(part)
        else:
            return None
    return None


def _choice_said(key: str, names: list[str], *, typed: bool) -> str:
    """The choice of ``names`` as the refusal gives it: a command-line setting of ``key``,
    quoted for the shell (``typed``), else the value of a ``hydra.sweeper.params`` entry."""
    import shlex

    choice = f"choice({','.join(names)})"
    return shlex.quote(f"{key}={choice}") if typed else choice


# How far inwards from each end `_near_ends` checks a float interval, as a share of its
# width: a refusal only that close to an end meets one trial in a thousand, left to them.
_NEAR_END = 1e-3


def _near_ends(low: Any, high: Any, *, log: bool) -> list[float]:
    """The points of a float interval (its ends, perhaps open bounds of the key, are never
    drawn) the run's check is asked of: one near each end, `_NEAR_END` of its width inwards
    (of its logarithm's, as Optuna draws a log interval), so that a bound a setting puts
    inside the interval (``attack.queries.noise_std: interval(1, 5000)`` with its 1000 where
    queries are augmented) is met, and one that close to an end is not (a noise multiplier
    below float32's precision beside ``interval(0, 3)``, which next to no trial draws);
    none for ends that are no numbers."""
    if not all(isinstance(end, int | float) and math.isfinite(end) for end in (low, high)) \
            or low > high or (log and not low > 0):  # fmt: skip
        return []
    if log:
        low, high = math.log(low), math.log(high)
    step = (high - low) * _NEAR_END
    points = [low + step, high - step]
    return [math.exp(p) for p in points] if log else points


def _search_points(value: Any) -> tuple[str, list[Any]] | None:
    """(what draws them, the numbers an Optuna search draws that decide whether all are in a
    key's range) of a range or a choice; ``None`` for other sweeps. A range the sweeper makes
    an Optuna range (not shuffled) draws its stop too (`warn_inclusive_search_ranges`); its
    first, second and last points decide (bounds and evenness: every point is the first plus
    a multiple of the step)."""
    from hydra.core.override_parser.types import ChoiceSweep

    if isinstance(value, ChoiceSweep):
        numbers = [v for v in value.list if isinstance(v, int | float) and not isinstance(
            v, bool)]  # fmt: skip
        return "the choice", numbers
    steps = _range_steps(value)
    if steps is None:
        return None
    start, step = Fraction(value.start), Fraction(value.step)
    last = math.floor(steps) if not value.shuffle else math.ceil(steps) - 1
    if last < 0:
        return None  # (an empty range: refuse_empty_sweep's)
    whole = not any(isinstance(v, float) for v in (value.start, value.stop, value.step))
    points = [start, start + step, start + last * step][: 3 if last else 1]
    return "the range", [int(p) if whole else float(p) for p in points]


def _refuse_search_points_out_of_range(config: DictConfig, said: str, key: str,
                                       value: Any) -> None:
    """`refuse_intervals_out_of_range` of an Optuna search's range or choice of numbers:
    ``train.lr: choice(-0.1, 0.01)`` or ``train.epochs: range(0, 3)`` had each trial drawing
    -0.1 (0) refused after the search made its folders. A grid sweep is left alone: its
    other points run, and each refused one is named."""
    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    found = _search_points(value)
    if found is None:
        return
    from mia_defense.config_tables import key_param  # (torch: only for a range or choice)

    param = key_param(config, key)
    if param is not None:
        _refuse_choice_values_the_key_refuses(config, said, key, value, param)
    if not found[1]:
        _refuse_points_the_run_refuses(config, said, key, found[0], _run_check_points(value),
                                       every=_choice_values(value))  # fmt: skip
        return
    if param is not None and param.kind in ("int", "float"):
        bad = next((point for point in found[1] if not param.accepts(point)), None)
        if bad is not None:
            end_refused(log, "%s: %s must be %s, and %s draws %s (each trial drawing it would "
                        "be refused); nothing was run. Keep its values within it", said, key,
                        param.describe(), found[0], bad)  # fmt: skip
    _refuse_points_the_dataset_refuses(config, said, key, found[0], found[1])
    _refuse_points_the_run_refuses(config, said, key, found[0], _run_check_points(value),
                                   every=_choice_values(value))  # fmt: skip


def _run_check_points(value: Any) -> list[Any]:
    """The values of a range or choice `_refuse_points_the_run_refuses` checks: a range's
    first, second and last points (`_search_points`), a choice's values but of its numbers
    the least and the greatest alone (the run's checks of one setting against another are
    bounds: ``attack.num_targets`` above ``plan.num_models``, a seed above scikit-learn's;
    each number is checked against its key's own range already), and no value holding an
    interpolation (``${train.lr}``: the run resolves it)."""
    from hydra.core.override_parser.types import ChoiceSweep

    if not isinstance(value, ChoiceSweep):
        found = _search_points(value)
        return found[1] if found is not None else []
    values = [v for v in value.list if "${" not in str(v)]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
               and math.isfinite(v)]  # fmt: skip
    others = [v for v in values if not any(v is n for n in numbers)]
    return ([min(numbers), max(numbers)] if numbers else []) + others


def _choice_values(value: Any) -> list[Any] | None:
    """Every value of a choice but those holding an interpolation (the run resolves them):
    what `_refuse_points_the_run_refuses` must find refused, beyond `_run_check_points`, to
    say that every value the search draws is; ``None`` for another sweep (its points
    checked are its ends)."""
    from hydra.core.override_parser.types import ChoiceSweep

    if not isinstance(value, ChoiceSweep):
        return None
    return [v for v in value.list if "${" not in str(v)]


def _swept_nodes(config: DictConfig) -> list[str]:
    """The keys a sweep varies whose config value is a node (a config group the search
    chooses, ``model: choice(mlp, cnn)``), not a value."""
    nodes = []
    for _, _, key, _ in _sweep_values(config):
        try:
            node = OmegaConf.select(config, key, default=None,
                                    throw_on_resolution_failure=False)  # fmt: skip
        except Exception:  # (Hydra says what it cannot read)
            continue
        if isinstance(node, DictConfig):
            nodes.append(key)
    return nodes


def _config_check_problems(config: DictConfig) -> list[str] | None:
    """The problems the run's config check finds in ``config``, one a line: the check a
    single run makes before its folder (`mia_defense.config.check_config`, then
    `check_defense_stack`: a model unfit for the data's shape, ``model=cnn`` on flat
    features, is its); ``None`` where it fails otherwise than by a refusal (a data file's
    `DataError`: each run says it)."""
    from mia_defense.errors import ConfigError, UnsupportedModelError

    exc = _run_check_failure(config)
    if exc is None:
        return []
    if not isinstance(exc, (ConfigError, UnsupportedModelError)):
        return None  # (not a refusal: the runs say what it is)
    head, _, rest = str(exc).partition("\n")
    if rest and head.endswith(" problems in the config:"):
        return [" ".join(line.split()) for line in rest.splitlines() if line.strip()]
    return [" ".join(str(exc).split())]


def _refuse_points_the_run_refuses(config: DictConfig, said: str, key: str, what: str,
                                   points: list[Any], *, every: list[Any] | None = None) -> None:
    """`_refuse_search_points_out_of_range` by the run's whole config check: a value of a
    key with no rule of its own (a model's argument: ``model.dropout: choice(fast, 0.1)``),
    or one the run's checks of one setting against another refuse (``attack.num_targets:
    choice(1, 4)`` beside ``plan.num_models=2``, ``seed: choice(1, 9999999999)``), had each
    trial drawing it refused after the search made its folders. Each point is set on a copy
    of the config and checked by the run's check (`_config_check_problems`); a problem the
    point adds to the config's own refuses the search (where the config is refused already,
    by another swept key at its config value, one naming ``key``). A point the config cannot
    take is Hydra's to say. An option of a config group the search chooses (``model:
    choice(mlp, cnn)``) is its config composed as a trial composes it, checked so against the
    config's own problems (``model=cnn`` on flat features); a key under one
    (``model.dropout``) is checked under each of its options (`_option_configs`), and one an
    option lacks (``model.dropout`` with ``model=logistic``) is said to be no key there.

    Where the check refuses every point checked (both ends of an interval or range; of a
    choice, each of ``every``, its values), no value the search draws is refused alone:
    'every value the search draws is refused', with the fix the refusal points at
    (`_fix_of_every_value`: ``defense.dp.noise_multiplier: interval(0.5, 3.0)`` beside
    DP-SGD's ``target_epsilon=8``, 'set exactly one of them': set
    defense.dp.target_epsilon=null), not 'Keep its values within it'."""
    if not points or not plugin_is(config.hydra.sweeper, "optuna"):
        return
    from mia_defense.constraints import show

    # (as typed, or clipped as the config check names a long key: +<200 x>=1 is '+xxx… (200
    # characters)=1' there, so a problem of its was taken for the config's own)
    named = re.compile(rf"(?<![\w.])(?:{re.escape(key)}|{re.escape(_keys_shown(key))})(?![\w])")

    def refuse(message: str, *args: object) -> NoReturn:  # (a long key clipped wherever said:
        # +<300 x>: choice(1,2) was said four times whole, a line of 1,500 characters)
        end_refused(log, message, *(_keys_shown(a) if isinstance(a, str) else a
                                    for a in args))  # fmt: skip

    own: list[list[str] | None] = []  # (the config's own problems, once asked)
    for option, composed in _option_configs(config, key):
        itself = option is not None and option.partition("=")[0] == key  # (model=cnn)
        if itself:
            own = own or [_config_check_problems(config)]
            base, drawn = own[0], [(option.partition("=")[2], composed)]
        else:
            base, drawn = _config_check_problems(composed), _each_point_set(composed, key, points)
        if base is None:
            continue
        lacks = option is not None and not itself and not _has_key(composed, key)

        def refused(job: DictConfig, base: list[str] = base) -> list[str]:
            problems = _config_check_problems(job)
            return [p for p in problems or () if p not in base and (not base or named.search(
                p))]  # fmt: skip

        first: tuple[Any, str] | None = None  # (the first point refused, its problem)
        passed = False  # (a point the run takes: the first refused one is named)
        for point, job in drawn:
            new = refused(job)
            if not new:
                passed = True
                continue
            if not lacks and not itself:
                first = first or (point, new[0])
                continue
            if lacks:  # (every value refused there: Hydra's 'Could not override', else this)
                group, _, name = option.partition("=")
                refuse("%s: %s is no key of %s (the run's config check: %s); each "
                       "trial drawing %s would be refused; nothing was run. Drop %s from "
                       "the choice of %s, or %s from the search", said, key, option,
                       new[0], option, name, group, key)  # fmt: skip
            if itself:
                refuse("%s: %s draws %s, which the run's config check refuses (%s); "
                       "each trial drawing it would be refused; nothing was run. Drop %s "
                       "from the choice", said, what, option, new[0], point)  # fmt: skip
        if first is not None and not passed:  # (every point checked refused: a choice's all?)
            rest = [v for v in every or () if not any(v == p for p in points)]
            if all(refused(job) for _, job in _each_point_set(composed, key, rest)):
                fix = _fix_of_every_value(composed, key, [*points, *rest], refused)
                refuse("%s: every value the search draws is refused%s: the run's "
                       "config check refuses %s at %s alike (%s); nothing was run. %s",
                       said, f" with {option}" if option else "", what,
                       _some(points if every is None else every), first[1],
                       fix)  # fmt: skip
        if first is not None:
            refuse("%s: %s draws %s%s, which the run's config check refuses (%s); "
                   "each trial drawing it would be refused; nothing was run. Keep its "
                   "values within it", said, what, show(first[0]),
                   f" with {option}" if option else "", first[1])  # fmt: skip


def _some(points: list[Any]) -> str:
    """``points`` shown for a line: 'a, b and c'; the first two, '...', the last and
    how many past four."""
    from mia_defense.constraints import show

    shown = [show(point) for point in points]
    if len(shown) > 4:
        return f"{shown[0]}, {shown[1]}, ..., {shown[-1]} ({len(shown)} values)"
    return ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else "".join(shown)


def _fix_of_every_value(config: DictConfig, key: str, points: list[Any],
                        refused: Callable[[DictConfig], list[str]]) -> str:
    """The fix of a search whose every value the run's check refuses (``refused``: the new
    problems of a config, ``points`` at ``key``): a setting the refusal names beside
    ``key`` (as ``KEY=value``, a key of the config) with which, set to null, the check takes
    every point: 'Set KEY=null' (DP-SGD's 'set exactly one of them (the other to null)');
    else the settings it names, to fix as it says; else the key's values."""
    import copy

    said = next((refused(job) for _, job in _each_point_set(config, key, points[:1])), [])
    names = [name for name in dict.fromkeys(re.findall(r"(?<![\w.])([A-Za-z_]\w*(?:\.\w+)+)=",
                                                       " ".join(said)))
             if name != key and _has_key(config, name)]  # fmt: skip
    for name in names:
        job = copy.deepcopy(config)
        try:
            with open_dict(job):
                OmegaConf.update(job, name, None, merge=False)
        except Exception:  # (a setting that takes no null)
            continue
        if not any(refused(drawn) for _, drawn in _each_point_set(job, key, points)):
            return (f"Set {name}=null (the run's config check takes the values then), then "
                    "run the search again")
    if names:
        return f"Fix the setting the refusal names ({', '.join(names)}), then run the search again"
    return f"Give {key} values the run's config check takes, or drop it from the search"


def _has_key(config: DictConfig, key: str) -> bool:
    """Whether ``config`` holds ``key`` (a dotted path), its value unread."""
    *parents, leaf = key.split(".")
    try:
        node = OmegaConf.select(config, ".".join(parents)) if parents else config
    except Exception:
        return False
    return isinstance(node, DictConfig) and leaf in node


def _option_configs(config: DictConfig, key: str) -> Iterator[tuple[str | None, DictConfig]]:
    """(None, ``config``) for a key under no node the search chooses; for a config group it
    chooses (``model: choice(mlp, cnn)``) or a key under one (``model.dropout``), ('model=mlp',
    the config composed with it) for each option, as a trial composes it (the command line's
    fixed overrides, then the option); none where the group's values are no list of names
    or cannot be composed here (Hydra's). A node of settings that is no group, given values
    that replace it (`_replaces_a_node`), is (None, ``config``): its values are set."""
    from hydra.core.override_parser.types import ChoiceSweep

    swept = _swept_nodes(config)
    nodes = {node: value for _, _, node, value in _sweep_values(config) if node in swept}
    above = [node for node in nodes if key == node or key.startswith(f"{node}.")]
    if not above:
        yield None, config
        return
    node, value = above[0], nodes[above[0]]
    if len(above) == 1 and _replaces_a_node(config, node, value):
        yield None, config
        return
    if len(above) > 1 or not isinstance(value, ChoiceSweep) \
            or not all(isinstance(option, str) for option in value.list):  # fmt: skip
        return
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not GlobalHydra.instance().is_initialized():
        return
    loader = GlobalHydra.instance().config_loader()
    try:
        texts = task_overrides(config)
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(texts)
        fixed = [text for text, override in zip(texts, parsed, strict=True)
                 if not override.is_sweep_override()]  # fmt: skip
    except Exception:  # (Hydra has parsed them before; nothing to add)
        return
    for option in dict.fromkeys(value.list):
        try:
            composed = loader.load_sweep_config(config, [*fixed, f"{node}={option}"])
        except Exception:  # (an option Hydra cannot compose: its own check's)
            continue
        yield f"{node}={option}", composed


def _replaces_a_node(config: DictConfig, node: str, value: Any) -> bool:
    """Whether the search's ``value`` of ``node``, a node of settings that is no config group
    (``defense.dp: choice(1, 2)``), puts values no mapping in its place, as each trial's
    override does: its points are set there and checked as a value's (`_each_point_set`),
    where an option of a group is composed. A choice holding a mapping (merged into the
    node by Hydra, not set) is not."""
    from hydra.core.override_parser.types import ChoiceSweep

    choices = config.hydra.runtime.get("choices") or {}
    if node in choices or _group_options(config, node):  # (a group: defense's list of them
        return False  # is in no runtime choice: choice(none, dp) was refused as settings)
    return isinstance(value, ChoiceSweep) and not any(
        isinstance(option, dict) for option in value.list)


def _each_point_set(
    config: DictConfig, key: str, points: Iterable[Any]
) -> Iterator[tuple[Any, DictConfig]]:
    """Each of ``points`` set at ``key`` on one copy of ``config``, in turn, with that copy
    (the search checks' way of asking the run's own checks of a point); a point the config
    cannot take is skipped: Hydra's to say."""
    import copy

    job = copy.deepcopy(config)
    for point in points:
        try:
            with open_dict(job):
                OmegaConf.update(job, key, point, merge=False)
        except Exception:
            continue
        yield point, job


def _refuse_choice_values_the_key_refuses(config: DictConfig, said: str, key: str, value: Any,
                                  param: Any) -> None:
    """`_refuse_search_points_out_of_range` of a choice's values that are no numbers, for a
    key of numbers (``train.lr: choice(abc, 0.1)``) or of another kind (``train.optimizer:
    choice(adam, sgdd)``, ``attack.white_box: choice(true, 1)``: any value): each trial drawing
    'abc' ('sgdd') was refused after the search made its folders. Each is set on a copy of
    the config and read back as the run reads it, then checked by the key's own rule
    (`Param.problem`, the run's config check's words); a value holding an interpolation
    (``${train.lr}``: another setting's) is left to the run, and one the config cannot take
    to Hydra."""
    from hydra.core.override_parser.types import ChoiceSweep

    from mia_defense.constraints import show

    if not isinstance(value, ChoiceSweep):
        return
    numeric = param.kind in ("int", "float")  # (its numbers: the range check's)
    others = [v for v in value.list if not (numeric and isinstance(v, int | float) and not
              isinstance(v, bool)) and "${" not in str(v)]  # fmt: skip
    if not others:
        return
    for point, job in _each_point_set(config, key, others):
        try:
            drawn = OmegaConf.select(job, key)
            if isinstance(drawn, DictConfig | ListConfig):
                drawn = OmegaConf.to_container(drawn, resolve=True)
        except Exception:  # (a value the config cannot take: Hydra's to say)
            continue
        problem = param.problem(key, drawn)
        if problem is not None:
            end_refused(log, "%s: the choice draws %s, which the run's config check refuses "
                        "(%s); each trial drawing it would be refused; nothing was run. Keep "
                        "its values within it", said, show(point),
                        " ".join(problem.split()))  # fmt: skip


def _refuse_points_the_dataset_refuses(config: DictConfig, said: str, key: str, what: str,
                                       points: list[Any]) -> None:
    """`_refuse_search_points_out_of_range` against the dataset's sizes known before it is
    loaded (`mia_defense.config.dataset_fit_problems`: a bundled dataset's classes and
    records, a CSV's given classes): ``release.k: choice(1, 11)`` on digits' 10 classes had
    each trial drawing 11 refused after the search made its folders, where a grid sweep's
    point is refused at its launch. A refusal the config draws already (the key at its
    config value) is the run's to say; a point the config cannot take is left to Hydra."""
    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    from mia_defense.config import dataset_fit_problems  # (torch: only for a search)

    try:
        base = set(dataset_fit_problems(config))
    except Exception:  # (not judged here: the run's check says it)
        return
    refused: dict[Any, str] = {}
    for point, job in _each_point_set(config, key, dict.fromkeys(points)):
        try:
            new = [p for p in dataset_fit_problems(job) if p not in base]
        except Exception:  # (a point the config cannot take: Hydra's to say)
            continue
        if new:
            refused[point] = " ".join(new[0].split())
    if not refused:
        return
    end_refused(log, "%s: %s draws %s, which the run's config check refuses for this dataset "
                "(%s); each trial drawing it would be refused; nothing was run. Keep its values "
                "within it", said, what, " and ".join(map(str, refused)),
                next(iter(refused.values())))  # fmt: skip


def refuse_search_refused_at_every_point(config: DictConfig) -> None:
    """`mia_defense.cli.grid_check.refuse_sweep_refused_at_every_point` of an Optuna search
    of mia-train (a search with its ``check_config`` callback; mia-attack's jobs are checked
    otherwise): refused where every trial would be, whatever it draws
    (`_refuse_search_refused_whatever_it_draws`)."""
    callbacks = OmegaConf.select(config, "hydra.callbacks", default=None) or {}
    if plugin_is(config.hydra.sweeper, "optuna") and "check_config" in callbacks:
        _refuse_search_refused_whatever_it_draws(config)


def _refuse_search_refused_whatever_it_draws(config: DictConfig) -> None:
    """`refuse_sweep_refused_at_every_point` of an Optuna search (its trials drawn as it
    goes): ``mia-train -m hparams_search=optuna_custom dataset=csv
    dataset.path=/tmp/nothere.csv '+hydra.sweeper.params={train.lr: "interval(0.001,
    0.01)"}'`` made its folders and had every trial refused ('dataset.label_column=???: a
    required value is missing'; with it set, 'DataError: ... does not exist'). The search's
    config (its searched keys at their config values) is checked by the run's own check
    (`_run_check_refusal`: `check_config`, whose data check reads a CSV's header line alone,
    then `check_defense_stack`); where it is refused, so is the config with a value drawn
    for each searched key (`_drawn_configs`: under each option of a group it chooses); where
    each of those is refused too, for a setting the search does not draw
    (`ConfigError.keys`) or, naming none, in the config's own words (a missing data file, a
    cross-check), every trial would be refused whatever it draws, and the search is refused,
    once, before its folder, with the first. A config refused only for a
    searched key at the value the search replaces (DP-SGD's ``noise_multiplier=null`` with
    ``target_epsilon`` searched) passes: the drawn config is not refused so."""
    from mia_defense.errors import ConfigError

    own = _run_check_refusal(config)
    if own is None:
        return
    swept = {key.lstrip("+~") for key in override_keys(config)}
    refusals = [_run_check_refusal(job) for job in _drawn_configs(config) or ()]
    for exc in refusals:  # (each option of a group the search chooses: refused so too)
        if exc is None:
            return
        keys = getattr(exc, "keys", None)
        if keys is not None:
            if all(any(k == name or k.startswith(f"{name}.") for name in swept) for k in keys):
                return  # (each trial refused for its own drawn value: the search's checks')
        elif str(exc) != str(own):
            return
    if not refusals:
        return
    exc = refusals[0]
    name = ConfigError.__name__ if isinstance(exc, ConfigError) else type(exc).__name__
    said = str(exc).removeprefix(f"{name}: ")
    first_line, *problems = [line.strip() for line in said.splitlines() if line.strip()] or [
        name]  # (a refusal without words)
    said = " ".join([first_line, "; ".join(problems)]).strip()
    # (each searched key clipped as a refusal clips one: a CSV column's
    # dataset.categories.<200 x> was named whole)
    end_refused(log, "%s; every trial of this search would be refused so, whatever it draws "
                "(%s); nothing was run. Fix the setting the refusal names, then run the search "
                "again", said, ", ".join(sorted(map(_keys_shown, swept))),
                error=name)  # fmt: skip


def _run_check_refusal(config: DictConfig) -> Exception | None:
    """The refusal of the run's own check (`check_config`, `check_defense_stack`) of
    ``config``; ``None`` where it passes or fails otherwise than by a refusal (the run says
    what it is)."""
    from mia_defense.errors import ConfigError, DataError, UnsupportedModelError

    exc = _run_check_failure(config)
    return exc if isinstance(exc, (ConfigError, DataError, UnsupportedModelError)) else None


def _run_check_failure(config: DictConfig) -> Exception | None:
    """What the check a single run makes before its folder (`mia_defense.config.check_config`,
    then `check_defense_stack`) raises of ``config``, or ``None`` where it passes: the one
    call `_config_check_problems` and `_run_check_refusal` each read their way."""
    from mia_defense.config import check_config, check_defense_stack  # (torch: a search's)

    try:
        check_config(config)
        check_defense_stack(config)
    except Exception as exc:
        return exc
    return None


def _drawn_configs(config: DictConfig) -> list[DictConfig] | None:
    """Copies of an Optuna search's ``config`` with a value drawn for each searched key, as
    a trial is composed: one for each option of a group it chooses (``model: choice(mlp,
    cnn)``, composed by `_option_configs`), else one; each key set to the first value the
    search checks draw of it (`_run_check_points`; a float interval's point near its lower
    end). ``None`` where they cannot be drawn here (more than one group chosen, a glob, a
    value Hydra reads otherwise: left to the trials)."""
    import copy

    from hydra.core.override_parser.types import IntervalSweep

    nodes = _swept_nodes(config)
    if len(nodes) > 1:
        return None
    options = [job for _, job in _option_configs(config, nodes[0])] if nodes else [config]
    drawn = []
    for option in options:
        job = copy.deepcopy(option)
        for _, _, key, value in _sweep_values(config):
            if key in nodes:
                continue
            if isinstance(value, IntervalSweep):
                whole = isinstance(value.start, int) and isinstance(value.end, int)
                points = [value.start] if whole else _near_ends(value.start, value.end,
                                                                log="log" in value.tags)
            else:
                points = _run_check_points(value)
            if not points:
                return None
            try:
                with open_dict(job):
                    OmegaConf.update(job, key, points[0], merge=False)
            except Exception:  # (a value the config cannot take: Hydra's to say)
                return None
        drawn.append(job)
    return drawn
