"""Where a region's folders live: a local folder, or a URI on any Hadoop-compatible store (``hdfs://``, ``s3a://``,
``abfss://``, ``gs://``, ``file://``) reached through the Spark session's own Hadoop ``FileSystem`` (docs/spark.md).

``location(text, spark)`` turns a command's argument into a ``pathlib.Path`` (no scheme) or a ``HadoopPath`` (a
scheme, with ``--engine spark``). A ``HadoopPath`` answers the few questions the region's readers ask a ``Path``
(``/``, ``name``, ``parent``, ``is_dir``, ``is_file``, ``iterdir``, ``read_text``, ``open("rb")``), so they read
either. Spark reads the Parquet files on the URI itself; the small files (manifests) and the SHA-256 of every file
go through the store's input streams. Credentials and endpoints are the cluster's Hadoop configuration, never
childhub's.

``writing(out)`` is how a folder is written: into a temporary folder beside ``out`` renamed to it at the end (one
atomic step on a local disk and on HDFS), or, on an object store whose rename is a copy (``s3a://``, ``gs://``: see
``COPYING_RENAMES``), straight into ``out`` with the manifest written last: a folder without its manifest is no
region, and every file is checked against the manifest's SHA-256 when read. On a failure what was written is removed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from childhub.exports import PRIVATE_FILE, private_folder
from childhub.region import RegionError

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# Stores whose rename copies object by object (a reader could see a half-renamed folder): written in place there.
COPYING_RENAMES = frozenset({"s3a", "s3", "s3n", "gs", "oss", "cosn", "obs", "wasb", "wasbs"})
CHUNK = 4 << 20  # bytes per call across the Python-JVM bridge


def is_uri(text: str | os.PathLike) -> bool:
    """Whether ``text`` names a store by its scheme (``hdfs://nn/x``, ``file:///x``): a ``Path`` never does."""
    return isinstance(text, str) and bool(_URI.match(text))


def location(text: str | Path, spark: Any = None) -> Path | HadoopPath:
    """A command's folder argument: a ``HadoopPath`` for a URI (through ``spark``, the session that reads it),
    a ``Path`` otherwise."""
    if not is_uri(str(text)):
        return Path(text)
    if spark is None:
        raise RegionError(f"{text}: a URI is read through Spark: give --engine spark (DuckDB reads local folders)")
    return HadoopPath(str(text), spark)


def source(path: Path | HadoopPath) -> Any:
    """What pyarrow reads ``path`` from: the path itself, or an open seekable stream of the stored file."""
    return path.open("rb") if isinstance(path, HadoopPath) else path


def is_path(value: Any) -> bool:
    """Whether ``value`` names a file (a local path or a stored one), not a table in memory."""
    return isinstance(value, (str, Path, HadoopPath))


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "java_exception", error)).strip().splitlines()
    return text[0] if text else type(error).__name__


def _java_error(error: Exception, path: str) -> OSError:
    """A Java exception from the store as Python's OSError, first line only."""
    message = _first_line(error)
    if "FileNotFoundException" in message or "NoSuchFile" in message:
        return FileNotFoundError(f"{path}: no such file or folder")
    return OSError(f"{path}: {message}")


