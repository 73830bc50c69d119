"""The live hub ``childhub serve`` runs beside its web app: the held store, the door for other processes'
writes, and work on a timer (the pulls' schedules)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from childhub.live.control import ControlServer
from childhub.store import LiveStore

log = logging.getLogger("childhub.live")
Task = Callable[[LiveStore], None]


class LiveHub:
    """The store in ``data_dir`` held for as long as the hub runs (``start`` ... ``stop``).

    ``write_wait``: how long a write waits for the one before it before the hub answers busy;
    ``snapshot_every``: how often, at most, a copy is written for readers in other processes;
    ``tasks``: (seconds, task) pairs, each ``task(store)`` run every so many seconds in a thread of its own.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        write_wait: float = 10.0,
        snapshot_every: float = 300.0,
        tasks: tuple[tuple[float, Task], ...] = (),
    ) -> None:
        self.store = LiveStore(data_dir, write_wait=write_wait, snapshot_every=snapshot_every)
        self.tasks = tasks
        self._control = ControlServer(self.store.data_dir, self.run)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, *, wait: float = 0.0) -> LiveHub:
        """Hold the store (waiting up to ``wait`` seconds for another process's write), bring its facts and the
        readers' snapshot up to date, open the door to other processes and start the tasks."""
        from childhub.hub import refresh_and_publish

        self.store.open(wait=wait)
        try:
            with self.store.writer() as conn:
                refresh_and_publish(self.store, conn)
            self.store.snapshot_now(force=True)  # the SQL console and other processes read it
            self._control.start()
        except BaseException:
            self.store.close()
            raise
        for seconds, task in self.tasks:
            thread = threading.Thread(target=self._every, args=(seconds, task), daemon=True, name="childhub-task")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Close the door, stop the tasks, write a last snapshot and let the store go."""
        self._stopping.set()
        self._control.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        self.store.close()

    def __enter__(self) -> LiveHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self, operation: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        """Run a routed write or read (``childhub.live.routed``) on the held store for another process; when it
        changed what readers see, write the snapshot that process's next command reads (from a read transaction:
        writes go on meanwhile)."""
        from childhub.errors import StoreError
        from childhub.live.control import run_routed

        published = self.store.published
        result = run_routed(self.store, operation, args, kwargs)
        if self.store.published != published:  # it changed what readers see: they read it next
            try:
                self.store.snapshot_now()
            except StoreError as error:
                log.warning("%s", error)
        return result

    def _every(self, seconds: float, task: Task) -> None:
        while not self._stopping.wait(seconds):
            try:
                task(self.store)
            except Exception:  # logged; the next run tries again
                log.exception("a scheduled task of the hub failed")
