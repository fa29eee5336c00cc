"""What a call changed for itself is put back as it ends, each of it: one put-back that
raised left the later ones (and the memories cleared after it) undone, so the caller's
process kept the call's settings (h389)."""

from __future__ import annotations

import pytest

from mia_defense import library_call
from mia_defense.library_call import caller_state_kept, put_back_as_call_ends


def test_a_put_back_that_raises_leaves_the_others_run_and_is_raised_after() -> None:
    done: list[str] = []

    def fails() -> None:
        done.append("fails")
        raise RuntimeError("h389: this put-back failed")

    with pytest.raises(RuntimeError, match="h389: this put-back failed"):
        with caller_state_kept():
            put_back_as_call_ends(lambda: done.append("first made"))
            put_back_as_call_ends(fails)
            put_back_as_call_ends(lambda: done.append("last made"))
    assert done == ["last made", "fails", "first made"]  # (latest first, each one run)
    assert not library_call._PUT_BACK


def test_a_memory_that_fails_to_clear_leaves_the_others_cleared(monkeypatch) -> None:
    class Fails(set):
        def clear(self) -> None:
            super().clear()
            raise OSError("h389: this memory failed to clear")

    failing, later = Fails({"a"}), {"b"}
    monkeypatch.setattr(library_call, "_CALL_MEMORIES", [failing, later])
    with pytest.raises(OSError, match="h389: this memory failed"):
        with caller_state_kept():
            pass
    assert not failing and not later
