"""My cases (a practitioner's children and what is due for each) and My team (a manager's workers, their
caseloads, the unallocated and the overdue), from ``childhub.frontline``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from childhub.web.deps import require

router = APIRouter(dependencies=[Depends(require("admin", "manager", "practitioner"))])
