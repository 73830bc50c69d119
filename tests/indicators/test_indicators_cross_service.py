"""Cross-service indicators, each against a small hand-built history worked out by hand.

Children are linked across systems by giving two systems' records the same ``child_id``
(``history.child(..., child_id=N, source_system=...)``): records with different child IDs are
different children to every indicator, as they are before linkage has joined them. The child
IDs below are the child keys ``C<child_id>`` the indicators count by.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from childhub.indicators import AuthoritySettings, calculator
from childhub.store import Store

AS_AT = date(2025, 11, 15)  # in the autumn term of 2025/26, and in the reporting year from 1 April 2025
AUTHORITY = AuthoritySettings(population_0_17=1000)
CROSS_SERVICE = [
    "known_to_two_or_more_services",
    "families_several_children_known",
    "persistent_absence_cin",
    "persistent_absence_cp",
    "persistent_absence_cla",
    "persistent_absence_all",
    "neet_16_17",
    "youth_justice_first_time_entrants",
    "exclusions_cla",
]


def _figure(store: Store, indicator_id: str, as_at: date = AS_AT, period: str | None = None):
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(as_at, ids=[indicator_id], period=period)
    return figure


def _child_ids(store: Store, indicator_id: str, as_at: date = AS_AT, **options) -> list[int]:
    with calculator(store, AUTHORITY) as calc:
        return sorted(row["child_id"] for row in calc.children(indicator_id, as_at, **options))


def _attendance(history, person, year, term, possible, missed):
    history.add(
        "school_attendance",
        "education",
        attd_person_id=person,
        attd_school_urn="100001",
        attd_academic_year=year,
        attd_term=term,
        attd_possible_sessions=possible,
        attd_sessions_authorised_absence=missed,
        attd_sessions_unauthorised_absence=0,
    )


def _referral(history, referral_id, person, referred, closed=None):
    history.add(
        "cin_episodes",
        cine_referral_id=referral_id,
        cine_person_id=person,
        cine_referral_date=referred,
        cine_close_date=closed,
        cine_referral_nfa="N",
    )


def _cp_plan(history, plan_id, person, start, end=None):
    history.add(
        "cp_plans",
        cppl_cp_plan_id=plan_id,
        cppl_person_id=person,
        cppl_cp_plan_start_date=start,
        cppl_cp_plan_end_date=end,
        cppl_cp_plan_initial_category="NEG",
    )


def _looked_after(history, person, start, ceased=None, legal_status="C2"):
    history.add(
        "cla_episodes",
        clae_cla_episode_id=f"E-{person}",
        clae_person_id=person,
        clae_cla_episode_start_date=start,
        clae_cla_episode_ceased_date=ceased,
        clae_cla_episode_ceased_reason=None if ceased is None else "E11",
        clae_cla_episode_start_reason="S",
    )
    history.add(
        "legal_status",
        lega_legal_status_id=f"L-{person}",
        lega_person_id=person,
        lega_legal_status=legal_status,
        lega_legal_status_start_date=start,
    )


def _neet(history, person, month, activity):
    history.add("neet_status", "neet", neet_person_id=person, neet_month=month, neet_activity_code=activity)


def _youth_justice(history, person, outcome_date, first_time_entrant):
    history.add(
        "youth_justice_outcomes",
        "youth_justice",
        yjus_person_id=person,
        yjus_outcome_date=outcome_date,
        yjus_outcome_type="Youth caution",
        yjus_first_time_entrant=first_time_entrant,
    )


def _families(store: Store, members: list[tuple[int, int, datetime | None]]) -> None:
    """Family memberships (family ID, child ID, valid_to), as linkage would record them."""
    with store.writer() as conn:
        for family_id in sorted({family for family, _, _ in members}):
            conn.execute(
                "INSERT INTO family_group (family_id, created_at) VALUES (?, ?)", [family_id, datetime(2025, 1, 1)]
            )
        for family_id, child_id, valid_to in members:
            conn.execute(
                "INSERT INTO family_member (family_id, child_id, role, valid_from, valid_to) "
                "VALUES (?, ?, 'child', ?, ?)",
                [family_id, child_id, datetime(2025, 1, 1), valid_to],
            )


# --- children known to services, and families ---------------------------------------------------


@pytest.fixture
def known(history) -> Store:
    """Who is known to what on 15 November 2025 (the services and spells are in fact_service_known).

    C1  social care S1 + education E1, one child (child_id 1):
          S1 open CIN episode from 2025-09-01            -> social_care
          S1 early help episode open from 2025-10-01     -> early_help
          E1 2025/26 autumn: 10 of 100 sessions missed   -> persistent_absence (exactly 10%)
        = 3 services through two linked records
    C2  SEN record N2: SEN support (K) at 2025-01-20    -> sen
    C3  police notification 2024-11-16 (12 months up to and including the date start 2024-11-16)
          -> police_notification; youth justice outcome 2024-11-15, just over 12 months ago: not
    C4  NCCIS Y4 + SEN N4, one child: NEET (540) in November 2025, the latest month; EHC plan
          -> neet, sen = 2 services
    C5  social care S5: CP plan from 2025-06-01 -> social_care; its school record E5 is NOT linked
    C55 education E5 (child_id 55): 20 of 100 missed -> persistent_absence: a second child to us
    C6  education E6: 9 of 100 missed: not persistently absent -> known to nothing
    C7  SEN record N7, but 18 on the date (born 2007-01-01): not a child, left out
    C8  early help and a CIN episode both ended ON the date; SEN support in 2023 ended by a later
          record with no SEN (N) in 2025 -> known to nothing
    """
    history.child("S1", dob=date(2012, 5, 1), child_id=1)
    history.child("E1", dob=date(2012, 5, 1), child_id=1, source_system="education")
    _referral(history, "R1", "S1", date(2025, 9, 1))
    history.add(
        "early_help_episodes", earl_episode_id="EH1", earl_person_id="S1", earl_episode_start_date=date(2025, 10, 1)
    )
    _attendance(history, "E1", "2025/26", "AUT", 100, 10)

    history.child("N2", dob=date(2014, 2, 2), child_id=2, source_system="sen")
    history.add("sen_provision", "sen", senp_person_id="N2", senp_census_date=date(2025, 1, 20), senp_sen_provision="K")

    history.child("PO3", dob=date(2011, 3, 3), child_id=3, source_system="police")
    history.child("YJ3", dob=date(2011, 3, 3), child_id=3, source_system="youth_justice")
    history.add("police_notifications", "police", poln_person_id="PO3", poln_notification_date=date(2024, 11, 16))
    _youth_justice(history, "YJ3", date(2024, 11, 15), True)

    history.child("Y4", dob=date(2008, 12, 4), child_id=4, source_system="neet")
    history.child("N4", dob=date(2008, 12, 4), child_id=4, source_system="sen")
    _neet(history, "Y4", date(2025, 10, 1), "310")
    _neet(history, "Y4", date(2025, 11, 1), "540")
    history.add("sen_provision", "sen", senp_person_id="N4", senp_census_date=date(2024, 1, 18), senp_sen_provision="E")

    history.child("S5", dob=date(2010, 9, 1), child_id=5)
    history.child("E5", dob=date(2010, 9, 1), child_id=55, source_system="education")
    _cp_plan(history, "CP5", "S5", date(2025, 6, 1))
    _attendance(history, "E5", "2025/26", "AUT", 100, 20)

    history.child("E6", dob=date(2014, 6, 6), child_id=6, source_system="education")
    _attendance(history, "E6", "2025/26", "AUT", 100, 9)

    history.child("N7", dob=date(2007, 1, 1), child_id=7, source_system="sen")
    history.add("sen_provision", "sen", senp_person_id="N7", senp_census_date=date(2020, 1, 16), senp_sen_provision="K")

    history.child("S8", dob=date(2013, 8, 8), child_id=8)
    history.child("N8", dob=date(2013, 8, 8), child_id=8, source_system="sen")
    history.add(
        "early_help_episodes",
        earl_episode_id="EH8",
        earl_person_id="S8",
        earl_episode_start_date=date(2025, 1, 1),
        earl_episode_end_date=AS_AT,
    )
    _referral(history, "R8", "S8", date(2025, 2, 1), AS_AT)
    history.add("sen_provision", "sen", senp_person_id="N8", senp_census_date=date(2023, 1, 19), senp_sen_provision="K")
    history.add("sen_provision", "sen", senp_person_id="N8", senp_census_date=date(2025, 1, 16), senp_sen_provision="N")
    return history.store()


def test_known_to_two_or_more_services(known):
    # Known to at least one service: C1 (3), C2 (1), C3 (1), C4 (2), C5 (1), C55 (1) = 6 children;
    # not C6, C7 (18), C8. Known to two or more: C1 and C4 = 2.  2 / 6 = 33.3%.
    figure = _figure(known, "known_to_two_or_more_services")
    assert (figure.numerator, figure.denominator) == (2, 6)
    assert figure.value == pytest.approx(100 * 2 / 6)
    assert _child_ids(known, "known_to_two_or_more_services") == [1, 4]
    assert _child_ids(known, "known_to_two_or_more_services", part="denominator") == [1, 2, 3, 4, 5, 55]


def test_known_to_services_breaks_down_by_how_many_and_which(known):
    with calculator(known, AUTHORITY) as calc:
        by_count = {
            row["service_count"]: row for row in calc.breakdown("known_to_two_or_more_services", AS_AT, "service_count")
        }
        by_services = {
            row["services"]: row for row in calc.breakdown("known_to_two_or_more_services", AS_AT, "services")
        }
    # One service: C2, C3, C5, C55; two: C4; three: C1.
    assert {count: row["denominator"] for count, row in by_count.items()} == {1: 4, 2: 1, 3: 1}
    assert by_services["early_help + persistent_absence + social_care"]["numerator"] == 1  # C1
    assert by_services["neet + sen"]["numerator"] == 1  # C4
    assert by_services["police_notification"]["denominator"] == 1  # C3: the youth justice outcome is too old
    assert by_services["persistent_absence"]["denominator"] == 1  # C55
    assert by_services["social_care"]["denominator"] == 1  # C5
    assert by_services["sen"]["denominator"] == 1  # C2 (C7 is 18, C8's SEN ended)


def test_known_to_services_the_day_before(known):
    # On 14 November 2025: C8's early help and CIN episode are still open (both end on the 15th):
    # C8 is known to 2 services (early_help, social_care). C3's youth justice outcome of
    # 2024-11-15 is within the 12 months from 2024-11-15: C3 is known to 2. Known: C1..C5, C55, C8
    # = 7; two or more: C1, C3, C4, C8 = 4.
    figure = _figure(known, "known_to_two_or_more_services", date(2025, 11, 14))
    assert (figure.numerator, figure.denominator) == (4, 7)
    assert _child_ids(known, "known_to_two_or_more_services", date(2025, 11, 14)) == [1, 3, 4, 8]


def test_families_with_several_children_known(known):
    # Families as they stand: F1 = C1, C2, C6: C1 and C2 known, C6 not -> 2 known: counted.
    # F2 = C3, C8: only C3 known -> not. F3 = C4, C7: C4 known, C7 is 18 -> 1: not.
    # F4 = C5, C55: both known, but the membership has ended (valid_to set): not a family now.
    # Families counted: F1 = 1.
    _families(
        known,
        [
            (1, 1, None),
            (1, 2, None),
            (1, 6, None),
            (2, 3, None),
            (2, 8, None),
            (3, 4, None),
            (3, 7, None),
            (4, 5, datetime(2025, 6, 1)),
            (4, 55, datetime(2025, 6, 1)),
        ],
    )
    figure = _figure(known, "families_several_children_known")
    assert figure.value == 1
    with calculator(known, AUTHORITY) as calc:
        rows = calc.children("families_several_children_known", AS_AT)
        by_size = {
            row["children_known"]: row["numerator"]
            for row in calc.breakdown("families_several_children_known", AS_AT, "children_known")
        }
    assert [(row["child_key"], row["value"]) for row in rows] == [(None, 2)]  # one family, two children known
    assert by_size == {"1": 0, "2": 1}  # F2 and F3 have one known child; F1 two
    # On 14 November C8 is known too (see above), so F2 (C3, C8) has two: 2 families.
    assert _figure(known, "families_several_children_known", date(2025, 11, 14)).value == 2


# --- persistent absence ------------------------------------------------------------------------


@pytest.fixture
def attendance(history) -> Store:
    """Pupils' sessions (possible, missed) by academic year and term, and who is open to social care.

    child  born        age 31/8/2025  2024/25 aut, spr, sum          2025/26 aut   social care on 15/11/2025
    C1     2012-05-01  13             100/0, 100/0, 100/40           100/10 (10%)  open CIN episode
    C6     2014-02-02  11             100/30, 100/0, 100/0           100/9
    C9     2020-09-01  4 (too young)                                 100/50
    C10    2009-08-31  16 (too old)                                  100/50
    C20    2020-08-31  5 (just old enough)                           100/10
    C11    2014-03-03  11             60/5                           100/5         looked after
    C12    2016-06-06  9                                             100/12        CP plan
    C13    2013-01-01  12                                            100/50        CP plan ended ON the date
    C14    2012-01-01  13                                            100/50        short breaks only (V4)
    C5/C55 2010-09-01  14                                            C55: 100/20   C5: CP plan (E5 not linked)
    C15    2011-11-11  13             100/5                          none yet      open CIN episode
    """
    people = {
        1: date(2012, 5, 1),
        6: date(2014, 2, 2),
        9: date(2020, 9, 1),
        10: date(2009, 8, 31),
        20: date(2020, 8, 31),
        11: date(2014, 3, 3),
        12: date(2016, 6, 6),
        13: date(2013, 1, 1),
        14: date(2012, 1, 1),
        15: date(2011, 11, 11),
    }
    for child_id, born in people.items():
        history.child(f"E{child_id}", dob=born, child_id=child_id, source_system="education")
        if child_id in (1, 11, 12, 13, 14, 15):
            history.child(f"S{child_id}", dob=born, child_id=child_id)
    history.child("S5", dob=date(2010, 9, 1), child_id=5)
    history.child("E5", dob=date(2010, 9, 1), child_id=55, source_system="education")

    for term, missed in (("AUT", 0), ("SPR", 0), ("SUM", 40)):
        _attendance(history, "E1", "2024/25", term, 100, missed)
    for term, missed in (("AUT", 30), ("SPR", 0), ("SUM", 0)):
        _attendance(history, "E6", "2024/25", term, 100, missed)
    _attendance(history, "E11", "2024/25", "AUT", 60, 5)
    _attendance(history, "E15", "2024/25", "AUT", 100, 5)
    for person, missed in (("E1", 10), ("E6", 9), ("E9", 50), ("E10", 50), ("E20", 10), ("E11", 5), ("E12", 12)):
        _attendance(history, person, "2025/26", "AUT", 100, missed)
    for person, missed in (("E13", 50), ("E14", 50), ("E5", 20)):
        _attendance(history, person, "2025/26", "AUT", 100, missed)

    _referral(history, "R1", "S1", date(2024, 6, 1))
    _referral(history, "R15", "S15", date(2025, 10, 1))
    _looked_after(history, "S11", date(2025, 1, 1))
    _looked_after(history, "S14", date(2025, 1, 1), legal_status="V4")
    _cp_plan(history, "CP12", "S12", date(2025, 2, 1))
    _cp_plan(history, "CP13", "S13", date(2025, 2, 1), AS_AT)
    _cp_plan(history, "CP5", "S5", date(2025, 6, 1))
    return history.store()


def test_persistent_absence_of_all_pupils(attendance):
    # 2025/26 to 15 November (autumn term): of compulsory school age (5-15 on 31 August 2025):
    # C1 10% (exactly: persistent), C6 9%, C20 10%, C11 5%, C12 12%, C13 50%, C14 50%, C55 20%
    # = 8 pupils; C9 (4) and C10 (16) left out; C15 has no 2025/26 sessions yet.
    # Persistent: C1, C20, C12, C13, C14, C55 = 6.  6 / 8 = 75%.
    figure = _figure(attendance, "persistent_absence_all")
    assert (figure.numerator, figure.denominator) == (6, 8)
    assert figure.value == pytest.approx(75.0)
    assert _child_ids(attendance, "persistent_absence_all") == [1, 12, 13, 14, 20, 55]


@pytest.mark.parametrize(
    ("as_at", "numerator", "denominator"),
    [
        # 31 March 2025: 2024/25 autumn and spring only (ages on 31 August 2024: C1 12, C6 10,
        # C11 10, C15 12). C1 0/200, C6 30/200 = 15%, C11 5/60, C15 5/100 -> C6 only: 1 of 4.
        (date(2025, 3, 31), 1, 4),
        # 1 April 2025: the summer term has begun. C1 40/300 = 13.3%, C6 30/300 = exactly 10%,
        # C11 5/60 = 8.3%, C15 5/100 -> C1 and C6: 2 of 4.
        (date(2025, 4, 1), 2, 4),
        # 31 August 2025: still 2024/25, the same: 2 of 4.
        (date(2025, 8, 31), 2, 4),
        # 1 September 2025: 2025/26 begins, its autumn term alone counts: 6 of 8 (see above).
        (date(2025, 9, 1), 6, 8),
    ],
)
def test_persistent_absence_follows_the_academic_year_and_its_terms(attendance, as_at, numerator, denominator):
    figure = _figure(attendance, "persistent_absence_all", as_at)
    assert (figure.numerator, figure.denominator) == (numerator, denominator)


def test_persistent_absence_of_children_in_need(attendance):
    # Open to social care on 15 November 2025: C1 (CIN episode), C11 (looked after), C12 (CP plan),
    # C5 (CP plan), C15 (CIN episode). Not C13 (plan ended on the date) nor C14 (short breaks).
    # With 2025/26 attendance: C1 10% P, C11 5%, C12 12% P; C5's school record is not linked,
    # C15 has none yet.  2 / 3 = 66.7%.
    figure = _figure(attendance, "persistent_absence_cin")
    assert (figure.numerator, figure.denominator) == (2, 3)
    assert figure.value == pytest.approx(200 / 3)
    assert figure.comparator is not None and figure.comparator.basis == "unverified"
    assert _child_ids(attendance, "persistent_absence_cin") == [1, 12]
    assert _child_ids(attendance, "persistent_absence_cin", part="denominator") == [1, 11, 12]


def test_persistent_absence_of_children_on_a_plan(attendance):
    # On a CP plan on the date: C12, C5 (C13's ended on the date). With attendance: C12, 12%: 1 / 1.
    figure = _figure(attendance, "persistent_absence_cp")
    assert (figure.numerator, figure.denominator) == (1, 1)
    # The day before, C13's plan was open: C12 and C13 (50%) -> 2 / 2.
    figure = _figure(attendance, "persistent_absence_cp", date(2025, 11, 14))
    assert (figure.numerator, figure.denominator) == (2, 2)


def test_persistent_absence_of_children_looked_after(attendance):
    # Looked after on the date: C11 (5%: not persistent); C14's short breaks do not count. 0 / 1.
    figure = _figure(attendance, "persistent_absence_cla")
    assert (figure.numerator, figure.denominator) == (0, 1)
    assert figure.value == 0.0
    # On 31 August 2025 (2024/25): C11 5/60 = 8.3%: still 0 / 1.
    assert _figure(attendance, "persistent_absence_cla", date(2025, 8, 31)).denominator == 1


# --- NEET at 16 and 17 ---------------------------------------------------------------------------


@pytest.fixture
def nccis(history) -> Store:
    """NCCIS months October and November 2025. Academic age is age on 31 August 2025.

    Y4   born 2008-09-01  16 (17 only on 1 September)  Oct 310, Nov 540 (NEET)
    Y15  born 2007-09-01  17                            Nov 810 (not known)
    Y16  born 2007-08-31  18: left out                  Nov 540
    Y17  born 2009-08-31  16                            Nov 310 (in education)
    Y18  born 2009-09-01  15: left out                  Nov 540
    Y19  born 2008-01-01  17                            Oct 540 only: not in the latest month
    """
    for person, born, months in [
        ("Y4", date(2008, 9, 1), [(date(2025, 10, 1), "310"), (date(2025, 11, 1), "540")]),
        ("Y15", date(2007, 9, 1), [(date(2025, 11, 1), "810")]),
        ("Y16", date(2007, 8, 31), [(date(2025, 11, 1), "540")]),
        ("Y17", date(2009, 8, 31), [(date(2025, 11, 1), "310")]),
        ("Y18", date(2009, 9, 1), [(date(2025, 11, 1), "540")]),
        ("Y19", date(2008, 1, 1), [(date(2025, 10, 1), "540")]),
    ]:
        history.child(person, dob=born, source_system="neet")
        for month, activity in months:
            _neet(history, person, month, activity)
    return history.store()


def test_neet_16_17_in_the_latest_month(nccis):
    # Latest month on or before 15 November 2025: November. Aged 16-17: Y4 (NEET), Y15 (not
    # known), Y17 (in education) = 3; Y16 (18) and Y18 (15) out; Y19 has no November record.
    # NEET or not known: Y4, Y15 = 2.  2 / 3 = 66.7%.
    figure = _figure(nccis, "neet_16_17")
    assert (figure.numerator, figure.denominator) == (2, 3)
    assert figure.value == pytest.approx(200 / 3)
    with calculator(nccis, AUTHORITY) as calc:
        rows = calc.children("neet_16_17", AS_AT)
        activity = {row["activity"]: row["denominator"] for row in calc.breakdown("neet_16_17", AS_AT, "activity")}
    assert sorted(row["activity"] for row in rows) == ["NEET", "not known"]
    assert all(row["event_date"] == date(2025, 11, 1) for row in rows)
    assert activity == {"NEET": 1, "not known": 1, "in education, employment or training": 1}


def test_neet_16_17_in_an_earlier_month(nccis):
    # On 31 October 2025 the latest month is October: Y4 (310, in education) and Y19 (540, NEET),
    # both 16-17 -> 1 / 2 = 50%.
    figure = _figure(nccis, "neet_16_17", date(2025, 10, 31))
    assert (figure.numerator, figure.denominator) == (1, 2)


# --- youth justice -----------------------------------------------------------------------------


@pytest.fixture
def youth_justice(history) -> Store:
    """Outcomes: YJ3 2024-11-15 first-time; YJ20 2025-04-01 first-time and 2025-06-01 flagged again;
    YJ21 2025-05-05 not first-time; YJ22 2025-11-15 first-time; YJ23 2025-11-16 first-time."""
    for person in ("YJ3", "YJ20", "YJ21", "YJ22", "YJ23"):
        history.child(person, dob=date(2010, 1, 1), source_system="youth_justice")
    _youth_justice(history, "YJ3", date(2024, 11, 15), True)
    _youth_justice(history, "YJ20", date(2025, 4, 1), True)
    _youth_justice(history, "YJ20", date(2025, 6, 1), True)
    _youth_justice(history, "YJ21", date(2025, 5, 5), False)
    _youth_justice(history, "YJ22", date(2025, 11, 15), True)
    _youth_justice(history, "YJ23", date(2025, 11, 16), True)
    return history.store()


def test_first_time_entrants_in_the_year(youth_justice):
    # Year to 15 November 2025 = 1 April 2025 .. 15 November 2025: YJ20 (on the first day; its
    # second flagged outcome does not count again) and YJ22 (on the last day) = 2. YJ3 is before,
    # YJ21 not a first-time entrant, YJ23 after.
    assert _figure(youth_justice, "youth_justice_first_time_entrants").value == 2
    with calculator(youth_justice, AUTHORITY) as calc:
        rows = calc.children("youth_justice_first_time_entrants", AS_AT)
    assert [row["event_date"] for row in rows] == [date(2025, 4, 1), date(2025, 11, 15)]


def test_first_time_entrants_over_other_periods(youth_justice):
    # 12 months to 14 November 2025 = 15 November 2024 .. 14 November 2025: YJ3, YJ20 = 2.
    assert _figure(youth_justice, "youth_justice_first_time_entrants", date(2025, 11, 14), "rolling_12").value == 2
    # The reporting year to 31 March 2025: YJ3 only = 1.
    assert _figure(youth_justice, "youth_justice_first_time_entrants", date(2025, 3, 31)).value == 1


# --- exclusions of children looked after --------------------------------------------------------


def test_exclusions_of_children_looked_after(history):
    # Looked after on 15 November 2025 and 5-15 on 31 August 2025: C11, C30, C31, C32 (C33 ceased
    # on the date; C34 is 4). Suspended or excluded from 1 September 2025 to the date:
    # C11 suspension on 1 September (counted), C31 permanent exclusion on the date (counted),
    # C30 suspension on 31 August (the year before: not), C32 suspension on 16 November (after).
    # 2 / 4 = 50%.
    for child_id, born in (
        (11, date(2014, 3, 3)),
        (30, date(2013, 1, 1)),
        (31, date(2012, 2, 2)),
        (32, date(2011, 5, 5)),
        (33, date(2012, 1, 1)),
        (34, date(2021, 1, 1)),
    ):
        history.child(f"S{child_id}", dob=born, child_id=child_id)
        history.child(f"E{child_id}", dob=born, child_id=child_id, source_system="education")
        _looked_after(history, f"S{child_id}", date(2025, 1, 1), AS_AT if child_id == 33 else None)
    for person, start, category in (
        ("E11", date(2025, 9, 1), "FIXD"),
        ("E30", date(2025, 8, 31), "FIXD"),
        ("E31", AS_AT, "PERM"),
        ("E32", date(2025, 11, 16), "FIXD"),
        ("E33", date(2025, 10, 1), "FIXD"),
        ("E34", date(2025, 10, 1), "FIXD"),
    ):
        history.add(
            "school_exclusions", "education", excl_person_id=person, excl_start_date=start, excl_category=category
        )
    store = history.store()
    figure = _figure(store, "exclusions_cla")
    assert (figure.numerator, figure.denominator) == (2, 4)
    assert _child_ids(store, "exclusions_cla") == [11, 31]
    with calculator(store, AUTHORITY) as calc:
        kinds = {row["exclusion"]: row["denominator"] for row in calc.breakdown("exclusions_cla", AS_AT, "exclusion")}
    assert kinds == {"none": 2, "permanent exclusion": 1, "suspension only": 1}
