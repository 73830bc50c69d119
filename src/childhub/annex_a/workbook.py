"""The Annex A workbook written straight into its zip: sheets of rows streamed as SpreadsheetML, fast.

Annex A for a large authority is some 60,000 rows and a million cells; a general spreadsheet
library spends several microseconds on each cell (checks, a call per cell, XML escaping each
time), which is most of the time Annex A takes. This writer knows what Annex A needs and no
more: one sheet after another, each a header row (bold, shaded, wrapped, frozen) and rows of
text, whole numbers and dates, written as inline strings and numbers with two styles (the header
and a dd/mm/yyyy date), compressed into the zip on a thread of its own. Each column keeps the XML
of every distinct value it has written (codes, dates, team and worker names repeat), so a cell
usually costs one dictionary look-up.

Text is written only as text, never as a formula, number or link, and every text cell passes
``childhub.exports.neutralise`` first, as everything childhub writes does. The file is made owner-only
(``private_file``) before a byte is written.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from childhub.exports import neutralise, private_file

_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (past its 1900 leap-year bug)
_MAX_TEXT = 32767  # characters Excel holds in a cell
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEADER_STYLE, _DATE_STYLE = 1, 2

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>\
<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>\
<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" \
applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _column_letters(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xml_text(text: str) -> str:
    """Text as SpreadsheetML holds it: XML-escaped, characters XML cannot carry written as _xHHHH_."""
    text = escape(text[:_MAX_TEXT])
    return _NOT_XML.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


# Text that needs no escaping, no apostrophe (``neutralise``) and no preserved spaces: most cells.
_PLAIN_TEXT = re.compile(r"(?![=+\-@\s])[^&<>_\x00-\x1f\ufffe\uffff]{1,32767}(?<!\s)\Z")


def _text_xml(text: str) -> str:
    if _PLAIN_TEXT.match(text):
        return f'" t="inlineStr"><is><t>{text}</t></is></c>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'" t="inlineStr"><is><t{space}>{_xml_text(neutralise(text))}</t></is></c>'


class _ColumnXml(dict):
    """A column's cells as XML (everything after ``<c r="A2``), each distinct value worked out once, each
    followed by ``then``: for a row as wide as the sheet, the start of the next column's cell (``<c r="C``),
    so the row is the first cell's start and each column's piece joined by the row number, one ``str.join``."""

    def __init__(self, then: str = ""):
        super().__init__()
        self._then = then

    def __missing__(self, value: Any) -> str:
        if value is None:
            xml = '"/>'  # an empty cell: every cell is written, so a row is one join of cached pieces
        elif type(value) is str:
            xml = _text_xml(value)
        elif isinstance(value, bool):
            xml = _text_xml("TRUE" if value else "FALSE")
        elif isinstance(value, int | float):
            xml = f'"><v>{value!r}</v></c>'
        elif isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            xml = f'" s="{_DATE_STYLE}"><v>{(day - _EXCEL_EPOCH).days}</v></c>'
        else:
            xml = _text_xml(str(value))
        xml = self[value] = xml + self._then
        return xml


class Sheet:
    """One sheet being written: rows go straight into the workbook's zip, in order."""

    def __init__(self, stream, letters: list[str], writer: ThreadPoolExecutor):
        self._stream = stream
        self._writer = writer  # compresses into the zip beside us (zlib works outside Python's lock)
        self._pending: Future | None = None
        self._letters = letters
        self._starts = [f'<c r="{letter}' for letter in letters]  # each cell: start, row number, cached XML
        self._columns = [_ColumnXml() for _ in letters]
        self._pieces: list[_ColumnXml] = []  # for a row as wide as the sheet, each followed by the next's start
        self.next_row = 1  # the sheet's rows are numbered from 1

    def _ensure_columns(self, width: int) -> None:
        while len(self._columns) < width:
            letter = _column_letters(len(self._columns))
            self._letters.append(letter)
            self._starts.append(f'<c r="{letter}')
            self._columns.append(_ColumnXml())
            self._pieces = []  # the last column has a next one now

    def header(self, headers: Sequence[str], height: float | None = 60) -> None:
        """A header row (bold, shaded, wrapped, bordered)."""
        self._ensure_columns(len(headers))
        number = str(self.next_row)
        size = f' ht="{height}" customHeight="1"' if height else ""
        cells = "".join(
            f'<c r="{self._letters[position]}{number}" s="{_HEADER_STYLE}" t="inlineStr"><is><t>'
            f"{_xml_text(neutralise(str(header)))}</t></is></c>"
            for position, header in enumerate(headers)
        )
        self.write(f'<row r="{number}"{size}>{cells}</row>'.encode())
        self.next_row += 1

    def write(self, data: bytes) -> None:
        """Hand ``data`` to the zip, in order; the one before must be in before the next is handed over."""
        self.wait()
        self._pending = self._writer.submit(self._stream.write, data)

    def wait(self) -> None:
        """Until everything handed over is in the zip."""
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows of cells (text, whole numbers, dates; None for a blank cell), one after another.

        A row is joined from cached pieces without a Python step per cell: each column's start
        (``<c r="B``), the row number and the column's XML for the value. A row as wide as the sheet
        (most rows) is one join of the columns' pieces (``_ColumnXml`` with ``then``) by its row number."""
        starts, columns = self._starts, self._columns
        lookup = dict.__getitem__
        parts = []
        number = self.next_row
        for row in rows:
            if len(row) > len(columns):
                self._ensure_columns(len(row))
            at = str(number)
            if len(row) == len(columns):
                if not self._pieces:
                    self._pieces = [_ColumnXml(then) for then in [*starts[1:], ""]]
                parts.append(f'<row r="{at}">{starts[0]}{at}{at.join(map(lookup, self._pieces, row))}</row>')
            else:
                cells = map(add, map(add, starts, repeat(at, len(row))), map(lookup, columns, row))
                parts.append(f'<row r="{at}">{"".join(cells)}</row>')
            number += 1
        self.write("".join(parts).encode())
        self.next_row = number

    def blank(self, rows: int = 1) -> None:
        """Leave ``rows`` rows empty."""
        self.next_row += rows


class Workbook:
    """A workbook written sheet by sheet; ``with Workbook(path) as book: with book.sheet(...) as sheet: ...``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private_file(self.path)  # 0600 before a byte is written
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._names: list[str] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="annex-a-zip")

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def sheet(self, name: str, widths: Sequence[float], freeze_rows: int = 1) -> _SheetWriting:
        """Start the next sheet: its column widths (in characters) and how many top rows stay in view."""
        self._names.append(name[:31])
        return _SheetWriting(self._zip, len(self._names), widths, freeze_rows, self._writer)

    def close(self) -> None:
        """Write the workbook's parts (sheets, styles, relationships) and close the file."""
        if self._zip.fp is None:
            return
        self._writer.shutdown(wait=True)
        sheets = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{number}" r:id="rId{number}"/>'
            for number, name in enumerate(self._names, start=1)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
            f'xmlns:r="{_RELATIONSHIPS}"><bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>',
        )
        relations = "".join(
            f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
            for number in range(1, len(self._names) + 1)
        )
        styles_id = len(self._names) + 1
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE}">{relations}'
            f'<Relationship Id="rId{styles_id}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>',
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for number in range(1, len(self._names) + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        self._zip.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        self._zip.close()


class _SheetWriting:
    """``with book.sheet(...) as sheet``: the sheet's part opened in the zip, closed when the block ends."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        number: int,
        widths: Sequence[float],
        freeze_rows: int,
        writer: ThreadPoolExecutor,
    ):
        self._writer = writer
        self._archive = archive
        self._number = number
        self._widths = widths
        self._freeze = freeze_rows

    def __enter__(self) -> Sheet:
        self._stream = self._archive.open(f"xl/worksheets/sheet{self._number}.xml", "w", force_zip64=True)
        letters = [_column_letters(position) for position in range(max(len(self._widths), 1))]
        selected = ' tabSelected="1"' if self._number == 1 else ""
        pane = ""
        if self._freeze:
            top = f"A{self._freeze + 1}"
            pane = (
                f'<pane ySplit="{self._freeze}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            )
        columns = "".join(
            f'<col min="{position}" max="{position}" width="{width:g}" customWidth="1"/>'
            for position, width in enumerate(self._widths, start=1)
        )
        self._stream.write(
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
                f'xmlns:r="{_RELATIONSHIPS}"><sheetViews><sheetView workbookViewId="0"{selected}>{pane}'
                f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                f"{f'<cols>{columns}</cols>' if columns else ''}<sheetData>"
            ).encode()
        )
        self._sheet = Sheet(self._stream, letters, self._writer)
        return self._sheet

    def __exit__(self, *exc_info) -> None:
        self._sheet.wait()
        self._stream.write(b"</sheetData></worksheet>")
        self._stream.close()
