"""Every setting is documented, and the environment reaches it."""

from __future__ import annotations

from pathlib import Path

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
