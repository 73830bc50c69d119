"""SSDA903 episodes of care merged across yearly returns: the repairs are a facts rule.

Each yearly SSDA903 return restates the episodes it knows; returns disagree and leave episodes
open. ``episodes_sql`` merges them into one history per child, with each repair it made named,
and is what ``@episodes`` in a fact's SQL expands to.
"""

from __future__ import annotations

from datetime import date

from childhub.store import current_sql


def episodes_sql(as_of: date | None = None) -> tuple[str, dict]:
    """SSDA903 episodes of care merged across yearly returns, with the repairs documented.

    Rules, applied to the episodes that stand on ``as_of`` (one per child and start date, the
    latest batch's version winning, whichever feed sent it):

    1. An episode left open (no date ceased) in an earlier return, when a later episode of the
       same child starts after it, ends when the next one starts: with reason X1 when the next
       continues the period of care, and no reason when the next starts a new period (RNE S).
    2. An episode that ends after the next one starts (returns disagreeing) ends when the next
       one starts, with the same rule for its reason.
    3. A gap between an episode ceased with X1 and the next episode is reported, not filled.

    Each row says which rule, if any, touched it (``repair``). The parameters are
    ``current_sql``'s (the named ``$as_of``).
    """
    inner, params = current_sql("cla_episodes", as_of)
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
        ordered AS (
            SELECT *, lead(start_date) OVER (PARTITION BY child ORDER BY start_date) AS next_start,
                      lead(reason_new) OVER (PARTITION BY child ORDER BY start_date) AS next_reason_new
            FROM episode
        )
        SELECT child, start_date,
               CASE WHEN next_start IS NOT NULL AND (ceased IS NULL OR ceased > next_start) THEN next_start
                    ELSE ceased END AS ceased,
               CASE WHEN next_start IS NOT NULL AND (ceased IS NULL OR ceased > next_start)
                    THEN CASE WHEN next_reason_new = 'S' THEN NULL ELSE 'X1' END
                    ELSE reason END AS reason_ceased,
               reason_new, category_of_need,
               CASE WHEN next_start IS NOT NULL AND ceased IS NULL
                        THEN 'closed when the next episode starts: left open in an earlier return'
                    WHEN next_start IS NOT NULL AND ceased > next_start
                        THEN 'ended when the next episode starts: it overlapped the next episode'
                    WHEN next_start IS NOT NULL AND reason = 'X1' AND ceased < next_start
                        THEN 'gap of ' || (next_start - ceased) || ' days before the next episode'
               END AS repair,
               source_record_key, batch_id
        FROM ordered
    """
    return sql, params
