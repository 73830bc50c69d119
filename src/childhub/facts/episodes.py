"""SSDA903 episodes of care merged across yearly returns: the repairs are a facts rule.

Each yearly SSDA903 return restates the episodes it knows; returns disagree and leave episodes
open. ``episodes_sql`` merges them into one history per child, with each repair it made named,
and is what ``@episodes`` in a fact's SQL expands to.
"""

from __future__ import annotations

from datetime import date

from childhub.codes import valid_codes
from childhub.store import current_sql

# how an SSDA903 return writes a date (the episodes mapping's formats)
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def episodes_sql(as_of: date | None = None) -> tuple[str, dict]:
    """SSDA903 episodes of care merged across yearly returns, with the repairs documented.

    Rules, applied to the episodes that stand on ``as_of`` (one per child and start date, the
    latest batch's version winning, whichever feed sent it):

    1. An episode left open (no date ceased) in an earlier return, when a later episode of the
       same child starts after it, ends when the next one starts.
    2. An episode that ends after the next one starts (returns disagreeing) ends when the next
       one starts.
       The repaired episode's reason ceased follows the next episode, the newer statement of the
       child's care: when the next starts a new period (RNE S) the period ended, with the reason
       its return recorded (an E41 before an RNE S episode is a ceasing; none recorded, none
       given); when the next continues care (any other RNE) the reason is X1, whatever an older
       statement recorded.
    3. A gap between an episode ceased with X1 and the next episode is reported, not filled.
    4. A child a later return holds in an episode row it could not load (quarantined: its DECOM
       not a date, its DEC before its DECOM) and no later episode: the child's last episode, known
       only from an earlier return and open into the later return's collection year, is not simply
       carried forward. The later return restates every episode open in its year, so the
       quarantined row is its restatement of this one, and the row's DEC and REC (read from the
       quarantined raw values) say how it ended: a blank DEC, not at all (the episode stays open);
       a DEC that is a date on or after the episode's start, then, with the row's REC when it is a
       reason ceased code; a DEC that is no date or before the start, on a day the return does not
       give: the year's first day (1 April, the earliest it can have been), with no reason. The
       repair names the child, the file and the row.

    Each row says which rule, if any, touched it (``repair``). The parameters are
    ``current_sql``'s (the named ``$as_of``).
    """
    inner, params = current_sql("cla_episodes", as_of)
    # the registry's codes and the formats are ours (letters, digits, strptime fields): safe to embed
    reasons = ", ".join(f"'{code}'" for code in sorted(valid_codes("ssda903_reason_ceased")))
    dec = "json_extract_string(q.raw_json, '$.DEC')"
    dec_date = "CAST(coalesce(" + ", ".join(f"try_strptime({dec}, '{fmt}')" for fmt in _DATE_FORMATS) + ") AS DATE)"
    sql = f"""
        WITH episode AS (
            SELECT clae_person_id AS child, clae_cla_episode_start_date AS start_date,
                   clae_cla_episode_ceased_date AS ceased, clae_cla_episode_ceased_reason AS reason,
                   clae_cla_episode_start_reason AS reason_new, clae_cla_primary_need_code AS category_of_need,
                   source_record_key, batch_id
            FROM ({inner}) AS current_episode WHERE source_system = 'social_care'
            -- one episode per child and start date, whichever feeds sent it (an SSDA903 return and an
            -- Annex A workbook, say): the latest batch's version
            QUALIFY row_number() OVER (PARTITION BY child, start_date ORDER BY batch_id DESC) = 1
        ),
        held_quarantined AS (
            -- children an SSDA903 return standing on the day holds in an episode row it quarantined (the
            -- child is the first part of the row's source key, CHILD|DECOM), with the return's year
            SELECT split_part(json_extract_string(q.raw_json, '$._key'), '|', 1) AS child,
                   make_date(CAST(string_split(b.scope, ':')[-1] AS INTEGER) - 1, 4, 1) AS year_start,
                   b.file_name || ' row ' || q.row_ref AS quarantined_row,
                   -- what the row says of the episode: DEC blank (''; a row quarantined before rows kept
                   -- their named values says nothing), DEC as a date, REC when it is a code
                   coalesce({dec} = '', false) AS row_open,
                   {dec_date} AS row_ceased,
                   CASE WHEN upper(trim(json_extract_string(q.raw_json, '$.REC'))) IN ({reasons})
                        THEN upper(trim(json_extract_string(q.raw_json, '$.REC'))) END AS row_reason
            FROM ingest_quarantine q
            JOIN ingest_batch b USING (batch_id)
            JOIN visible_batches(CAST($as_of AS DATE)) USING (batch_id)
            WHERE q.source_kind = 'ssda903_episodes' AND b.feed = 'ssda903'
              AND regexp_full_match(string_split(b.scope, ':')[-1], '[0-9]{{4}}')
              AND json_extract_string(q.raw_json, '$._key') NOT IN ('', '|')
        ),
        ordered AS (
            SELECT e.*, lead(e.start_date) OVER (PARTITION BY e.child ORDER BY e.start_date) AS next_start,
                      lead(e.reason_new) OVER (PARTITION BY e.child ORDER BY e.start_date) AS next_reason_new,
                      later.year_start, later.quarantined_row, later.row_open, later.row_ceased, later.row_reason
            FROM episode e
            -- the first later return holding the child only in a quarantined row: one whose year began after
            -- the batch that sent this episode was extracted
            LEFT JOIN (
                SELECT e.child, e.start_date, h.year_start, h.quarantined_row, h.row_open, h.row_ceased, h.row_reason
                FROM episode e
                JOIN ingest_batch b USING (batch_id)
                JOIN held_quarantined h
                  ON h.child = e.child AND h.year_start > coalesce(b.extract_date, CAST(b.started_at AS DATE))
                QUALIFY row_number() OVER (PARTITION BY e.child, e.start_date
                                           ORDER BY h.year_start, h.quarantined_row) = 1
            ) AS later USING (child, start_date)
        ),
        repaired AS (
            SELECT *, next_start IS NULL AND year_start > start_date AND (ceased IS NULL OR ceased > year_start)
                          AS superseded,
                      CASE WHEN row_open THEN 'open' WHEN row_ceased >= start_date THEN 'dated' ELSE 'undated' END
                          AS restated
            FROM ordered
        )
        SELECT child, start_date,
               CASE WHEN next_start IS NOT NULL AND (ceased IS NULL OR ceased > next_start) THEN next_start
                    WHEN superseded AND restated = 'open' THEN NULL
                    WHEN superseded AND restated = 'dated' THEN row_ceased
                    WHEN superseded THEN year_start
                    ELSE ceased END AS ceased,
               CASE WHEN next_start IS NOT NULL AND (ceased IS NULL OR ceased > next_start)
                    THEN CASE WHEN next_reason_new = 'S' THEN reason ELSE 'X1' END
                    WHEN superseded AND restated = 'open' THEN NULL
                    WHEN superseded AND restated = 'dated' THEN row_reason
                    WHEN superseded THEN NULL
                    ELSE reason END AS reason_ceased,
               reason_new, category_of_need,
               CASE WHEN superseded AND restated = 'open'
                        THEN 'left open: ' || quarantined_row || ', a row for child ' || child
                             || ' that could not be loaded, restates it with no date ceased'
                    WHEN superseded AND restated = 'dated'
                        THEN 'ended on ' || strftime(row_ceased, '%d/%m/%Y') || ', the date ceased of '
                             || quarantined_row || ', a row for child ' || child || ' that could not be loaded'
                    WHEN superseded
                        THEN 'ended on ' || strftime(year_start, '%d/%m/%Y') || ', the first day of the year of '
                             || quarantined_row || ', a row for child ' || child
                             || ' that could not be loaded: not carried forward from an earlier return'
                    WHEN next_start IS NOT NULL AND ceased IS NULL
                        THEN 'closed when the next episode starts: left open in an earlier return'
                    WHEN next_start IS NOT NULL AND ceased > next_start
                        THEN 'ended when the next episode starts: it overlapped the next episode'
                    WHEN next_start IS NOT NULL AND reason = 'X1' AND ceased < next_start
                        THEN 'gap of ' || (next_start - ceased) || ' days before the next episode'
               END AS repair,
               source_record_key, batch_id
        FROM repaired
    """
    return sql, params
