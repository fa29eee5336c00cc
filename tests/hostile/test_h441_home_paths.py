"""h441: a leading '~' in a user's path takes one code path, `files.home_expanded`
(dataset.path, cache_dir, mia-attack's source, mia-report's dirs and --out,
load_observations, Observations.save/load, the model store's key), each caller keeping its
own words. One copy that expanded it its own way was wrong: the model store's key
(store._named_files, which skips a '~someone/...' of no known user) caught pathlib's
RuntimeError only: a setting '~a<NUL>b/w.pt' (a config file's "~a\\0b/w.pt", or the Python
API) was a raw ValueError 'embedded null byte' where the same text without '~' is skipped.
Hydra never expands '~' (os.path.abspath of --config-dir, a file:// search path as given),
so mia-train --config-dir '~nosuchuser/conf' (hydra.searchpath=['file://~nosuchuser/conf'])
ended in 'RuntimeError: Could not determine home directory.' out of
cli.arguments.shadowed_configs, and '--config-dir=~/conf' was checked in $HOME/conf, a
folder Hydra never reads, refusing the run over its files."""

from __future__ import annotations

from importlib.resources import files

import pytest

from mia_defense.cli.arguments import shadowed_configs
from mia_defense.cli.report import _path
from mia_defense.data.paths import _expand_user
from mia_defense.errors import ConfigError
from mia_defense.files import UnknownHomeError, home_expanded
from mia_defense.store import store_key

CONFIG = {"dataset": {"_target_": "digits"}, "model": {"hidden": [8]}, "plan": {},
          "train": {}, "defense": {}, "seed": 0}  # fmt: skip


def _key(init: str) -> tuple[str, dict]:
    return store_key({**CONFIG, "model": {"hidden": [8], "init": init}}, data="d0",
                     stage="model", defended=True)  # fmt: skip


def test_the_store_key_skips_a_home_it_cannot_tell_and_digests_one_it_can(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for init in ("~a\0b/w.pt", "~no_such_user_h441/w.pt", "a\0b/w.pt"):
        assert _key(init)[1]["files"] == {}, init
    (tmp_path / "w.pt").write_bytes(b"weights")
    key, parts = _key("~/w.pt")
    assert list(parts["files"]) == ["~/w.pt"]
    (tmp_path / "w.pt").write_bytes(b"other weights")
    assert _key("~/w.pt")[0] != key


@pytest.mark.parametrize("text", ["~no_such_user_h441/x"])  # ('~a\0b/x': h445's NUL)
def test_one_refusal_each_caller_words_its_own_way(text):
    with pytest.raises(UnknownHomeError) as caught:
        home_expanded(text, where="somewhere")
    assert isinstance(caught.value, ConfigError)
    assert caught.value.path == text and caught.value.home == text.split("/")[0]
    assert str(caught.value).startswith(f"somewhere: path={text!r}: cannot tell which home ")


def test_every_copy_gives_the_same_home_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    want = tmp_path / "d" / "x.npz"
    assert home_expanded("~/d/x.npz", where="w") == want
    assert _path("~/d/x.npz") == want
    assert _expand_user(home_expanded("~/d/x.npz", where="w"), name="n", expected="e") == want
    assert _expand_user(want.relative_to(tmp_path), name="n", expected="e") == \
        want.relative_to(tmp_path)  # fmt: skip


def test_a_config_dir_is_checked_where_hydra_reads_it(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    (home / "conf").mkdir(parents=True)
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    (home / "conf" / "config.yaml").write_text("defaults:\n  - dataset: breast_cancer\n")
    for args in (["--config-dir", "~no_such_user_h441/conf"], ["--config-dir=~/conf"],
                 ["hydra.searchpath=['file://~no_such_user_h441/conf']"]):  # fmt: skip
        assert shadowed_configs(args) is None, args
    # the folder Hydra reads: './~/conf' (os.path.abspath, no '~' expanded)
    (work / "~" / "conf").mkdir(parents=True)
    (work / "~" / "conf" / "config.yaml").write_bytes(
        files("mia_defense.conf").joinpath("config.yaml").read_bytes() + b"# mine\n")
    said = shadowed_configs(["--config-dir=~/conf"])
    assert said is not None and said.startswith("ConfigError: '~/conf/config.yaml': not read;")
