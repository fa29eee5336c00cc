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


A, B, C, D = 0, 0, 0, 0


def test_a_model_changing_four_globals_is_warned_of_as_more_than_three(caplog) -> None:
    """check_model_output's warning of state changed outside the model named the first three
    places as if they were all ('changes A, B, C'), where probed_blocker's reason for the
    same list says there are more (errors.first_few: 'A, B, C, ...')."""
    import torch
    from torch import nn

    from mia_defense.models.build import check_model_output

    class FourCounters(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(3, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            global A, B, C, D
            A, B, C, D = A + 1, B + 1, C + 1, D + 1
            return self.layer(x)

    check_model_output(FourCounters(), input_shape=(3,), num_classes=2, name="four")
    (said,) = [r.getMessage() for r in caplog.records if "outside the model" in r.getMessage()]
    assert f"changes {__name__}.A, {__name__}.B, {__name__}.C, ... at every" in said
