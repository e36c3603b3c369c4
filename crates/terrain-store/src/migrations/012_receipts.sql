-- Receipts (issue 16, docs/receipts.md): the server's public keys as this device learned them at
-- sign-in (never deleted: a key once current still checks the receipts it signed), and the
-- server's signed receipts of this device's revisions, kept in the transaction of their ack.
CREATE TABLE server_keys (
    key_id      TEXT PRIMARY KEY,      -- 16 hex digits: sha256 of the public key, first 8 bytes
    signing     TEXT NOT NULL,         -- base64 of the Ed25519 public key
    sealing     TEXT,                  -- the age recipient bundles are sealed to (age1...)
    fingerprint TEXT,
    current     INTEGER NOT NULL DEFAULT 0 CHECK (current IN (0, 1)),
    retired_at  TEXT,
    learned_at  TEXT NOT NULL
) STRICT;
CREATE TABLE receipts (
    rev_id   TEXT PRIMARY KEY REFERENCES revisions (id),
    receipt  TEXT NOT NULL,            -- JSON of the receipt as the server signed it
    valid    INTEGER NOT NULL CHECK (valid IN (0, 1)),  -- checked against a stored server key
    problem  TEXT,                     -- why it did not check, when it did not
    kept_at  TEXT NOT NULL
) STRICT;
