"""Accounts for admins: add, disable, change role or scope, reset a password, issue and revoke tokens, each
audited as the same command at the command line is."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from childhub.web.deps import require

router = APIRouter(dependencies=[Depends(require("admin"))])
