"""childhub.region.storage: which arguments are URIs, a folder written whole or not at all (locally by a rename; on
a store through Spark's Hadoop file system, renamed or, where a rename is a copy, in place with the manifest last)."""

from __future__ import annotations

import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from childhub.region import RegionError, is_uri, location, storage
from helpers import run


def test_a_uri_is_a_scheme_and_two_slashes_and_a_path_is_anything_else():
    assert all(is_uri(text) for text in ("hdfs://nn:8020/r", "s3a://bucket/r", "abfss://c@a.dfs.core.windows.net/r"))
    assert is_uri("file:///tmp/region")
    assert not any(is_uri(text) for text in ("/tmp/region", "region", "./hdfs:/x", "C:\\region", "file:/tmp/x"))
    assert location("/tmp/region") == Path("/tmp/region")


def test_a_uri_without_spark_is_refused_in_one_line():
    with pytest.raises(RegionError, match=r"^hdfs://nn/r: a URI is read through Spark: give --engine spark"):
        location("hdfs://nn/r")


def test_the_commands_refuse_a_uri_with_duckdb_and_write_nothing(tmp_path):
    result = run("region", "link", "hdfs://nn/a", "hdfs://nn/b", "--out", str(tmp_path / "r"), "--engine", "duckdb")
    assert result.returncode == 1
    assert result.stderr == "error: hdfs://nn/a: a URI is read and written through Spark: give --engine spark\n"
    assert list(tmp_path.iterdir()) == []
    result = run("region", "indicators", "s3a://bucket/region", "--engine", "duckdb")
    assert result.stderr.startswith("error: s3a://bucket/region: a URI is read and written through Spark")


def _write_two(folder) -> None:
    storage.write_parquet(pa.table({"n": [1, 2]}), folder / "rows.parquet")
    storage.write_text(folder / "manifest.json", "{}\n")


def test_a_local_folder_appears_whole_at_the_end_owner_only(tmp_path):
    out = tmp_path / "region"
    with storage.writing(out) as folder:
        _write_two(folder)
        assert not out.exists()  # nothing at the target until the end
        assert folder.parent == tmp_path and folder.name.startswith(".region.partial-")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "rows.parquet"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o600}
    assert pq.read_table(out / "rows.parquet").column("n").to_pylist() == [1, 2]


def test_a_failed_local_write_leaves_an_empty_target_as_it_was(tmp_path):
    out = tmp_path / "region"
    out.mkdir()
    with pytest.raises(OSError, match="disk full"), storage.writing(out) as folder:
        _write_two(folder)
        raise OSError("disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region"] and list(out.iterdir()) == []


@pytest.mark.spark
def test_on_a_store_a_folder_is_renamed_into_place_or_written_in_place_manifest_last(tmp_path, monkeypatch):
    """Through Spark's Hadoop file system on file:// URIs: renamed into place as HDFS would be; and, with the file
    scheme taken for an object store's (a rename that copies), written in place, removed again on a failure."""
    from childhub.region import local_spark_session

    with local_spark_session(checkpoints=False) as spark:
        out = location((tmp_path / "renamed").as_uri(), spark)
        assert storage.renames_atomically(out)
        with storage.writing(out) as folder:
            _write_two(folder)
            assert not out.exists() and folder.name.startswith(".renamed.partial-")
            assert stat.S_IMODE(Path(str(folder).removeprefix("file:")).stat().st_mode) == 0o700
        assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "rows.parquet"]
        assert pq.read_table(storage.source(out / "rows.parquet")).column("n").to_pylist() == [1, 2]
        assert (out / "manifest.json").read_text() == "{}\n"

        monkeypatch.setattr(storage, "COPYING_RENAMES", storage.COPYING_RENAMES | {"file"})
        in_place = location((tmp_path / "in-place").as_uri(), spark)
        assert not storage.renames_atomically(in_place)
        with storage.writing(in_place) as folder:
            assert folder == in_place
            storage.write_parquet(pa.table({"n": [1, 2]}), folder / "rows.parquet")
            assert not (in_place / "manifest.json").exists()  # a reader refuses it until the manifest comes
            storage.write_text(folder / "manifest.json", "{}\n")
        failed = location((tmp_path / "failed").as_uri(), spark)
        with pytest.raises(OSError, match="disk full"), storage.writing(failed) as folder:
            storage.write_parquet(pa.table({"n": [1]}), folder / "rows.parquet")
            raise OSError("disk full")
        assert not failed.exists()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["in-place", "renamed"]  # no temporary folder, nothing of the failed one
    for name in names:
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["manifest.json", "rows.parquet"]  # no .crc
        assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / name).iterdir()} == {0o600}