class HadoopPath:
    """A file or folder on a Hadoop-compatible store, by its URI, through ``spark``'s Hadoop ``FileSystem``: the
    part of ``pathlib.Path`` the region's readers and writers use."""

    def __init__(self, uri: str, spark: Any, *, _qualified: Any = None) -> None:
        self.spark = spark
        jvm = spark._jvm
        self._fs_api = jvm.org.apache.hadoop.fs
        path = _qualified if _qualified is not None else self._fs_api.Path(uri)
        try:
            self._fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
            self._path = self._fs.makeQualified(path)
        except Exception as error:  # an unknown scheme, a store Hadoop has no connector for
            reason = _first_line(error)
            raise RegionError(f"{uri}: Spark's Hadoop configuration cannot reach this store ({reason})") from None
        self._fs.setWriteChecksum(False)  # the local file system's .crc files beside each file: none

    # ---- naming

    def _at(self, path: Any) -> HadoopPath:
        return HadoopPath("", self.spark, _qualified=path)

    def __truediv__(self, name: str) -> HadoopPath:
        return self._at(self._fs_api.Path(self._path, name))

    @property
    def name(self) -> str:
        return str(self._path.getName())

    @property
    def parent(self) -> HadoopPath:
        parent = self._path.getParent()
        return self if parent is None else self._at(parent)

    @property
    def parents(self) -> list[HadoopPath]:
        found, here = [], self
        while (up := here.parent) != here:
            found.append(up)
            here = up
        return found

    @property
    def scheme(self) -> str:
        return str(self._path.toUri().getScheme() or "")

    def on_same_store(self, path: str) -> HadoopPath:
        """The absolute ``path`` (no scheme) on this path's store."""
        return self._at(self._fs.makeQualified(self._fs_api.Path(path)))

    def resolve(self) -> HadoopPath:
        return self

    absolute = resolve

    def is_absolute(self) -> bool:
        return True

    def __str__(self) -> str:
        return str(self._path.toString())

    def __repr__(self) -> str:
        return f"HadoopPath({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HadoopPath) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))

    # ---- asking

    def _status(self) -> Any:
        try:
            return self._fs.getFileStatus(self._path)
        except Exception as error:
            if isinstance(_java_error(error, str(self)), FileNotFoundError):
                return None
            raise _java_error(error, str(self)) from None

    def exists(self) -> bool:
        return self._status() is not None

    def is_dir(self) -> bool:
        status = self._status()
        return status is not None and bool(status.isDirectory())

    def is_file(self) -> bool:
        status = self._status()
        return status is not None and bool(status.isFile())

    def iterdir(self) -> Iterator[HadoopPath]:
        try:
            statuses = self._fs.listStatus(self._path)
        except Exception as error:
            raise _java_error(error, str(self)) from None
        for status in statuses:
            yield self._at(status.getPath())

    # ---- reading

    def open(self, mode: str = "rb") -> io.BufferedIOBase:
        """A binary stream: ``"rb"`` (seekable, as Parquet's footer needs) or ``"wb"`` (a new file)."""
        try:
            if mode == "rb":
                length = int(self._fs.getFileStatus(self._path).getLen())
                return io.BufferedReader(_Reader(self._fs.open(self._path), length), buffer_size=CHUNK)
            if mode == "wb":
                return io.BufferedWriter(_Writer(self._fs.create(self._path, False)), buffer_size=CHUNK)
        except Exception as error:
            raise _java_error(error, str(self)) from None
        raise ValueError(f"mode {mode!r}: rb or wb")

    def read_bytes(self) -> bytes:
        with self.open("rb") as handle:
            return handle.read()

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    # ---- writing

    def write_bytes(self, data: bytes) -> int:
        with self.open("wb") as handle:
            handle.write(data)
        return len(data)

    def write_text(self, text: str, encoding: str = "utf-8") -> int:
        return self.write_bytes(text.encode(encoding))

    def chmod(self, mode: int) -> None:
        """The owner-only permissions where the store keeps POSIX permissions (HDFS, a local disk; an object
        store's access is its bucket's policy: nothing to set)."""
        with contextlib.suppress(Exception):  # object stores refuse or ignore permissions
            self._fs.setPermission(self._path, self._fs_api.permission.FsPermission(f"{mode:o}"))

    def mkdir(self, mode: int = 0o700, parents: bool = False, exist_ok: bool = False) -> None:
        if self.exists() and not exist_ok:
            raise FileExistsError(f"{self}: exists")
        if not parents and not self.parent.is_dir():
            raise FileNotFoundError(f"{self.parent}: no such folder")
        try:
            self._fs.mkdirs(self._path, self._fs_api.permission.FsPermission(f"{mode:o}"))
        except Exception as error:
            raise _java_error(error, str(self)) from None
        self.chmod(mode)  # mkdirs applies the store's umask

    def rename(self, target: HadoopPath) -> HadoopPath:
        try:
            done = self._fs.rename(self._path, target._path)
        except Exception as error:
            raise _java_error(error, str(self)) from None
        if not done:
            raise OSError(f"{self}: could not be renamed to {target}")
        return target

    def rmdir(self) -> None:
        if any(True for _ in self.iterdir()):
            raise OSError(f"{self}: not empty")
        self._fs.delete(self._path, False)

    def unlink(self) -> None:
        self._fs.delete(self._path, False)

    def remove_tree(self) -> None:
        """The folder and everything in it (nothing if missing)."""
        with contextlib.suppress(Exception):  # cleaning up after a failure: the first error is the one to report
            self._fs.delete(self._path, True)


