-- What the buyer has typed so far in the wizard (JSON; never a password, only its argon2id hash), and the
-- errors or notice of the last submission, shown once by the next page render.
ALTER TABLE activation_sessions ADD COLUMN draft TEXT NOT NULL DEFAULT '{}';
