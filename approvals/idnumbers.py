"""Resident ID numbers (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit
sequence (odd for men), and a check character (ISO 7064 MOD 11-2: 0-9 or X).

A number is accepted as it was issued. Its address code is the county code in force *when the
number was issued*, which may be younger than the person: a man born in 1962 in what became
郑州市中原区 in 1983 carries ``410102`` today. python-stdnum's ``cn.ric.validate`` refuses
such a number because it checks the code against the birth year (its ``get_birth_place``
requires the county to have existed then), which refuses most people born 1950–1980, the parents
this fund pays. So it is not called here: the check character and the birth date are checked
here, and the address code only against stdnum's table of county codes of *every* era (the
``[from-to]`` years in that table are ignored), never against the birth date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb

from .crypto import mask_id_number
from .exceptions import InvalidIdNumber

ID_LENGTH = 18
EARLIEST_BIRTH_YEAR = 1880  # older than anyone alive; guards against a mistyped century
_SEPARATORS = re.compile(r"[\s\-]")
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


@dataclass(frozen=True)
class ParsedId:
    number: str
    birth_date: date
    sex: str  # "M" or "F": the 17th digit is odd for men


def compact(value: str) -> str:
    """The number without spaces or hyphens, with a capital X."""
    return _SEPARATORS.sub("", value or "").upper()


def check_character(first17: str) -> str:
    """The check character of the first 17 digits (GB 11643, ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


@lru_cache(maxsize=4096)
def address_code_known(code: str) -> bool:
    """Whether ``code`` is a county-level code of China in any era (stdnum's table, with the
    years a code was in use ignored on purpose: see the module's docstring)."""
    if len(code) != 6 or not code.isdigit():
        return False
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info and "province" in info


def id_number_parse(value: str, *, today: date | None = None) -> ParsedId:
    """Validate a resident ID number as it was issued and read its birth date and sex.

    Refused (``InvalidIdNumber``, a message naming what is wrong): not 18 characters; not 17
    digits and a digit or X; a wrong check character; a birth date that is no date, lies in the
    future or before 1880; an address code that was never a county code of China.
    """
    number = compact(value)
    if len(number) != ID_LENGTH:
        raise InvalidIdNumber(
            _(
                "A resident ID number has 18 characters; %(count)s were given. Copy all 18 "
                "characters from the ID card."
            )
            % {"count": len(number)}
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(
            _(
                "A resident ID number is 17 digits followed by a digit or the letter X; "
                "%(number)s holds other characters."
            )
            % {"number": mask_id_number(number)}
        )
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(
            _(
                "The check character (the last one) of ID number %(number)s does not match the "
                "17 digits before it: one character was mistyped. Check every character "
                "against the ID card."
            )
            % {"number": mask_id_number(number)}
        )
    digits = number[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        birth = None
    if birth is None or birth.year < EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(
            _(
                "Characters 7 to 14 of ID number %(number)s hold the birth date, but they are "
                "not a possible date of birth. Check them against the ID card."
            )
            % {"number": mask_id_number(number)}
        )
    today = today or timezone.localdate()
    if birth > today:
        raise InvalidIdNumber(
            _(
                "The birth date in ID number %(number)s (characters 7 to 14) lies in the "
                "future. Check them against the ID card."
            )
            % {"number": mask_id_number(number)}
        )
    if not address_code_known(number[:6]):
        raise InvalidIdNumber(
            _(
                "ID number %(number)s starts with %(code)s, which has never been a county code "
                "of China. Check the first six digits against the ID card."
            )
            % {"number": mask_id_number(number), "code": number[:6]}
        )
    return ParsedId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")
