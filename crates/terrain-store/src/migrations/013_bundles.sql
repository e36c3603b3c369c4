-- Bundles (issue 16, docs/bundles.md): what this device wrote into USB bundles, so writing again
-- adds only what is new. A revision stays in the outbox until a reply (or an online push)
-- acknowledges it; these rows only say it already travels in a bundle.
CREATE TABLE bundled (
    rev_id     TEXT PRIMARY KEY REFERENCES revisions (id),
    bundle_id  TEXT NOT NULL,
    bundled_at TEXT NOT NULL
) STRICT;
CREATE TABLE bundled_photos (
    sha256     TEXT PRIMARY KEY,
    bundle_id  TEXT NOT NULL,
    bundled_at TEXT NOT NULL
) STRICT;
