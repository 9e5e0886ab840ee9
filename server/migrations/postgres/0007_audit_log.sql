-- The audit log (issue 20): every state change, appended in the transaction that makes it. Append-only:
-- the application has no UPDATE or DELETE of it, and these triggers refuse one (and TRUNCATE) from anywhere.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    customer_id BIGINT,
    billing_account_id BIGINT,
    workspace_id BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_billing_account ON audit_log (billing_account_id, id);
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
