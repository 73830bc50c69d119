"""The watched folder: for systems that can only drop files.

Every file that appears in the folder is ingested as one batch once it is complete (dot-files are ignored,
as are files still growing: a file is taken when its size and modification time are the same at two looks
``settle`` seconds apart), then moved to ``done/`` (loaded, or already held) or ``failed/`` with a report
beside it: ``<name>.report.json`` and a readable ``<name>.report.txt`` (status, batch, rows, problems).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from childhub.exports import private_file, private_folder

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings
    from childhub.ingest import FileReport
    from childhub.store import Store

log = logging.getLogger("childhub.watch")
DONE = "done"
FAILED = "failed"
REPORTED_PROBLEMS = 200


@dataclass
class WatchedFile:
    """What became of one file dropped in the folder."""

    file: str
    status: str  # loaded, unchanged, rejected, failed, skipped
    message: str
    moved_to: Path
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Watcher:
    """The folder watched, and what it has seen of files not yet taken (size and time at the last look)."""

    store: Store
    folder: Path
    mapping_files: list[Path] = field(default_factory=list)
    settle: float = 2.0
    shrink_refuse_below: float | None = None
    authority: AuthoritySettings | None = None
    _seen: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from childhub.pull.sources import PullError

        self.folder = Path(self.folder)
        if not self.folder.is_dir():
            raise PullError(f"{self.folder}: no such folder to watch")
        private_folder(self.folder / DONE)
        private_folder(self.folder / FAILED)

    def look(self) -> list[WatchedFile]:
        """One look: ingest each file that was the same at the last look; note the size of the others."""
        now: dict[Path, tuple[int, int]] = {}
        for path in sorted(self.folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            facts = path.stat()
            now[path] = (facts.st_size, facts.st_mtime_ns)
        ready = [path for path, facts in now.items() if self._seen.get(path) == facts]
        self._seen = {path: facts for path, facts in now.items() if path not in ready}
        return [self._take(path) for path in ready]

    def once(self) -> list[WatchedFile]:
        """Take every complete file there now: two looks ``settle`` seconds apart (a file still growing waits)."""
        self.look()
        time.sleep(self.settle)
        return self.look()

    def run(self, interval: float, stop: Callable[[], bool] = lambda: False, on_file=None) -> None:
        """Look every ``interval`` seconds until ``stop()`` says so; ``on_file`` hears of each file taken."""
        while not stop():
            for taken in self.look():
                if on_file is not None:
                    on_file(taken)
            time.sleep(interval)

    def _take(self, path: Path) -> WatchedFile:
        from childhub.errors import ChildhubError
        from childhub.hub import ingest

        try:
            report = ingest(
                self.store,
                [path],
                mapping_files=self.mapping_files,
                shrink_refuse_below=self.shrink_refuse_below,
                authority=self.authority,
            )[0]
        except ChildhubError as error:  # the mappings are wrong, or the store is busy: the file waits
            log.warning("watch %s: %s", path.name, error)
            self._seen.pop(path, None)
            return WatchedFile(path.name, "waiting", str(error), path)
        taken = self._moved(path, report)
        log.info("watch %s: %s: %s", path.name, taken.status, taken.message)
        return taken

    def _moved(self, path: Path, report: FileReport) -> WatchedFile:
        target = _free_name(self.folder / (DONE if report.ok else FAILED), path.name)
        path.replace(target)
        taken = WatchedFile(
            path.name,
            report.status,
            report.message.replace(str(path), path.name),
            target,
            batch_id=report.batch_id,
            rows_read=report.rows_read,
            rows_loaded=report.rows_loaded,
            rows_rejected=report.rows_rejected,
            problems=[str(problem) for problem in report.problems[:REPORTED_PROBLEMS]],
        )
        _write_report(target, taken, report.kind)
        return taken


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or with the time before its suffix when a file of that name was taken before."""
    target = folder / name
    if not target.exists():
        return target
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{Path(name).stem}.{stamp}{Path(name).suffix}"


def _write_report(target: Path, taken: WatchedFile, kind: str | None) -> None:
    facts = {
        "file": taken.file,
        "status": taken.status,
        "kind": kind,
        "batch": taken.batch_id,
        "rows_read": taken.rows_read,
        "rows_loaded": taken.rows_loaded,
        "rows_rejected": taken.rows_rejected,
        "message": taken.message,
        "problems": taken.problems,
        "taken_at": datetime.now().isoformat(timespec="seconds"),
    }
    json_path = private_file(target.with_name(target.name + ".report.json"))
    json_path.write_text(json.dumps(facts, indent=2) + "\n", "utf-8")
    lines = [
        f"{taken.file}: {taken.status}" + (f" as {kind}" if kind else ""),
        f"batch: {taken.batch_id}" if taken.batch_id else "batch: none written",
        f"rows read: {taken.rows_read:,}; loaded: {taken.rows_loaded:,}; quarantined: {taken.rows_rejected:,}",
        taken.message,
    ]
    if taken.problems:
        lines.append(f"problems ({len(taken.problems)} shown; childhub batch N lists them all):")
        lines.extend(f"  {problem}" for problem in taken.problems)
    private_file(target.with_name(target.name + ".report.txt")).write_text("\n".join(lines) + "\n", "utf-8")
