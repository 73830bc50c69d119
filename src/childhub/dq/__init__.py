"""Data quality all year round: the DfE's validation rules and childhub's checks across systems.

Rules are declared data (``dq/library/<return>/<code>.yml``, ``childhub.dq.rules``), run by
``childhub.dq.engine`` over a return's tables, whether read from files before they are loaded
(``childhub validate``) or written from the store for every collection year it holds
(``childhub dq``).
"""

from childhub.dq.engine import Finding, ReturnRun, run_rules
from childhub.dq.rules import Rule, RuleError, load_rules

__all__ = ["Finding", "ReturnRun", "Rule", "RuleError", "load_rules", "run_rules"]
