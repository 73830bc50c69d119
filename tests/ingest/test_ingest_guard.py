"""The guard refuses every malformed or hostile file with one plain sentence, and lets good ones through.

Every hostile file is built here in ``tmp_path`` with the standard library; limits are lowered
with ``Limits(...)`` where the default would need a huge file. Only the ``slow`` test writes one.
"""

from __future__ import annotations

import hashlib
import random
import time
import zipfile
from pathlib import Path

import pytest

from childhub.errors import IngestError
from childhub.ingest import guard
from childhub.ingest.guard import DEFAULT_LIMITS, FileFacts, Limits, inspect_file, iter_xml, open_workbook, parse_xml

MiB = 1024**2

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
)

# Not a speed target (those are benchmarks): a bound only runaway work would cross (expanding a billion laughs or
# reading a gigabyte takes minutes), generous enough for a loaded shared machine.
RUNAWAY_SECONDS = 30


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def write_zip(path: Path, entries: dict[str, bytes], *, workbook: bool = True) -> Path:
    """An xlsx-shaped zip (content types and workbook part first, unless told not to) holding ``entries``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if workbook:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
            archive.writestr("xl/workbook.xml", WORKBOOK)
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def real_workbook(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Children"
    sheet.append(["child_id", "name", "date_of_birth"])
    sheet.append(["C0001", "Zoë", "2015-03-01"])
    workbook.save(path)
    return path


def refusal(path: Path, action, *args) -> str:
    """The message of the IngestError ``action`` raises: one line, naming the file, nothing written."""
    before = sorted(path.parent.iterdir())
    with pytest.raises(IngestError) as caught:
        result = action(path, *args)
        if hasattr(result, "__next__"):  # iter_xml refuses some files only once iterated
            list(result)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: ")
    assert "\n" not in message and "\r" not in message
    assert "Traceback" not in message
    assert sorted(path.parent.iterdir()) == before
    return message


# --- inspect_file: formats and encodings that are accepted ----------------------------------


def test_utf8_csv_is_read_with_size_and_hash(tmp_path):
    data = "child_id,name\nC0001,Zoë\n".encode()
    path = write(tmp_path / "children.csv", data)

    facts = inspect_file(path)

    assert facts == FileFacts(path, len(data), hashlib.sha256(data).hexdigest(), "csv", "utf-8")
    assert facts.sha256 == guard.sha256_of(path)


def test_utf8_bom_csv_is_utf8_sig(tmp_path):
    path = write(tmp_path / "bom.csv", "\ufeffchild_id,name\nC0001,Zoë\n")
    assert inspect_file(path).encoding == "utf-8-sig"


def test_cp1252_csv_is_accepted_as_cp1252(tmp_path):
    path = write(tmp_path / "council.csv", "child_id,name,fee\nC0001,Zoë,£12 – paid\n", encoding="cp1252")
    facts = inspect_file(path)
    assert (facts.format, facts.encoding) == ("csv", "cp1252")


@pytest.mark.parametrize(
    "text",
    ['<?xml version="1.0"?>\n<Message/>\n', "\ufeff  \n<Message/>", "<!-- exported -->\n<Message/>"],
)
def test_xml_is_recognised_by_its_first_character(tmp_path, text):
    facts = inspect_file(write(tmp_path / "census.dat", text))
    assert facts.format == "xml"


def test_real_workbook_is_xlsx_and_opens(tmp_path):
    path = real_workbook(tmp_path / "children.xlsx")
    assert inspect_file(path).format == "xlsx"
    assert inspect_file(path).encoding is None

    workbook = open_workbook(path)
    try:
        rows = list(workbook["Children"].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows == [("child_id", "name", "date_of_birth"), ("C0001", "Zoë", "2015-03-01")]


def test_format_comes_from_content_not_name(tmp_path):
    path = real_workbook(tmp_path / "children.csv")
    assert inspect_file(path).format == "xlsx"


def test_cp1252_undefined_bytes_are_those_the_codec_refuses():
    undefined = bytes(byte for byte in range(256) if not _decodes(bytes([byte]), "cp1252"))
    assert undefined == guard._CP1252_UNDEFINED


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


# --- inspect_file: refusals ---------------------------------------------------------------


def test_empty_file_is_refused(tmp_path):
    path = write(tmp_path / "empty.csv", b"")
    assert refusal(path, inspect_file) == "empty.csv: the file is empty"


def test_missing_file_is_refused(tmp_path):
    message = refusal(tmp_path / "gone.csv", inspect_file)
    assert "cannot be read" in message


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = write(tmp_path / "big.csv", b"a,b\n" * 1000)
    message = refusal(path, inspect_file, Limits(max_file_bytes=1024))
    assert message == "big.csv: the file is 3.9 KiB, larger than the 1 KiB childhub accepts"


def test_utf16_csv_is_refused(tmp_path):
    path = write(tmp_path / "export.csv", "child_id,name\nC0001,Zoë\n", encoding="utf-16")
    assert refusal(path, inspect_file) == "export.csv: saved as UTF-16; save it as UTF-8 CSV"


def test_utf16_without_bom_is_refused(tmp_path):
    path = write(tmp_path / "export.csv", "child_id,name\nC0001,Zoe\n", encoding="utf-16-le")
    assert refusal(path, inspect_file) == "export.csv: saved as UTF-16; save it as UTF-8 CSV"


def test_utf16_xml_is_told_to_be_saved_as_utf8_xml(tmp_path):
    path = write(tmp_path / "census.xml", '<?xml version="1.0" encoding="UTF-16"?><Message/>', encoding="utf-16")
    assert refusal(path, inspect_file) == "census.xml: saved as UTF-16; save it as UTF-8 XML"


def test_utf32_is_refused(tmp_path):
    path = write(tmp_path / "export.csv", "a,b\n", encoding="utf-32")
    assert refusal(path, inspect_file) == "export.csv: saved as UTF-32; save it as UTF-8 CSV"


def test_text_neither_utf8_nor_cp1252_is_refused(tmp_path):
    path = write(tmp_path / "odd.csv", b"child_id,name\nC0001,Zo\xc3\n\x81\n")
    message = refusal(path, inspect_file)
    assert message == "odd.csv: not UTF-8 or Windows-1252 text (byte 0x81 on line 3 is neither): save it again as UTF-8"


def test_bom_then_invalid_utf8_is_refused(tmp_path):
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbfchild_id\nZo\xeb\n")
    message = refusal(path, inspect_file)
    assert message == "bom.csv: starts with a UTF-8 byte-order mark but line 2 is not UTF-8"


def test_utf8_cut_short_at_the_end_falls_back_to_cp1252(tmp_path):
    path = write(tmp_path / "cut.csv", b"child_id,name\nC0001,Zo\xc3")
    assert inspect_file(path).encoding == "cp1252"


def test_utf8_cut_short_after_bytes_cp1252_lacks_is_refused(tmp_path):
    path = write(tmp_path / "cut.csv", "child_id,name\nC0001,Á\n".encode() + b"C0002,Zo\xc3")
    message = refusal(path, inspect_file)
    assert message == "cut.csv: not UTF-8 or Windows-1252 text (byte 0x81 on line 2 is neither): save it again as UTF-8"


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "returns").mkdir()
    assert refusal(tmp_path / "returns", inspect_file) == "returns: is not a file"


def test_legacy_xls_is_refused(tmp_path):
    path = write(tmp_path / "returns.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    expected = "returns.xls: an old binary Excel .xls file: save it as .xlsx or CSV"
    assert refusal(path, inspect_file) == expected
    assert refusal(path, open_workbook) == expected


def test_password_protected_xlsx_is_refused(tmp_path):
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # 512-byte sectors
    header[0x30:0x34] = (0).to_bytes(4, "little")  # the directory starts at sector 0, just after the header
    directory = bytearray(512)
    directory[0:20] = "Root Entry".encode("utf-16-le")
    directory[128:160] = "EncryptedPackage".encode("utf-16-le")
    path = write(tmp_path / "locked.xlsx", bytes(header + directory))
    message = refusal(path, inspect_file)
    assert message == "locked.xlsx: a password-protected Excel file: remove the password and save it as .xlsx or CSV"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a binary file, not CSV, XML or an Excel .xlsx workbook"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document, not CSV, XML or an Excel .xlsx workbook"),
        (
            b"<!DOCTYPE html>\n<html><table></table></html>",
            "a web page (HTML), not CSV, XML or an Excel workbook: export the report as .xlsx or CSV",
        ),
    ],
)
def test_other_kinds_of_file_are_refused(tmp_path, data, problem):
    path = write(tmp_path / "report.xls", data)
    assert refusal(path, inspect_file) == f"report.xls: {problem}"


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ({"notes.txt": b"hello"}, "a zip archive but not an Excel .xlsx workbook"),
        ({"xl/workbook.bin": b"\x00"}, "an Excel binary workbook (.xlsb): save it as .xlsx or CSV"),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
            "an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV",
        ),
    ],
)
def test_zips_that_are_not_xlsx_are_refused(tmp_path, entries, problem):
    path = write_zip(tmp_path / "upload.xlsx", entries, workbook=False)
    assert refusal(path, inspect_file) == f"upload.xlsx: {problem}"
    assert refusal(path, open_workbook) == f"upload.xlsx: {problem}"


def test_corrupt_zip_is_refused(tmp_path):
    whole = real_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = write(tmp_path / "cut.xlsx", whole[: len(whole) // 2])
    for action in (inspect_file, open_workbook):
        message = refusal(path, action)
        assert message.startswith("cut.xlsx: a damaged zip archive (")
        assert message.endswith("): open it in Excel and save it again")


def test_two_mib_line_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path / "one_line.csv", b"child_id,name\n" + b"x" * (2 * MiB) + b"\n")
    message = refusal(path, inspect_file, Limits(max_line_bytes=MiB))
    assert message == "one_line.csv: line 2 is longer than 1 MiB: not a CSV/XML file childhub can read"


def test_long_line_in_xml_is_refused(tmp_path):
    path = write(tmp_path / "flat.xml", b"<Message>" + b"<a/>" * MiB + b"</Message>")
    message = refusal(path, inspect_file, Limits(max_line_bytes=MiB))
    assert message == "flat.xml: line 1 is longer than 1 MiB: not a CSV/XML file childhub can read"


def test_line_lengths_and_encoding_are_checked_across_chunk_boundaries(tmp_path, monkeypatch):
    """With chunks smaller and larger than the line limit, lines and characters straddle boundaries."""
    randomness = random.Random(20240601)
    for attempt in range(500):
        monkeypatch.setattr(guard, "_CHUNK_BYTES", randomness.randint(1, 64))
        lines = [
            "".join(randomness.choice("ab,é€") for _ in range(randomness.randint(0, 30)))
            for _ in range(randomness.randint(1, 12))
        ]
        data = "\n".join(lines).encode("utf-8")
        if not data:
            continue
        path = write(tmp_path / f"case{attempt}.csv", data)
        limit = randomness.randint(0, 40)
        too_long = [number for number, line in enumerate(data.split(b"\n"), start=1) if len(line) > limit]
        if too_long:
            message = refusal(path, inspect_file, Limits(max_line_bytes=limit))
            assert f": line {too_long[0]} is longer than" in message, (lines, limit)
        else:
            facts = inspect_file(path, Limits(max_line_bytes=limit))
            assert (facts.encoding, facts.sha256) == ("utf-8", hashlib.sha256(data).hexdigest())


# --- XML ----------------------------------------------------------------------------------


def _billion_laughs() -> str:
    """Ten entities, each ten of the one before: a few hundred bytes that expand to 3 GB of "lol"."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        reference = f"&lol{level - 1};"
        entities.append(f'<!ENTITY lol{level} "{reference * 10}">')
    return '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(entities) + "\n]>\n<lolz>&lol9;</lolz>\n"


