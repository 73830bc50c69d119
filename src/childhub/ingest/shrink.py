"""The guard against a shrinking extract: a snapshot that would take away most of what its scope holds.

A snapshot batch replaces the batch that stands for its scope (``visible_batches``). A file that
loads nothing where the scope holds rows (a CIN census with no Child, a persons file with only its
header), or far fewer rows than the scope holds (a file cut short), is much more likely a broken
extract than a change in the children's lives, so it is refused, and the store is left as it was,
unless the person says so (``childhub ingest --allow-shrink``); a batch let through that way is
marked ``shrink_allowed``. Changes batches add versions of rows and remove nothing: never checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from childhub.settings import Settings

# The share of a scope's rows below which a snapshot is refused, when the caller gives none: the
# setting's own default (the command line passes ``Settings.shrink_refuse_below`` as set).
SHRINK_REFUSE_BELOW: float = Settings.model_fields["shrink_refuse_below"].default
# Scopes this small move by more than half in ordinary months (three children seeking asylum become
# one); only their emptying is refused.
SHRINK_CHECKED_FROM_ROWS = 10
ALLOW = "if the extract really is this small, ingest it again with --allow-shrink"


@dataclass(frozen=True)
class ShrinkGuard:
    """When a snapshot batch, loaded but not committed, takes away too much of what its scope holds."""

    refuse_below: float = SHRINK_REFUSE_BELOW
    allowed: bool = False  # --allow-shrink: let it through, and mark the batch

    def refusal(self, conn, batch_id: int, loaded: int) -> str | None:
        """Why batch ``batch_id`` (in the open transaction, ``loaded`` canonical rows) is refused, or None."""
        mode, scope = conn.execute("SELECT mode, scope FROM ingest_batch WHERE batch_id = ?", [batch_id]).fetchone()
        if mode != "snapshot":
            return None
        standing = conn.execute(  # the batch this one would replace (this one is not 'loaded' yet)
            "SELECT b.batch_id, coalesce(b.rows_loaded, 0) FROM visible_batches(NULL) v "
            "JOIN ingest_batch b ON b.batch_id = v.batch_id WHERE b.scope = ? AND b.mode = 'snapshot'",
            [scope],
        ).fetchone()
        if standing is None or standing[1] == 0:
            return None  # nothing to lose: the first file of a scope may be empty (a year with no adoptions)
        previous, held = standing
        if loaded == 0:
            why = f"it has no rows to load, and would empty {scope} ({held:,} rows, batch {previous})"
        elif held >= SHRINK_CHECKED_FROM_ROWS and loaded < self.refuse_below * held:
            why = (
                f"it would replace the {held:,} rows of {scope} (batch {previous}) with {loaded:,}, "
                f"less than {self.refuse_below:.0%} of them"
            )
        else:
            return None
        if self.allowed:
            conn.execute("UPDATE ingest_batch SET shrink_allowed = true WHERE batch_id = ?", [batch_id])
            return None
        return f"refused: {why}; the store is unchanged ({ALLOW})"
