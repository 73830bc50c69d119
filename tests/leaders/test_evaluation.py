"""The self-evaluation: the evidence drawn in as at a date (a hand-built history with hand-worked figures), the
narrative's versions and restores, the limits on what is kept, and the export read back from PDF and Word."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import date

import pytest

from childhub.documents import docx_bytes, pdf_bytes
from childhub.indicators import AuthoritySettings
from childhub.leaders import (
    QUESTIONS,
    SelfEvaluationError,
    gather_evidence,
    narrative,
    narrative_history,
    restore_narrative,
    self_evaluation_document,
    write_narrative,
)
from childhub.leaders.evaluation import MAX_NARRATIVE, paragraphs
from childhub.store import HubDatabase

AS_AT = date(2026, 3, 31)
AUTHORITY = AuthoritySettings(name="Ashmere (test)", population_0_17=1000)
ANSWER = "Children in care are seen often and placed close to home.\n\nWe know because we audit their files monthly."


@pytest.fixture
def hub(tmp_path) -> HubDatabase:
    return HubDatabase(tmp_path / "hub")


def _looked_after(history):
    """Five children; on 31 March 2026 (population 1,000):

    K1  S 2025-01-10 C2, open                       looked after
    K2  S 2025-06-01 C2, ceased 2026-03-31 E4A       not: care ceased on the date itself
    K3  S 2026-03-31 C2, open                       looked after (starts on the date)
    K4  S 2024-02-29 C1, open (a leap day)           looked after
    K5  V3 short breaks from 2025-11-01, open       not: a short break
    Looked after: 3 children; 3 per 1,000 = 30.0 per 10,000.
    """
    for n in range(1, 6):
        history.child(f"K{n}", dob=date(2012, n, 1))
    history.episode("K1", date(2025, 1, 10), "S", "C2")
    history.episode("K2", date(2025, 6, 1), "S", "C2", ceased=date(2026, 3, 31), reason_ceased="E4A")
    history.episode("K3", date(2026, 3, 31), "S", "C2")
    history.episode("K4", date(2024, 2, 29), "S", "C1")
    history.episode("K5", date(2025, 11, 1), "S", "V3")
    return history.store()


def _evidence(store, hub):
    with store.reader() as conn:
        return gather_evidence(conn, hub, AUTHORITY, AS_AT, indicator_ids=["cla_count", "cla_rate"])


def test_the_evidence_puts_each_indicator_under_its_judgement_area_with_its_figure(history, hub):
    evidence = _evidence(_looked_after(history), hub)
    assert evidence.as_at == AS_AT
    assert [area.area for area in evidence.areas] == [
        "help_and_protection",
        "children_in_care",
        "care_leavers",
        "leadership",
    ]
    in_care = {item.indicator_id: item for item in evidence.areas[1].indicators}
    assert (in_care["cla_count"].value, in_care["cla_count"].formatted) == (3, "3")
    assert (in_care["cla_rate"].value, in_care["cla_rate"].formatted) == (30.0, "30.0 per 10,000")
    assert in_care["cla_count"].target is None and in_care["cla_count"].rag is None
    assert all(not area.indicators for area in evidence.areas if area.area != "children_in_care")
    # No comparators loaded, no data-quality check run, no audits or surveys (contracts that say "none").
    assert in_care["cla_rate"].comparison is None
    assert evidence.quality.last_run is None and evidence.quality.by_rule == ()
    assert evidence.audits is None and evidence.surveys == ()


def test_every_save_is_a_new_version_and_the_latest_is_the_answer(hub):
    first = write_narrative(hub, "children_in_care", "know", "First draft.", "analyst")
    second = write_narrative(hub, "children_in_care", "know", "Second draft.", "manager")
    plans = write_narrative(hub, "children_in_care", "plans", "Recruit 12 foster carers.", "manager")
    assert (first.version, second.version, plans.version) == (1, 2, 1)
    current = narrative(hub)
    assert set(current) == {("children_in_care", "know"), ("children_in_care", "plans")}
    assert (current[("children_in_care", "know")].text, current[("children_in_care", "know")].written_by) == (
        "Second draft.",
        "manager",
    )
    assert [(v.question, v.version) for v in narrative_history(hub, "children_in_care")] == [
        ("plans", 1),
        ("know", 2),
        ("know", 1),
    ]
    assert [v.version for v in narrative_history(hub, "children_in_care", "know")] == [2, 1]
    # the same text again keeps nothing new
    assert (
        write_narrative(hub, "children_in_care", "know", "Second draft.\r\n", "admin").version_id == second.version_id
    )


def test_a_restore_makes_a_new_version_with_the_earlier_text(hub):
    first = write_narrative(hub, "leadership", "how", "We read the data weekly.", "analyst")
    write_narrative(hub, "leadership", "how", "We read the data daily.", "analyst")
    restored = restore_narrative(hub, first.version_id, "manager")
    assert (restored.version, restored.text, restored.written_by, restored.restored_from) == (
        3,
        "We read the data weekly.",
        "manager",
        first.version_id,
    )
    assert [v.version for v in narrative_history(hub, "leadership", "how")] == [3, 2, 1]
    assert narrative(hub)[("leadership", "how")].version == 3
    # restoring what it already reads keeps no fourth version
    assert restore_narrative(hub, first.version_id, "manager").version == 3
    with pytest.raises(SelfEvaluationError, match="there is no version 999 of the self-evaluation"):
        restore_narrative(hub, 999, "manager")


def test_a_version_can_be_neither_changed_nor_removed_in_the_database(hub):
    write_narrative(hub, "leadership", "plans", "As written.", "analyst")
    for statement in ("UPDATE self_evaluation_text SET text = 'rewritten'", "DELETE FROM self_evaluation_text"):
        with pytest.raises(sqlite3.IntegrityError, match="never"), hub.connect() as conn:
            conn.execute(statement)


@pytest.mark.parametrize(
    ("area", "question", "text", "message"),
    [
        (
            "schools",
            "know",
            "x",
            "the judgement area is one of help_and_protection, children_in_care, care_leavers, leadership, "
            "not 'schools'",
        ),
        ("leadership", "why", "x", "the question is one of know, how, plans, not 'why'"),
        ("leadership", "know", " \n ", "the answer is empty: write something"),
        (
            "leadership",
            "know",
            "z" * (MAX_NARRATIVE + 1),
            "the answer is 20,001 characters long; at most 20,000 are kept",
        ),
        ("leadership", "know", "bell\x07", "the answer holds a control character (U+0007) at character 5"),
    ],
)
def test_what_cannot_be_kept_is_refused_in_one_line(hub, area, question, text, message):
    with pytest.raises(SelfEvaluationError, match=re.escape(message)):
        write_narrative(hub, area, question, text, "analyst")
    assert narrative_history(hub) == []


def test_paragraphs_are_split_at_blank_lines_and_lines_inside_one_are_joined():
    assert paragraphs("One\nline.\r\n\r\nTwo.\n\n\n\nThree.  ") == ["One line.", "Two.", "Three."]


def _pdf_text(content: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in document.sections for p in section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


@pytest.mark.slow
def test_the_export_reads_back_with_the_narrative_the_figures_and_the_marking(history, hub):
    evidence = _evidence(_looked_after(history), hub)
    write_narrative(hub, "children_in_care", "know", ANSWER, "analyst")
    doc = self_evaluation_document(evidence, narrative(hub), AUTHORITY.name)
    for text in (_pdf_text(pdf_bytes(doc)), _docx_text(docx_bytes(doc))):
        assert "Ashmere (test): self-evaluation of social work practice" in text
        assert "Evidence as at 31 March 2026" in text
        for question in QUESTIONS.values():
            assert question in text
        assert "Children in care are seen often and placed close to home." in text
        assert "We know because we audit their files monthly." in text
        assert "Version 1, by analyst" in text
        assert "Children looked after" in text
        assert "30.0 per 10,000" in text  # 3 children per 1,000, worked out above
        assert "OFFICIAL-SENSITIVE" in text
        assert "Not written yet." in text  # the questions nobody has answered say so
        assert not re.search(r"\bK[1-5]\b", text)  # no child's ID


def test_the_command_refuses_a_file_that_is_not_pdf_or_word_in_one_line(tmp_path):
    from helpers import run

    refused = run("self-evaluation", "export", "--out", str(tmp_path / "evaluation.txt"), data_dir=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"error: --out must end .pdf or .docx, not '.txt': {tmp_path / 'evaluation.txt'}"
    assert not (tmp_path / "evaluation.txt").exists()


@pytest.mark.slow
def test_the_command_writes_the_self_evaluation_of_the_tiny_authority(tiny_authority, tmp_path):
    from childhub.audit import events
    from helpers import run

    store = tiny_authority.copy(tmp_path / "store")
    answer = "Every care leaver has a personal adviser."
    write_narrative(HubDatabase(store.data_dir), "care_leavers", "plans", answer, "x")
    out = tmp_path / "self-evaluation.docx"
    done = run("self-evaluation", "export", "--as-at", "2026-03-31", "--out", str(out), data_dir=store.data_dir)
    assert done.returncode == 0, done.stderr
    assert f"Wrote the self-evaluation as at 2026-03-31 to {out}." in done.stdout
    assert out.stat().st_mode & 0o077 == 0  # the hub's account's alone
    text = _docx_text(out.read_bytes())
    assert answer in text
    assert "Evidence as at 31 March 2026" in text and "OFFICIAL-SENSITIVE" in text
    assert "Care leavers aged 19 to 21 in touch" in text
    # the same figure the indicator table gives for that date, in the row of its indicator
    from childhub.indicators import authority_for, calculator
    from childhub.settings import Settings

    with calculator(store, authority_for(store.data_dir, Settings(data_dir=store.data_dir))) as calc:
        (looked_after,) = calc.figures(date(2026, 3, 31), ["cla_count"])
    assert f"Children looked after {looked_after.formatted()}" in text
    (event,) = events(store.data_dir, action="export_self_evaluation")
    assert (event.channel, event.subject, event.details["as_at"]) == ("cli", "self-evaluation.docx", "2026-03-31")