BILLION_LAUGHS = _billion_laughs()


def test_good_xml_parses(tmp_path):
    path = write(tmp_path / "census.xml", '<?xml version="1.0"?>\n<Message><Child>1</Child></Message>')
    assert parse_xml(path).getroot().findtext("Child") == "1"


def test_truncated_xml_gives_the_line(tmp_path):
    path = write(tmp_path / "census.xml", '<?xml version="1.0"?>\n<Message>\n  <Child>1</Child>\n  <Child>2')
    for action in (parse_xml, lambda path: iter_xml(path, "Child")):
        message = refusal(path, action)
        assert message.startswith("census.xml: not well-formed XML at line 4, column ")
        assert message.endswith("(the file looks cut short)")


def test_mismatched_tags_give_the_line(tmp_path):
    path = write(tmp_path / "census.xml", "<Message>\n<Child>\n</Kid>\n</Message>")
    assert refusal(path, parse_xml).startswith("census.xml: not well-formed XML at line 3, column ")


@pytest.mark.parametrize("action", [parse_xml, lambda path: iter_xml(path, "lolz")])
def test_billion_laughs_is_refused_at_once(tmp_path, action):
    path = write(tmp_path / "lolz.xml", BILLION_LAUGHS)
    started = time.perf_counter()
    message = refusal(path, action)
    assert message == "lolz.xml: XML with a DOCTYPE is refused (it can declare entities)"
    assert time.perf_counter() - started < RUNAWAY_SECONDS


