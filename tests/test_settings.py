"""Every setting is documented, and the environment reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from childhub.settings import Settings

DOC = Path(__file__).parent.parent / "docs" / "settings.md"


def test_every_setting_is_documented():
    text = DOC.read_text("utf-8")
    for name in Settings.model_fields:
        assert f"`{name}`" in text and f"`CHILDHUB_{name.upper()}`" in text, name


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("CHILDHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHILDHUB_QUERY_ROW_LIMIT", "5")
    settings = Settings()
    assert settings.data_dir == tmp_path and settings.query_row_limit == 5


def test_the_authority_file_is_found_in_one_place(tmp_path):
    from childhub.indicators import authority_for

    (tmp_path / "authority.yml").write_text("name: In the folder\n", "utf-8")
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("name: Elsewhere Council\npopulation_0_17: 3000\n", "utf-8")
    assert authority_for(tmp_path, Settings(data_dir=tmp_path, authority_file=None)).name == "In the folder"
    configured = authority_for(tmp_path, Settings(data_dir=tmp_path, authority_file=elsewhere))
    assert (configured.name, configured.population_0_17) == ("Elsewhere Council", 3000)


@pytest.mark.slow
def test_the_web_app_and_the_command_line_count_rates_with_the_same_authority_file(history, tmp_path, monkeypatch):
    """CHILDHUB_AUTHORITY_FILE set: the overview, the API and ``childhub indicators`` all use its population."""
    import json
    from datetime import date

    from fastapi.testclient import TestClient

    from childhub.accounts import Accounts
    from childhub.hub import refresh_and_publish
    from childhub.web import create_app
    from conftest import sign_in
    from helpers import run

    history.child("P1", dob=date(2012, 4, 1), sex="M", child_id=1)
    history.child("P2", dob=date(2018, 9, 9), sex="F", child_id=2)
    for person, day in [("P1", date(2025, 6, 1)), ("P1", date(2025, 9, 1)), ("P2", date(2025, 7, 15))]:
        history.add("cin_episodes", cine_referral_id=f"{person}:{day}", cine_person_id=person, cine_referral_date=day)
    store = history.store()
    with store.writer() as conn:
        refresh_and_publish(store, conn)
    Accounts(store.data_dir).add("analyst", "analyst", "correct horse battery staple")
    (store.data_dir / "authority.yml").write_text("name: In the folder\npopulation_0_17: 1500\n", "utf-8")
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("name: Elsewhere Council\npopulation_0_17: 3000\n", "utf-8")
    monkeypatch.setenv("CHILDHUB_AUTHORITY_FILE", str(elsewhere))

    cli = run("indicators", "--as-at", "2026-03-31", "--format", "json", data_dir=store.data_dir, check=True)
    on_the_command_line = next(row for row in json.loads(cli.stdout) if row["id"] == "referral_rate")
    assert on_the_command_line["value"] == 10.0  # 3 referrals per 3,000 children, not per 1,500

    client = TestClient(
        create_app(Settings(data_dir=store.data_dir)), base_url="https://testserver", follow_redirects=False
    )
    assert sign_in(client, "analyst", "correct horse battery staple").status_code == 303
    api = client.get("/api/v1/indicators", params={"as_at": "2026-03-31"}).json()
    in_the_api = next(figure for figure in api["indicators"] if figure["id"] == "referral_rate")
    assert in_the_api["value"] == on_the_command_line["value"]
    overview = client.get("/", params={"as_at": "2026-03-31"}).text
    assert "Elsewhere Council" in overview
    card = overview.split('href="/indicators/referral_rate?')[1].split('<div class="card')[0]
    assert f'<p class="card__value">{on_the_command_line["formatted"]}</p>' in card
