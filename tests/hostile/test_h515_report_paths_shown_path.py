"""Two paths mia-report names were cut by `one_line(limit=200)` where every other path it
names goes through `constraints.shown_path` (found by h515): a broken link's target
(``mia-report LINK``, the link pointing at $'/tmp/no\\x0aWARNING fake\\x1b[2J') read "a broken
link (to /tmp/no WARNING fake [2J)", a newline and a terminal escape as spaces, no longer the
link's target, and a target of 300 characters was cut at 200; the caveat on seeds of one
observations file named a path of results.json's the same way. Both now read as
`shown_path` writes them: ``$'...'`` for a character that is not printable, whole up to
`constraints.PATH_LIMIT`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mia_defense.report import load_runs, write_report
from tests.report.fake_runs import make_run, rewrite_results

FORGED = "no\nWARNING fake\x1b[2J"
FORGED_SHOWN = "$'{}/no\\x0aWARNING fake\\x1b[2J'"


def _broken_link_reason(tmp_path: Path, target: str) -> str:
    (tmp_path / "gone").symlink_to(target)
    return dict(load_runs([tmp_path / "gone"]).skipped)[tmp_path / "gone"]


def test_a_broken_links_unprintable_target_is_escaped(tmp_path):
    reason = _broken_link_reason(tmp_path, f"{tmp_path}/{FORGED}")
    assert reason == f"not a directory: a broken link (to {FORGED_SHOWN.format(tmp_path)})"


def test_a_broken_links_long_target_is_whole(tmp_path):
    target = f"{tmp_path}/{'a' * 150}/{'b' * 150}"
    reason = _broken_link_reason(tmp_path, target)
    assert reason == f"not a directory: a broken link (to {target})"


def _attacked_file(payload: dict[str, Any], path: str) -> None:
    """What mia-attack writes for an observations file at ``path``."""
    payload.update(test_size=100, dataset="obs")
    payload["config"] = {"source": "obs.npz", "seed": 0, "attack": {"fprs": [0.1, 0.01, 0.001]}}
    payload["source"] = {"kind": "observations", "path": path, "metadata": {}}


def _caveat(tmp_path: Path, path: str) -> str:
    root = tmp_path / "sweep"
    for seed in (0, 1):
        make_run(root / f"seed={seed}", test_accuracy=0.9 - seed / 50, signal=1.0, seed=seed)
        rewrite_results(root / f"seed={seed}", lambda p: _attacked_file(p, path))
        rewrite_results(root / f"seed={seed}", lambda p, s=seed: p["config"].update(seed=s))
    report = write_report([root], out_dir=tmp_path / "out", charts=False, tensorboard=False)
    return dict(report.caveats)["seed=0"]


def test_the_same_observations_caveat_escapes_its_path(tmp_path):
    note = _caveat(tmp_path, f"{tmp_path}/{FORGED}")
    assert note.startswith(f"attacked the same observations file ({FORGED_SHOWN.format(tmp_path)})"
                           " as other seeds of its config: "), note  # fmt: skip


def test_the_same_observations_caveat_names_a_long_path_whole(tmp_path):
    path = f"{tmp_path}/{'a' * 150}/{'b' * 150}.npz"
    note = _caveat(tmp_path, path)
    assert note.startswith(f"attacked the same observations file ({path}) as other"), note
