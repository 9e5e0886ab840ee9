-- Forgot password: its emailed codes follow the same rules as the wizard's, bound to the reset flow's own
-- random id instead of an activation session, so a code no longer refers to `activation_sessions` (the table
-- is rebuilt without that foreign key; an activation session that ends deletes its codes itself).
CREATE TABLE verification_codes_any_flow (
    id           INTEGER PRIMARY KEY,
    -- SHA-256 of the activation session id or of the password-reset flow id.
    session_hash BLOB    NOT NULL,
    purpose      TEXT    NOT NULL,
    address      TEXT    NOT NULL,
    code_mac     BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    consumed_at  INTEGER,
    voided_at    INTEGER
);
INSERT INTO verification_codes_any_flow
       (id, session_hash, purpose, address, code_mac, created_at, expires_at, attempts, consumed_at, voided_at)
SELECT id, session_hash, purpose, address, code_mac, created_at, expires_at, attempts, consumed_at, voided_at
  FROM verification_codes;
DROP TABLE verification_codes;
ALTER TABLE verification_codes_any_flow RENAME TO verification_codes;
CREATE INDEX verification_codes_lookup ON verification_codes (session_hash, purpose, address, created_at);
CREATE INDEX verification_codes_address ON verification_codes (address, created_at);

-- Login sessions carry the epoch they were made in; a password reset moves it on, which ends every session
-- of the account (they are checked on each request).
ALTER TABLE guance_accounts ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
