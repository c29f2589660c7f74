"""Journal memos written by the system, shown in the reader's language.

A flow writes its entry's memo in the language of whoever acted ("Donation from 县人民医院" when
an English-reading officer recorded it, "县人民医院 的捐赠" when a Chinese-reading one did). The
memo is part of what the hash chain covers (``ledger.hashing.content_hash``), so it is never
rewritten: a posted entry keeps the words it was posted with.

What a reader sees is a display layer over the stored text. Every memo a flow writes comes
from one of the templates below (the flows call ``gettext`` on the same msgids); a stored memo
that matches a template in any of the site's languages is parsed back into its parameters and
rendered with the reader's catalogue. A memo typed by a person (a manual entry, a reversal with
its own memo) matches no template and is shown as typed.

A flow that adds a memo template lists it here; ``tests/fundapp/test_chinese.py`` fails on a
journal memo of the demo county that no template reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_


@dataclass(frozen=True)
class MemoTemplate:
    msgid: str
    tail: bool = False  # free text may follow (a bank slip number in brackets)


TEMPLATES: tuple[MemoTemplate, ...] = (
    MemoTemplate(N_("Donation from %(donor)s")),
    MemoTemplate(N_("Allocation from %(source)s")),
    MemoTemplate(N_("Cash deposited to the bank"), tail=True),
    MemoTemplate(N_("Void of receipt %(code)s: %(reason)s")),
    MemoTemplate(N_("Reversal of entry %(seq)s")),
    MemoTemplate(N_("Award %(number)s (%(program)s)")),
    MemoTemplate(N_("Cancellation of award %(number)s")),
    MemoTemplate(N_("Payment %(ref)s")),
    MemoTemplate(N_("Bank charge on payment %(ref)s")),
    MemoTemplate(N_("Bank charge on failed payment %(ref)s")),
    MemoTemplate(N_("Recovery %(rc)s of payment %(ref)s")),
    MemoTemplate(N_("Refund %(n)s of recovery %(rc)s")),
    MemoTemplate(N_("Write-off of recovery %(rc)s")),
    MemoTemplate(N_("Entitlement %(program)s %(cycle)s")),
    MemoTemplate(N_("%(channel)s settlement of %(on)s: %(n)s transactions, fee %(fee)s")),
)

_PARAM = re.compile(r"%\((\w+)\)s")


def _pattern(text: str, tail: bool) -> re.Pattern:
    parts, pos = [], 0
    for match in _PARAM.finditer(text):
        parts.append(re.escape(text[pos : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        pos = match.end()
    parts.append(re.escape(text[pos:]))
    rest = r"(?P<_tail>.*)" if tail else ""
    return re.compile("^" + "".join(parts) + rest + "$", re.DOTALL)


def _literal_length(text: str) -> int:
    return len(_PARAM.sub("", text))


@lru_cache(maxsize=1)
def _readers() -> tuple[tuple[re.Pattern, MemoTemplate], ...]:
    """(pattern, template) for every template in every language, the most specific first (so
    "付款 %(ref)s 的银行手续费" is not read as a payment whose reference ends in 的银行手续费)."""
    rows = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for template in TEMPLATES:
                rows.append((gettext(template.msgid), template))
    rows = sorted(set(rows), key=lambda r: (-_literal_length(r[0]), r[0]))
    return tuple((_pattern(text, t.tail), t) for text, t in rows)


def parse(memo: str) -> tuple[MemoTemplate, dict[str, str]] | None:
    """The template and parameters a system memo was written from (None: typed by a person)."""
    if not memo:
        return None
    for pattern, template in _readers():
        match = pattern.match(memo)
        if match:
            return template, match.groupdict()
    return None


def memo_display(memo: str) -> str:
    """The memo in the active language (as stored when no template reads it)."""
    found = parse(memo)
    if found is None:
        return memo
    template, params = found
    tail = params.pop("_tail", "") or ""
    return gettext(template.msgid) % params + tail
