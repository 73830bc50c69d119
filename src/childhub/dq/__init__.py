"""Data quality all year round: the DfE's validation rules and childhub's checks across systems.

Rules are declared data (``dq/library/<return>/<code>.yml``, ``childhub.dq.rules``), run by
``childhub.dq.engine`` over a return's tables, whether read from files before they are loaded
(``childhub validate``) or written from the store for every collection year it holds
(``childhub dq``).
"""

from childhub.dq.check import CheckResult, accept, check, findings, summary, trend
from childhub.dq.cin_xml import read_cin_xml
from childhub.dq.engine import Finding, ReturnRun, run_rules
from childhub.dq.files import ValidateError, read_returns, read_ssda903_folder
from childhub.dq.nhs import NhsReadiness, TraceRecord, nhs_readiness, trace_request
from childhub.dq.rules import RETURN_NAMES, Rule, RuleError, load_rules

__all__ = [
    "RETURN_NAMES",
    "CheckResult",
    "Finding",
    "NhsReadiness",
    "TraceRecord",
    "ReturnRun",
    "Rule",
    "RuleError",
    "accept",
    "check",
    "findings",
    "ValidateError",
    "load_rules",
    "nhs_readiness",
    "read_cin_xml",
    "read_returns",
    "read_ssda903_folder",
    "run_rules",
    "summary",
    "trace_request",
    "trend",
]
