"""Metrics: ROC, AUC, TPR at low FPR, advantage."""

from mia_defense.metrics.roc import DEFAULT_FPRS, AttackMetrics, roc_metrics, tpr_at_fpr

__all__ = ["DEFAULT_FPRS", "AttackMetrics", "roc_metrics", "tpr_at_fpr"]
