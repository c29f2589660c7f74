"""Re-encrypting every stored ID and account number under the current ``FIELD_ENCRYPTION_KEY``
(``manage.py rotate_field_key``), and the check that the configured keys fit the stored rows.

``approvals.crypto`` holds the keys (MultiFernet: the current key encrypts, old keys in
``FIELD_ENCRYPTION_OLD_KEYS`` still read). This module knows where the ciphertexts live, which
spans three apps, so it sits in fundapp, the layer above them.

Each row is rewritten by a compare-and-set (``UPDATE ... WHERE pk = %s AND column = <the token
read>``): a number changed by a user while the rotation runs (a bank account change approved in
between) is never overwritten with the re-encrypted old value; that row is simply left for the
next pass, which the command runs until nothing is left. Nothing else changes: the look-up hashes
stay (their key does not rotate; see approvals.crypto), and the payment guards let only the
ciphertexts of a payment change (disbursement 0015)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from approvals import crypto
from ledger.audit import AuditAction, audit

# (model, encrypted column, hash kind, hash column or "" when the row keeps no hash beside it)
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("approvals.Person", "id_number_enc", "id", "id_number_hash"),
    ("approvals.Person", "bank_account_enc", "bank", "bank_account_hash"),
    ("approvals.Household", "bank_account_enc", "bank", "bank_account_hash"),
    ("approvals.BankAccountChange", "bank_account_enc", "bank", "bank_account_hash"),
    ("disbursement.Payment", "account_enc", "bank", "account_hash"),
    ("disbursement.Payment", "payee_id_enc", "id", ""),
    ("disbursement.JobProgress", "input_enc", "", ""),
)
BATCH = 500
SAMPLES_PER_COLUMN = 3


@dataclass
class Rotation:
    rewritten: dict[str, int] = field(default_factory=dict)
    left: int = 0  # rows still under an old key after the last pass (changed underneath)

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


def _label(model: str, column: str) -> str:
    return f"{model}.{column}"


def _stale(model: str, column: str) -> list[tuple[int, str]]:
    """(pk, token) of the rows whose ``column`` is not under the current key."""
    Model = apps.get_model(model)
    rows = Model.objects.exclude(**{column: ""}).order_by("pk").values_list("pk", column)
    return [
        (pk, token) for pk, token in rows.iterator(chunk_size=2000) if crypto.needs_rotation(token)
    ]


def count_stale() -> dict[str, int]:
    return {_label(m, c): len(_stale(m, c)) for m, c, _k, _h in COLUMNS}


def rotate_all(
    *, actor=None, progress: Callable[[int, int, str], None] | None = None, passes: int = 3
) -> Rotation:
    """Re-encrypt every stale ciphertext, ``BATCH`` rows per transaction; audited once."""
    problems = sample_problems()
    if problems:
        raise ImproperlyConfigured("; ".join(problems))
    result = Rotation()
    for _pass in range(passes):
        todo = [(m, c, _stale(m, c)) for m, c, _k, _h in COLUMNS]
        total = sum(len(rows) for _m, _c, rows in todo)
        if not total:
            break
        done = 0
        for model, column, rows in todo:
            Model = apps.get_model(model)
            label = _label(model, column)
            for start in range(0, len(rows), BATCH):
                with transaction.atomic():
                    for pk, token in rows[start : start + BATCH]:
                        changed = Model.objects.filter(pk=pk, **{column: token}).update(
                            **{column: crypto.rotate(token)}
                        )
                        result.rewritten[label] = result.rewritten.get(label, 0) + changed
                done += len(rows[start : start + BATCH])
                if progress:
                    progress(done, total, label)
    result.left = sum(count_stale().values())
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditAction.FIELD_KEY_ROTATE,
            object_type="field_key",
            object_id="rotation",
            rewritten=result.rewritten,
            left=result.left,
        )
    return result


def sample_problems() -> list[str]:
    """What :func:`approvals.crypto.key_problems` finds on a few stored rows of each column
    ([] on a database without rows or without the tables yet)."""
    samples = []
    tables = set(connection.introspection.table_names())
    for model, column, kind, hash_column in COLUMNS:
        Model = apps.get_model(model)
        if not kind or Model._meta.db_table not in tables:  # not migrated yet
            continue
        fields = [column, hash_column] if hash_column else [column]
        rows = Model.objects.exclude(**{column: ""}).order_by("-pk")[:SAMPLES_PER_COLUMN]
        for row in rows.values_list(*fields):
            samples.append((kind, row[0], row[1] if hash_column else ""))
    return crypto.key_problems(samples)
