"""The DfE's endpoint over HTTPS: an OAuth2 client-credentials token, then each batch posted with retries.

A batch is retried after a wait on 429 (the wait the DfE's ``Retry-After`` asks, else the backoff), on 5xx and on
connection errors, with exponential backoff and jitter, up to ``max_retries`` times; a 401 or 403 gets a fresh token
and one more try (refused again, the send stops: ``ApiRefused``). Any other 4xx is the DfE rejecting the batch: its
answer is kept and the send goes on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from childhub.dfe_api.records import DfeApiError

ANSWER_LIMIT = 4_000  # characters of the DfE's answer kept per batch
LONGEST_WAIT = 300.0  # seconds: a Retry-After longer than this is cut to it


class ApiRefused(DfeApiError):
    """The DfE's API refused a batch with a fresh token (401 or 403 twice): no batch can be sent."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach the DfE: its base URL, the token URL and the client's credentials."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None
    timeout_seconds: float = 30.0
    max_retries: int = 5
    backoff_seconds: float = 1.0

    def __repr__(self) -> str:  # the secret never reaches a log or a traceback
        return f"Endpoint(base_url={self.base_url!r}, token_url={self.token_url!r}, client_id={self.client_id!r})"


@dataclass(frozen=True)
class BatchAnswer:
    """What became of one posted batch."""

    status: str  # accepted, rejected or failed
    http_status: int | None
    attempts: int
    answer: str


class Sender:
    """Posts batches to ``{base}/children_social_care_data/{la_code}/children`` with a token it keeps."""

    def __init__(
        self,
        endpoint: Endpoint,
        la_code: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: Any = None,
    ) -> None:
        import httpx

        self.endpoint = endpoint
        self.url = f"{endpoint.base_url.rstrip('/')}/children_social_care_data/{la_code}/children"
        self._sleep = sleep
        self._client = httpx.Client(timeout=endpoint.timeout_seconds, transport=transport)
        self._token: str | None = None
        self.waits: list[float] = []  # every wait taken, in seconds (what a test or a log can see)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def token(self, *, fresh: bool = False) -> str:
        """The access token, asked for when there is none yet or ``fresh``; a refusal is one line naming the URL."""
        import httpx

        if self._token is not None and not fresh:
            return self._token
        form = {
            "grant_type": "client_credentials",
            "client_id": self.endpoint.client_id,
            "client_secret": self.endpoint.client_secret,
        }
        if self.endpoint.scope:
            form["scope"] = self.endpoint.scope
        try:
            response = self._with_retries(lambda: self._client.post(self.endpoint.token_url, data=form))[0]
        except httpx.HTTPError as error:
            raise DfeApiError(f"could not reach the DfE's token endpoint {self.endpoint.token_url}: {error}") from None
        if response.status_code in (400, 401, 403):
            raise DfeApiError(
                f"the DfE's token endpoint {self.endpoint.token_url} refused client ID "
                f"{self.endpoint.client_id!r} and its secret (HTTP {response.status_code}"
                f"{': ' + _said(response) if _said(response) else ''}): check dfe_api_client_id and the secret"
            )
        if response.status_code >= 300:
            raise DfeApiError(
                f"the DfE's token endpoint {self.endpoint.token_url} answered HTTP {response.status_code}: "
                f"{_said(response) or 'no reason given'}"
            )
        try:
            self._token = str(response.json()["access_token"])
        except (ValueError, KeyError, TypeError):
            raise DfeApiError(
                f"the DfE's token endpoint {self.endpoint.token_url} answered without an access token"
            ) from None
        return self._token

    def post(self, body: Any) -> BatchAnswer:
        """Post one batch; retried as the module says. A connection that never came back is ``failed``; a fresh token
        refused raises ``ApiRefused``."""
        import httpx

        attempts = 0
        refreshed = False
        while True:
            token = self.token()

            def send(token: str = token) -> httpx.Response:
                return self._client.post(self.url, json=body, headers={"Authorization": f"Bearer {token}"})

            try:
                response, tries = self._with_retries(send)
            except httpx.HTTPError as error:
                return BatchAnswer("failed", None, attempts + self.endpoint.max_retries + 1, f"no answer: {error}")
            attempts += tries
            if response.status_code in (401, 403):
                if refreshed:  # a fresh token refused too: no batch can be sent
                    raise ApiRefused(
                        f"the DfE's API {self.url} refused client ID {self.endpoint.client_id!r} with a fresh token "
                        f"(HTTP {response.status_code}{': ' + _said(response) if _said(response) else ''}): ask the "
                        "DfE whether it may send for this LA code"
                    )
                refreshed = True
                self.token(fresh=True)
                continue
            answer = response.text[:ANSWER_LIMIT]
            if response.is_success:
                return BatchAnswer("accepted", response.status_code, attempts, answer)
            if response.status_code == 429 or response.status_code >= 500:
                return BatchAnswer("failed", response.status_code, attempts, answer)
            return BatchAnswer("rejected", response.status_code, attempts, answer)

    def _with_retries(self, call: Callable[[], Any]) -> tuple[Any, int]:
        """``call()``'s response and how many tries it took: 429, 5xx and connection errors are tried again after
        a wait, up to ``max_retries`` times (the last failure is returned, or raised)."""
        import httpx

        tries = 0
        while True:
            tries += 1
            try:
                response = call()
            except httpx.TransportError:
                if tries > self.endpoint.max_retries:
                    raise
                self._wait(self._backoff(tries))
                continue
            retry = response.status_code == 429 or response.status_code >= 500
            if not retry or tries > self.endpoint.max_retries:
                return response, tries
            asked = _retry_after(response.headers.get("Retry-After")) if response.status_code == 429 else None
            self._wait(asked if asked is not None else self._backoff(tries))

    def _backoff(self, tries: int) -> float:
        """Exponential backoff with full jitter: up to ``backoff_seconds`` * 2^(tries - 1), never under a tenth."""
        ceiling = min(LONGEST_WAIT, self.endpoint.backoff_seconds * 2 ** (tries - 1))
        return max(0.1, random.uniform(0, ceiling))

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self._sleep(seconds)


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date), at most ``LONGEST_WAIT``."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(LONGEST_WAIT, max(0.0, seconds))


def _said(response: Any) -> str:
    """The reason an OAuth2 error answer gives (``error_description`` or ``error``), else the start of its body."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(data, dict):
        return str(data.get("error_description") or data.get("error") or "")[:200]
    return ""
