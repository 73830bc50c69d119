"""How other childhub processes write while a server holds the store: they ask the server to do it.

A server holding the store (``LiveStore``) listens on a Unix socket for ``childhub.hub``'s writes asked by
other processes of the same account (``childhub ingest``, ``link``, ``dq``, ``pull``, ``feeds run``). The
socket's address and a random key are in ``serve/control.json`` in the data folder, readable by the hub's
account only; a caller without the key is refused before anything is read. The server runs the write with
its own held store, as if it were its own, and sends back the progress as it goes and then the result (or
the error, as one line). Only the writes marked ``routed`` can be asked for.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from childhub.errors import ChildhubError, StoreError
from childhub.exports import private_file, private_folder

CONTROL_FILE = "control.json"
SERVE_DIR = "serve"
# The writes another process may ask the server for, by "module:name": those marked ``routed`` (childhub.hub's
# write functions, a pull's record of its watermark), as written (undecorated): the server runs them itself.
_ROUTED: dict[str, Callable[..., Any]] = {}
log = logging.getLogger("childhub.live")


def routed(write: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``write(store, ...)`` as one a server holding the store runs when one does: the store is the server's
    while it serves, so another process asks it (over the control socket) instead of waiting for the lock. Paths
    in the arguments are sent whole (the server's working folder is not the caller's)."""
    key = f"{write.__module__}:{write.__name__}"
    _ROUTED[key] = write

    @functools.wraps(write)
    def route(store, *args, **kwargs):
        if not store.live:
            server = server_for(store.data_dir)
            if server is not None:
                args = tuple(_absolute(value) for value in args)
                kwargs = {name: _absolute(value) for name, value in kwargs.items()}
                return server.call(key, args, kwargs)
        return write(store, *args, **kwargs)

    return route


def _absolute(value: Any) -> Any:
    if isinstance(value, Path):
        return value.absolute()
    if isinstance(value, list | tuple) and any(isinstance(item, Path) for item in value):
        return [item.absolute() if isinstance(item, Path) else item for item in value]
    return value


def run_routed(store, operation: str, args: tuple, kwargs: dict[str, Any]) -> Any:
    """Run the routed write ``operation`` ("module:name") with ``store``; RemoteError for anything else."""
    import importlib

    module, _, _name = operation.partition(":")
    if operation not in _ROUTED and module.startswith("childhub."):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)  # marking happens when the module loads
    write = _ROUTED.get(operation)
    if write is None:
        raise RemoteError(f"the server does not take {operation!r} from other processes")
    return write(store, *args, **kwargs)


class RemoteError(ChildhubError):
    """A write the server ran for this process failed; the message is the server's one line."""


def _control_file(data_dir: Path) -> Path:
    return Path(data_dir) / SERVE_DIR / CONTROL_FILE


def _socket_path(data_dir: Path) -> Path:
    """Where the socket goes: ``serve/control.sock`` in the data folder, or, where that path is too long for a Unix
    socket (about 100 characters), a folder of this account's own in the temporary folder, refused unless it is a
    real folder owned by this account that no one else may enter."""
    own = Path(data_dir).resolve() / SERVE_DIR / "control.sock"
    if len(str(own)) < 100:
        return own
    import stat

    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    folder = private_folder(Path(tempfile.gettempdir()) / f"childhub-{os.getuid()}")
    facts = folder.lstat()
    if not stat.S_ISDIR(facts.st_mode) or facts.st_uid != os.getuid() or stat.S_IMODE(facts.st_mode) & 0o077:
        raise StoreError(f"{folder} is not a private folder of this account's; remove it and start again")
    return folder / f"{digest}.sock"


