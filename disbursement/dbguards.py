"""Database triggers holding the payout rules a one-row constraint cannot say, on SQLite and
PostgreSQL (the same refusals on both; tests go around the ORM to prove them):

* a payment is added to or removed from a batch only while the batch is a draft (nothing is
  added to or removed from an approved batch), and a new payment is ``pending``;
* a payment is for exactly its source's amount and currency, and a case is paid only once final;
* the batch, source, payee, account, reference and amount never change; its status
  moves only forward: pending -> sent (only in an approved batch) -> paid | failed, and
  failed -> reissued; a paid payment's booking (entry, bank transaction, date) never changes;
* a batch never goes back to draft, and its approver, once set, never changes;
* an entitlement is for exactly its program's amount, in a cycle and enrolment of that program,
  and is never changed or deleted; enrolment history is append-only.

Row-level rules (one source, positive amounts, one live payment per source, approver is not the
builder, ...) are constraints on the models.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

_P = "disbursement: "
MSG_ADD = _P + "payments are added to or removed from a batch only while it is a draft"
MSG_NEW_PENDING = _P + "a new payment is pending"
MSG_CASE_AMOUNT = _P + "a payment is for exactly the amount of a final award"
MSG_ENT_AMOUNT = _P + "a payment is for exactly the amount of its entitlement"
MSG_FIXED = _P + "the batch, source, payee, account, reference and amount never change"
MSG_STATUS = _P + "payment status moves only pending > sent > paid or failed > reissued"
MSG_SENT = _P + "only payments of an approved batch are sent to the bank"
MSG_PAID = _P + "the booking of a paid payment never changes"
MSG_BATCH = _P + "an approved batch never returns to draft and keeps its approver"
MSG_ENTITLEMENT = _P + "an entitlement is for the amount of its program and is never changed"
MSG_APPEND = _P + "enrolment history rows are never changed or deleted"

_BATCH_STATUS = "(SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = {row}.batch_id)"
_CASE_OK = """EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.state = 'final' AND c.amount = NEW.amount AND c.amount_currency = NEW.amount_currency)"""
_ENT_OK = """EXISTS (SELECT 1 FROM disbursement_entitlement e WHERE e.id = NEW.entitlement_id
    AND e.amount = NEW.amount AND e.amount_currency = NEW.amount_currency)"""
_FIXED_CHANGED = """(NEW.batch_id <> OLD.batch_id OR NEW.household_id <> OLD.household_id
    OR COALESCE(NEW.case_id, -1) <> COALESCE(OLD.case_id, -1)
    OR COALESCE(NEW.entitlement_id, -1) <> COALESCE(OLD.entitlement_id, -1)
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.reference <> OLD.reference OR NEW.payee_name <> OLD.payee_name
    OR NEW.account_enc <> OLD.account_enc OR NEW.account_hash <> OLD.account_hash)"""
_STATUS_OK = """(NEW.status = OLD.status
    OR OLD.status = 'pending' AND NEW.status = 'sent'
    OR OLD.status = 'sent' AND NEW.status IN ('paid', 'failed')
    OR OLD.status = 'failed' AND NEW.status = 'reissued')"""
_PAID_CHANGED = """(OLD.status = 'paid' AND (COALESCE(NEW.entry_id, -1) <> COALESCE(OLD.entry_id, -1)
    OR NEW.bank_txn_id <> OLD.bank_txn_id OR NEW.paid_at <> OLD.paid_at))"""
_BATCH_BACK = """(OLD.status <> 'draft' AND NEW.status = 'draft'
    OR OLD.approved_by_id IS NOT NULL
       AND COALESCE(NEW.approved_by_id, -1) <> OLD.approved_by_id)"""
_ENTITLEMENT_OK = """EXISTS (SELECT 1 FROM disbursement_cycle cy
    JOIN approvals_program p ON p.id = cy.program_id
    JOIN disbursement_enrolment en ON en.id = NEW.enrolment_id
    WHERE cy.id = NEW.cycle_id AND p.id = NEW.program_id AND en.program_id = p.id
      AND p.amount = NEW.amount AND p.amount_currency = NEW.amount_currency)"""


def _raise_pg(message: str) -> str:
    return f"RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';"


PG_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION disbursement_payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF {_BATCH_STATUS.format(row="OLD")} <> 'draft' THEN {_raise_pg(MSG_ADD)} END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF {_BATCH_STATUS.format(row="NEW")} <> 'draft' THEN {_raise_pg(MSG_ADD)} END IF;
    IF NEW.status <> 'pending' THEN {_raise_pg(MSG_NEW_PENDING)} END IF;
    IF NEW.case_id IS NOT NULL AND NOT {_CASE_OK} THEN {_raise_pg(MSG_CASE_AMOUNT)} END IF;
    IF NEW.entitlement_id IS NOT NULL AND NOT {_ENT_OK} THEN {_raise_pg(MSG_ENT_AMOUNT)} END IF;
    RETURN NEW;
  END IF;
  IF {_FIXED_CHANGED} THEN {_raise_pg(MSG_FIXED)} END IF;
  IF NOT {_STATUS_OK} THEN {_raise_pg(MSG_STATUS)} END IF;
  IF OLD.status = 'pending' AND NEW.status = 'sent'
     AND {_BATCH_STATUS.format(row="NEW")} NOT IN ('approved', 'exported') THEN
    {_raise_pg(MSG_SENT)}
  END IF;
  IF {_PAID_CHANGED} THEN {_raise_pg(MSG_PAID)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_payment_guard ON disbursement_payment;",
    """CREATE TRIGGER disbursement_payment_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_payment
       FOR EACH ROW EXECUTE FUNCTION disbursement_payment_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_BATCH_BACK} THEN {_raise_pg(MSG_BATCH)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_batch_guard ON disbursement_payoutbatch;",
    """CREATE TRIGGER disbursement_batch_guard BEFORE UPDATE ON disbursement_payoutbatch
       FOR EACH ROW EXECUTE FUNCTION disbursement_batch_guard();""",
    f"""
CREATE OR REPLACE FUNCTION disbursement_entitlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' OR NOT {_ENTITLEMENT_OK} THEN {_raise_pg(MSG_ENTITLEMENT)} END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS disbursement_entitlement_guard ON disbursement_entitlement;",
    """CREATE TRIGGER disbursement_entitlement_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_entitlement
       FOR EACH ROW EXECUTE FUNCTION disbursement_entitlement_guard();""",
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

PG_TRIGGERS = {
    "disbursement_payment_guard": "disbursement_payment",
    "disbursement_batch_guard": "disbursement_payoutbatch",
    "disbursement_entitlement_guard": "disbursement_entitlement",
    "disbursement_enrolmenthistory_append_only": "disbursement_enrolmenthistory",
}
PG_FUNCTIONS = [
    "disbursement_payment_guard",
    "disbursement_batch_guard",
    "disbursement_entitlement_guard",
    "disbursement_append_only",
]


def _sqlite(name: str, when_op: str, table: str, condition: str, message: str) -> tuple:
    condition = f"WHEN {condition}" if condition else ""
    return name, (
        f"CREATE TRIGGER {name} BEFORE {when_op} ON {table} {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


_PAY = "disbursement_payment"
SQLITE_TRIGGERS = dict(
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
            f"NEW.case_id IS NOT NULL AND NOT {_CASE_OK}",
            MSG_CASE_AMOUNT,
        ),
        _sqlite(
            "disbursement_payment_ins_entitlement",
            "INSERT",
            _PAY,
            f"NEW.entitlement_id IS NOT NULL AND NOT {_ENT_OK}",
            MSG_ENT_AMOUNT,
        ),
        _sqlite("disbursement_payment_upd_fixed", "UPDATE", _PAY, _FIXED_CHANGED, MSG_FIXED),
        _sqlite("disbursement_payment_upd_status", "UPDATE", _PAY, f"NOT {_STATUS_OK}", MSG_STATUS),
        _sqlite(
            "disbursement_payment_upd_sent",
            "UPDATE",
            _PAY,
            "OLD.status = 'pending' AND NEW.status = 'sent' AND "
            f"{_BATCH_STATUS.format(row='NEW')} NOT IN ('approved', 'exported')",
            MSG_SENT,
        ),
        _sqlite("disbursement_payment_upd_paid", "UPDATE", _PAY, _PAID_CHANGED, MSG_PAID),
        _sqlite(
            "disbursement_batch_upd", "UPDATE", "disbursement_payoutbatch", _BATCH_BACK, MSG_BATCH
        ),
        _sqlite(
            "disbursement_entitlement_ins",
            "INSERT",
            "disbursement_entitlement",
            f"NOT {_ENTITLEMENT_OK}",
            MSG_ENTITLEMENT,
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


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_INSTALL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name, statement in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(statement)
        else:  # pragma: no cover - the project supports exactly these two engines
            raise NotImplementedError(
                f"disbursement guards exist for SQLite and PostgreSQL, not {connection.vendor}"
            )


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, table in PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            for function in PG_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
