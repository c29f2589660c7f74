"""System memos shown in the reader's language (``ledger.memos``), the stored memo and the hash
chain untouched (issue 14, point 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from ledger import memos


def test_every_memo_a_flow_writes_has_a_template():
    # given the flows' source: every translated memo they post
    written = set()
    for folder in ("ledger", "approvals", "disbursement"):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            written |= set(
                re.findall(r'memo(?:_\w+)?\s*=\s*(?:memo\s+or\s+)?_\(\s*"([^"]+)"', text)
            )
    # then each is one the display layer reads back
    assert written, "no memo found: the pattern no longer matches the flows"
    assert written <= {t.msgid for t in memos.TEMPLATES}, written - {
        t.msgid for t in memos.TEMPLATES
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_template_round_trips_in_each_language(language):
    for template in memos.TEMPLATES:
        params = {
            name: f"V{i}" for i, name in enumerate(re.findall(r"%\((\w+)\)s", template.msgid))
        }
        with translation.override(language):
            written = translation.gettext(template.msgid) % params
        for reader in ("en", "zh-hans"):
            with translation.override(reader):
                shown = memos.memo_display(written)
                assert shown == translation.gettext(template.msgid) % params, (template, reader)


def test_an_empty_or_typed_memo_is_shown_as_it_is():
    assert memos.memo_display("") == ""
    assert memos.parse("会议纪要：调整期初余额") is None
