"""Data quality all year round: the DfE's validation rules and childhub's checks across systems.

Rules are declared data (``dq/library/<return>/<code>.yml``, ``childhub.dq.rules``), run by
``childhub.dq.engine`` over a return's tables, whether read from files before they are loaded
(``childhub validate``: ``read_returns``) or built from the store for every collection year it holds
(``childhub dq``: ``store_run``, over the tables ``return_tables`` derives from the canonical model for
each of ``years_held``); ``check`` runs them all over the store with the checks across systems and
records the findings, which ``findings``, ``summary`` and ``trend`` read and ``accept`` accepts.
``write_ssda903`` and ``write_cin_census`` write a year's tables as the returns' files (``childhub returns``).
``nhs_readiness`` and ``trace_request`` measure and improve the NHS number's coverage (``childhub
nhs-readiness``, ``childhub nhs-trace``).
"""

from childhub.dq.check import Checked, CheckResult, accept, check, findings, record_checks, run_checks, summary, trend
from childhub.dq.cin_xml import read_cin_xml
from childhub.dq.engine import Finding, ReturnRun, run_rules
from childhub.dq.files import ValidateError, read_returns, read_ssda903_folder
from childhub.dq.nhs import NhsReadiness, TraceRecord, nhs_readiness, trace_request
from childhub.dq.returns_xml import ReturnWriteError, cin_schema_year, write_cin_census, write_ssda903
from childhub.dq.rules import RETURN_NAMES, Rule, RuleError, load_rules
from childhub.dq.store import return_tables, store_run, years_held

__all__ = [
    "RETURN_NAMES",
    "CheckResult",
    "Finding",
    "NhsReadiness",
    "ReturnRun",
    "ReturnWriteError",
    "Rule",
    "RuleError",
    "TraceRecord",
    "ValidateError",
    "accept",
    "check",
    "Checked",
    "record_checks",
    "run_checks",
    "cin_schema_year",
    "findings",
    "load_rules",
    "nhs_readiness",
    "read_cin_xml",
    "read_returns",
    "read_ssda903_folder",
    "return_tables",
    "run_rules",
    "store_run",
    "summary",
    "trace_request",
    "trend",
    "write_cin_census",
    "write_ssda903",
    "years_held",
]
