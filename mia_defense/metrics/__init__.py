"""Metrics: ROC, AUC, TPR at low FPR with bootstrap intervals, advantage, empirical ε, slices."""

from mia_defense.metrics.bootstrap import Intervals, bootstrap_intervals
from mia_defense.metrics.epsilon import empirical_epsilon, epsilon_from_rates
from mia_defense.metrics.records import record_vulnerability, slice_metrics
from mia_defense.metrics.roc import DEFAULT_FPRS, AttackMetrics, roc_metrics, tpr_at_fpr

__all__ = [
    "DEFAULT_FPRS",
    "AttackMetrics",
    "Intervals",
    "bootstrap_intervals",
    "empirical_epsilon",
    "epsilon_from_rates",
    "record_vulnerability",
    "roc_metrics",
    "slice_metrics",
    "tpr_at_fpr",
]