class ControlServer:
    """Listens for other processes' writes and runs them with ``run(operation, args, kwargs, progress)``."""

    def __init__(self, data_dir: Path, run: Callable[..., Any]) -> None:
        self.data_dir = Path(data_dir)
        self.run = run
        self._listener = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from multiprocessing.connection import Listener

        key = secrets.token_bytes(32)
        address = _socket_path(self.data_dir)
        address.unlink(missing_ok=True)  # a server that died left it behind; the writer lock says it is gone
        old_mask = os.umask(0o177)
        try:
            self._listener = Listener(str(address), family="AF_UNIX", authkey=key)
        finally:
            os.umask(old_mask)
        control = _control_file(self.data_dir)
        private_folder(control.parent)
        partial = control.with_name(f".{CONTROL_FILE}.partial")
        private_file(partial).write_text(
            json.dumps({"socket": str(address), "key": key.hex(), "pid": os.getpid()}), "utf-8"
        )
        os.replace(partial, control)
        self._thread = threading.Thread(target=self._accept, daemon=True, name="childhub-control")
        self._thread.start()

    def stop(self) -> None:
        control = _control_file(self.data_dir)
        try:
            if json.loads(control.read_text("utf-8")).get("pid") == os.getpid():
                control.unlink(missing_ok=True)
        except (OSError, ValueError):
            pass
        if self._listener is not None:
            address = self._listener.address
            self._listener.close()
            self._listener = None
            Path(address).unlink(missing_ok=True)

    def _accept(self) -> None:
        from multiprocessing import AuthenticationError

        while self._listener is not None:
            try:
                connection = self._listener.accept()
            except (AuthenticationError, EOFError, ConnectionError):
                continue  # a caller without the key, or one that hung up: nothing was read
            except OSError:
                return  # the listener closed
            threading.Thread(target=self._serve, args=(connection,), daemon=True, name="childhub-control-call").start()

    def _serve(self, connection) -> None:
        with connection:
            try:
                operation, args, kwargs, wants_progress = connection.recv()
            except (EOFError, OSError, ValueError, TypeError):
                return

            def progress(*said, **named) -> None:
                with contextlib.suppress(OSError):  # the caller went away; the write goes on
                    connection.send(("progress", said, named))

            if wants_progress:
                kwargs = {**kwargs, "progress": progress}
            try:
                result = self.run(operation, args, kwargs)
            except ChildhubError as error:  # the error itself, so the caller meets the same type (StoreBusy...)
                try:
                    connection.send(("failed", error))
                except Exception:  # one that cannot travel goes as its message
                    connection.send(("error", str(error)))
                return
            except Exception as error:  # logged in full here; the caller gets one line
                log.exception("a write asked for by another process failed")
                connection.send(("error", f"the server could not run {operation}: {type(error).__name__}"))
                return
            with contextlib.suppress(OSError):
                connection.send(("result", result))


class ControlClient:
    """A connection to the server that holds the store in ``data_dir``."""

    def __init__(self, socket: str, key: bytes, pid: int) -> None:
        self.socket, self.key, self.pid = socket, key, pid

    def call(self, operation: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        """Run the routed write ``operation`` ("module:name") with the server's store, ``*args`` and ``**kwargs``;
        its progress goes to the ``progress`` callable in ``kwargs`` if there is one."""
        from multiprocessing.connection import Client

        progress = kwargs.pop("progress", None)
        try:
            connection = Client(self.socket, family="AF_UNIX", authkey=self.key)
        except (OSError, EOFError) as error:
            raise StoreError(f"the server holding the store (process {self.pid}) did not answer: {error}") from None
        with connection:
            connection.send((operation, args, kwargs, progress is not None))
            while True:
                try:
                    message = connection.recv()
                except EOFError:
                    raise StoreError(
                        f"the server holding the store (process {self.pid}) stopped before {operation} finished; "
                        "what it committed is kept"
                    ) from None
                if message[0] == "progress":
                    if progress is not None:
                        progress(*message[1], **message[2])
                elif message[0] == "result":
                    return message[1]
                elif message[0] == "failed" and isinstance(message[1], ChildhubError):
                    raise message[1]
                else:
                    raise RemoteError(str(message[1]))


def server_for(data_dir: Path) -> ControlClient | None:
    """The server holding the store in ``data_dir``, if one is running (None otherwise)."""
    control = _control_file(data_dir)
    try:
        found = json.loads(control.read_text("utf-8"))
        client = ControlClient(found["socket"], bytes.fromhex(found["key"]), int(found["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(client.pid, 0)
    except ProcessLookupError:
        return None  # it died without tidying up
    except PermissionError:
        pass
    if client.pid == os.getpid() or not Path(client.socket).exists():
        return None
    return client
