"""The self-evaluation: Ofsted's three questions answered per ILACS judgement area, beside the evidence drawn in.

``/self-evaluation?as_at=`` shows, for each judgement area, the service's answer to each question (the latest
version, who wrote it and when, a form to save a new one) and the evidence as at the date
(``childhub.leaders.gather_evidence``: the indicators as the overview counted them, with target, RAG, England,
comparators and early warnings; data quality by rule; case file audits; children's surveys). Every save is a new
version, with the session's CSRF token, audited (``write_self_evaluation``); ``/self-evaluation/history`` lists the
versions with what each changed and a button to restore one (a new version, audited too). The whole downloads as
Word or PDF (``/self-evaluation/export.docx|.pdf``, audited ``export_self_evaluation``), marked OFFICIAL-SENSITIVE.

For admins, analysts and managers: the figures are the authority's own, not suppressed; no child is named.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from childhub.calendar import long_date
from childhub.web.deps import Signed, audit, context, csrf_protected, render, require, signed_in
from childhub.web.exports import disposition

ROLES = ("admin", "analyst", "manager")
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["self-evaluation"], dependencies=[Depends(require(*ROLES))])
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class AnswerIn(BaseModel):
    """An answer sent as JSON: its judgement area, question (know, how, plans) and text."""

    area: str
    question: str
    text: str


def _hub(request: Request):
    return context(request).accounts.db


def evidence_on(request: Request, as_at: date):
    """The evidence as at ``as_at``, from the figures and trends the overview counted and the service's evidence
    (both cached per snapshot); the comparators are read from the hub database each time."""
    from childhub.leaders import gather_evidence, service_evidence
    from childhub.web.routes.overview import overview_figures

    ctx = context(request)
    snapshot = ctx.served.current()
    counted = overview_figures(snapshot, request, as_at)
    # data quality, audits and surveys change only with the store: read once per snapshot and date
    service = snapshot.memo(("self_evaluation_service", as_at), lambda: service_evidence(snapshot.cursor(), as_at))
    return gather_evidence(snapshot.cursor(), _hub(request), ctx.authority, as_at, counted=counted, service=service)


def _when(written_at: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(written_at)
    return f"{long_date(moment.date())} at {moment:%H:%M} UTC"


def _answer(answer) -> dict[str, Any]:
    return {
        "version_id": answer.version_id,
        "area": answer.area,
        "question": answer.question,
        "version": answer.version,
        "text": answer.text,
        "paragraphs": answer.paragraphs,
        "written_by": answer.written_by,
        "written_at": answer.written_at,
        "written_when": _when(answer.written_at),
        "restored_from": answer.restored_from,
    }


def _evidence_json(evidence) -> dict[str, Any]:
    from dataclasses import asdict

    shown = asdict(evidence)
    shown["as_at"] = evidence.as_at.isoformat()
    if evidence.audits is not None:
        shown["audits"]["start"] = evidence.audits.start.isoformat()
        shown["audits"]["end"] = evidence.audits.end.isoformat()
    return shown


def _day(as_at: date | None) -> date:
    return as_at or date.today()


@router.get("/self-evaluation", response_class=HTMLResponse)
def page(request: Request, as_at: date | None = None, saved: str = "", signed: Signed = Depends(signed_in)):
    """The self-evaluation as at a date: per judgement area, the answers to the three questions and the evidence."""
    from childhub.leaders import QUESTIONS, narrative

    day = _day(as_at)
    answers = {f"{area}-{question}": _answer(a) for (area, question), a in narrative(_hub(request)).items()}
    return render(
        request,
        "self_evaluation.html",
        signed,
        as_at=day,
        as_at_words=long_date(day),
        evidence=evidence_on(request, day),
        questions=QUESTIONS,
        answers=answers,
        saved=saved,
    )


def _write(request: Request, signed: Signed, area: str, question: str, text: str):
    from childhub.leaders import narrative, write_narrative

    before = narrative(_hub(request)).get((area, question))
    written = write_narrative(_hub(request), area, question, text, signed.account.username)
    if before is None or before.version_id != written.version_id:
        audit(request, signed, "write_self_evaluation", subject=f"{area} {question}", version=written.version)
    return written


@router.post("/self-evaluation")
def save(
    request: Request,
    area: str = Form(...),
    question: str = Form(...),
    text: str = Form(...),
    as_at: str = Form(""),
    signed: Signed = Depends(csrf_protected),
):
    """Keep a new version of one answer; back to the page, at the answer."""
    written = _write(request, signed, area, question, text)
    query = f"saved={written.area}-{written.question}"
    with contextlib.suppress(ValueError):  # a date the page did not send: back to today's
        query += f"&as_at={date.fromisoformat(as_at).isoformat()}"
    return RedirectResponse(f"/self-evaluation?{query}#{written.area}-{written.question}", status_code=303)


def _history(request: Request, area: str | None, question: str | None) -> list[dict[str, Any]]:
    """Every version (of an area, or one question of it), newest first, each with what it changed."""
    from childhub.leaders import changes, check_section, narrative_history

    area, question = area or None, question or None
    if area is not None:
        check_section(area, question or "know")
    if question is not None:
        check_section(area or "leadership", question)
    versions = narrative_history(_hub(request), area, question)
    shown = []
    for position, version in enumerate(versions):
        earlier = next(
            (v for v in versions[position + 1 :] if (v.area, v.question) == (version.area, version.question)), None
        )
        changed = changes(earlier.text if earlier else None, version.text)
        shown.append({**_answer(version), "changes": [{"kind": c.kind, "text": c.text} for c in changed]})
    return shown


@router.get("/self-evaluation/history", response_class=HTMLResponse)
def history_page(
    request: Request, area: str = "", question: str = "", restored: str = "", signed: Signed = Depends(signed_in)
):
    """Every version of the answers (one area's, or one question's), newest first, each with what it changed and a
    button to restore it."""
    from childhub.indicators import JUDGEMENT_AREAS
    from childhub.leaders import QUESTIONS

    return render(
        request,
        "self_evaluation_history.html",
        signed,
        versions=_history(request, area, question),
        area=area,
        question=question,
        areas=JUDGEMENT_AREAS,
        questions=QUESTIONS,
        restored=restored,
    )


@router.post("/self-evaluation/restore")
def restore(request: Request, version_id: int = Form(...), signed: Signed = Depends(csrf_protected)):
    """Bring an earlier version's text back as a new version of its answer (audited); back to its history."""
    from childhub.leaders import narrative, restore_narrative

    hub = _hub(request)
    latest = {a.version_id for a in narrative(hub).values()}
    restored = restore_narrative(hub, version_id, signed.account.username)
    if restored.version_id not in latest:  # a new version (restoring the text it already reads keeps none)
        audit(
            request,
            signed,
            "write_self_evaluation",
            subject=f"{restored.area} {restored.question}",
            version=restored.version,
            restored_from=version_id,
        )
    target = f"/self-evaluation/history?area={restored.area}&question={restored.question}&restored={restored.version}"
    return RedirectResponse(target, status_code=303)


