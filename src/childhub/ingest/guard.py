"""Opening untrusted files safely: size, encoding, line length, hostile XML and spreadsheets.

Every file childhub ingests comes through here first. A file that is too big, not the
format it claims, in an unreadable encoding, with a gigantic line, XML that declares
entities or a DOCTYPE, or a spreadsheet that is a zip bomb or holds thousands of sheets,
raises ``IngestError`` with one sentence naming the file: nothing is written.

Nothing here reads a whole file into memory to check it: files are streamed in 1 MiB
chunks, a refusal comes as soon as the problem is seen, and a zip archive's directory is
sized from its last bytes before ``zipfile`` parses it.
"""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from childhub.errors import IngestError

FileFormat = Literal["csv", "xml", "xlsx", "unknown"]

_CHUNK_BYTES = 1024**2
_HEAD_BYTES = 64 * 1024  # how much of a file decides its format
_RATIO_CHECKED_FROM_BYTES = 1024**2  # entries smaller than this may compress as well as they like
_CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 1024  # generous: an xlsx entry's directory record is ~100 bytes

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-protected .xlsx
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_PDF_SIGNATURE = b"%PDF-"
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"  # the only bytes Python's cp1252 codec cannot decode
_XML_WHITESPACE = b" \t\r\n"

# lxml settings for every XML file: no entity substitution, no DTD loading, no network,
# libxml2's default size limits. Entities stay unexpanded even if a DOCTYPE got past the checks.
_XML_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}
_XML_PROLOG_ITEM = re.compile(r"[ \t\r\n]*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)


@dataclass(frozen=True)
class Limits:
    """How big a file and its parts may be before childhub refuses it."""

    max_file_bytes: int = 4 * 1024**3
    max_line_bytes: int = 1024**2
    max_zip_entries: int = 10_000
    max_sheets: int = 200
    max_uncompressed_bytes: int = 2 * 1024**3
    max_compression_ratio: int = 200


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class FileFacts:
    """What ``inspect_file`` found. ``format`` is never "unknown": such files are refused."""

    path: Path
    size: int
    sha256: str
    format: FileFormat
    encoding: str | None  # for text files: "utf-8", "utf-8-sig" or "cp1252"


def inspect_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> FileFacts:
    """Size, content hash, format (from the content, not the name) and text encoding.

    xlsx is a zip holding ``[Content_Types].xml`` and ``xl/workbook.xml``; xml is text whose
    first character (after a byte-order mark and whitespace) is ``<``; csv is any other text.
    A workbook gets the same zip checks as ``open_workbook`` (sizes, sheets, DOCTYPEs).
    Text is "utf-8-sig" with a UTF-8 byte-order mark, "utf-8" when every byte decodes as UTF-8,
    else "cp1252" when it decodes as Windows-1252, which many council systems still export:
    readers should decode with the encoding given here. Text files are also refused when a
    line is longer than ``limits.max_line_bytes``. Binary files, other zips, legacy .xls,
    UTF-16 and undecodable text are refused with ``IngestError``.
    """
    path = Path(path)
    size = _checked_size(path, limits)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            _refuse_binary(path, handle, head)
            if head.startswith(_ZIP_SIGNATURES):
                _refuse_unless_workbook(path, limits)
                return FileFacts(path, size, sha256_of(path), "xlsx", None)
            handle.seek(0)
            sha256, encoding = _scan_text(path, handle, limits, has_bom=head.startswith(_UTF8_BOM))
    except OSError as error:
        raise _refuse(path, f"cannot be read ({error.strerror or error})") from None
    text_format: FileFormat = "xml" if _strip_bom_and_space(head).startswith(b"<") else "csv"
    return FileFacts(path, size, sha256, text_format, encoding)


def parse_xml(path: Path, limits: Limits = DEFAULT_LIMITS):
    """An lxml tree of ``path``, refusing DTDs, entities, network access and huge trees.

    The whole tree is held in memory: for a large file, walk it with ``iter_xml`` instead.
    """
    from lxml import etree

    path = Path(path)
    _checked_size(path, limits)
    _refuse_doctype_in_prolog(path)
    try:
        with path.open("rb") as handle:
            tree = etree.parse(handle, etree.XMLParser(**_XML_PARSER_OPTIONS))
    except etree.XMLSyntaxError as error:
        raise _refuse(path, _xml_syntax_problem(error)) from None
    except OSError as error:
        raise _refuse(path, f"cannot be read ({error.strerror or error})") from None
    if tree.docinfo.doctype:
        raise _refuse(path, "XML with a DOCTYPE is refused (it can declare entities)")
    return tree


def iter_xml(path: Path, tag: str, limits: Limits = DEFAULT_LIMITS) -> Iterator:
    """Each ``tag`` element of ``path`` in document order, streamed, for XML too big for ``parse_xml``.

    ``tag`` is a local name ("Child") or a namespaced one ("{urn:x}Child"). Each element is
    cleared, with its earlier siblings, once the caller asks for the next: copy out what you
    need before moving on. The file's size and DOCTYPE are checked when this is called;
    a syntax error anywhere raises ``IngestError`` from the loop.
    """
    path = Path(path)
    _checked_size(path, limits)
    _refuse_doctype_in_prolog(path)
    return _iter_elements(path, tag)


def open_workbook(path: Path, limits: Limits = DEFAULT_LIMITS):
    """An openpyxl workbook (read-only, values only) after zip-bomb and sheet-count checks.

    Before openpyxl opens it, the zip is checked with ``zipfile``: its entry count, total and
    per-entry uncompressed sizes as declared in its directory (``zipfile`` never inflates an
    entry past its declared size, so these bound what openpyxl can read), the number of
    ``xl/worksheets/sheet*.xml`` parts, and that no XML part has a DOCTYPE.

    openpyxl 3.1 parses the workbook, relationship and style parts with lxml and
    ``resolve_entities=False``, and worksheets and shared strings with ``defusedxml`` (which
    refuses DTDs and entities) whenever defusedxml is installed, as it is for childhub, unless
    the environment sets ``OPENPYXL_DEFUSEDXML=False``. The DOCTYPE check above does not rely
    on either. Read-only workbooks keep the file open: call ``close()`` when done.
    """
    path = Path(path)
    _checked_size(path, limits)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            _refuse_binary(path, handle, head)
    except OSError as error:
        raise _refuse(path, f"cannot be read ({error.strerror or error})") from None
    if not head.startswith(_ZIP_SIGNATURES):
        raise _refuse(path, "not an Excel .xlsx workbook (it is not a zip archive)")
    _refuse_unless_workbook(path, limits)

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise _refuse(path, f"openpyxl could not read it as a workbook ({_reason(error)})") from error
    if len(workbook.sheetnames) > limits.max_sheets:
        count = len(workbook.sheetnames)
        workbook.close()
        raise _refuse(path, f"the workbook lists {count} sheets, more than the {limits.max_sheets} childhub accepts")
    return workbook


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


# --- refusals -----------------------------------------------------------------------------


def _refuse(path: Path, problem: str) -> IngestError:
    """The one error shape: the file's name, a colon, the problem, on one line."""
    return IngestError(" ".join(f"{path.name}: {problem}".split()))


def worksheet_rows(file: str, worksheet) -> Iterator[tuple]:
    """A worksheet's rows from row 1, each a tuple of cell values (openpyxl reads a sheet as it goes).

    A sheet damaged part-way (XML that is not well-formed, a part openpyxl cannot make sense of)
    is one ``IngestError`` naming the file, the sheet and the row where reading stopped.
    """
    read = 0
    try:
        for values in worksheet.iter_rows(min_row=1, values_only=True):
            yield values
            read += 1
    except Exception as error:  # openpyxl raises many kinds on a damaged sheet
        raise IngestError(
            f"{file}: sheet {worksheet.title!r} is damaged at row {read + 1} ({_reason(error)}): "
            "open it in Excel and save it again"
        ) from None


# Errors that say where a library tripped, not what is wrong with the file: never shown as they are.
_LIBRARY_INTERNAL = (TypeError, AttributeError, KeyError, IndexError, AssertionError, LookupError, NameError)


def _reason(error: BaseException) -> str:
    if isinstance(error, _LIBRARY_INTERNAL):
        return "a part of it is not as Excel writes it"
    text = str(error).strip().splitlines()
    reason = text[0] if text else type(error).__name__
    return reason if len(reason) <= 200 else reason[:199] + "…"


def _describe_bytes(count: int) -> str:
    for unit, name in ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB")):
        if count >= unit:
            return f"{count / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{count} bytes"


def _checked_size(path: Path, limits: Limits) -> int:
    try:
        status = path.stat()
    except OSError as error:
        raise _refuse(path, f"cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode):
        raise _refuse(path, "is not a file")
    if status.st_size == 0:
        raise _refuse(path, "the file is empty")
    if status.st_size > limits.max_file_bytes:
        raise _refuse(
            path,
            f"the file is {_describe_bytes(status.st_size)}, "
            f"larger than the {_describe_bytes(limits.max_file_bytes)} childhub accepts",
        )
    return status.st_size


def _refuse_binary(path: Path, handle: BinaryIO, head: bytes) -> None:
    """Refuse what the first bytes show is not text or a zip: .xls, PDF, UTF-16/32, binary."""
    if head.startswith(_OLE2_SIGNATURE):
        if _ole2_is_encrypted_package(handle, head):
            raise _refuse(path, "a password-protected Excel file: remove the password and save it as .xlsx or CSV")
        raise _refuse(path, "an old binary Excel .xls file: save it as .xlsx or CSV")
    if head.startswith(_ZIP_SIGNATURES):
        return
    if head.startswith(_PDF_SIGNATURE):
        raise _refuse(path, "a PDF document, not CSV, XML or an Excel .xlsx workbook")
    if head.startswith(_UTF32_BOMS + _UTF16_BOMS) or _looks_like_utf16(head):
        width = "UTF-32" if head.startswith(_UTF32_BOMS) else "UTF-16"
        markup = head.lstrip(b"\x00\xfe\xff").replace(b"\x00", b"").lstrip(_XML_WHITESPACE).startswith(b"<")
        raise _refuse(path, f"saved as {width}; save it as UTF-8 {'XML' if markup else 'CSV'}")
    if b"\x00" in head:
        raise _refuse(path, "a binary file, not CSV, XML or an Excel .xlsx workbook")
    start = _strip_bom_and_space(head)[:15].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise _refuse(path, "a web page (HTML), not CSV, XML or an Excel workbook: export the report as .xlsx or CSV")


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII-range text puts a NUL in every other byte."""
    sample = head[:4096]
    pairs = len(sample) // 2
    return pairs >= 2 and max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.9 * pairs


def _ole2_is_encrypted_package(handle: BinaryIO, head: bytes) -> bool:
    """Whether an OLE2 file's first directory sector names an EncryptedPackage stream."""
    try:
        (sector_shift,) = struct.unpack_from("<H", head, 0x1E)
        (first_directory_sector,) = struct.unpack_from("<L", head, 0x30)
        if not 7 <= sector_shift <= 16:
            return False
        handle.seek((first_directory_sector + 1) << sector_shift)
        directory = handle.read(1 << sector_shift)
    except (struct.error, OSError, OverflowError, ValueError):
        return False
    return "EncryptedPackage".encode("utf-16-le") in directory


def _strip_bom_and_space(head: bytes) -> bytes:
    return head.removeprefix(_UTF8_BOM).lstrip(_XML_WHITESPACE)


# --- text: one streamed pass for hash, line lengths and encoding --------------------------


class _TextScan:
    """Feeds a file's bytes in chunks; refuses at the first over-long line or undecodable byte."""

    def __init__(self, path: Path, limits: Limits, has_bom: bool):
        self.path = path
        self.max_line_bytes = limits.max_line_bytes
        self.has_bom = has_bom
        self.digest = hashlib.sha256()
        self.lines_before = 0  # newlines in earlier chunks
        self.line_bytes = 0  # bytes so far of the line the last chunk ended in
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.utf8_ok = True
        self.cp1252_ok = True
        self.cp1252_problem = ""

    def feed(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        if not chunk.isascii() or self.utf8.getstate()[0]:
            self._check_encoding(chunk)
        self._check_lines(chunk)  # last: it moves lines_before past this chunk

    def finish(self) -> tuple[str, str]:
        """The sha256 and the encoding."""
        if self.utf8_ok:
            try:
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self._utf8_failed(self.lines_before + 1)
                self._refuse_if_undecodable()
        if not self.utf8_ok:
            return self.digest.hexdigest(), "cp1252"  # it was refused if it did not decode as cp1252
        return self.digest.hexdigest(), "utf-8-sig" if self.has_bom else "utf-8"

    def _check_lines(self, chunk: bytes) -> None:
        first = chunk.find(b"\n")
        if first == -1:
            self.line_bytes += len(chunk)
            self._check_line(self.line_bytes, self.lines_before + 1)
            return
        self._check_line(self.line_bytes + first, self.lines_before + 1)
        last = chunk.rfind(b"\n")
        if last - first - 1 > self.max_line_bytes:  # a whole line between them may be too long
            line, start = self.lines_before + 1, first
            while start < last:
                end = chunk.find(b"\n", start + 1)
                line += 1
                self._check_line(end - start - 1, line)
                start = end
        self.lines_before += chunk.count(b"\n")
        self.line_bytes = len(chunk) - last - 1
        self._check_line(self.line_bytes, self.lines_before + 1)

    def _check_line(self, length: int, line: int) -> None:
        if length > self.max_line_bytes:
            raise _refuse(
                self.path,
                f"line {line} is longer than {_describe_bytes(self.max_line_bytes)}: "
                "not a CSV/XML file childhub can read",
            )

    def _check_encoding(self, chunk: bytes) -> None:
        if self.cp1252_ok:
            found = [at for at in (chunk.find(byte) for byte in _CP1252_UNDEFINED) if at >= 0]
            if found:
                at = min(found)
                line = self.lines_before + chunk.count(b"\n", 0, at) + 1
                self.cp1252_ok = False
                self.cp1252_problem = f"byte 0x{chunk[at]:02X} on line {line}"
        if self.utf8_ok:
            pending = len(self.utf8.getstate()[0])
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError as error:
                self._utf8_failed(self.lines_before + chunk.count(b"\n", 0, max(error.start - pending, 0)) + 1)
        self._refuse_if_undecodable()

    def _utf8_failed(self, line: int) -> None:
        self.utf8_ok = False
        if self.has_bom:
            raise _refuse(self.path, f"starts with a UTF-8 byte-order mark but line {line} is not UTF-8")

    def _refuse_if_undecodable(self) -> None:
        if not self.utf8_ok and not self.cp1252_ok:
            raise _refuse(
                self.path,
                f"not UTF-8 or Windows-1252 text ({self.cp1252_problem} is neither): save it again as UTF-8",
            )


def _scan_text(path: Path, handle: BinaryIO, limits: Limits, has_bom: bool) -> tuple[str, str]:
    scan = _TextScan(path, limits, has_bom)
    for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
        scan.feed(chunk)
    return scan.finish()


# --- XML ----------------------------------------------------------------------------------


def _prolog_has_doctype(head: bytes) -> bool | None:
    """Whether XML starting with ``head`` has a DOCTYPE before its root element (None: cannot tell yet)."""
    if head.startswith(_UTF16_BOMS):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.removeprefix(_UTF8_BOM).decode("latin-1")  # markup is ASCII in every other encoding
    position = 0
    while match := _XML_PROLOG_ITEM.match(text, position):
        position = match.end()
    rest = text[position:].lstrip(" \t\r\n")
    if rest[:9].upper() == "<!DOCTYPE":
        return True
    if len(rest) < 9 or rest.startswith(("<?", "<!--")):  # cut off inside the prolog
        return None
    return False


def _refuse_doctype_in_prolog(path: Path) -> None:
    """Refuse a DOCTYPE before lxml reads the file; a prolog longer than the head is left to lxml."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as error:
        raise _refuse(path, f"cannot be read ({error.strerror or error})") from None
    if _prolog_has_doctype(head):
        raise _refuse(path, "XML with a DOCTYPE is refused (it can declare entities)")


def _xml_syntax_problem(error) -> str:
    line, column = error.position
    message = re.sub(r", line \d+, column \d+$", "", error.msg or "")
    if "amplification" in message:  # libxml2's own guard tripped by a DOCTYPE the pre-check could not see
        return "XML whose entities expand too far is refused (a 'billion laughs' file)"
    hint = " (the file looks cut short)" if message.startswith("Premature end of data") else ""
    return f"not well-formed XML at line {line}, column {column}: {_reason(ValueError(message))}{hint}"


def _iter_elements(path: Path, tag: str) -> Iterator:
    from lxml import etree

    local_suffix = None if tag.startswith("{") else "}" + tag
    with path.open("rb") as handle:
        events = etree.iterparse(handle, events=("start", "end"), **_XML_PARSER_OPTIONS)
        checked_doctype = False
        try:
            for event, element in events:
                if event == "start":
                    if not checked_doctype:
                        if element.getroottree().docinfo.doctype:
                            raise _refuse(path, "XML with a DOCTYPE is refused (it can declare entities)")
                        checked_doctype = True
                    continue
                if element.tag == tag or (local_suffix and element.tag.endswith(local_suffix)):
                    yield element
                    element.clear(keep_tail=True)
                    while element.getprevious() is not None:
                        del element.getparent()[0]
        except etree.XMLSyntaxError as error:
            raise _refuse(path, _xml_syntax_problem(error)) from None


# --- spreadsheets -------------------------------------------------------------------------


def _zip_directory_size(handle: BinaryIO) -> tuple[int, int] | None:
    """(entries, central directory bytes) from a zip's end records, or None if they cannot be found."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_start = max(size - (22 + 0xFFFF), 0)
    handle.seek(tail_start)
    tail = handle.read()
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")  # as zipfile looks
    if at < 0 or len(tail) - at < 22:
        return None
    _, _, _, _, entries, directory_bytes, _, _ = struct.unpack_from("<4s4H2LH", tail, at)
    if entries != 0xFFFF and directory_bytes != 0xFFFFFFFF:
        return entries, directory_bytes
    # zip64: a locator just before the end record gives the zip64 end record's offset
    if at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
        return None
    (zip64_end_offset,) = struct.unpack_from("<Q", tail, at - 20 + 8)
    handle.seek(zip64_end_offset)
    record = handle.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    entries, directory_bytes = struct.unpack_from("<QQ", record, 32)
    return entries, directory_bytes


def _open_zip(path: Path, limits: Limits) -> zipfile.ZipFile:
    """A ZipFile, once the archive's own end records say its directory is of a sane size."""
    too_many = f"holds more than {limits.max_zip_entries} files inside its zip archive: not a workbook childhub accepts"
    try:
        with path.open("rb") as handle:
            directory = _zip_directory_size(handle)
        if directory is not None:
            entries, directory_bytes = directory
            if entries > limits.max_zip_entries:
                raise _refuse(path, too_many)
            if directory_bytes > limits.max_zip_entries * _CENTRAL_DIRECTORY_BYTES_PER_ENTRY:
                raise _refuse(
                    path,
                    f"its zip directory is {_describe_bytes(directory_bytes)}, too large for a workbook "
                    f"of at most {limits.max_zip_entries} files",
                )
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error) as error:
        raise _refuse(path, f"a damaged zip archive ({_reason(error)}): open it in Excel and save it again") from None
    except OSError as error:
        raise _refuse(path, f"cannot be read ({error.strerror or error})") from None
    if len(archive.infolist()) > limits.max_zip_entries:
        archive.close()
        raise _refuse(path, too_many)
    return archive


def _refuse_unless_workbook(path: Path, limits: Limits) -> None:
    """Refuse a zip that is not an .xlsx workbook, or is one too big or hostile to open.

    Only the zip's directory and the first few KiB of each XML part are read.
    """
    with _open_zip(path, limits) as archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            if "xl/workbook.bin" in names:
                raise _refuse(path, "an Excel binary workbook (.xlsb): save it as .xlsx or CSV")
            if "mimetype" in names and "content.xml" in names:
                raise _refuse(path, "an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV")
            raise _refuse(path, "a zip archive but not an Excel .xlsx workbook")
        _refuse_oversized_contents(path, infos, limits)
        _refuse_doctype_in_parts(path, archive, infos)


def _refuse_oversized_contents(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _refuse(
            path,
            f"looks like a zip bomb: its contents would expand to {_describe_bytes(total)}, "
            f"more than the {_describe_bytes(limits.max_uncompressed_bytes)} childhub accepts",
        )
    for info in infos:
        if info.file_size <= _RATIO_CHECKED_FROM_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise _refuse(
                path,
                f"looks like a zip bomb: {info.filename} would expand {ratio:.0f} times, "
                f"from {_describe_bytes(info.compress_size)} to {_describe_bytes(info.file_size)} "
                f"(childhub accepts at most {limits.max_compression_ratio} times)",
            )
    sheets = sum(1 for info in infos if fnmatch.fnmatchcase(info.filename, "xl/worksheets/sheet*.xml"))
    if sheets > limits.max_sheets:
        raise _refuse(path, f"the workbook holds {sheets} sheets, more than the {limits.max_sheets} childhub accepts")


def _refuse_doctype_in_parts(path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook any of whose XML parts has a DOCTYPE, reading no more than each part's prolog."""
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as part:
                head = part.read(4096)
                has_doctype = _prolog_has_doctype(head)
                if has_doctype is None and len(head) == 4096:
                    head += part.read(_HEAD_BYTES - len(head))
                    has_doctype = _prolog_has_doctype(head)
        except (zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError, OSError, zlib.error) as error:
            raise _refuse(
                path, f"a damaged zip archive ({info.filename}: {_reason(error)}): open it in Excel and save it again"
            ) from None
        if has_doctype:
            raise _refuse(
                path, f"{info.filename} inside the workbook has a DOCTYPE, which is refused (it can declare entities)"
            )
        if has_doctype is None and len(head) >= _HEAD_BYTES:
            raise _refuse(path, f"{info.filename} inside the workbook has no XML element in its first 64 KiB")
