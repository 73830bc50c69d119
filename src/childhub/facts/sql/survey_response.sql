-- fact_survey_response: one row per answer to one question of a survey of children in care or care leavers: the
-- survey and its period as the survey names them, the respondent's group (a survey_respondent_group code) and age
-- band, the question and the answer in the survey's own words (no person: surveys are often anonymous). Blank
-- answers are left out.
SELECT s.srvy_response_id AS response_id, s.source_system, trim(s.srvy_survey) AS survey, trim(s.srvy_period) AS period,
       s.srvy_response_date AS response_date, lower(trim(s.srvy_respondent_group)) AS respondent_group,
       trim(s.srvy_age_band) AS age_band, trim(s.srvy_question) AS question, trim(s.srvy_answer) AS answer
FROM @current(survey_responses) s
WHERE nullif(trim(s.srvy_answer), '') IS NOT NULL
