-- Incidents (issue 15). One fingerprint row per report, rewritten in the push transaction from
-- its current head: the duplicate check's blocking key as columns (terrain_server_store::
-- incidents), the fingerprint as JSON. A check reads the rows of one region and a few weeks.
CREATE TABLE IF NOT EXISTS fingerprints (
    report_id  UUID PRIMARY KEY,
    region     BIGINT NOT NULL,
    first_week INTEGER NOT NULL,
    last_week  INTEGER NOT NULL,
    cercle     BIGINT,
    cell_y     INTEGER,
    cell_x     INTEGER,
    fp         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fingerprints_by_week ON fingerprints (region, first_week, last_week);
-- Link operations: append-only, each once by id, at its position of the link feed (`seq`).
-- Writers lock the table (SHARE ROW EXCLUSIVE, which readers do not wait for) for their
-- transaction, so positions commit in the order they are handed out and the feed never skips
-- an operation that commits late. `regions`: its reports' regions when it was stored.
CREATE TABLE IF NOT EXISTS link_ops (
    seq      BIGSERIAL PRIMARY KEY,
    id       UUID NOT NULL UNIQUE,
    report_a UUID NOT NULL,
    report_b UUID NOT NULL,
    regions  TEXT[] NOT NULL,
    op       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS link_ops_by_a ON link_ops (report_a);
CREATE INDEX IF NOT EXISTS link_ops_by_b ON link_ops (report_b);
CREATE OR REPLACE FUNCTION link_ops_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'link operations are append-only';
END
$$;
CREATE OR REPLACE TRIGGER link_ops_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON link_ops
    FOR EACH STATEMENT EXECUTE FUNCTION link_ops_are_append_only();
-- Reports stored before this step get their rows from step 11's code (`incidents::backfill`).
