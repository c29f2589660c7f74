"""Database triggers holding the payout rules a one-row constraint cannot say, on SQLite and
PostgreSQL (the same refusals on both; tests go around the ORM to prove them):

* a payment is added to or removed from a batch only while the batch is a draft (nothing is
  added to or removed from an approved batch), and a new payment is ``pending``;
* a payment is for exactly its source's amount and currency — for a case, the amount its award
  entry booked to awards payable, not the case row's — and a case is paid only once final;
* the batch, source, payee (person, name, ID number), account (and whose it is), reference and
  amount never change; its status
  moves only forward: pending -> sent (only in an approved batch) -> paid | failed, and
  failed -> reissued; a paid payment's booking (entry, bank transaction, date) never changes;
* a payment is paid or failed by exactly one bank result import: the one of its batch being
  applied (one at a time per batch), named on the payment and never changed after (a reissue
  keeps it);
* a batch never goes back to draft, and its approver, once set, never changes;
* an entitlement is for exactly its program's amount, in a cycle and enrolment of that program,
  only for an enrolment listed as continued or new in the cycle's approved annual confirmation,
  never for a row held by an objection (open, or upheld and back at a tier), and is never
  changed or deleted; enrolment history is append-only.

Row-level rules (one source, positive amounts, one live payment per source, approver is not the
builder, ...) are constraints on the models.

On PostgreSQL the payment rules are checked per statement, with transition tables, so that a
batch of 100,000 payments is checked in a few joins rather than in 100,000 trigger calls each
making its own look-ups: after an insert (status, source and amount of every new row), after an
update (every new row beside its old one, and the batch of those being sent) and after a delete.
One row trigger remains, before each inserted row: the batch's status, so that the batch rule
speaks before the unique indexes do (adding to an approved batch is refused as such, not as a
duplicate). SQLite checks each row (it has no transition tables; its row triggers are cheap).

Recoveries (``disbursement.recovery``): a recovery is for a paid payment and at most its amount,
and its payment, person, fund, account, amount and maker never change; it is settled only when
its refunds add up to its amount. A refund goes only to an open recovery and the refunds of a
recovery never add up to more than its amount (on PostgreSQL the recovery's row is locked
first, so two refunds at once are checked one after the other); a refund is never changed or
deleted. A sample check line is recorded by someone other than the batch's builder.

Six guard sets of the same names on both engines (``disbursement.payment``,
``disbursement.payoutbatch``, ``disbursement.entitlement``, ``disbursement.enrolmenthistory``,
``disbursement.case_cancel``, ``disbursement.recovery``), registered by ``disbursement.apps``.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

_P = "disbursement: "
MSG_ADD = _P + "payments are added to or removed from a batch only while it is a draft"
MSG_NEW_PENDING = _P + "a new payment is pending"
MSG_CASE_AMOUNT = _P + "a payment is for exactly the amount of a final award"
MSG_ENT_AMOUNT = _P + "a payment is for exactly the amount of its entitlement"
MSG_FIXED = _P + "the batch, source, payee, account, reference and amount never change"
MSG_STATUS = _P + "payment status moves only pending > sent > paid or failed > reissued"
MSG_SENT = _P + "only payments of an approved batch are sent to the bank"
MSG_PAID = _P + "the booking of a paid payment never changes"
MSG_SETTLED = (
    _P + "a payment is paid or failed by one result import of its batch being applied, "
    "and that import never changes"
)
MSG_BATCH = _P + "an approved batch never returns to draft and keeps its approver"
MSG_ENTITLEMENT = _P + "an entitlement is for the amount of its program and is never changed"
MSG_CONFIRMED = (
    _P + "an entitlement is booked only for a confirmed beneficiary of an approved cycle"
)
MSG_HELD = _P + "an entitlement is not booked for a row held by an objection"
MSG_APPEND = _P + "enrolment history rows are never changed or deleted"
MSG_CANCEL = _P + "an award with a payment pending, sent or paid is not cancelled"

_BATCH_STATUS = "(SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = {row}.batch_id)"
# A case's payment is for what the ledger booked as owed (the award entry's credit to awards
# payable, account 2201), not for what the case row says: a case row changed underneath cannot
# make a payment of more than was booked (approvals.award freezes the row as well).
_CASE_OK = """EXISTS (SELECT 1 FROM approvals_case c
    JOIN ledger_journalline l ON l.entry_id = c.award_entry_id
    JOIN ledger_account a ON a.id = l.account_id
    WHERE c.id = {row}.case_id AND c.state = 'final' AND a.code = '2201' AND l.side = 'C'
      AND l.amount = {row}.amount AND l.amount_currency = {row}.amount_currency)"""
_ENT_OK = """EXISTS (SELECT 1 FROM disbursement_entitlement e WHERE e.id = {row}.entitlement_id
    AND e.amount = {row}.amount AND e.amount_currency = {row}.amount_currency)"""
# The ciphertexts (account_enc, payee_id_enc) are not in this list: a key rotation
# (manage.py rotate_field_key, approvals.crypto) re-encrypts them under the new key, and the
# database cannot tell a re-encryption from a swap. What they hold stays pinned: account_hash
# never changes here, and the bank file (disbursement.services.batches) writes a number only
# after checking that it hashes to account_hash and that the payee's ID hashes to the payee's
# stored ID hash, so a ciphertext swapped underneath is refused, not paid.
_FIXED_CHANGED = """({new}.batch_id <> {old}.batch_id OR {new}.household_id <> {old}.household_id
    OR COALESCE({new}.case_id, -1) <> COALESCE({old}.case_id, -1)
    OR COALESCE({new}.entitlement_id, -1) <> COALESCE({old}.entitlement_id, -1)
    OR {new}.amount <> {old}.amount OR {new}.amount_currency <> {old}.amount_currency
    OR {new}.reference <> {old}.reference OR {new}.payee_name <> {old}.payee_name
    OR {new}.account_hash <> {old}.account_hash
    OR {new}.payee_id <> {old}.payee_id
    OR {new}.account_owner <> {old}.account_owner)"""
_STATUS_OK = """({new}.status = {old}.status
    OR {old}.status = 'pending' AND {new}.status = 'sent'
    OR {old}.status = 'sent' AND {new}.status IN ('paid', 'failed')
    OR {old}.status = 'failed' AND {new}.status = 'reissued')"""
_PAID_CHANGED = """({old}.status = 'paid' AND (COALESCE({new}.entry_id, -1) <> COALESCE({old}.entry_id, -1)
    OR {new}.bank_txn_id <> {old}.bank_txn_id OR {new}.paid_at <> {old}.paid_at))"""
# Settled by exactly one import: a sent payment becomes paid or failed only naming an import of
# its own batch that is being applied (one at a time per batch: a partial unique index), and a
# settled payment (paid, failed, reissued) keeps the import that settled it.
_SETTLED_BY = """({old}.status = 'sent' AND {new}.status IN ('paid', 'failed')
    AND NOT EXISTS (SELECT 1 FROM disbursement_bankresultimport i
        WHERE i.id = {new}.result_import_id AND i.batch_id = {new}.batch_id
          AND i.status = 'applying')
    OR {old}.status IN ('paid', 'failed', 'reissued')
    AND COALESCE({new}.result_import_id, -1) <> COALESCE({old}.result_import_id, -1))"""
_BATCH_BACK = """(OLD.status <> 'draft' AND NEW.status = 'draft'
    OR OLD.approved_by_id IS NOT NULL
       AND COALESCE(NEW.approved_by_id, -1) <> OLD.approved_by_id)"""
_ENTITLEMENT_OK = """EXISTS (SELECT 1 FROM disbursement_cycle cy
    JOIN approvals_program p ON p.id = cy.program_id
    JOIN disbursement_enrolment en ON en.id = NEW.enrolment_id
    WHERE cy.id = NEW.cycle_id AND p.id = NEW.program_id AND en.program_id = p.id
      AND p.amount = NEW.amount AND p.amount_currency = NEW.amount_currency)"""

# Issue 11 point 4: no entitlement without the cycle's approved annual confirmation listing the
# enrolment as continued or new.
_CONFIRMED = """EXISTS (SELECT 1 FROM disbursement_confirmation c
    JOIN disbursement_confirmationrow r ON r.confirmation_id = c.id
    WHERE c.cycle_id = NEW.cycle_id AND c.status = 'approved'
      AND r.enrolment_id = NEW.enrolment_id AND r.outcome IN ('continued', 'new'))"""
# Issue 11: a row with an open objection, or sent back to a tier after an upheld one, is held:
# nothing is booked for it until the objection is resolved (dismissed, or the row decided again).
_HELD = """EXISTS (SELECT 1 FROM disbursement_confirmation c
    JOIN disbursement_confirmationrow r ON r.confirmation_id = c.id
    WHERE c.cycle_id = NEW.cycle_id AND r.enrolment_id = NEW.enrolment_id
      AND (r.review_tier IS NOT NULL OR EXISTS (SELECT 1 FROM disbursement_confirmationobjection o
          WHERE o.row_id = r.id AND o.status = 'open')))"""


# The services ask first (approvals.hooks, filled in disbursement's ready()) and explain what to
# do; this is the database's own refusal for whatever goes around them.
_LIVE_PAYMENT = """EXISTS (SELECT 1 FROM disbursement_payment p WHERE p.case_id = NEW.id
    AND p.status IN ('pending', 'sent', 'paid'))"""
_ROWS = {"new": "NEW", "old": "OLD"}  # the row triggers' names; the statement trigger's: n, o
_SETS = {"new": "n", "old": "o"}


# _PLAN_EACH_TIME: the statement triggers run their query with EXECUTE, so PostgreSQL plans it
# for the rows at hand. A static query in PL/pgSQL without parameters is planned once per session
# and the plan is kept: planned on a first statement of a few rows (nested loops over the
# transition tables), it was reused for 100,000 rows and a 5,000-row update took 3.8 s instead of
# 0.1 s. Planning costs about a millisecond per statement. The functions run with their own
# work_mem (the join of a 100,000-row update with its old rows sorts in memory instead of on disk)
# and without JIT compilation (which cost more than the query).


def _raise_pg(message: str) -> str:
    return f"RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';"


PAYMENT_PG = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Before each new row, so that the batch rule speaks before the unique indexes; the rest of
  -- an insert is checked per statement (disbursement_payment_insert_guard).
  IF {_BATCH_STATUS.format(row="NEW")} IS DISTINCT FROM 'draft' THEN {_raise_pg(MSG_ADD)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_payment_guard ON disbursement_payment;",
    """CREATE TRIGGER disbursement_payment_guard
       BEFORE INSERT ON disbursement_payment
       FOR EACH ROW EXECUTE FUNCTION disbursement_payment_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_payment_insert_guard() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  v_pending boolean;
  v_case boolean;
  v_entitlement boolean;
