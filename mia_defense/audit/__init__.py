"""The one-run privacy audit (Steinke, Nasr, Jagielski 2023): canaries in one training run,
an ε lower bound out (``attack.audit=one_run``)."""

from mia_defense.audit.gradient import CANARY_SIZE, DiracCanaryAudit, GradientCanaryScores
from mia_defense.audit.one_run import (
    AuditConfig,
    audit_lines,
    audit_report,
    audit_training,
    input_canary_scores,
    warn_delta_terms,
    with_audit_canaries,
)

__all__ = [
    "CANARY_SIZE",
    "AuditConfig",
    "DiracCanaryAudit",
    "GradientCanaryScores",
    "audit_lines",
    "audit_report",
    "audit_training",
    "input_canary_scores",
    "warn_delta_terms",
    "with_audit_canaries",
]
