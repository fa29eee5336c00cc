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


def test_a_later_call_tries_stacked_queries_again_after_one_ran_out_of_memory(monkeypatch):
    """observe._ONE_AT_A_TIME (38da48b1) kept, for the life of the process, the models whose
    stacked query ran out of memory: a notebook's next api call with them, memory freed since,
    queried them one at a time (slower) without a word. A call's memory ends with the call."""
    import numpy as np
    from torch import nn

    from mia_defense import api, observe

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 3)).astype(np.float32), np.arange(24) % 2
    plan = api.make_plan(x, y, num_models=2, population_size=16)
    models = [nn.Linear(3, 2), nn.Linear(3, 2)]
    forward, tries = observe.ModelStack.forward, []

    def short_of_memory_at_first(self, *args, **kwargs):
        tries.append(len(tries))
        if len(tries) == 1:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory")
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(observe.ModelStack, "forward", short_of_memory_at_first)
    api.observe_models(models, x, y, plan)
    assert tries == [0]  # (then one at a time)
    api.observe_models(models, x, y, plan)
    assert len(tries) > 1  # stacked again
