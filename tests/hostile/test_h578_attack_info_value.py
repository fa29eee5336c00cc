"""``mia-attack --info defaults`` took ``defaults``, --info's value, for PATH (the source):
it ran as ``--info source='defaults'`` and argparse printed its usage and 'invalid choice:
"source='defaults'"' (exit 2); with a source after it, ``mia-attack --info defaults o.npz``
was refused as 'two PATHs, defaults and o.npz'. --info's value is an option's value, as
for mia-train: without a source it prints what ``mia-attack --info`` and ``--cfg job`` do
(source: ???), with one that source's."""

import pytest

from mia_defense.cli.attack import split_path
from tests.helpers import mia_attack


@pytest.mark.parametrize("option", ["--info", "-i"])
def test_the_value_of_info_is_no_path(option):
    assert split_path([option, "defaults"]) == (None, [option, "defaults"])
    assert split_path([option, "defaults-tree", "o.npz"]) == ("o.npz", [option, "defaults-tree"])
    assert split_path([option, "o.npz"]) == ("o.npz", [option])  # (--info alone: all)


@pytest.mark.parametrize(("value", "printed"), [("defaults", "Defaults List"),
                                                 ("defaults-tree", "Defaults Tree")])
def test_info_with_a_value_and_no_source_prints_it(tmp_path, value, printed):
    done = mia_attack("--info", value, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert printed in done.stdout and "usage:" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # (nothing run, nothing written)


def test_info_with_a_value_before_the_source_prints_its_config(tmp_path):
    (tmp_path / "o.npz").write_bytes(b"")
    done = mia_attack("--info", "config", "o.npz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "source: o.npz" in done.stdout


def test_info_with_a_value_after_the_overrides_keeps_its_value(tmp_path):
    """The options are put before the overrides: --info's value went with the overrides."""
    (tmp_path / "o.npz").write_bytes(b"")
    done = mia_attack("o.npz", "seed=1", "--info", "defaults", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Defaults List" in done.stdout