class _Reader(io.RawIOBase):
    """A Hadoop ``FSDataInputStream`` as a seekable Python stream."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self._length = length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.readNBytes(min(len(buffer), CHUNK))  # Java 11's InputStream.readNBytes: a byte[]
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return int(self._stream.getPos())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.tell()
        elif whence == io.SEEK_END:
            offset += self._length
        self._stream.seek(offset)
        return offset

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


class _Writer(io.RawIOBase):
    """A Hadoop ``FSDataOutputStream`` as a Python stream."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._stream.write(bytearray(data))
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


# ---- writing a folder ---------------------------------------------------------------------------------------------


def write_parquet(table: Any, path: Path | HadoopPath) -> None:
    """``table`` as one Parquet file at ``path``, owner-only."""
    import pyarrow.parquet as pq

    if isinstance(path, HadoopPath):
        with path.open("wb") as handle:
            pq.write_table(table, handle)
        path.chmod(PRIVATE_FILE)
    else:
        pq.write_table(table, path)
        os.chmod(path, PRIVATE_FILE)


def write_text(path: Path | HadoopPath, text: str) -> None:
    """``text`` as a UTF-8 file at ``path``, owner-only."""
    path.write_text(text, encoding="utf-8")
    if isinstance(path, HadoopPath):
        path.chmod(PRIVATE_FILE)
    else:
        os.chmod(path, PRIVATE_FILE)


def renames_atomically(out: Path | HadoopPath) -> bool:
    """Whether a folder renamed into ``out`` appears whole at once (a local disk, HDFS, ADLS Gen2), not copied
    object by object (S3, GCS)."""
    return not isinstance(out, HadoopPath) or out.scheme not in COPYING_RENAMES


@contextmanager
def writing(out: Path | HadoopPath) -> Iterator[Path | HadoopPath]:
    """The owner-only folder to write ``out``'s files into (the manifest last): a temporary folder beside ``out``,
    renamed to ``out`` when the block ends; where a rename is a copy, ``out`` itself. ``out`` must be new or an
    empty folder (checked by the caller). On any failure what was written is removed and ``out`` is as it was."""
    if isinstance(out, Path):
        out = out.absolute()
    in_place = not renames_atomically(out)
    existed = out.exists()
    folder = out if in_place else out.parent / f".{out.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    if isinstance(folder, HadoopPath):
        folder.mkdir(parents=True, exist_ok=in_place)
    else:
        private_folder(folder)
    try:
        yield folder
        if not in_place:
            if out.exists():
                out.rmdir()  # empty when checked; not empty now: another process wrote there meanwhile
            folder.rename(out)
    except BaseException:
        if in_place and existed:  # on a store, into the empty folder given: what this run put there
            for child in folder.iterdir():
                child.remove_tree()
        elif isinstance(folder, HadoopPath):
            folder.remove_tree()
        else:
            shutil.rmtree(folder, ignore_errors=True)
        raise
