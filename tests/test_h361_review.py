"""Defects found reviewing the day's commits (h361)."""

from __future__ import annotations

import warnings


def test_a_library_call_keeps_the_filters_the_callers_code_added_during_it() -> None:
    """A library call put warnings.filters back as it found them: a filter added by the
    user's code during the call (a model's module, imported by ``model._target_``, silencing
    a warning as it is imported) was dropped, and the next call showed it again. Only the
    call's own notes (torch_notes) are taken out."""
    from mia_defense.library_call import library_call
    from mia_defense.torch_notes import ignore_performance_note

    before = list(warnings.filters)

    def call() -> None:
        ignore_performance_note("aten::h361")  # the library's own note
        warnings.filterwarnings("ignore", message="h361 the user's own")  # the user's code

    try:
        library_call(call)()
        added = [f[1].pattern for f in warnings.filters if f not in before]
        assert added == ["h361 the user's own"]
    finally:
        warnings.filters[:] = before
