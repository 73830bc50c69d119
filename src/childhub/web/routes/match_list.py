"""Match a list against the children we know: an analyst uploads a list (a free-school-meals list, a police
list, a partner's caseload) and each row comes back with the child it matches, or none, audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from childhub.web.deps import require

router = APIRouter(dependencies=[Depends(require("admin", "analyst"))])
