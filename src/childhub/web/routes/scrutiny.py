"""The scrutiny pack: the page, its print-ready form, the PDF and Word downloads, and ``GET /api/v1/scrutiny``.

Every role that opens it sees the same pack: it is for a committee, so it is always under the small-number threshold
(``childhub.leaders.pack``), as at the last month end on or before the date asked for. Its figures and trends come
from the app's per-snapshot cache (``childhub.web.measures``: the month-end figures scrutiny sees are warmed before a
snapshot serves), so a pack costs only its commentary, comparators and audits. A download is written to the audit
log (``download_scrutiny_pack``); no child is in it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from childhub.calendar import long_date
from childhub.web.charts import sparkline_svg
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.exports import disposition

if TYPE_CHECKING:
    from childhub.indicators import Figure, Indicator, Trend
    from childhub.leaders import ScrutinyPack
    from childhub.web.served import Snapshot

ROLES = ("admin", "analyst", "manager", "scrutiny")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["scrutiny"], dependencies=[Depends(require(*ROLES))])
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class _CachedCounts:
    """The pack's ``Counts`` from the app's cache: each figure and monthly trend counted once per snapshot."""

    def __init__(self, snapshot: Snapshot, request: Request) -> None:
        self.snapshot, self.request = snapshot, request

    def figure(self, ind: Indicator, as_at: date) -> Figure:
        from childhub.web.measures import figure_of

        return figure_of(self.snapshot, self.request, ind, as_at)

    def trend(self, ind: Indicator, as_at: date) -> Trend:
        from childhub.web.measures import trend_of

        return trend_of(self.snapshot, self.request, ind.id, as_at, "monthly")


def scrutiny_pack(request: Request, as_at: date | None) -> ScrutinyPack:
    """The pack as at the last month end on or before ``as_at`` (default today), under the threshold."""
    from childhub.leaders import build_pack

    ctx = context(request)
    snapshot = ctx.served.current()
    return build_pack(
        _CachedCounts(snapshot, request),
        as_at=as_at or date.today(),
        authority=ctx.authority,
        threshold=ctx.small_number,
        hub=ctx.accounts.db,
        cursor=snapshot.cursor(),
    )


@router.get("/scrutiny", response_class=HTMLResponse)
def page(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """The scrutiny pack as a page (it prints as the pack: A4, a judgement area to a page, no navigation)."""
    pack = scrutiny_pack(request, as_at)
    charts = {
        item.id: sparkline_svg(
            [point.value for point in item.trend],
            f"{item.name}, monthly",
            width=300,
            height=70,
            formatted=[point.formatted for point in item.trend],
        )
        for area in pack.areas
        for item in area.indicators
    }
    comparisons = {item.id: item.comparison_words() for area in pack.areas for item in area.indicators}
    return render(
        request,
        "scrutiny.html",
        signed,
        pack=pack,
        charts=charts,
        comparisons=comparisons,
        long_date=long_date,
        query=f"?as_at={pack.as_at.isoformat()}",
    )


def pack_file(request: Request, pack: ScrutinyPack, fmt: str) -> bytes:
    """The pack written as ``fmt`` (pdf or docx), kept per snapshot and per content: a file takes seconds to
    write, and every role, and every download of the same month, gets the same pack (a new commentary changes
    its content, so it is written again)."""
    import hashlib
    import json

    from childhub.documents import docx_bytes, pdf_bytes
    from childhub.leaders import pack_document

    content = pack.as_dict()
    content["generated_at"] = content["generated_at"][:10]  # the file says the day it was made
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode("utf-8")).hexdigest()

    def write() -> bytes:
        document = pack_document(pack)
        return pdf_bytes(document) if fmt == "pdf" else docx_bytes(document)

    return context(request).served.current().memo(("scrutiny_pack_file", fmt, digest), write, reads=())


def _download(request: Request, signed: Signed, as_at: date | None, fmt: str) -> Response:
    pack = scrutiny_pack(request, as_at)
    content = pack_file(request, pack, fmt)
    audit(request, signed, "download_scrutiny_pack", subject=pack.as_at.isoformat(), format=fmt)
    name = f"scrutiny-pack-{pack.as_at.isoformat()}.{fmt}"
    return Response(content, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition(name)})


@router.get("/scrutiny/pack.pdf")
def pack_pdf(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> Response:
    """The scrutiny pack as a PDF (A4), audited."""
    return _download(request, signed, as_at, "pdf")


@router.get("/scrutiny/pack.docx")
def pack_docx(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> Response:
    """The scrutiny pack as a Word file a committee clerk can edit, audited."""
    return _download(request, signed, as_at, "docx")


@api_router.get("/scrutiny", summary="The scrutiny pack as at a month end, under the small-number threshold")
def pack_json(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """The scrutiny pack as data: the summary, each ILACS judgement area's indicators (figure, trend, target, RAG,
    comparators, early warnings in words, commentary, questions), audits and surveys."""
    return scrutiny_pack(request, as_at).as_dict()
