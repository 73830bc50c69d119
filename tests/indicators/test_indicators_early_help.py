"""Early help indicators against a hand-built history with hand-worked values (as at 31 March 2025)."""

from __future__ import annotations

from datetime import date

from childhub.indicators import AuthoritySettings, calculator

AUTHORITY = AuthoritySettings(population_0_17=1000)
AS_AT = date(2025, 3, 31)


def _episode(history, episode_id, person_id, start, end=None, organisation=None):
    history.add(
        "early_help_episodes",
        earl_episode_id=episode_id,
        earl_person_id=person_id,
        earl_episode_start_date=start,
        earl_episode_end_date=end,
        earl_episode_organisation=organisation,
    )


def _early_help_history(history):
    for person_id in ("A", "B", "C", "D", "F"):
        history.child(person_id, dob=date(2018, 8, 8))
    history.child("E", dob=None, sex="U", pers_expected_dob=date(2025, 7, 1))  # unborn: pre-birth support
    _episode(history, "EH1", "A", date(2024, 1, 1), organisation="Family hub")  # open since before the year
    _episode(history, "EH2", "B", date(2024, 4, 1), date(2025, 3, 31), "School")  # ends on the as-at date
    _episode(history, "EH3", "C", date(2025, 3, 31), organisation="School")  # starts on the as-at date
    _episode(history, "EH4", "D", date(2024, 3, 31), date(2025, 4, 1))  # the day before the year to the day after
    _episode(history, "EH5", "A", date(2024, 10, 1), organisation="School")  # A's second open episode
    _episode(history, "EH6", "E", date(2025, 2, 1), organisation="Health visiting service")
    _episode(history, "EH7", "F", date(2023, 1, 1), date(2024, 2, 29))  # ended on the leap day: neither
    return history.store()


def test_children_open_to_early_help(history):
    store = _early_help_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["early_help_open"])
        # Open on 31 Mar 2025: A (EH1 and EH5: once), C (starts that day), D (ends 1 Apr), E = 4;
        # B's episode ends on the date, F's in February 2024.
        assert figure.value == 4 and figure.children == 4
        rows = calc.children("early_help_open", AS_AT)
        assert sorted(r["la_child_id"] for r in rows) == ["A", "C", "D", "E"]
        # Organisation of each child's latest open episode: A School (EH5), C School, D none, E health visiting.
        organisations = {
            r["organisation"]: r["numerator"] for r in calc.breakdown("early_help_open", AS_AT, "organisation")
        }
        assert organisations == {"School": 2, "unknown": 1, "Health visiting service": 1}
        ages = {r["age_band"]: r["numerator"] for r in calc.breakdown("early_help_open", AS_AT, "age_band")}
        assert ages == {"unborn": 1, "5 to 9": 3}  # born 8 Aug 2018: 6 at 31 March 2025
        # On 29 February 2024: A (EH1), D (EH4 not yet: it starts 31 Mar), F's ends that day: A alone.
        (leap_day,) = calc.figures(date(2024, 2, 29), ids=["early_help_open"])
        assert leap_day.value == 1


def test_early_help_episodes_started(history):
    store = _early_help_history(history)
    with calculator(store, AUTHORITY) as calc:
        (figure,) = calc.figures(AS_AT, ids=["early_help_starts"])
        # Started 1 Apr 2024 - 31 Mar 2025: EH2 (first day), EH3 (last day), EH5, EH6 = 4;
        # EH4 began on 31 Mar 2024, the day before.
        assert figure.value == 4
        assert [r["item_id"] for r in calc.children("early_help_starts", AS_AT)] == ["EH2", "EH5", "EH6", "EH3"]
