"""The field map (codes/fields.yml): which code set each field a person reads uses, and the words for its codes."""

from __future__ import annotations

import pytest

from childhub.codes import (
    CodeRegistryError,
    breakdown_field,
    field_map,
    heading,
    load_fields,
    with_labels,
    words_for,
)
from childhub.facts import prepare


def test_the_shipped_map_loads_and_names_only_sets_the_registry_has():
    from childhub.codes import registry

    fields = field_map().fields
    assert fields, "the field map is empty"
    for name, field in fields.items():
        assert field.set in registry(), name
        assert all(other in registry() for other in field.also), name


def test_a_broken_map_reports_every_problem_with_its_file_and_field(tmp_path):
    path = tmp_path / "fields.yml"
    path.write_text(
        "fields:\n"
        "  legal_status: {set: no_such_set, columns: [fact_cla_episode.legal_status]}\n"
        "  placement_type: {set: ssda903_placement, also: [nor_this_one], columns: [cla_placement]}\n"
        "breakdowns:\n"
        "  cla_count.placement: not_a_field\n"
        "  no_dot: null\n",
        "utf-8",
    )
    with pytest.raises(CodeRegistryError) as raised:
        load_fields(path)
    message = str(raised.value)
    assert message.startswith(f"The field map in {path}: 5 problem(s)"), message
    for expected in (
        "- fields.legal_status.set: there is no code set 'no_such_set'",
        "- fields.placement_type.also.0: there is no code set 'nor_this_one'",
        "- fields.placement_type.columns.0: 'cla_placement' is not fact_<name>.<column>",
        "- breakdowns.cla_count.placement: there is no field 'not_a_field'",
        "- breakdowns.no_dot: should be <indicator id>.<breakdown>",
    ):
        assert expected in message, message


def _columns_by_fact() -> dict[str, list[tuple[str, str]]]:
    """Each fact the map names, with the (field, column) pairs it names in it."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, field in field_map().fields.items():
        for column in field.columns:
            fact, _, column_name = column.partition(".")
            found.setdefault(fact, []).append((name, column_name))
    return found


def test_every_column_the_map_names_is_in_the_facts_and_every_code_there_has_words(tiny_authority):
    by_fact = _columns_by_fact()
    unknown = []
    with tiny_authority.store.reader() as conn:
        prepare(conn, [fact.removeprefix("fact_") for fact in by_fact])
        for fact, pairs in by_fact.items():
            held = {row[0] for row in conn.execute(f"DESCRIBE {fact}").fetchall()}
            for field, column in pairs:
                assert column in held, f"{fact} has no column {column} (fields.{field})"
                for (value,) in conn.execute(f'SELECT DISTINCT "{column}" FROM {fact}').fetchall():
                    shown = words_for(field, value)
                    if shown is not None and shown.startswith("Unknown code"):
                        unknown.append(f"{fact}.{column} = {value!r}")
    # the synthetic authority writes only codes the registry knows: each has words, none reads "Unknown code"
    assert unknown == []


def test_every_breakdown_the_map_names_is_one_its_indicator_has():
    from childhub.indicators import indicator

    for key in field_map().breakdowns:
        indicator_id, by = key.split(".")
        assert by in indicator(indicator_id).breakdowns, key


@pytest.mark.parametrize(
    ("field", "code", "words"),
    [
        ("legal_status", "C2", "Full care order"),
        ("legal_status", "V2", "Single period of accommodation under section 20 (Children Act 1989)"),
        ("primary_need", "N1", "Abuse or neglect"),
        ("close_reason", "RC9", "Case closed after assessment, referred to early help"),
        ("placement_type", "U6", "Foster placement with other foster carer - not long-term or FFA/concurrent planning"),
        ("participation", "PN4", "Did not attend; an advocate briefed the meeting"),
        ("ethnicity", "WBRI", "White British"),
        ("contact_source", "2A", "Schools"),
        ("activity", "0", "Information not known"),  # the Annex A chart's bar once labelled "0"
        ("sen", "ehc_plan", "Education, health and care plan"),
        ("eligibility", "FORMER RELEVANT", "Former relevant child"),  # a spelling of code b, found by its alias
        ("accommodation", "D1", "Semi-independent or transitional accommodation (suitable)"),
        ("accommodation", "T", "Foyers and similar supported accommodation"),  # the letter alone: the next set
        ("service_area", "children_in_care", "Children in care"),
        ("service_area", "North locality", "North locality"),  # a team's own words stand as they are
    ],
)
def test_a_code_reads_as_its_set_labels_it(field, code, words):
    assert words_for(field, code) == words


def test_a_code_the_set_does_not_know_says_so_and_names_the_code():
    assert words_for("legal_status", "Q9") == "Unknown code Q9"
    assert words_for("primary_need", 7) == "Unknown code 7"
    assert words_for("legal_status", None) is None and words_for("legal_status", "") is None
    assert words_for("worker_name", "Sam Smith") == "Sam Smith"  # not a coded field: shown as it is


def test_a_breakdown_is_its_field_unless_the_map_says_otherwise():
    assert breakdown_field("cla_count", "legal_status") == "legal_status"
    assert breakdown_field("care_leavers_eet", "activity") == "activity"
    assert breakdown_field("neet_16_17", "activity") is None  # NEET, not known, ...: words already
    assert breakdown_field("cla_count", "age_band") is None


def test_labels_are_added_beside_codes_and_the_codes_kept():
    row = {"child_key": "C1", "legal_status": "C2", "sex": "F", "age": 9}
    assert with_labels(row) == {
        "child_key": "C1",
        "legal_status": "C2",
        "legal_status_label": "Full care order",
        "sex": "F",
        "sex_label": "Female",
        "age": 9,
    }
    assert with_labels({"activity": "NEET"}, {"activity": None}) == {"activity": "NEET"}


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        ("la_child_id", "LA child ID"),
        ("child_id", "childhub child ID"),
        ("numerator", "Counted"),
        ("denominator", "Out of"),
        ("age_band", "Age band"),
        ("legal_status_label", "Legal status"),
        ("days_open", "Days open"),  # not in the map: its underscores as spaces, capitalised
    ],
)
def test_a_column_is_headed_in_words(column, shown):
    assert heading(column) == shown
