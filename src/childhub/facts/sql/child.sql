-- fact_child: one row per child (linked across systems): the forename, surname, date of birth and sex chosen from
-- what the child's records hold by the declared precedence (facts/precedence.yml: an unknown sex never beats a
-- known one; then the value most systems agree on; then, where recency counts, one recorded more than the declared
-- days after the others; then the most reliable system), the other demographics social care's first (then the first system by name, so the choice never varies), and the services the child is known to.
WITH held AS (  -- each value a record holds, as compared (agreed) and as shown (value)
    SELECT child_key, 'forename' AS chosen, 'name' AS field, lower(trim(forename)) AS agreed, trim(forename) AS value,
           source_system, name_recorded_on AS recorded_on
    FROM fact_person WHERE nullif(trim(forename), '') IS NOT NULL
    UNION ALL
    SELECT child_key, 'surname', 'name', lower(trim(surname)), trim(surname), source_system, name_recorded_on
    FROM fact_person WHERE nullif(trim(surname), '') IS NOT NULL
    UNION ALL
    SELECT child_key, 'date_of_birth', 'date_of_birth', CAST(date_of_birth AS VARCHAR), CAST(date_of_birth AS VARCHAR),
           source_system, date_of_birth_recorded_on
    FROM fact_person WHERE date_of_birth IS NOT NULL
    UNION ALL
    SELECT child_key, 'sex', 'sex', sex, sex, source_system, sex_recorded_on FROM fact_person WHERE sex IS NOT NULL
),
candidate AS (  -- each distinct value, with how many systems agree on it, how recent and how reliable its holders are
    SELECT child_key, chosen, field, agreed,
           arg_min(value, (precedence_rank(field, source_system), value)) AS value,
           count(DISTINCT source_system) AS systems,
           max(recorded_on) AS newest,
           min(precedence_rank(field, source_system)) AS best_rank
    FROM held
    GROUP BY ALL
),
dated AS (  -- recent: recorded within the field's recency days of the newest value (NULL where recency does not count)
    SELECT *, newest >= max(newest) OVER (PARTITION BY child_key, chosen) - precedence_recency_days(field) AS recent
    FROM candidate
),
best AS (
    SELECT child_key, chosen, value
    FROM dated
    QUALIFY row_number() OVER (
        PARTITION BY child_key, chosen
        ORDER BY precedence_unknown(field, agreed), systems DESC, recent DESC NULLS LAST, best_rank, agreed
    ) = 1
),
demographics AS (
    SELECT child_key,
           any_value(value) FILTER (WHERE chosen = 'forename') AS forename,
           any_value(value) FILTER (WHERE chosen = 'surname') AS surname,
           CAST(any_value(value) FILTER (WHERE chosen = 'date_of_birth') AS DATE) AS date_of_birth,
           any_value(value) FILTER (WHERE chosen = 'sex') AS sex
    FROM best
    GROUP BY child_key
),
other AS (
    SELECT child_key, any_value(child_id) AS child_id,
           arg_min(person_id, (length(person_id), person_id)) FILTER (WHERE source_system = 'social_care') AS la_child_id,
           arg_min(ethnicity, (source_system <> 'social_care', source_system, ethnicity))
               FILTER (WHERE ethnicity IS NOT NULL) AS ethnicity,
           arg_min(expected_date_of_birth, (source_system <> 'social_care', source_system, expected_date_of_birth))
               FILTER (WHERE expected_date_of_birth IS NOT NULL) AS expected_date_of_birth,
           arg_min(disability, (source_system <> 'social_care', source_system, disability))
               FILTER (WHERE disability IS NOT NULL) AS disability,
           arg_min(area, (source_system <> 'social_care', source_system, area)) FILTER (WHERE area IS NOT NULL) AS area,
           list(DISTINCT source_system ORDER BY source_system) AS source_systems
    FROM fact_person
    GROUP BY child_key
)
SELECT o.child_key, o.child_id, o.la_child_id, coalesce(d.sex, 'U') AS sex, o.ethnicity, d.date_of_birth,
       o.expected_date_of_birth, o.disability, o.area, o.source_systems, d.forename, d.surname
FROM other o
LEFT JOIN demographics d USING (child_key)