@pytest.mark.parametrize("action", [parse_xml, lambda path: iter_xml(path, "lolz")])
def test_billion_laughs_behind_a_long_prolog_is_still_not_expanded(tmp_path, action):
    """A comment longer than the DOCTYPE pre-check reads: lxml itself must not expand the entities."""
    padded = BILLION_LAUGHS.replace("\n<!DOCTYPE", "\n<!--" + "x" * (100 * 1024) + "-->\n<!DOCTYPE", 1)
    path = write(tmp_path / "lolz.xml", padded)
    started = time.perf_counter()
    message = refusal(path, action)
    assert message in (
        "lolz.xml: XML with a DOCTYPE is refused (it can declare entities)",
        "lolz.xml: XML whose entities expand too far is refused (a 'billion laughs' file)",
    )
    assert time.perf_counter() - started < RUNAWAY_SECONDS


def _external_entity_files(tmp_path: Path) -> list[tuple[Path, str]]:
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-7f3a\n")
    passwd = "file:///etc/passwd"
    mine = secret.as_uri()
    documents = {
        "xxe_passwd.xml": f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{passwd}">]>\n<r>&x;</r>\n',
        "xxe_secret.xml": f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{mine}">]>\n<r>&x;</r>\n',
        "xxe_parameter.xml": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{mine}"> %p;]>\n<r/>\n',
        "xxe_dtd.xml": f'<!DOCTYPE r SYSTEM "{mine}">\n<r>&x;</r>\n',
        "xxe_hidden.xml": "<!--" + "x" * (100 * 1024) + f'-->\n<!DOCTYPE r [<!ENTITY x SYSTEM "{mine}">]>\n<r>&x;</r>',
    }
    return [(write(tmp_path / name, text), text) for name, text in documents.items()]


