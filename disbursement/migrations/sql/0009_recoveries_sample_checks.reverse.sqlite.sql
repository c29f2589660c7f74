-- Removes what 0008_recoveries_sample_checks installed.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_ins
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_fixed
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_settled
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_del
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_ins
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_upd
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_del
-- end of statement
DROP TRIGGER IF EXISTS disbursement_sampleline_ins
-- end of statement
DROP TRIGGER IF EXISTS disbursement_sampleline_upd
-- end of statement