BEGIN
  -- EXECUTE: planned for this statement's rows (see _PLAN_EACH_TIME).
  EXECUTE $q$
    SELECT COALESCE(bool_or(n.status <> 'pending'), false),
           COALESCE(bool_or(n.case_id IS NOT NULL AND NOT {_CASE_OK.format(row="n")}), false),
           COALESCE(bool_or(n.entitlement_id IS NOT NULL AND NOT {_ENT_OK.format(row="n")}),
                    false)
    FROM new_payments n
  $q$ INTO v_pending, v_case, v_entitlement;
  IF v_pending THEN {_raise_pg(MSG_NEW_PENDING)} END IF;
  IF v_case THEN {_raise_pg(MSG_CASE_AMOUNT)} END IF;
  IF v_entitlement THEN {_raise_pg(MSG_ENT_AMOUNT)} END IF;
  RETURN NULL;
END $$;""",  # noqa: S608 - constant SQL, no user input
    "DROP TRIGGER IF EXISTS disbursement_payment_insert_guard ON disbursement_payment;",
    """CREATE TRIGGER disbursement_payment_insert_guard
       AFTER INSERT ON disbursement_payment REFERENCING NEW TABLE AS new_payments
       FOR EACH STATEMENT EXECUTE FUNCTION disbursement_payment_insert_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_payment_update_guard() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  v_fixed boolean;
  v_status boolean;
  v_sent boolean;
  v_paid boolean;
  v_settled boolean;