@pytest.mark.parametrize("action", [parse_xml, lambda path: iter_xml(path, "r")])
def test_external_entities_are_refused_and_never_read(tmp_path, capsys, caplog, action):
    for path, _ in _external_entity_files(tmp_path):
        message = refusal(path, action)
        assert "DOCTYPE" in message, message
        output = message + capsys.readouterr().out + capsys.readouterr().err + caplog.text
        assert "TOP-SECRET" not in output
        assert "root:" not in output


def test_iter_xml_streams_elements_by_local_name(tmp_path):
    children = "".join(f"<c:Child><c:Id>{n}</c:Id></c:Child>" for n in range(1000))
    path = write(tmp_path / "census.xml", f'<Message xmlns:c="urn:cin"><Header/>{children}</Message>')

    seen = [element.findtext("{urn:cin}Id") for element in iter_xml(path, "Child")]

    assert seen == [str(n) for n in range(1000)]
    assert [element.tag for element in iter_xml(path, "{urn:cin}Child")][:1] == ["{urn:cin}Child"]


def test_iter_xml_checks_size_when_called(tmp_path):
    path = write(tmp_path / "census.xml", b"<Message/>")
    message = refusal(path, lambda path: iter_xml(path, "Child", Limits(max_file_bytes=4)))
    assert "larger than the 4 bytes childhub accepts" in message


# --- workbooks ----------------------------------------------------------------------------


