"""Every staff screen and PDF of the demo county reads in Chinese: no raw code, no English left
(issue 14, point 6).

Over the demo county (the fixture of ``test_pii``: every feature, with the rows the demo lacks),
each demo user walks the site in Chinese as a crawler would: every URL pattern without
arguments, every link of every page, patterns with arguments tried with the first rows of their
models. The walk is data-driven, so a screen added later is covered once it is linked or its
pattern is listed. Each HTML page and each PDF is read as a person reads it (visible text only:
no markup, no attributes, no scripts) and fails on

* a raw code: a text that is exactly a stored code a person should see by its label — every
  choice value of every model field (read from the models, so a new choice is covered), the
  journal sources, the case history's states and decisions;
* an untranslated catalogue entry: a text that is exactly an English msgid the Chinese
  catalogue translates (the template or the code forgot to ask for the translation);
* a journal memo of the demo that no memo template reads (``ledger.memos``): it would stay in
  the language of whoever acted.

The JSON API is left out (its field values are codes on purpose: the API documents them), and
of the admin only the index and the app pages are read (their headings are the app names).
"""

from __future__ import annotations

import html
import re
import subprocess
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.utils import translation
from django.utils.translation import trans_real

from approvals.models.cases import CASE_DECISIONS, CaseState
from fundapp.demo import DEMO_USERS
from ledger import memos
from ledger.models import JOURNAL_SOURCES, JournalEntry
from tests.fundapp import test_pii
from tests.fundapp.test_pii import EXAMPLE_QUERIES, LINK, _fill, _group_names, _guesses, _patterns

pytestmark = pytest.mark.django_db

demo_county = test_pii.demo_county  # the same county, with the rows the demo lacks

LANGUAGE = "zh-hans"
OUR_APPS = {"ledger", "approvals", "disbursement", "fundapp"}
PER_ROUTE = 2
CJK = re.compile(r"[\u3400-\u9fff]")
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|^[a-z]{3,}$")
# Codes that are also words a Chinese page shows on purpose, with why.
NOT_CODES = {
    "csv": "the export format's own name, beside xlsx",
    "xlsx": "the export format's own name",
    "pdf": "a file type",
}


