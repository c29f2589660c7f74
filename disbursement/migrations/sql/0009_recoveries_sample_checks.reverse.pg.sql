-- Removes what 0008_recoveries_sample_checks installed.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_guard ON disbursement_recovery
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_guard ON disbursement_recoveryrefund
-- end of statement
DROP TRIGGER IF EXISTS disbursement_sampleline_guard ON disbursement_samplecheckline
-- end of statement
DROP FUNCTION IF EXISTS disbursement_recovery_guard()
-- end of statement
DROP FUNCTION IF EXISTS disbursement_refund_guard()
-- end of statement
DROP FUNCTION IF EXISTS disbursement_sampleline_guard()
-- end of statement
