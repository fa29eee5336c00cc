"""h436: ``mia-train "cache_dir='~nosuchuser/m'"`` ended in pathlib's bare 'RuntimeError:
Could not determine home directory.' and a traceback; the model store's folder now goes
through `home_expanded`, as mia-attack's source and load_observations' path, and gets its
one-line ConfigError naming the key."""

from __future__ import annotations

import pytest

from mia_defense.cli.build import _cache_dir
from mia_defense.errors import ConfigError


def test_cache_dir_of_no_known_home_folder_is_one_line(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"^cache_dir: path='~no_such_user_h436/m': cannot "
                       r"tell which home folder '~no_such_user_h436' is"):
        _cache_dir("~no_such_user_h436/m", run_dir=None)
