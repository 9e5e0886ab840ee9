-- The audit log (issue 20): every state change, appended in the transaction that makes it. Append-only:
-- the application has no UPDATE or DELETE of it, and these triggers refuse one from anywhere.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    customer_id INTEGER,
    billing_account_id INTEGER,
    workspace_id INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_billing_account ON audit_log (billing_account_id, id);
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
