"""Donors: the register of units (with their unified social credit code) and people who give."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from common.exports import formula_name_error

from ..exceptions import InvalidCreditCode, InvalidDonor
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