def _export(request: Request, signed: Signed, as_at: date | None, kind: str) -> Response:
    from childhub.documents import docx_bytes, pdf_bytes
    from childhub.leaders import narrative, self_evaluation_document

    day = _day(as_at)
    ctx = context(request)
    doc = self_evaluation_document(evidence_on(request, day), narrative(_hub(request)), ctx.authority_name)
    content = pdf_bytes(doc) if kind == "pdf" else docx_bytes(doc)
    audit(request, signed, "export_self_evaluation", subject=f"self-evaluation.{kind}", as_at=day.isoformat())
    name = f"self-evaluation-{day.isoformat()}.{kind}"
    return Response(content, media_type=DOCUMENT_TYPES[kind], headers={"Content-Disposition": disposition(name)})


@router.get("/self-evaluation/export.pdf")
def export_pdf(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """The self-evaluation as a PDF (OFFICIAL-SENSITIVE), as at the date."""
    return _export(request, signed, as_at, "pdf")


@router.get("/self-evaluation/export.docx")
def export_docx(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)):
    """The self-evaluation as a Word document (OFFICIAL-SENSITIVE), as at the date."""
    return _export(request, signed, as_at, "docx")


@api_router.get("/self-evaluation", summary="The self-evaluation: the answers and the evidence as at a date")
def self_evaluation_json(request: Request, as_at: date | None = None, signed: Signed = Depends(signed_in)) -> dict:
    """The latest answer to each question in each judgement area, and the evidence as at the date."""
    from childhub.leaders import QUESTIONS, narrative

    day = _day(as_at)
    return {
        "as_at": day.isoformat(),
        "questions": QUESTIONS,
        "answers": [_answer(a) for a in narrative(_hub(request)).values()],
        "evidence": _evidence_json(evidence_on(request, day)),
    }


@api_router.post("/self-evaluation", summary="Write a new version of one answer of the self-evaluation")
def save_json(request: Request, answer: AnswerIn, signed: Signed = Depends(csrf_protected)) -> dict:
    """Keep a new version of the answer to ``question`` in ``area``; the version kept."""
    return _answer(_write(request, signed, answer.area, answer.question, answer.text))


@api_router.get("/self-evaluation/history", summary="Every version of the self-evaluation's answers")
def history_json(request: Request, area: str = "", question: str = "", signed: Signed = Depends(signed_in)) -> dict:
    """Every version (of one area, or one question of it), newest first, with what each changed."""
    return {"versions": _history(request, area, question)}
