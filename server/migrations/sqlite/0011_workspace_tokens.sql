-- The token DataKit sends its data with (one per workspace; given to workspaces created before on first use).
ALTER TABLE workspaces ADD COLUMN token TEXT;
UPDATE workspaces SET token = 'tkn_' || lower(hex(randomblob(16))) WHERE token IS NULL;
CREATE UNIQUE INDEX workspaces_token ON workspaces (token);
