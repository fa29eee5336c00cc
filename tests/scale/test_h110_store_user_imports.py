"""The model store's key and a run's code digest follow the user's modules that the file of
a ``_target_`` reaches (h110): a helper module it imports, a function it imports from one, a
base class in another file, in turn. Only the target's own file was hashed, so after an edit
of the helper the store handed out the weights the old helper trained (and a resumed run
finished its ensemble with the new code beside checkpoints of the old)."""

from __future__ import annotations

import sys
import textwrap

from mia_defense.code_digest import code_digest
from mia_defense.store import store_key

CONFIG = {
    "dataset": {"_target_": "digits"},
    "model": {"_target_": "h110_net_probe.Net", "_partial_": True},
    "plan": {"num_models": 2},
    "train": {"epochs": 1, "threads": 1},
    "defense": {},
    "seed": 0,
}


def _write(path, text: str) -> None:
    path.write_text(textwrap.dedent(text))


def _key(config=CONFIG) -> str:
    return store_key(config, data="d0", stage="model", defended=True)[0]


def test_editing_a_module_the_targets_file_imports_changes_the_key(tmp_path, monkeypatch):
    _write(tmp_path / "h110_deep_probe.py", "SLOPE = 0.01\n")
    _write(tmp_path / "h110_helper_probe.py", """
        import h110_deep_probe
        def act(x):
            return x.relu()
    """)
    _write(tmp_path / "h110_base_probe.py", """
        from torch import nn
        class Base(nn.Module):
            def forward(self, x):
                return self.out(x)
    """)
    _write(tmp_path / "h110_net_probe.py", """
        import h110_helper_probe
        from h110_base_probe import Base
        class Net(Base):
            pass
    """)
    _write(tmp_path / "h110_fit_probe.py", """
        from h110_helper_probe import act
        def fit(model, x, y):
            return model
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("h110_net_probe", "h110_fit_probe"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    fit = {**CONFIG, "train": {**CONFIG["train"], "fit": {"_target_": "h110_fit_probe.fit"}}}
    before, before_fit, digest = _key(), _key(fit), code_digest(CONFIG)
    assert (_key(), _key(fit), code_digest(CONFIG)) == (before, before_fit, digest)

    # the helper module (imported as a module, and a function imported from it)
    _write(tmp_path / "h110_helper_probe.py", """
        import h110_deep_probe
        def act(x):
            return x.tanh()
    """)
    helper = _key()
    assert helper != before
    assert _key(fit) != before_fit
    assert code_digest(CONFIG) != digest  # a resume's checkpoint fingerprint holds it

    # a module that module imports in turn
    _write(tmp_path / "h110_deep_probe.py", "SLOPE = 0.2\n")
    deep = _key()
    assert deep not in (before, helper)

    # the file of a base class the target inherits its forward from
    _write(tmp_path / "h110_base_probe.py", """
        from torch import nn
        class Base(nn.Module):
            def forward(self, x):
                return self.out(x) * 2
    """)
    assert _key() not in (before, helper, deep)


def test_a_target_reaching_no_module_of_the_users_keeps_its_files_digest(tmp_path, monkeypatch):
    import hashlib

    _write(tmp_path / "h110_alone_probe.py", """
        import torch
        from torch import nn
        class Net(nn.Linear):
            pass
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = {**CONFIG, "model": {"_target_": "h110_alone_probe.Net"}}
    parts = store_key(config, data="d0", stage="model", defended=True)[1]
    # torch's modules (installed) are not followed: the digest is the file's, as before
    own = hashlib.sha256((tmp_path / "h110_alone_probe.py").read_bytes()).hexdigest()
    assert parts["code"]["h110_alone_probe.Net"] == own
