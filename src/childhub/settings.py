"""Typed settings in one place.

Each setting can be given as an environment variable (``CHILDHUB_`` + the name in
capitals) or in a ``.env`` file in the working folder; a command-line option (such as
``--data-dir``) wins over both. ``docs/settings.md`` documents every field, and a test
checks that it does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings for one childhub installation (one authority's hub)."""

    model_config = SettingsConfigDict(env_prefix="CHILDHUB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("childhub-data"),
        description="Folder holding the store (childhub.duckdb), archived inputs and outputs.",
    )
    authority_file: Path | None = Field(
        default=None,
        description="The authority's settings file (population, targets, early warnings); "
        "default: authority.yml in the data folder.",
    )
    feeds_file: Path | None = Field(
        default=None,
        description="The feeds the hub expects (what each feed's records are, how often they are due); "
        "default: feeds.yml in the data folder.",
    )
    write_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="While childhub serve holds the store, how long a write (a push, a review decision, a command "
        "run elsewhere) waits for the write before it; after that the hub answers busy (HTTP 429 with "
        "Retry-After) instead of queueing without end.",
    )
    snapshot_every_seconds: float = Field(
        default=300.0,
        ge=10,
        description="While childhub serve holds the store, how often at most it writes a copy for what reads "
        "outside it (the SQL console's query, childhub commands run meanwhile); also written when it stops.",
    )
    sources_file: Path | None = Field(
        default=None,
        description="The source systems' databases childhub pulls from (connections, tables, schedules); "
        "default: sources.yml in the data folder.",
    )
    pull_schedules_in_serve: bool | None = Field(
        default=None,
        description="Whether childhub serve runs the sources' pull schedules in the background; "
        "default: yes when a sources file exists (no when the authority runs childhub feeds run instead).",
    )
    small_number_threshold: int = Field(
        default=5,
        ge=1,
        description="Counts from 1 up to one below this are shown as [c] wherever aggregates are shown to "
        "the scrutiny role, so no child can be picked out.",
    )
    secure_cookies: bool = Field(
        default=True,
        description="Mark the web app's session cookie Secure (sent over HTTPS, and to 127.0.0.1 or localhost "
        "only over plain HTTP). Turn off only behind a proxy that cannot forward HTTPS.",
    )
    shrink_refuse_below: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="A snapshot extract that would leave its scope (a table, a return's year) with fewer than this "
        "share of the rows it holds is refused by childhub ingest, and the store left as it was, unless "
        "--allow-shrink is given; 0 checks only for extracts that would empty it.",
    )
    query_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest an analyst's read-only query may run before it is stopped.",
    )
    query_row_limit: int = Field(
        default=10_000,
        gt=0,
        description="Most rows an analyst's read-only query returns to a screen.",
    )
    query_result_mb: float = Field(
        default=50.0,
        gt=0,
        description="Most megabytes of text an analyst's read-only query returns; the rows past it are cut "
        "and a note says so (a first row larger than this is refused).",
    )
    query_memory_mb: int = Field(
        default=2048,
        ge=256,
        description="Memory an analyst's read-only query may use, in its own process (DuckDB's limit; the "
        "process may map twice this and a gigabyte more, for Python's copy of the rows).",
    )
    push_max_bytes: int = Field(
        default=5_000_000,
        ge=1_000,
        description="Largest request body, in bytes, POST /api/v1/feeds/{feed}/records takes (413 above it).",
    )
    push_max_rows: int = Field(
        default=10_000,
        ge=1,
        description="Most rows one push to a feed may carry (413 above it).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses (or networks, or *) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers childhub serve believes; none by default, so the "
        "address a sign-in is throttled by is the connection's own.",
    )
    dfe_api_base_url: str | None = Field(
        default=None,
        description="The DfE children's social care API's base URL; childhub dfe-api send posts to "
        "{base}/children_social_care_data/{la_code}/children.",
    )
    dfe_api_token_url: str | None = Field(
        default=None, description="The OAuth2 token URL the DfE gave for the API (client credentials)."
    )
    dfe_api_client_id: str | None = Field(default=None, description="The client ID the DfE gave the authority.")
    dfe_api_client_secret: SecretStr | None = Field(
        default=None,
        description="The client secret, from the environment only (never a command-line option); or use "
        "dfe_api_client_secret_file.",
    )
    dfe_api_client_secret_file: Path | None = Field(
        default=None,
        description="A file holding the client secret on its first line, readable by its owner only (mode 600).",
    )
    dfe_api_scope: str | None = Field(default=None, description="The OAuth2 scope to ask for, if the DfE gave one.")
    dfe_api_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait for one answer from the DfE's API or its token endpoint."
    )
    dfe_api_max_retries: int = Field(
        default=5,
        ge=0,
        le=20,
        description="Times a batch is tried again after a 429, a 5xx or a connection error (exponential backoff "
        "with jitter; a 429's Retry-After is honoured) before the send stops.",
    )

    spark_master: str = Field(
        default="local[2]",
        description="Where --engine spark runs: the Spark master (local[2], two cores on this machine, by default; "
        "a cluster's master URL such as spark://host:7077 or yarn).",
    )
    spark_driver_memory: str = Field(
        default="2g",
        pattern=r"^[0-9]+[kmgt]$",
        description="The Spark driver's memory (a JVM size such as 2g) when childhub starts the Spark session.",
    )
    spark_checkpoint_dir: str = Field(
        default="",
        description="A folder every Spark executor reaches (an hdfs://, s3a:// or abfss:// URI) for Splink's working "
        "files during a region link on a cluster; each run uses a folder of its own inside and removes it. Empty: a "
        "temporary folder on this machine, right for local mode only.",
    )

    def sign_in_refused_over_http(self, host: str | None) -> bool:
        """Whether a browser that reached childhub at ``host`` over plain HTTP will not keep its sign-in
        cookies: they are Secure (``secure_cookies``), and browsers accept Secure cookies over plain HTTP
        only from this computer (127.0.0.1, ::1, localhost)."""
        return self.secure_cookies and not _is_loopback(host or "")

    @property
    def query_byte_limit(self) -> int:
        """``query_result_mb`` in bytes."""
        return int(self.query_result_mb * 2**20)


# What to do when signing in cannot work over plain HTTP (said by ``childhub serve`` and the sign-in page).
PLAIN_HTTP_ADVICE = (
    "serve it over HTTPS through a reverse proxy (and set CHILDHUB_TRUSTED_PROXIES to the proxy's address, so its "
    "X-Forwarded-Proto and X-Forwarded-For are believed), or, only on a network you trust, set "
    "CHILDHUB_SECURE_COOKIES=false"
)


def _is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment, once per process."""
    return Settings()
