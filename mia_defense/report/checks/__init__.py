"""What a report may trust in a run's results.json: its version, its types, and whether the
run deserves a place in the ranking (training did not diverge, utility above chance, a
finite leakage figure).

One module a job: `payload` (may the report read it at all, by the checks of `provenance`:
the run's config, `utility`: the accuracy and chance lattice, `attack_results`, `privacy`:
the DP claim, and `headline`: the figures' copies), `ranking` (may it be ranked) and
`notes` (the caveats on a ranked run, with `resolution`: the TPR's, `accuracy`: the test
accuracy's, `attacker`: a weak attacker's and a randomized release's, and `idle`: the
defenses that did not act, and the check of their field); `_values` holds what they all read
values with."""

from mia_defense.report.checks._values import (
    PrintableLog,
    count_too_large,
    no_strongest,
    one_line,
    printable,
    same_figure,
    strongest_at_zero,
    strongest_attack,
)
from mia_defense.report.checks.notes import (
    IDLE_MARK,
    SMALL_TEST_SET,
    UNDERSTATED_CAVEATS,
    caveats,
    idle_counts,
    idle_defenses,
    idle_models,
    idle_share,
    idle_share_said,
    near_chance_note,
    randomized_release,
    randomized_release_note,
    reasons_said_below,
    release_near_chance_note,
    resolution_note,
    run_end_lines,
    small_test_set_note,
)
from mia_defense.report.checks.payload import edited_problem, payload_problem
from mia_defense.report.checks.privacy import (
    dp_claim_problem,
    dp_schedule_problem,
    epsilon_doubt,
    flag_problem,
    schedule_deleted,
    vacuous_epsilon,
)
from mia_defense.report.checks.provenance import (
    BUILT_IN_DEFENSES,
    BUILT_IN_RELEASES,
    defense_problem,
    few_resamples,
    kept_resamples_note,
    other_confidence,
)
from mia_defense.report.checks.ranking import rank_problem, release_below_chance_note
from mia_defense.report.checks.utility import test_records_problem

__all__ = [
    "BUILT_IN_DEFENSES",
    "BUILT_IN_RELEASES",
    "IDLE_MARK",
    "SMALL_TEST_SET",
    "UNDERSTATED_CAVEATS",
    "PrintableLog",
    "caveats",
    "count_too_large",
    "defense_problem",
    "dp_claim_problem",
    "dp_schedule_problem",
    "edited_problem",
    "epsilon_doubt",
    "few_resamples",
    "flag_problem",
    "idle_counts",
    "idle_defenses",
    "idle_models",
    "idle_share",
    "idle_share_said",
    "kept_resamples_note",
    "near_chance_note",
    "no_strongest",
    "one_line",
    "other_confidence",
    "payload_problem",
    "printable",
    "randomized_release",
    "randomized_release_note",
    "rank_problem",
    "reasons_said_below",
    "release_below_chance_note",
    "release_near_chance_note",
    "resolution_note",
    "run_end_lines",
    "same_figure",
    "schedule_deleted",
    "small_test_set_note",
    "strongest_at_zero",
    "strongest_attack",
    "test_records_problem",
    "vacuous_epsilon",
]