# --------------------------------------------------------------------------------------------
# the new strings of branches whose catalogue is not merged yet
# --------------------------------------------------------------------------------------------
def load_pending_translations(language: str = LANGUAGE) -> int:
    """Adds the ``TRANSLATIONS*.zh.txt`` files at the project root (msgid TAB msgstr, ``\\x04``
    between a context and its msgid) to the Chinese catalogue of this process, as the lead's
    merge will add them to ``locale/``. Returns how many were added (none after the merge)."""
    root = Path(settings.BASE_DIR)
    catalogue = trans_real.translation(language)._catalog
    added = 0
    for path in sorted(root.glob("TRANSLATIONS*.zh.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" not in line:
                continue
            msgid, msgstr = line.split("\t", 1)
            msgid, msgstr = msgid.replace("\\n", "\n"), msgstr.replace("\\n", "\n")
            if msgid not in catalogue:
                catalogue[msgid] = msgstr
                catalogue[(msgid, 0)] = msgstr  # ngettext: one plural form in Chinese
                added += 1
    return added


@pytest.fixture
def pending_translations():
    load_pending_translations()
    yield
    trans_real._translations.pop(LANGUAGE, None)  # the next test reads the catalogue afresh


# --------------------------------------------------------------------------------------------
# what a reader sees
# --------------------------------------------------------------------------------------------
class _Text(HTMLParser):
    HIDDEN = {"script", "style", "template", "noscript", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(body: str) -> list[str]:
    parser = _Text()
    parser.feed(body)
    return parser.texts


def pdf_texts(body: bytes) -> list[str]:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True)
    assert done.returncode == 0, done.stderr
    # a PDF's cells are runs of text separated by two spaces or more
    return [
        cell.strip()
        for line in done.stdout.decode().splitlines()
        for cell in re.split(r"\s{2,}", line)
        if cell.strip()
    ]


def raw_codes() -> dict[str, str]:
    """Every stored code a person should read by its label, with where it comes from."""
    codes: dict[str, str] = {}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for f in model._meta.concrete_fields:
            for value, label in f.flatchoices or ():
                if isinstance(value, str) and CODE.match(value) and str(label) != value:
                    codes.setdefault(value, f"{model._meta.label}.{f.name}")
    for value in JOURNAL_SOURCES:
        codes.setdefault(value, "journal source")
    for value in CASE_DECISIONS:
        codes.setdefault(value, "case decision")
    for value in CaseState.values:
        codes.setdefault(value, "case state")
    for word in NOT_CODES:
        codes.pop(word, None)
    return codes


def untranslated_msgids(language: str = LANGUAGE) -> set[str]:
    """English msgids the catalogue (ours and Django's) gives a Chinese translation."""
    catalogue = trans_real.translation(language)._catalog
    found = set()
    for key in catalogue.keys():  # noqa: SIM118 (a TranslationCatalog is not iterable)
        msgid = key[0] if isinstance(key, tuple) else key
        if not isinstance(msgid, str) or "\x04" in msgid or not re.search("[A-Za-z]{2}", msgid):
            continue
        msgstr = catalogue[key]
        if msgstr and msgstr != msgid and CJK.search(msgstr) and "%" not in msgid:
            found.add(msgid)
    # an app without a translated name: the admin heads its models with the label ("Ledger")
    for app in apps.get_app_configs():
        if app.name in OUR_APPS:
            found |= {app.label.title(), app.label.upper(), app.label}
    # the language switch names each language in its own words ("English" on a Chinese page)
    return found - {name for _code, name in settings.LANGUAGES}


def problems_in(texts: list[str], codes: dict[str, str], english: set[str]) -> list[str]:
    found = []
    for text in texts:
        if text in codes:
            found.append(f"raw code {text!r} ({codes[text]})")
        elif text in english or text.rstrip(":：") in english:
            found.append(f"untranslated {text!r}")
    return found


# --------------------------------------------------------------------------------------------
# the walk
# --------------------------------------------------------------------------------------------
def _walk_as(user, patterns, check) -> tuple[set[str], int]:
    client = Client(HTTP_ACCEPT_LANGUAGE=LANGUAGE)
    client.force_login(user)
    seen: set[str] = set()
    per_shape: dict[tuple, int] = defaultdict(int)
    queue: list[str] = []
    readable: set[str] = set()
    requests = 0

    def push(url: str) -> None:
        url = html.unescape(url.strip())
        url = url.removeprefix("http://testserver")
        if not url.startswith("/") or url.startswith("//"):
            return
        parts = urlsplit(url)
        if parts.path.startswith(("/static/", "/media/", "/api/")):
            return
        # the admin's own pages are Django's; ours are its index and the app pages
        if parts.path.startswith("/admin/") and (not user.is_staff or parts.path.count("/") > 3):
            return
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "format"]
        url = parts.path + (f"?{urlencode(query)}" if query else "")
        if url in seen:
            return
        try:
            match = resolve(parts.path)
        except Resolver404:
            return
        if match.url_name in {"logout", "set_language"}:
            return
        shape = (match.route, tuple(sorted(k for k, _v in query)))
        if per_shape[shape] >= PER_ROUTE:
            return
        per_shape[shape] += 1
        seen.add(url)
        queue.append(url)

    for route, _pattern in patterns:
        if not _group_names(route):
            path = _fill(route, {})
            if path is not None:
                push(path)
                if route in EXAMPLE_QUERIES:
                    push(f"{path}?{EXAMPLE_QUERIES[route]()}")
    push("/admin/")

    def visit(url: str) -> None:
        nonlocal requests
        requests += 1
        response = client.get(url)
        if response.status_code != 200:
            return
        readable.add(resolve(urlsplit(url).path).route)
        kind = response.get("Content-Type", "")
        if "html" in kind:
            body = response.content.decode()
            check(f"{user.username} GET {url}", visible_texts(body))
            for link in LINK.findall(body):
                push(link)
        elif "pdf" in kind:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if body.startswith(b"%PDF") and b"scanned" not in body[:200]:
                check(f"{user.username} GET {url} (PDF)", pdf_texts(body))

    while queue:
        visit(queue.pop(0))
    for route, _pattern in patterns:
        names = _group_names(route)
        if not names or route in readable or route.startswith(("admin/", "api/")):
            continue
        for values in _guesses(route, names):
            path = _fill(route, values)
            if path is not None:
                push(path)
        while queue:
            visit(queue.pop(0))
    return readable, requests


def test_every_staff_screen_and_pdf_reads_in_chinese(demo_county, pending_translations):
    # given the demo county, the codes a person must never read raw, and the catalogue
    codes = raw_codes()
    assert {"draft", "in_review", "start_review", "donation", "manual", "parent"} <= set(codes)
    english = untranslated_msgids()
    assert {"Journal", "Approve", "Household", "Disbursement"} <= english
    patterns = [r for r in _patterns() if not r[0].startswith(("static/", "media/"))]
    problems: dict[str, list[str]] = defaultdict(list)
    pdfs: list[str] = []

    def check(where: str, texts: list[str]) -> None:
        if where.endswith("(PDF)"):
            pdfs.append(where)
        for problem in problems_in(texts, codes, english):
            problems[problem].append(where)

    # when every demo user walks every screen and PDF they can reach, in Chinese
    readable, requests = set(), 0
    User = get_user_model()
    for demo in DEMO_USERS:
        seen, asked = _walk_as(User.objects.get(username=demo.username), patterns, check)
        readable |= seen
        requests += asked

    # then no page shows a raw code or an English catalogue entry
    report = [f"{p}: {len(w)}× e.g. {w[0]}" for p, w in sorted(problems.items())]
    assert not problems, "\n".join(report[:80])
    # and the walk read the screens that had them (journal, case pages, PDFs, the admin)
    assert {"journal/", "cases/<int:pk>/", "admin/"} <= {
        r.removeprefix("ledger/") for r in readable
    }
    assert requests > 200
    # and PDFs were read too (receipts, notices, letters, thank-you lists)
    assert len(pdfs) >= 5, pdfs

    # and every journal memo of the demo is one a template reads, so each reader gets their own
    # language: the ones written in English read in Chinese, and the other way round
    unread = [
        m for m in JournalEntry.objects.values_list("memo", flat=True) if m and not memos.parse(m)
    ]
    assert not unread, unread[:10]


def test_a_memo_written_in_one_language_reads_in_the_other_and_its_hash_is_kept(
    pending_translations,
):
    # given memos as the flows wrote them, one by an English reader and one by a Chinese one
    with translation.override("en"):
        english = memos.memo_display("Donation from 县人民医院")
        charge = memos.memo_display("付款 P-7 的银行手续费")
        typed = memos.memo_display("Correction agreed with the auditor")
        deposit = memos.memo_display("现金存入银行 (slip 42)")
    with translation.override(LANGUAGE):
        chinese = memos.memo_display("Donation from 县人民医院")
        payment = memos.memo_display("Payment P-7")

    # then each reader sees their own language, parameters kept, the most specific template
    assert english == "Donation from 县人民医院"
    assert chinese == "县人民医院 的捐赠"
    assert charge == "Bank charge on payment P-7"
    assert payment == "付款 P-7"
    assert deposit == "Cash deposited to the bank (slip 42)"
    # and a memo a person typed is shown as typed
    assert typed == "Correction agreed with the auditor"


def test_raw_codes_and_untranslated_entries_are_caught(pending_translations):
    # the checker itself: a page with a raw state, an English heading and a Chinese line
    codes, english = raw_codes(), untranslated_msgids()
    texts = visible_texts(
        "<h1>Journal</h1><td>in_review</td><td>已提交</td><script>var x='draft'</script>"
        '<a title="draft">审核中</a>'
    )
    assert problems_in(texts, codes, english) == [
        "untranslated 'Journal'",
        "raw code 'in_review' (approvals.Case.state)",
    ]