BEGIN
  -- Each new row beside its old one, paired by the reference (unique, and never changed: a
  -- row whose reference changed finds no old row, and that is refused as a change).
  -- EXECUTE: planned for this statement's rows (see _PLAN_EACH_TIME).
  EXECUTE $q$
    SELECT COALESCE(bool_or(o.id IS NULL OR {_FIXED_CHANGED.format(**_SETS)}), false),
           COALESCE(bool_or(NOT {_STATUS_OK.format(**_SETS)}), false),
           COALESCE(bool_or(o.status = 'pending' AND n.status = 'sent'
                            AND b.status NOT IN ('approved', 'exported')), false),
           COALESCE(bool_or({_PAID_CHANGED.format(**_SETS)}), false),
           COALESCE(bool_or({_SETTLED_BY.format(**_SETS)}), false)
    FROM new_payments n
    LEFT JOIN old_payments o ON o.reference = n.reference
    LEFT JOIN disbursement_payoutbatch b ON b.id = n.batch_id
  $q$ INTO v_fixed, v_status, v_sent, v_paid, v_settled;
  IF v_fixed THEN {_raise_pg(MSG_FIXED)} END IF;
  IF v_status THEN {_raise_pg(MSG_STATUS)} END IF;
  IF v_sent THEN {_raise_pg(MSG_SENT)} END IF;
  IF v_paid THEN {_raise_pg(MSG_PAID)} END IF;
  IF v_settled THEN {_raise_pg(MSG_SETTLED)} END IF;
  RETURN NULL;
