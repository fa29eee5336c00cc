"""The README's `mia-train defense=dp dataset=breast_cancer dataset.standardize=false` warned
that C=1 is "more than 10 times the median" of the per-sample gradient norms, "next to no
per-sample gradient is clipped" and "the models learn nothing", then reached test accuracy
0.785 against a chance of 0.601. On raw breast_cancer features the initial outputs saturate:
most records' norms are near 0 and the misclassified ones' far above C, which clipping bounds
and which train the models (helper h233)."""

from __future__ import annotations

from mia_defense.defenses import DPSGD

# The 16 probe norms one launch of that README command measured (mia-train's _warn_clip_norm,
# before h235 drew the probe from the run's seed rather than the global random state).
SATURATED = [8.62e-37, 9.98e-30, 6.83e-29, 1.53e-24, 1.21e-18, 1.6e-18, 2.88e-16, 6.96e-16,
             8.84e-13, 1.59e-11, 1.23e-09, 1.58e-09, 9.35e-09, 1.19e-06, 1050.0, 1170.0]


def test_norms_far_above_c_are_clipped_so_no_warning():
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)
    assert dp.clip_norm_problem(SATURATED, adaptive=True, batch_size=64) is None


def test_a_c_above_every_norm_is_still_warned():
    # the same tiny norms without the two that C clips: nothing trains them past the noise
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)
    problem = dp.clip_norm_problem(SATURATED[:14], adaptive=True, batch_size=64)
    assert problem is not None and "more than 10 times the median" in problem
