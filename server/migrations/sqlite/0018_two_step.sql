-- Two-step verification (issue 14): an account may turn on TOTP (RFC 6238); a billing-account owner who has it
-- on gives a code from the authenticator app before a settlement change. `totp_last_step` is the last 30-second
-- step accepted, so no code is accepted twice.
ALTER TABLE guance_accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE guance_accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