def test_zip_bomb_sheet_is_refused_by_its_compression_ratio(tmp_path):
    path = write_zip(tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": bytes(8 * MiB)})
    assert refusal(path, inspect_file) == refusal(path, open_workbook)
    message = refusal(path, open_workbook)
    assert message.startswith("bomb.xlsx: looks like a zip bomb: xl/worksheets/sheet1.xml would expand ")
    assert message.endswith("to 8 MiB (childhub accepts at most 200 times)")


def test_zip_bomb_is_refused_by_its_total_size(tmp_path):
    path = write_zip(tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": bytes(2 * MiB)})
    message = refusal(path, open_workbook, Limits(max_uncompressed_bytes=MiB))
    assert message.startswith("bomb.xlsx: looks like a zip bomb: its contents would expand to 2 MiB, ")
    assert message.endswith("more than the 1 MiB childhub accepts")


def test_workbook_with_five_thousand_sheets_is_refused(tmp_path):
    sheets = {f"xl/worksheets/sheet{n}.xml": b"<worksheet/>" for n in range(1, 5001)}
    path = write_zip(tmp_path / "many.xlsx", sheets)
    started = time.perf_counter()
    message = refusal(path, open_workbook)
    assert message == "many.xlsx: the workbook holds 5000 sheets, more than the 200 childhub accepts"
    assert refusal(path, inspect_file) == message
    assert time.perf_counter() - started < RUNAWAY_SECONDS


def test_zip_with_too_many_entries_is_refused_before_it_is_listed(tmp_path):
    path = write_zip(tmp_path / "crowded.xlsx", {f"xl/media/image{n}.png": b"" for n in range(150)})
    expected = "crowded.xlsx: holds more than 100 files inside its zip archive: not a workbook childhub accepts"
    assert refusal(path, inspect_file, Limits(max_zip_entries=100)) == expected
    assert refusal(path, open_workbook, Limits(max_zip_entries=100)) == expected


def test_zip_with_an_oversized_directory_is_refused_before_it_is_listed(tmp_path):
    path = write_zip(tmp_path / "long_names.xlsx", {"x" * 3000: b""}, workbook=False)
    message = refusal(path, inspect_file, Limits(max_zip_entries=2))
    assert message == ("long_names.xlsx: its zip directory is 3 KiB, too large for a workbook of at most 2 files")


def test_zip64_entry_count_is_read_from_the_zip64_end_record(tmp_path):
    path = tmp_path / "huge_count.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(0x10000 + 10):
            archive.writestr(f"{n}", b"")
    with path.open("rb") as handle:
        entries, directory_bytes = guard._zip_directory_size(handle)
    assert entries == 0x10000 + 10
    message = refusal(path, inspect_file)
    assert (
        message == "huge_count.zip: holds more than 10000 files inside its zip archive: not a workbook childhub accepts"
    )


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/_rels/workbook.xml.rels"])
def test_workbook_part_with_external_entity_is_refused(tmp_path, capsys, part):
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-7f3a\n")
    hostile = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]>\n<x>&e;</x>'
    path = write_zip(tmp_path / "xxe.xlsx", {part: hostile.encode()})
    message = refusal(path, open_workbook)
    assert message == (
        f"xxe.xlsx: {part} inside the workbook has a DOCTYPE, which is refused (it can declare entities)"
    )
    assert "TOP-SECRET" not in message + capsys.readouterr().out + capsys.readouterr().err


def test_workbook_part_hiding_its_prolog_is_refused(tmp_path):
    padded = b"<?xml version='1.0'?><!--" + b"x" * (100 * 1024) + b"--><!DOCTYPE x><x/>"
    path = write_zip(tmp_path / "padded.xlsx", {"xl/worksheets/sheet1.xml": padded})
    message = refusal(path, open_workbook)
    assert message == "padded.xlsx: xl/worksheets/sheet1.xml inside the workbook has no XML element in its first 64 KiB"


def test_damaged_workbook_content_is_one_error(tmp_path):
    path = write_zip(tmp_path / "broken.xlsx", {"xl/_rels/workbook.xml.rels": b"<Relationships"})
    message = refusal(path, open_workbook)
    assert message.startswith("broken.xlsx: openpyxl could not read it as a workbook (")


def test_csv_is_not_a_workbook(tmp_path):
    path = write(tmp_path / "children.csv", "child_id\nC0001\n")
    assert refusal(path, open_workbook) == "children.csv: not an Excel .xlsx workbook (it is not a zip archive)"


# --- a real gigabyte ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_gigabyte_on_one_line_is_refused_quickly(tmp_path):
    path = tmp_path / "gigabyte.csv"
    block = b"x" * (16 * MiB)
    try:
        with path.open("wb") as handle:
            handle.write(b"child_id,notes\n")
            for _ in range(64):
                handle.write(block)
        assert path.stat().st_size > 1024**3
        started = time.perf_counter()
        message = refusal(path, inspect_file)
        elapsed = time.perf_counter() - started
        assert message == "gigabyte.csv: line 2 is longer than 1 MiB: not a CSV/XML file childhub can read"
        assert elapsed < RUNAWAY_SECONDS, f"took {elapsed:.1f}s"
        assert DEFAULT_LIMITS.max_line_bytes == MiB
    finally:
        path.unlink(missing_ok=True)
