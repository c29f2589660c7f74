"""Donors: the register of units (with their unified social credit code) and people who give."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from common.exports import formula_name_error

from ..exceptions import DonorEditConflict, InvalidCreditCode, InvalidDonor
from ..models import Donor, DonorKind
from ._books import AuditAction, audit, require


def validate_credit_code(code: str) -> str:
    """Return the normalised 18-character code or raise with what is wrong."""
    compact = uscc.compact(code or "")
    if len(compact) != 18:
        raise InvalidCreditCode(
            _("A unified social credit code has 18 characters; %(code)s has %(n)s.")
            % {"code": code, "n": len(compact)}
        )
    if not uscc.is_valid(compact):
        raise InvalidCreditCode(
            _(
                "The unified social credit code %(code)s is not valid: its check character does not match."
            )
            % {"code": code}
        )
    return compact


def donor_create(
    *,
    kind: str,
    name: str,
    actor,
    credit_code: str = "",
    anonymous: bool = False,
    phone: str = "",
    address: str = "",
) -> Donor:
    require(actor, "ledger.add_donor")
    name = (name or "").strip()
    if not name:
        raise InvalidDonor(_("A donor needs a name."))
    problem = formula_name_error(name, _("The donor's name"))
    if problem:
        raise InvalidDonor(problem)
    if kind not in DonorKind.values:
        raise InvalidDonor(_("A donor is a unit or a person."))
    if kind == DonorKind.UNIT:
        credit_code = validate_credit_code(credit_code)
        if anonymous:
            raise InvalidDonor(
                _("Only a person can stay anonymous on public lists; a unit is listed by name.")
            )
    elif credit_code:
        raise InvalidDonor(_("A person has no unified social credit code."))
    with transaction.atomic():
        if credit_code:
            twin = Donor.objects.select_for_update().filter(credit_code=credit_code).first()
            if twin is not None:
                raise InvalidDonor(
                    _("A donor with credit code %(code)s already exists: %(name)s.")
                    % {"code": credit_code, "name": twin.name}
                )
        try:
            with transaction.atomic():
                donor = Donor.objects.create(
                    kind=kind,
                    name=name,
                    credit_code=credit_code,
                    anonymous=anonymous,
                    phone=phone,
                    address=address,
                )
        except IntegrityError as exc:
            # Registered by someone else at the same moment (the unique credit code), or a row
            # the checks above let through: the database's refusal, said in the person's words.
            raise InvalidDonor(
                _("A donor with credit code %(code)s already exists.") % {"code": credit_code}
                if credit_code and Donor.objects.filter(credit_code=credit_code).exists()
                else _("The donor could not be registered; check the kind, name and credit code.")
            ) from exc
        audit(actor=actor, action=AuditAction.DONOR_CREATE, obj=donor)
    return donor


_DONOR_FIELDS = ("name", "credit_code", "anonymous", "phone", "address")


def donor_fingerprint(donor: Donor) -> str:
    """A short digest of what an edit form shows of a donor: sent back with the edit, it tells
    whether someone else changed the donor meanwhile (the donor row has no version column)."""
    text = "\x1f".join(str(getattr(donor, f)) for f in _DONOR_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def donor_update(
    *,
    donor: Donor,
    actor,
    name: str | None = None,
    credit_code: str | None = None,
    anonymous: bool | None = None,
    phone: str | None = None,
    address: str | None = None,
    reason: str = "",
    seen: str = "",
) -> Donor:
    """Correct a donor (``None``: leave the field as it is). The kind stays (receipts were
    issued to a unit or a person); receipts already issued keep the payer they were issued to.
    A new name or credit code needs a reason. With ``seen`` (``donor_fingerprint`` of the copy
    the form showed) an edit over someone else's change is refused. Audited before and after."""
    require(actor, "ledger.change_donor")
    reason = (reason or "").strip()
    with transaction.atomic():
        row = Donor.objects.select_for_update().get(pk=donor.pk)
        if seen and seen != donor_fingerprint(row):
            raise DonorEditConflict(
                _(
                    "Donor %(name)s was changed by someone else after you opened it. Reload "
                    "the page to see their change, then make yours again."
                )
                % {"name": row.name}
            )
        before = {f: getattr(row, f) for f in _DONOR_FIELDS}
        if name is not None:
            name = name.strip()
            if not name:
                raise InvalidDonor(_("A donor needs a name."))
            problem = formula_name_error(name, _("The donor's name"))
            if problem:
                raise InvalidDonor(problem)
            row.name = name
        if credit_code is not None:
            if row.kind == DonorKind.UNIT:
                row.credit_code = validate_credit_code(credit_code)
            elif credit_code.strip():
                raise InvalidDonor(_("A person has no unified social credit code."))
        if anonymous is not None:
            if anonymous and row.kind == DonorKind.UNIT:
                raise InvalidDonor(
                    _("Only a person can stay anonymous on public lists; a unit is listed by name.")
                )
            row.anonymous = anonymous
        if phone is not None:
            row.phone = phone.strip()
        if address is not None:
            row.address = address.strip()
        after = {f: getattr(row, f) for f in _DONOR_FIELDS}
        changes = {f: [before[f], after[f]] for f in _DONOR_FIELDS if before[f] != after[f]}
        if not changes:
            raise InvalidDonor(_("Nothing changes: the donor already reads like this."))
        if ("name" in changes or "credit_code" in changes) and not reason:
            raise InvalidDonor(
                _(
                    "Say why the name or credit code is corrected (receipts already issued keep "
                    "the payer they were issued to)."
                )
            )
        if "credit_code" in changes and row.credit_code:
            twin = (
                Donor.objects.select_for_update()
                .filter(credit_code=row.credit_code)
                .exclude(pk=row.pk)
                .first()
            )
            if twin is not None:
                raise InvalidDonor(
                    _("A donor with credit code %(code)s already exists: %(name)s.")
                    % {"code": row.credit_code, "name": twin.name}
                )
        try:
            with transaction.atomic():
                row.save(update_fields=list(changes))
        except IntegrityError as exc:
            raise InvalidDonor(
                _("A donor with credit code %(code)s already exists.") % {"code": row.credit_code}
            ) from exc
        audit(actor=actor, action=AuditAction.DONOR_UPDATE, obj=row, changes=changes, reason=reason)
    return row
