"""Match a list against the children we know: an analyst uploads a list (a free-school-meals list, a police
list, a partner's caseload) and each row comes back with the child it matches, or none, audited.

The list (CSV or Excel, at most ``MAX_UPLOAD_BYTES``) is posted with the page's CSRF token and either a
list mapping (the YAML ``childhub match-list`` reads) or, when none is sent, the page shows the file's
header and asks which column holds each field. Between the two steps the file waits in the data folder's
``uploads`` folder (0600, under a random name), and is deleted as soon as it has been matched, or after
``KEEP_UPLOAD`` unanswered. The answer (the first ``ROWS_SHOWN`` rows on the page, every row in the
download) is held in memory for ``KEEP_RESULT`` for the person who asked, so it can be downloaded as CSV or
Excel. Matching (``childhub.link.match_list``) reads the published snapshot and only the children the person
may see; the match, and each download, is written to the audit log with its row count and the children.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from childhub.errors import ChildhubError
from childhub.link import ListMapping, ListMatch, load_list_mapping, match_list, read_list, read_table, result_table
from childhub.web.deps import Signed, audit, context, csrf_protected, render, require, signed_in
from childhub.web.exports import download
from childhub.web.pages.shared import service_name
from childhub.web.scope import child_filter

router = APIRouter(dependencies=[Depends(require("admin", "analyst"))])
MAX_UPLOAD_BYTES = 20 * 1024**2  # a list of some 100,000 rows
ROWS_SHOWN = 200
KEEP_UPLOAD = 30 * 60  # seconds a file waits for its columns to be chosen
KEEP_RESULT = 30 * 60  # seconds a result may be downloaded
UPLOADS = "uploads"
TOKEN = r"^[A-Za-z0-9_-]{20,64}$"
# The fields a person maps on the page, in words; the date formats and sex codes a page-made mapping reads.
FIELD_LABELS = {
    "first_name": "First name",
    "surname": "Surname",
    "full_name": "Full name (instead of first name and surname)",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "upn": "UPN",
    "nhs_number": "NHS number",
    "address_line_1": "Address (first line)",
    "address_line_2": "Address (second line)",
    "town": "Town",
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d/%m/%y")
SEX_CODES = {"Male": "M", "Female": "F", "Boy": "M", "Girl": "F", "male": "M", "female": "F"}
# How a header commonly names each field, for the page's first guess (lower case, spaces and _ dropped).
GUESSES = {
    "first_name": ("forename", "firstname", "givenname", "first"),
    "surname": ("surname", "lastname", "familyname", "legalsurname"),
    "full_name": ("name", "fullname", "childsname", "childname"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "born"),
    "sex": ("sex", "gender"),
    "postcode": ("postcode", "postalcode", "post code"),
    "upn": ("upn", "uniquepupilnumber"),
    "nhs_number": ("nhsnumber", "nhsno", "nhs"),
    "address_line_1": ("address", "address1", "addressline1", "street"),
    "address_line_2": ("address2", "addressline2"),
    "town": ("town", "city", "suburb"),
}


@dataclass
class Held:
    username: str
    result: ListMatch
    file_name: str
    until: float


_results: dict[str, Held] = {}
_lock = threading.Lock()


def _uploads(request: Request) -> Path:
    from childhub.exports import private_folder

    folder = private_folder(context(request).data_dir / UPLOADS)
    now = time.time()
    for old in folder.iterdir():  # a file whose columns were never chosen
        if old.is_file() and now - old.stat().st_mtime > KEEP_UPLOAD:
            old.unlink(missing_ok=True)
    return folder


def _forget_old_results() -> None:
    now = time.monotonic()
    with _lock:
        for token in [t for t, held in _results.items() if held.until < now]:
            del _results[token]


async def _saved(request: Request, upload: UploadFile, token: str) -> Path:
    """The uploaded list as a private file (0600) in the uploads folder; too large a file is refused."""
    from childhub.exports import private_file

    suffix = ".xlsx" if (upload.filename or "").lower().endswith(".xlsx") else ".csv"
    path = private_file(_uploads(request) / f"{token}{suffix}")
    size = 0
    with path.open("wb") as handle:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                handle.close()
                path.unlink(missing_ok=True)
                raise ChildhubError(
                    f"{upload.filename}: the list is larger than {MAX_UPLOAD_BYTES // 1024**2} MB; split it"
                )
            handle.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise ChildhubError(f"{upload.filename or 'the file'}: the file is empty")
    return path


def _guess(header: list[str]) -> dict[str, str]:
    squashed = {column: column.lower().replace(" ", "").replace("_", "").replace("'", "") for column in header}
    guessed: dict[str, str] = {}
    for field_name, names in GUESSES.items():
        for column, text in squashed.items():
            if text in names and column not in guessed.values():
                guessed[field_name] = column
                break
    if "first_name" in guessed and "surname" in guessed:
        guessed.pop("full_name", None)
    return guessed


def _page(request: Request, signed: Signed, **values: Any) -> HTMLResponse:
    return render(
        request,
        "match_list.html",
        signed,
        max_mb=MAX_UPLOAD_BYTES // 1024**2,
        rows_shown=ROWS_SHOWN,
        field_labels=FIELD_LABELS,
        **{"problem": None, "columns": None, "result": None, "token": None, **values},
    )


@router.get("/match-list", response_class=HTMLResponse)
def match_list_page(request: Request, signed: Signed = Depends(signed_in)):
    """The upload form."""
    return _page(request, signed)


@router.post("/match-list", response_class=HTMLResponse)
async def match_list_post(request: Request, signed: Signed = Depends(csrf_protected)):
    """Step one (a list, and a mapping or none) or step two (the columns chosen for a list already sent)."""
    form = await request.form()
    upload, mapping_upload = form.get("list"), form.get("mapping")
    token = str(form.get("token") or "")
    threshold = 0.9
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            token = secrets.token_urlsafe(24)
            path = await _saved(request, upload, token)
            name = Path(upload.filename).name
            if isinstance(mapping_upload, UploadFile) and mapping_upload.filename:
                mapping = _uploaded_mapping(request, mapping_upload, token)
            else:
                header = read_list_header(path, name)
                (path.parent / f"{token}.name").write_text(name, "utf-8")
                return _page(request, signed, columns=header, guessed=_guess(header), token=token, file_name=name)
        else:
            if not re.match(TOKEN, token):
                raise ChildhubError("choose a list to upload (a CSV file or an Excel workbook)")
            path, name = _waiting(request, token)
            mapping = _chosen_mapping(form)
        try:
            read = read_list(path, mapping, name=name)
        finally:
            _remove(path)
        served = context(request).served

        def matched() -> ListMatch:  # in a worker thread, on its own cursor: the server answers others meanwhile
            return match_list(
                served.current().cursor(),
                read,
                scope=child_filter(signed, "p.child_key"),
                threshold=threshold,
                system_name=service_name,
            )

        result = await run_in_threadpool(matched)
    except ChildhubError as problem:
        return _page(request, signed, problem=str(problem), status_code=400)
    counts = result.counts()
    audit(
        request,
        signed,
        "match_list",
        subject=name,
        child_count=len(result.child_keys),
        children=result.child_keys,
        rows=len(result.rows),
        **counts,
    )
    _forget_old_results()
    result_token = secrets.token_urlsafe(24)
    with _lock:
        _results[result_token] = Held(signed.account.username, result, name, time.monotonic() + KEEP_RESULT)
    return _page(request, signed, result=result, counts=counts, token=result_token, file_name=name,
                 shown=result.rows[:ROWS_SHOWN])  # fmt: skip


def read_list_header(path: Path, name: str) -> list[str]:
    """The header of a list, to choose its columns from."""
    try:
        header, _rows = read_table(path, name)
    except ChildhubError:
        _remove(path)
        raise
    return [column for column in header if column]


def _waiting(request: Request, token: str) -> tuple[Path, str]:
    folder = _uploads(request)
    for suffix in (".csv", ".xlsx"):
        path = folder / f"{token}{suffix}"
        if path.exists():
            named = folder / f"{token}.name"
            return path, named.read_text("utf-8") if named.exists() else path.name
    raise ChildhubError("the list sent earlier is no longer held (it is kept for 30 minutes): send it again")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_suffix(".name").unlink(missing_ok=True)


def _uploaded_mapping(request: Request, upload: UploadFile, token: str) -> ListMapping:
    from childhub.exports import private_file

    path = private_file(_uploads(request) / f"{token}.mapping.yml")
    try:
        content = upload.file.read(256 * 1024 + 1)
        if len(content) > 256 * 1024:
            raise ChildhubError(f"{upload.filename}: a mapping is a short YAML file, not {len(content):,} bytes")
        path.write_bytes(content)
        from childhub.errors import MappingError

        try:
            return load_list_mapping(path)
        except MappingError as error:
            raise ChildhubError(str(error).replace(path.name, Path(upload.filename or "mapping").name)) from None
    finally:
        path.unlink(missing_ok=True)


def _chosen_mapping(form) -> ListMapping:
    """The mapping the person chose on the page, column by column."""
    from pydantic import ValidationError

    columns = {name: str(form.get(f"column_{name}")) for name in FIELD_LABELS if form.get(f"column_{name}")}
    try:
        return ListMapping(columns=columns, date_formats=DATE_FORMATS, sex_codes=SEX_CODES)
    except ValidationError as error:
        raise ChildhubError(
            "the columns chosen cannot match people: " + "; ".join(e["msg"].removeprefix("Value error, ")
                                                                    for e in error.errors())
        ) from None  # fmt: skip


@router.get("/match-list/{token}")
def match_list_download(
    request: Request, token: str, format: Literal["csv", "xlsx"] = "csv", signed: Signed = Depends(signed_in)
) -> Response:
    """Every row of a result just shown, as CSV or Excel, audited with its row count and children."""
    _forget_old_results()
    with _lock:
        held = _results.get(token)
    if held is None or held.username != signed.account.username:
        return _page(
            request,
            signed,
            problem="that result is no longer held (it is kept for 30 minutes for the person who asked): "
            "match the list again",
            status_code=410,
        )
    columns, lines = result_table(held.result)
    audit(
        request,
        signed,
        "download_list",
        subject=f"Match of {held.file_name}",
        child_count=len(held.result.child_keys),
        children=held.result.child_keys,
        rows=len(lines),
        format=format,
    )
    stem = Path(held.file_name).stem or "list"
    return download(
        format,
        f"{stem}-matched",
        columns,
        lines,
        heading=[f"{held.file_name} matched against the children childhub knows"],
        about=[
            ("List", held.file_name),
            ("Matched by", held.result.model),
            ("Rows", f"{len(lines):,}"),
            ("Handling", "Children's personal data: keep it within the authority's secure systems."),
        ],
    )


__all__ = ["router"]
