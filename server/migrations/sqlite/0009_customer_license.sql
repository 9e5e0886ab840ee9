-- A customer's license as AWS identifies it across formats: the trailing `l-…` id of its ARN (ResolveCustomer
-- says `arn:aws:license-manager::<account>:license:l-…`, EventBridge `aws:license-manager:<region>:<account>:l-…`).
ALTER TABLE marketplace_customers ADD COLUMN license_id TEXT;
UPDATE marketplace_customers SET license_id = substr(license_arn, instr(license_arn, ':l-') + 1)
 WHERE license_arn IS NOT NULL AND instr(license_arn, ':l-') > 0;
CREATE INDEX marketplace_customers_license ON marketplace_customers (aws_account_id, license_id);
