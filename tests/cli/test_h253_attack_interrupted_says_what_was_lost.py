"""mia-attack interrupted once it had claimed its folder said only 'interrupted; nothing was
written to the source': not that its own results were lost (its folder holds no
results.json, and nothing to resume from) nor how to get them. A line before it says both;
interrupted before its claim it says nothing more (h253)."""

from __future__ import annotations

import mia_defense.api as api
import mia_defense.cli.attack as cli
from tests.helpers import LEAN_ATTACKS, mia_attack

LINE = "interrupted; nothing was written to the source"


def _stopped(*args, **kwargs):
    raise KeyboardInterrupt  # as the signal handler raises it


def test_an_interrupted_attack_says_what_was_lost(attacked_run, tmp_path, monkeypatch):
    monkeypatch.setattr(api, "audit_loaded", _stopped)  # in the attacks, folder claimed
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=again",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 130, done.stderr[-3000:]
    lost = "lost: this attack's results ("
    assert lost in done.stderr and "run the same command again" in done.stderr, done.stderr
    assert done.stderr.index(lost) < done.stderr.index(LINE)
    assert done.stderr.count("interrupted") == 1
    assert not (tmp_path / "again" / "results.json").exists()
    assert lost in (tmp_path / "again" / "attack.log").read_text()


def test_an_attack_interrupted_before_its_claim_says_no_more(attacked_run, tmp_path,
                                                             monkeypatch):  # fmt: skip
    monkeypatch.setattr(cli, "read_source", _stopped)
    done = mia_attack("o.npz", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=again",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 130, done.stderr[-3000:]
    assert LINE in done.stderr and "lost:" not in done.stderr, done.stderr
