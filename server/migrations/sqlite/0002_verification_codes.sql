-- Emailed verification codes. Only an HMAC of the code is kept. A code is bound to the activation session,
-- its purpose and the address it was sent to.
CREATE TABLE verification_codes (
    id           INTEGER PRIMARY KEY,
    session_hash BLOB    NOT NULL REFERENCES activation_sessions (id_hash) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL,
    address      TEXT    NOT NULL,
    code_mac     BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    consumed_at  INTEGER,
    voided_at    INTEGER
);

CREATE INDEX verification_codes_lookup ON verification_codes (session_hash, purpose, address, created_at);
CREATE INDEX verification_codes_address ON verification_codes (address, created_at);
