-- Commentary on an indicator for a period, and the self-evaluation's narrative (issue 16): what people write,
-- every version kept. A save is a new row; the triggers refuse any change to a row or its removal, so a history
-- shows who wrote what and when, and what each version changed.
CREATE TABLE indicator_comment (
    comment_id   INTEGER PRIMARY KEY,
    indicator_id TEXT NOT NULL,
    period       TEXT NOT NULL,     -- the month the figure is as at, YYYY-MM
    version      INTEGER NOT NULL,  -- 1, 2, ... per indicator and period
    text         TEXT NOT NULL,
    written_by   TEXT NOT NULL,     -- the account's username (or the operating-system account, at the command line)
    written_at   TEXT NOT NULL,     -- UTC, ISO 8601
    UNIQUE (indicator_id, period, version)
);
CREATE TRIGGER indicator_comment_never_changed BEFORE UPDATE ON indicator_comment
BEGIN
    SELECT RAISE(ABORT, 'a version of a commentary is never changed: write a new one');
END;
CREATE TRIGGER indicator_comment_never_removed BEFORE DELETE ON indicator_comment
BEGIN
    SELECT RAISE(ABORT, 'a version of a commentary is never removed');
END;

CREATE TABLE self_evaluation_text (
    text_id       INTEGER PRIMARY KEY,
    area          TEXT NOT NULL,     -- an ILACS judgement area (childhub.indicators.JUDGEMENT_AREAS)
    question      TEXT NOT NULL,     -- know, how, plans (childhub.leaders.evaluation.QUESTIONS)
    version       INTEGER NOT NULL,  -- 1, 2, ... per area and question
    text          TEXT NOT NULL,
    written_by    TEXT NOT NULL,
    written_at    TEXT NOT NULL,     -- UTC, ISO 8601
    restored_from INTEGER REFERENCES self_evaluation_text (text_id),  -- the version whose text this restores
    UNIQUE (area, question, version)
);
CREATE TRIGGER self_evaluation_text_never_changed BEFORE UPDATE ON self_evaluation_text
BEGIN
    SELECT RAISE(ABORT, 'a version of the self-evaluation is never changed: write a new one');
END;
CREATE TRIGGER self_evaluation_text_never_removed BEFORE DELETE ON self_evaluation_text
BEGIN
    SELECT RAISE(ABORT, 'a version of the self-evaluation is never removed');
END;
