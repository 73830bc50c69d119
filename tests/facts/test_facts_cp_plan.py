"""fact_cp_plan: a child's previous plans counted once each, whichever of the child's records holds them."""

from __future__ import annotations

from datetime import date

from childhub.facts import prepare


def test_a_plan_two_records_of_one_child_both_hold_is_one_previous_plan(history):
    # Child 7 has two social care records, P1 and P2, linked as one child, and each holds the same two plans:
    # 01/01/2024 to 01/06/2024 and 01/01/2025 (open). The child's first plan had no plan before it; the second
    # had one (the 2024 plan, held twice but one plan), not two.
    for person in ("P1", "P2"):
        history.child(person, dob=date(2015, 1, 1), child_id=7)
        for number, (start, end) in enumerate([(date(2024, 1, 1), date(2024, 6, 1)), (date(2025, 1, 1), None)]):
            history.add(
                "cp_plans",
                cppl_cp_plan_id=f"{person}-{number}",
                cppl_person_id=person,
                cppl_cp_plan_start_date=start,
                cppl_cp_plan_end_date=end,
                cppl_cp_plan_initial_category="NEG",
            )
    with history.store().reader() as conn:
        prepare(conn, ["cp_plan"])
        rows = conn.execute(
            "SELECT person_id, start_date, child_key, previous_plans FROM fact_cp_plan ORDER BY person_id, start_date"
        ).fetchall()
    assert rows == [
        ("P1", date(2024, 1, 1), "C7", 0),
        ("P1", date(2025, 1, 1), "C7", 1),
        ("P2", date(2024, 1, 1), "C7", 0),
        ("P2", date(2025, 1, 1), "C7", 1),
    ]
