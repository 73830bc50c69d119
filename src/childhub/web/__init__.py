"""The web app and REST API: ``create_app`` (FastAPI), run by ``childhub serve``.

See ``app.py`` for how it is put together, ``deps.py`` for sign-in, roles, CSRF and the audit
log, ``scope.py`` for which children each role may see, ``served.py`` for the snapshots it reads.
"""

from childhub.web.app import create_app

__all__ = ["create_app"]
