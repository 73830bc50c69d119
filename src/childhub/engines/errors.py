"""The engines' errors (their own module, so every engine module can raise them)."""

from __future__ import annotations

from childhub.errors import ChildhubError


class EngineError(ChildhubError):
    """An engine could not start or run a statement; the message names the engine."""


class UnsupportedConstruct(EngineError):
    """A definition uses something an engine cannot run: the message names the engine, the definition and the
    construct."""
