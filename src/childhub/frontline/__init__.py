"""The frontline's own work: each child's visits, reviews, assessments and plans that are due, by the statutory
timescales (settings), and caseloads and unallocated work by worker and team over time.

A reader of the facts, beside the indicators: the web app's My cases and My team pages and their lists read it.
"""

from childhub.frontline.cases import READS as CASE_READS
from childhub.frontline.cases import (
    cases_by_worker,
    complete_weeks,
    open_since,
    statuses,
    waiting_since,
    weekly_by_team,
)
from childhub.frontline.due import KINDS, READS, DueItem, due_items, long_date, rule_text
from childhub.frontline.timescales import Timescales

__all__ = [
    "CASE_READS",
    "KINDS",
    "READS",
    "DueItem",
    "Timescales",
    "cases_by_worker",
    "complete_weeks",
    "due_items",
    "long_date",
    "open_since",
    "rule_text",
    "statuses",
    "waiting_since",
    "weekly_by_team",
]
