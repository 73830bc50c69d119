"""The DfE endpoint a send posts to, from childhub's settings: the secret from the environment or a secrets file."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from childhub.dfe_api.client import Endpoint
from childhub.dfe_api.records import DfeApiError

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings
    from childhub.settings import Settings


def endpoint_from(settings: Settings) -> Endpoint:
    """The endpoint and credentials the settings give; one line naming every setting that is missing."""
    missing = [
        name for name in ("dfe_api_base_url", "dfe_api_token_url", "dfe_api_client_id") if not getattr(settings, name)
    ]
    secret = _secret(settings)
    if secret is None:
        missing.append("dfe_api_client_secret (or dfe_api_client_secret_file)")
    if missing:
        raise DfeApiError(
            f"the DfE API is not set up: set {', '.join(missing)} (CHILDHUB_ and the name in capitals; see "
            "docs/dfe-api.md)"
        )
    assert secret is not None
    return Endpoint(
        base_url=settings.dfe_api_base_url,
        token_url=settings.dfe_api_token_url,
        client_id=settings.dfe_api_client_id,
        client_secret=secret,
        scope=settings.dfe_api_scope or None,
        timeout_seconds=settings.dfe_api_timeout_seconds,
        max_retries=settings.dfe_api_max_retries,
    )


def la_code_of(authority: AuthoritySettings) -> str:
    """The DfE's three-digit LA code, from the authority file's ``la_number``."""
    if not authority.la_number:
        raise DfeApiError(
            "the DfE API needs the authority's three-digit LA code: add la_number (for example 201) to the "
            "authority file (authority.yml in the data folder, or CHILDHUB_AUTHORITY_FILE)"
        )
    return authority.la_number


def _secret(settings: Settings) -> str | None:
    """The client secret: ``dfe_api_client_secret`` (from the environment), else the first line of
    ``dfe_api_client_secret_file``, which only its owner may read."""
    if settings.dfe_api_client_secret is not None and settings.dfe_api_client_secret.get_secret_value():
        return settings.dfe_api_client_secret.get_secret_value()
    path = settings.dfe_api_client_secret_file
    if path is None:
        return None
    try:
        mode = path.stat().st_mode
        text = path.read_text("utf-8")
    except OSError as error:
        raise DfeApiError(f"the DfE API's secrets file {path} cannot be read: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise DfeApiError(f"the DfE API's secrets file {path} may be read by others: chmod 600 {path}")
    secret = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise DfeApiError(f"the DfE API's secrets file {path} is empty")
    return secret
