-- A spell from first_day to last_day (NULL while it lasts) that overlaps the window: began on or before the day of
-- the send and had not ended before the window's first day.
CREATE OR REPLACE TEMP MACRO dfe_in_window(first_day, last_day) AS
    first_day <= getvariable('dfe_as_at')
    AND (last_day IS NULL OR last_day >= getvariable('dfe_window_start'));
