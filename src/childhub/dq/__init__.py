"""Data quality all year round: the DfE's validation rules and childhub's checks across systems.

Rules are declared data (``dq/library/<return>/<code>.yml``, ``childhub.dq.rules``), run by
``childhub.dq.engine`` over a return's tables, whether read from files before they are loaded
(``childhub validate``) or written from the store for every collection year it holds
(``childhub dq``: ``store_run``, over the tables ``return_tables`` derives from the canonical model for
each of ``years_held``). ``write_ssda903`` and ``write_cin_census`` write those tables as the returns'
files (``childhub returns``).
"""

from childhub.dq.engine import Finding, ReturnRun, run_rules
from childhub.dq.returns_xml import ReturnWriteError, cin_schema_year, write_cin_census, write_ssda903
from childhub.dq.rules import Rule, RuleError, load_rules
from childhub.dq.store import return_tables, store_run, years_held

__all__ = [
    "Finding",
    "ReturnRun",
    "ReturnWriteError",
    "Rule",
    "RuleError",
    "cin_schema_year",
    "load_rules",
    "return_tables",
    "run_rules",
    "store_run",
    "write_cin_census",
    "write_ssda903",
    "years_held",
]
