"""The DfE API's settings: what is missing is named in one line; the secret comes from the environment or a secrets
file only its owner can read, and never shows."""

from __future__ import annotations

import pytest

from childhub.dfe_api import DfeApiError, endpoint_from, la_code_of
from childhub.indicators import AuthoritySettings
from childhub.settings import Settings

URLS = {"dfe_api_base_url": "https://dfe.example/api", "dfe_api_token_url": "https://dfe.example/token"}


def test_what_is_missing_is_named_in_one_line(tmp_path):
    with pytest.raises(DfeApiError) as missing:
        endpoint_from(Settings(data_dir=tmp_path, dfe_api_base_url="https://dfe.example/api"))
    assert str(missing.value) == (
        "the DfE API is not set up: set dfe_api_token_url, dfe_api_client_id, dfe_api_client_secret (or "
        "dfe_api_client_secret_file) (CHILDHUB_ and the name in capitals; see docs/dfe-api.md)"
    )


def test_the_secret_from_the_environment_never_shows(tmp_path, monkeypatch):
    monkeypatch.setenv("CHILDHUB_DFE_API_CLIENT_SECRET", "from-the-environment")
    settings = Settings(data_dir=tmp_path, dfe_api_client_id="hub", **URLS)
    endpoint = endpoint_from(settings)
    assert endpoint.client_secret == "from-the-environment"
    assert "from-the-environment" not in repr(endpoint) + repr(settings)


def test_a_secrets_file_others_may_read_is_refused(tmp_path):
    secret = tmp_path / "dfe-secret"
    secret.write_text("from-a-file\n", "utf-8")
    secret.chmod(0o640)
    settings = Settings(data_dir=tmp_path, dfe_api_client_id="hub", dfe_api_client_secret_file=secret, **URLS)
    with pytest.raises(DfeApiError) as refused:
        endpoint_from(settings)
    assert str(refused.value) == f"the DfE API's secrets file {secret} may be read by others: chmod 600 {secret}"
    secret.chmod(0o600)
    assert endpoint_from(settings).client_secret == "from-a-file"


def test_the_la_code_comes_from_the_authority_file():
    assert la_code_of(AuthoritySettings(la_number=201)) == "201"
    with pytest.raises(DfeApiError, match="add la_number"):
        la_code_of(AuthoritySettings(ons_code="E09000027"))  # the ONS code is not the DfE's LA code
    with pytest.raises(ValueError):
        AuthoritySettings(la_number="E09")