END $$;""",  # noqa: S608 - constant SQL, no user input
    "DROP TRIGGER IF EXISTS disbursement_payment_update_guard ON disbursement_payment;",
    """CREATE TRIGGER disbursement_payment_update_guard
       AFTER UPDATE ON disbursement_payment
       REFERENCING OLD TABLE AS old_payments NEW TABLE AS new_payments
       FOR EACH STATEMENT EXECUTE FUNCTION disbursement_payment_update_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_payment_delete_guard() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  v_added boolean;
BEGIN
  -- EXECUTE: planned for this statement's rows (see _PLAN_EACH_TIME).
  EXECUTE $q$
    SELECT EXISTS (SELECT 1 FROM old_payments o
                   JOIN disbursement_payoutbatch b ON b.id = o.batch_id
                   WHERE b.status <> 'draft')
  $q$ INTO v_added;
  IF v_added THEN {_raise_pg(MSG_ADD)} END IF;
  RETURN NULL;
END $$;""",  # noqa: S608 - constant SQL, no user input
    "DROP TRIGGER IF EXISTS disbursement_payment_delete_guard ON disbursement_payment;",
    """CREATE TRIGGER disbursement_payment_delete_guard
       AFTER DELETE ON disbursement_payment REFERENCING OLD TABLE AS old_payments
       FOR EACH STATEMENT EXECUTE FUNCTION disbursement_payment_delete_guard();""",
]
PAYOUTBATCH_PG = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_BATCH_BACK} THEN {_raise_pg(MSG_BATCH)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_batch_guard ON disbursement_payoutbatch;",
    """CREATE TRIGGER disbursement_batch_guard BEFORE UPDATE ON disbursement_payoutbatch
       FOR EACH ROW EXECUTE FUNCTION disbursement_batch_guard();""",
]
ENTITLEMENT_PG = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_entitlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' OR NOT {_ENTITLEMENT_OK} THEN {_raise_pg(MSG_ENTITLEMENT)} END IF;
  IF NOT {_CONFIRMED} THEN {_raise_pg(MSG_CONFIRMED)} END IF;
  IF {_HELD} THEN {_raise_pg(MSG_HELD)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_entitlement_guard ON disbursement_entitlement;",
    """CREATE TRIGGER disbursement_entitlement_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_entitlement
       FOR EACH ROW EXECUTE FUNCTION disbursement_entitlement_guard();""",
]
ENROLMENTHISTORY_PG = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_raise_pg(MSG_APPEND)}
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_enrolmenthistory_append_only "
    "ON disbursement_enrolmenthistory;",
    """CREATE TRIGGER disbursement_enrolmenthistory_append_only
       BEFORE UPDATE OR DELETE ON disbursement_enrolmenthistory
       FOR EACH ROW EXECUTE FUNCTION disbursement_append_only();""",
]
CASE_CANCEL_PG = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_case_cancel_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_LIVE_PAYMENT} THEN {_raise_pg(MSG_CANCEL)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_case_cancel_guard ON approvals_case;",
    """CREATE TRIGGER disbursement_case_cancel_guard BEFORE UPDATE OF state ON approvals_case
       FOR EACH ROW WHEN (NEW.state = 'cancelled' AND OLD.state IS DISTINCT FROM 'cancelled')
       EXECUTE FUNCTION disbursement_case_cancel_guard();""",
]


def _sqlite(name: str, when_op: str, table: str, condition: str, message: str) -> tuple:
    condition = f"WHEN {condition}" if condition else ""
    return name, (
        f"CREATE TRIGGER {name} BEFORE {when_op} ON {table} {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


_PAY = "disbursement_payment"
PAYMENT_SQLITE = dict(
    [
        _sqlite(
            "disbursement_payment_ins_batch",
            "INSERT",
            _PAY,
            f"{_BATCH_STATUS.format(row='NEW')} <> 'draft'",
            MSG_ADD,
        ),
        _sqlite(
            "disbursement_payment_del_batch",
            "DELETE",
            _PAY,
            f"{_BATCH_STATUS.format(row='OLD')} <> 'draft'",
            MSG_ADD,
        ),
        _sqlite(
            "disbursement_payment_ins_pending",
            "INSERT",
            _PAY,
            "NEW.status <> 'pending'",
            MSG_NEW_PENDING,
        ),
        _sqlite(
            "disbursement_payment_ins_case",
            "INSERT",
            _PAY,
            f"NEW.case_id IS NOT NULL AND NOT {_CASE_OK.format(row='NEW')}",
            MSG_CASE_AMOUNT,
        ),
        _sqlite(
            "disbursement_payment_ins_entitlement",
            "INSERT",
            _PAY,
            f"NEW.entitlement_id IS NOT NULL AND NOT {_ENT_OK.format(row='NEW')}",
            MSG_ENT_AMOUNT,
        ),
        _sqlite(
            "disbursement_payment_upd_fixed",
            "UPDATE",
            _PAY,
            _FIXED_CHANGED.format(**_ROWS),
            MSG_FIXED,
        ),
        _sqlite(
            "disbursement_payment_upd_status",
            "UPDATE",
            _PAY,
            f"NOT {_STATUS_OK.format(**_ROWS)}",
            MSG_STATUS,
        ),
        _sqlite(
            "disbursement_payment_upd_sent",
            "UPDATE",
            _PAY,
            "OLD.status = 'pending' AND NEW.status = 'sent' AND "
            f"{_BATCH_STATUS.format(row='NEW')} NOT IN ('approved', 'exported')",
            MSG_SENT,
        ),
        _sqlite(
            "disbursement_payment_upd_paid", "UPDATE", _PAY, _PAID_CHANGED.format(**_ROWS), MSG_PAID
        ),
        _sqlite(
            "disbursement_payment_upd_settled",
            "UPDATE",
            _PAY,
            _SETTLED_BY.format(**_ROWS),
            MSG_SETTLED,
        ),
    ]
)
PAYOUTBATCH_SQLITE = dict(
    [
        _sqlite(
            "disbursement_batch_upd", "UPDATE", "disbursement_payoutbatch", _BATCH_BACK, MSG_BATCH
        ),
    ]
)
ENTITLEMENT_SQLITE = dict(
    [
        _sqlite(
            "disbursement_entitlement_ins",
            "INSERT",
            "disbursement_entitlement",
            f"NOT {_ENTITLEMENT_OK}",
            MSG_ENTITLEMENT,
        ),
        _sqlite(
            "disbursement_entitlement_confirmed",
            "INSERT",
            "disbursement_entitlement",
            f"NOT {_CONFIRMED}",
            MSG_CONFIRMED,
        ),
        _sqlite(
            "disbursement_entitlement_held",
            "INSERT",
            "disbursement_entitlement",
            _HELD,
            MSG_HELD,
        ),
        _sqlite(
            "disbursement_entitlement_upd",
            "UPDATE",
            "disbursement_entitlement",
            "",
            MSG_ENTITLEMENT,
        ),
        _sqlite(
            "disbursement_entitlement_del",
            "DELETE",
            "disbursement_entitlement",
            "",
            MSG_ENTITLEMENT,
        ),
    ]
)
CASE_CANCEL_SQLITE = dict(
    [
        _sqlite(
            "disbursement_case_cancel",
            "UPDATE OF state",
            "approvals_case",
            f"NEW.state = 'cancelled' AND OLD.state IS NOT 'cancelled' AND {_LIVE_PAYMENT}",
            MSG_CANCEL,
        ),
    ]
)
ENROLMENTHISTORY_SQLITE = dict(
    [
        _sqlite(
            "disbursement_enrolmenthistory_upd",
            "UPDATE",
            "disbursement_enrolmenthistory",
            "",
            MSG_APPEND,
        ),
        _sqlite(
            "disbursement_enrolmenthistory_del",
            "DELETE",
            "disbursement_enrolmenthistory",
            "",
            MSG_APPEND,
        ),
    ]
)


PAYMENT = GuardSet(
    name="disbursement.payment",
    install_sql={"postgresql": PAYMENT_PG, "sqlite": sqlite_install(PAYMENT_SQLITE)},
    triggers={
        "postgresql": {
            "disbursement_payment_guard": "disbursement_payment",
            "disbursement_payment_insert_guard": "disbursement_payment",
            "disbursement_payment_update_guard": "disbursement_payment",
            "disbursement_payment_delete_guard": "disbursement_payment",
        },
        "sqlite": sqlite_tables(PAYMENT_SQLITE),
    },
    functions={
        "postgresql": [
            "disbursement_payment_guard()",
            "disbursement_payment_insert_guard()",
            "disbursement_payment_update_guard()",
            "disbursement_payment_delete_guard()",
        ]
    },
)
PAYOUTBATCH = GuardSet(
    name="disbursement.payoutbatch",
    install_sql={"postgresql": PAYOUTBATCH_PG, "sqlite": sqlite_install(PAYOUTBATCH_SQLITE)},
    triggers={
        "postgresql": {"disbursement_batch_guard": "disbursement_payoutbatch"},
        "sqlite": sqlite_tables(PAYOUTBATCH_SQLITE),
    },
    functions={"postgresql": ["disbursement_batch_guard()"]},
)
ENTITLEMENT = GuardSet(
    name="disbursement.entitlement",
    install_sql={"postgresql": ENTITLEMENT_PG, "sqlite": sqlite_install(ENTITLEMENT_SQLITE)},
    triggers={
        "postgresql": {"disbursement_entitlement_guard": "disbursement_entitlement"},
        "sqlite": sqlite_tables(ENTITLEMENT_SQLITE),
    },
    functions={"postgresql": ["disbursement_entitlement_guard()"]},
)
ENROLMENTHISTORY = GuardSet(
    name="disbursement.enrolmenthistory",
    install_sql={
        "postgresql": ENROLMENTHISTORY_PG,
        "sqlite": sqlite_install(ENROLMENTHISTORY_SQLITE),
    },
    triggers={
        "postgresql": {
            "disbursement_enrolmenthistory_append_only": "disbursement_enrolmenthistory"
        },
        "sqlite": sqlite_tables(ENROLMENTHISTORY_SQLITE),
    },
    functions={"postgresql": ["disbursement_append_only()"]},
)
CASE_CANCEL = GuardSet(
    name="disbursement.case_cancel",
    install_sql={"postgresql": CASE_CANCEL_PG, "sqlite": sqlite_install(CASE_CANCEL_SQLITE)},
    triggers={
        "postgresql": {"disbursement_case_cancel_guard": "approvals_case"},
        "sqlite": sqlite_tables(CASE_CANCEL_SQLITE),
    },
    functions={"postgresql": ["disbursement_case_cancel_guard()"]},
)

# ---- recoveries, refunds, sample checks ------------------------------------------------------
MSG_RECOVERY = _P + "a recovery is for a paid payment and at most its amount"
MSG_RECOVERY_FIXED = _P + "what a recovery is for, and its amount and maker, never change"
MSG_SETTLED = _P + "a recovery is settled only when its refunds add up to its amount"
MSG_REFUND = _P + "a refund goes to an open recovery and refunds never exceed what it claims"
MSG_REFUND_FIXED = _P + "a refund is never changed or deleted"
MSG_SAMPLE_CHECKER = _P + "a sample check is recorded by someone who did not build the batch"

_REC = "disbursement_recovery"
_REFUND = "disbursement_recoveryrefund"
_RECOVERY_OK = """EXISTS (SELECT 1 FROM disbursement_payment p WHERE p.id = NEW.payment_id
    AND p.status = 'paid' AND p.amount_currency = NEW.amount_currency
    AND NEW.amount <= p.amount)"""
_RECOVERY_CHANGED = """(NEW.payment_id <> OLD.payment_id OR NEW.person_id <> OLD.person_id
    OR NEW.fund_id <> OLD.fund_id OR NEW.expense_account <> OLD.expense_account
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.created_by_id <> OLD.created_by_id)"""
_REFUNDED = """(SELECT COALESCE(SUM(f.amount), 0) FROM disbursement_recoveryrefund f
    WHERE f.recovery_id = NEW.id)"""
_SETTLED_EARLY = f"""(NEW.status = 'settled' AND OLD.status <> 'settled'
    AND {_REFUNDED} <> NEW.amount)"""
_REFUND_BAD = """NOT EXISTS (SELECT 1 FROM disbursement_recovery r WHERE r.id = NEW.recovery_id
    AND r.status = 'open' AND r.amount_currency = NEW.amount_currency
    AND (SELECT COALESCE(SUM(f.amount), 0) FROM disbursement_recoveryrefund f
          WHERE f.recovery_id = NEW.recovery_id) + NEW.amount <= r.amount)"""
_CHECKER_IS_BUILDER = """NEW.checked_by_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM disbursement_samplecheck s
      JOIN disbursement_payoutbatch b ON b.id = s.batch_id
     WHERE s.id = NEW.sample_id AND b.built_by_id = NEW.checked_by_id)"""

RECOVERY_PG = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_recovery_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN {_raise_pg(MSG_RECOVERY_FIXED)} END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT {_RECOVERY_OK} THEN {_raise_pg(MSG_RECOVERY)} END IF;
    RETURN NEW;
  END IF;
  IF {_RECOVERY_CHANGED} THEN {_raise_pg(MSG_RECOVERY_FIXED)} END IF;
  IF {_SETTLED_EARLY} THEN {_raise_pg(MSG_SETTLED)} END IF;
  RETURN NEW;
END $$;""",
    f"DROP TRIGGER IF EXISTS disbursement_recovery_guard ON {_REC};",
    f"""CREATE TRIGGER disbursement_recovery_guard BEFORE INSERT OR UPDATE OR DELETE ON {_REC}
       FOR EACH ROW EXECUTE FUNCTION disbursement_recovery_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_refund_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_raise_pg(MSG_REFUND_FIXED)} END IF;
  -- Two refunds at once: the second waits here for the first's commit, then sees its sum.
  PERFORM 1 FROM {_REC} WHERE id = NEW.recovery_id FOR UPDATE;
  IF {_REFUND_BAD} THEN {_raise_pg(MSG_REFUND)} END IF;
  RETURN NEW;
END $$;""",
    f"DROP TRIGGER IF EXISTS disbursement_refund_guard ON {_REFUND};",
    f"""CREATE TRIGGER disbursement_refund_guard BEFORE INSERT OR UPDATE OR DELETE ON {_REFUND}
       FOR EACH ROW EXECUTE FUNCTION disbursement_refund_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_sampleline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_CHECKER_IS_BUILDER} THEN {_raise_pg(MSG_SAMPLE_CHECKER)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_sampleline_guard ON disbursement_samplecheckline;",
    """CREATE TRIGGER disbursement_sampleline_guard
       BEFORE INSERT OR UPDATE ON disbursement_samplecheckline
       FOR EACH ROW EXECUTE FUNCTION disbursement_sampleline_guard();""",
]
RECOVERY_SQLITE = dict(
    [
        _sqlite("disbursement_recovery_ins", "INSERT", _REC, f"NOT {_RECOVERY_OK}", MSG_RECOVERY),
        _sqlite(
            "disbursement_recovery_fixed", "UPDATE", _REC, _RECOVERY_CHANGED, MSG_RECOVERY_FIXED
        ),
        _sqlite("disbursement_recovery_settled", "UPDATE", _REC, _SETTLED_EARLY, MSG_SETTLED),
        _sqlite("disbursement_recovery_del", "DELETE", _REC, "", MSG_RECOVERY_FIXED),
        _sqlite("disbursement_refund_ins", "INSERT", _REFUND, _REFUND_BAD, MSG_REFUND),
        _sqlite("disbursement_refund_upd", "UPDATE", _REFUND, "", MSG_REFUND_FIXED),
        _sqlite("disbursement_refund_del", "DELETE", _REFUND, "", MSG_REFUND_FIXED),
        _sqlite(
            "disbursement_sampleline_ins",
            "INSERT",
            "disbursement_samplecheckline",
            _CHECKER_IS_BUILDER,
            MSG_SAMPLE_CHECKER,
        ),
        _sqlite(
            "disbursement_sampleline_upd",
            "UPDATE",
            "disbursement_samplecheckline",
            _CHECKER_IS_BUILDER,
            MSG_SAMPLE_CHECKER,
        ),
    ]
)
RECOVERY = GuardSet(
    name="disbursement.recovery",
    install_sql={"postgresql": RECOVERY_PG, "sqlite": sqlite_install(RECOVERY_SQLITE)},
    triggers={
        "postgresql": {
            "disbursement_recovery_guard": _REC,
            "disbursement_refund_guard": _REFUND,
            "disbursement_sampleline_guard": "disbursement_samplecheckline",
        },
        "sqlite": sqlite_tables(RECOVERY_SQLITE),
    },
    functions={
        "postgresql": [
            "disbursement_recovery_guard()",
            "disbursement_refund_guard()",
            "disbursement_sampleline_guard()",
        ]
    },
)
GUARD_SETS = [PAYMENT, PAYOUTBATCH, ENTITLEMENT, ENROLMENTHISTORY, CASE_CANCEL, RECOVERY]
