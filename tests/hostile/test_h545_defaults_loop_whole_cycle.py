"""h545: a defaults-list loop through three or more of one's own files (a.yaml includes b,
b includes c, c includes a) was refused naming only two of the entries whose removal breaks
it ("Remove one of the entries: 'a' from c.yaml's defaults list, or 'b' from a.yaml's"),
where removing 'c' from b.yaml breaks it as well. Every file of the loop and its entry are
named now (`mia_defense.config_file_refusals.defaults_loop_refusal`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_train


def _refusal(tmp_path: Path, **texts: str) -> str:
    for name, text in texts.items():
        (tmp_path / "l").mkdir(exist_ok=True)
        (tmp_path / "l" / f"{name}.yaml").write_text(text)
    done = mia_train("--config-dir", str(tmp_path / "l"), "--config-name", "a",
                     f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert not (tmp_path / "run").exists()
    return lines[0]


@pytest.mark.parametrize("names", [("a", "b", "c"), ("a", "b", "c", "d")],
                         ids=["three", "four"])
def test_every_entry_of_the_loop_is_named(tmp_path: Path, names: tuple[str, ...]):
    following = [*names[1:], names[0]]
    said = _refusal(tmp_path, **{name: f"defaults: [{then}, _self_]\n"
                                 for name, then in zip(names, following, strict=True)})
    shown = {name: shown_path(str(tmp_path / "l" / f"{name}.yaml")) for name in names}
    loop = " -> ".join(shown[name] for name in [*names, names[0]])
    assert f"({loop})" in said, said
    for name, then in zip(names, following, strict=True):
        assert f"{then!r} from {shown[name]}'s" in said, said
    last = names[-1]
    assert said.endswith(f"Remove one of the entries: {names[0]!r} from {shown[last]}'s "
                         f"defaults list, " + ", ".join(
                             f"{names[at]!r} from {shown[names[at - 1]]}'s"
                             for at in range(len(names) - 1, 1, -1))
                         + f", or {names[1]!r} from {shown[names[0]]}'s"), said
