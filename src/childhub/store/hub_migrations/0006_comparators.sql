-- Comparators (issue 16): the DfE's published figures an authority downloads and loads
-- (childhub comparators load FILE), and the DfE's statistical-neighbour list.
--
-- A load is one file as it was read. A later file of the same publication and year replaces that
-- publication's figures for that year (its values move to the new load; a load left with nothing is
-- removed), in one transaction: nothing half-loaded. A neighbour list replaces the earlier list whole.

CREATE TABLE comparator_load (
    load_id      INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('open_data', 'neighbours')),
    publication  TEXT NOT NULL,             -- the publication(s) the file's measures are declared from
    years        TEXT NOT NULL,             -- the published periods it holds, as the DfE names them ("2024-25")
    file_name    TEXT NOT NULL,             -- the name of the file loaded (not its folder)
    sha256       TEXT NOT NULL,
    loaded_at    TEXT NOT NULL,             -- UTC, ISO 8601
    loaded_by    TEXT NOT NULL,             -- the account, or the operating-system user at the command line
    rows_read    INTEGER NOT NULL,
    rows_kept    INTEGER NOT NULL,          -- figures kept (open data) or neighbours kept (a neighbour list)
    synthetic    INTEGER NOT NULL DEFAULT 0 -- the demo's made-up comparators
);

-- One published figure: an indicator, a year, a geographic level and an area (England, a region, an LA).
-- value is NULL where the DfE published none; marker keeps the symbol it published instead ('c', 'x', 'z', ...).
CREATE TABLE comparator_value (
    load_id      INTEGER NOT NULL REFERENCES comparator_load (load_id) ON DELETE CASCADE,
    publication  TEXT NOT NULL,
    indicator_id TEXT NOT NULL,
    year         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('national', 'regional', 'local_authority')),
    area_code    TEXT NOT NULL,             -- country_code, region_code or new_la_code (old_la_code without one)
    area_name    TEXT NOT NULL,
    region_code  TEXT,                      -- an LA's region
    old_la_code  TEXT,                      -- an LA's three-digit DfE code
    value        REAL,
    marker       TEXT,
    PRIMARY KEY (indicator_id, year, level, area_code)
);
CREATE INDEX comparator_value_by_load ON comparator_value (load_id);
CREATE INDEX comparator_value_by_publication ON comparator_value (publication, year);

-- The statistical-neighbour list: each LA's neighbours in order (1 = closest).
CREATE TABLE comparator_neighbour (
    load_id          INTEGER NOT NULL REFERENCES comparator_load (load_id) ON DELETE CASCADE,
    la_code          TEXT,                  -- new_la_code where known
    la_old_code      TEXT,
    la_name          TEXT NOT NULL,
    rank             INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 20),
    neighbour_code   TEXT,
    neighbour_old_code TEXT,
    neighbour_name   TEXT NOT NULL,
    PRIMARY KEY (load_id, la_name, rank)
);
