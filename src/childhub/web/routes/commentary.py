"""Commentary on an indicator (FOUNDATION STUB for issue 16: the commentary helper builds the form and history).

``commentary_view`` is what the indicator page and its API show beside the figure (None: nothing written).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request

from childhub.indicators import Indicator
from childhub.web.deps import Signed, require

ROLES = ("admin", "analyst", "manager")  # who may write; every role that sees the indicator reads it
router = APIRouter(dependencies=[Depends(require(*ROLES))])


def commentary_view(request: Request, signed: Signed, ind: Indicator, as_at: date) -> dict[str, Any] | None:
    """The commentary on ``ind`` for the period of ``as_at``, as the page and the API show it."""
    return None
