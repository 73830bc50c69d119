"""A local stand-in for the DfE's endpoint, on a free port in a thread: a token endpoint that checks the client's
credentials, and the children endpoint, which accepts a batch from a holder of a live token unless the test has
scripted another answer for its next posts (a 429 with Retry-After, a 5xx, a 400 rejection, a revoked token)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CLIENT_ID = "ashmere-hub"
CLIENT_SECRET = "correct-secret"  # a test value for a stub, not a credential
LA_CODE = "201"


@dataclass
class Scripted:
    """An answer the stub gives to the next post, instead of accepting it."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class DfeStub:
    def __init__(self) -> None:
        self.tokens_issued: list[str] = []
        self.live_tokens: set[str] = set()
        self.token_refusals = 0
        self.accepted: list[list[dict]] = []  # each accepted batch's body
        self.answers: list[int] = []  # the status of every post, in order
        self.script: list[Scripted] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/token"

    def start(self) -> DfeStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (the next post gets a 401)."""
        self.live_tokens.clear()

    def accepted_ids(self) -> list[str]:
        return [record["Children"]["la_child_id"] for batch in self.accepted for record in batch]

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                return None

            def _answer(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with stub._lock:
                    if self.path == "/oauth2/token":
                        self._token(parse_qs(raw.decode()))
                    elif self.path == f"/children_social_care_data/{LA_CODE}/children":
                        self._children(raw)
                    else:
                        self._answer(404, '{"error": "no such endpoint"}')

            def _token(self, form: dict) -> None:
                given = {name: values[0] for name, values in form.items()}
                if (
                    given.get("grant_type") != "client_credentials"
                    or given.get("client_id") != CLIENT_ID
                    or given.get("client_secret") != CLIENT_SECRET
                ):
                    stub.token_refusals += 1
                    self._answer(401, json.dumps({"error": "invalid_client", "error_description": "bad credentials"}))
                    return
                token = f"token-{len(stub.tokens_issued) + 1}"
                stub.tokens_issued.append(token)
                stub.live_tokens.add(token)
                self._answer(200, json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600}))

            def _children(self, raw: bytes) -> None:
                bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if bearer not in stub.live_tokens:
                    stub.answers.append(401)
                    self._answer(401, '{"error": "token expired"}')
                    return
                if stub.script:
                    scripted = stub.script.pop(0)
                    stub.answers.append(scripted.status)
                    self._answer(scripted.status, scripted.body, scripted.headers)
                    return
                stub.answers.append(200)
                stub.accepted.append(json.loads(raw))
                self._answer(200, '{"status": "accepted"}')

        return Handler
