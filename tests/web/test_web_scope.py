"""Which children each role may see, as the SQL predicate every list of children uses."""

from __future__ import annotations

from datetime import date, timedelta

from childhub.accounts import Account
from childhub.facts import prepare
from childhub.web.deps import Signed
from childhub.web.scope import can_see, child_filter


def _signed(role: str, teams=(), worker=None) -> Signed:
    account = Account(1, "someone", "Someone", role, worker, tuple(teams), (), False)
    return Signed(account, "web", "csrf")


def test_each_role_sees_its_own_children(history):
    today = date.today()
    # A1: allocated to worker W1 in team T1, open. A2: allocated in T2. U1: no allocation, but an open
    # referral belonging to T1 (an unallocated case of T1). U2: the same in T2. X: allocation ended today.
    for person in ("A1", "A2", "U1", "U2", "X"):
        history.child(person, dob=date(2015, 1, 1))
    history.add(
        "involvements",
        invo_person_id="A1",
        invo_professional_id="W1",
        invo_professional_team="T1",
        invo_involvement_start_date=today - timedelta(days=30),
    )
    history.add(
        "involvements",
        invo_person_id="A2",
        invo_professional_id="W2",
        invo_professional_team="T2",
        invo_involvement_start_date=today - timedelta(days=30),
    )
    history.add(
        "involvements",
        invo_person_id="X",
        invo_professional_id="W1",
        invo_professional_team="T1",
        invo_involvement_start_date=today - timedelta(days=30),
        invo_involvement_end_date=today,
    )
    for person, team in (("U1", "T1"), ("U2", "T2")):
        history.add(
            "cin_episodes",
            cine_referral_id=person,
            cine_person_id=person,
            cine_referral_date=today - timedelta(days=10),
            cine_referral_nfa="N",
            cine_referral_team=team,
        )
    with history.store().reader() as conn:
        prepare(conn, ["allocation", "team", "referral", "child"])
        keys = dict(conn.execute("SELECT la_child_id, child_key FROM fact_child").fetchall())

        def seen(signed):
            predicate, values = child_filter(signed)
            rows = conn.execute(f"SELECT la_child_id FROM fact_child WHERE {predicate}", values).fetchall()
            return sorted(row[0] for row in rows)

        assert seen(_signed("analyst")) == ["A1", "A2", "U1", "U2", "X"]
        assert seen(_signed("scrutiny")) == []
        assert seen(_signed("manager", teams=["T1"])) == ["A1", "U1"]  # X's allocation ended today
        assert seen(_signed("practitioner", worker="W1")) == ["A1"]
        assert seen(_signed("practitioner", teams=["T2"])) == ["A2"]
        assert can_see(conn, _signed("manager", teams=["T1"]), keys["U1"])
        assert not can_see(conn, _signed("manager", teams=["T1"]), keys["U2"])
        assert not can_see(conn, _signed("scrutiny"), keys["A1"])
