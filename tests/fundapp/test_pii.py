"""No whole ID or bank account number is derivable from any staff page, export or API response
of any role (issue 13, "done when").

Over the demo county (``load_demo``: every feature, the people and payments of a real county),
each demo user walks the site as a crawler would: every URL pattern without arguments, every
link of every page (``href``, ``src``, ``data-*``, form ``action``), every URL inside a JSON
answer, and every object of every API list (its detail, and nested routes such as a batch's
payments). Patterns that take arguments and are reached by none of these are tried with a few
small ids. Each answer (HTML, JSON, CSV, XLSX cells, PDF text, file names in the headers) is then
checked against every number stored encrypted (every ``*_enc`` field of every model: ID numbers
and bank accounts, found by the field's name, so a new encrypted column is covered too):

* no whole ID number, nor its first 17 characters (the check character follows from them);
* no masked form of an ID (any 18 characters of digits, X and ``*`` agreeing with the number)
  in the same answer as the birth date inside that number, in any usual writing: a screen may
  show an age or a year, never the date beside a mask;
* no masked form that, with what the answer shows, leaves at most the check character unknown;
* no whole bank account number;
* the objector's contact and tracking code only for a user who handles objections.

The walk is data-driven: a page added later is reached through its link or its pattern, and a
pattern that no role can read with a 200 fails the coverage check at the end unless it is POST
only (405) or listed in ``NOT_READABLE`` with the reason.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from djmoney.money import Money

from approvals import crypto
from approvals import services as cases
from approvals.models import PERM_OBJECTION, Case, Household, Objection
from approvals.selectors import staff_region
from approvals.services.attachments import attachment_add
from disbursement import services as payouts
from disbursement.models import BankLayout, PayoutBatch, SampleCheckLine
from disbursement.tasks import job_submit
from fundapp.demo import DEMO_USERS, load_demo
from ledger import services as ledger_services
from ledger.services import LineSpec
from tests.approvals.factories import make_household

pytestmark = pytest.mark.django_db

# Answers that hand out whole numbers on purpose, each download audited: the bank payment file
# (the agent bank pays by name + ID + whole account). Their view names.
AUDITED_DISCLOSURES = {"payouts:export-download", "payouts-api:export-download"}

# Patterns no demo user can read with a 200 although they answer GET, with the reason. Keep it
# short: a new page belongs in the demo (``fundapp/demo``), linked from a page, so that it is
# walked.
NOT_READABLE: dict[str, str] = {}

# Reads that answer only with a query: the example the walk sends (a callable: read the data).
EXAMPLE_QUERIES = {
    "api/ledger/balances/": lambda: "account=1002",
    "api/ledger/statements/": lambda: "account=1002",
    "payouts/recoveries/new/": lambda: "payment={}".format(
        SampleCheckLine.objects.filter(outcome="not_received").values("payment_id")[0]["payment_id"]
    ),
}
# The site's own sign-in and language switch: no data, and GET only redirects or is refused.
NOT_READABLE.update(
    {
        "accounts/login/": "a signed-in user is sent on (302); the form shows no data",
        "accounts/logout/": "POST only, and the walk must stay signed in",
        "i18n/setlang/": "POST only (the language switch), no data",
        "api/": "the JSON 404 for any /api/ path without an endpoint (issue 13, finding 10)",
        "r/<str:code>/": "the short receipt address typed with a closing slash: the same view as "
        "r/<str:code>, which the receipts list links and the walk reads",
        "public/receipt-check/": "the public index's receipt form: it only redirects to the "
        "receipt's own page (public/receipts/<code>/), 400 without a number and check code",
        "public/verify-pdf/": "404 unless a PDF signing key is configured (the walk's demo has "
        "none); with one, tests/common/test_pdfsign.py reads it: it shows no data, only the "
        "verdict on an uploaded PDF",
        "public/signing-certificate.pem": "404 unless a PDF signing key is configured; the "
        "certificate is public by design (tests/common/test_pdfsign.py)",
    }
)

PER_ROUTE = 2  # distinct URLs per (user, pattern, query keys): enough to see each shape twice
FALLBACK_IDS = ("1", "2", "3")
LINK = re.compile(r'(?:href|src|action|data-[a-z-]+)\s*=\s*"([^"]*)"')
MASKED = re.compile(r"(?<![0-9Xx*])[0-9Xx*]{18}(?![0-9Xx*])")
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


@dataclass
class Secrets:
    ids: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    objectors: set[str] = field(default_factory=set)


def _encrypted_numbers() -> Secrets:
    """Every number stored encrypted, by the field's name: ``*id*_enc`` holds ID numbers,
    ``*account*_enc`` bank accounts (other encrypted fields, e.g. a job's input, are neither)."""
    found = Secrets()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not f.name.endswith("_enc"):
                continue
            into = (
                found.ids
                if "id" in f.name.removesuffix("_enc").split("_")
                else found.accounts
                if "account" in f.name
                else None
            )
            if into is None:
                continue
            for token in model._default_manager.exclude(**{f.name: ""}).values_list(
                f.name, flat=True
            ):
                into.add(crypto.decrypt(token))
    for objection in Objection.objects.all():
        found.objectors |= {objection.contact, objection.tracking_code}
        if len(objection.name) >= 2:
            found.objectors.add(objection.name)
    return found


def _dates(number: str) -> list[str]:
    """The birth date inside an ID number, as a page, a file or JSON may write it."""
    y, m, d = number[6:10], number[10:12], number[12:14]
    return [
        f"{y}-{m}-{d}",
        f"{y}{m}{d}",
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日",
        f"{y}年{int(m)}月{int(d)}日",
        f"{y}-{int(m)}-{int(d)}",
        f"{y}/{int(m)}/{int(d)}",
    ]


def _text(response) -> str:
    """What a reader of the answer's body sees (a PDF's text, an XLSX's cells)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        done = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True)
        # a document that is not a whole PDF (an uploaded scan) is read as bytes
        text = done.stdout.decode() if done.returncode == 0 else body.decode("latin-1")
    elif "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    elif "json" in kind:
        try:
            text = json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            text = body.decode("utf-8", "replace")
    else:
        text = html.unescape(body.decode("utf-8", "replace"))
    return text


def _leaks(text: str, secrets: Secrets, *, may_see_objector: bool) -> list[str]:
    found = []
    compact = re.sub(r"[\s\-]", "", text).upper()
    upper = text.upper()
    masked = [m.group(0).upper() for m in MASKED.finditer(upper) if "*" in m.group(0)]
    for number in secrets.ids:
        if number in compact:
            found.append(f"whole ID {crypto.mask_id_number(number)}")
            continue
        if number[:17] in compact:
            found.append(f"first 17 characters of ID {crypto.mask_id_number(number)}")
            continue
        mine = [
            token
            for token in masked
            if all(c == "*" or c == n for c, n in zip(token, number, strict=True))
        ]
        if not mine:
            continue
        with_date = any(d in text for d in _dates(number))
        if with_date:
            found.append(f"masked ID {mine[0]} beside its birth date")
        for token in mine:
            known = {i for i, c in enumerate(token) if c != "*"}
            if with_date:
                known |= set(range(6, 14))
            if not set(range(17)) - known:
                found.append(f"masked ID {token} leaves only the check character to compute")
    for account in secrets.accounts:
        if account in compact:
            found.append(f"whole bank account {crypto.mask_bank_account(account[-4:])}")
    if not may_see_objector:
        found += [f"objector's contact {v[:3]}…" for v in secrets.objectors if v in text]
    return found


# --------------------------------------------------------------------------------------------
# the URL patterns
# --------------------------------------------------------------------------------------------
def _join(route1: str, route2: str) -> str:
    # as django.urls.resolvers.URLResolver._join_route builds ResolverMatch.route
    return route2 if not route1 else route1 + route2.removeprefix("^")


def _patterns(resolver=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    rows = []
    for p in (resolver or get_resolver()).url_patterns:
        route = _join(prefix, str(p.pattern))
        if isinstance(p, URLResolver):
            rows += _patterns(p, route)
        else:
            rows.append((route, p))
    return rows


def _fill(route: str, values: dict[str, str]) -> str | None:
    """The route with its groups replaced by ``values`` (None when one is missing)."""
    missing = False

    def sub(match):
        nonlocal missing
        name = match.group(1) or match.group(2)
        if name not in values:
            missing = True
            return ""
        return values[name]

    path = GROUP.sub(sub, route)
    if missing:
        return None
    path = path.removeprefix("^").removesuffix("$").replace("\\.", ".")
    return "/" + path


def _group_names(route: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in GROUP.finditer(route)]


# --------------------------------------------------------------------------------------------
# the walk
# --------------------------------------------------------------------------------------------
@dataclass
class Walk:
    secrets: Secrets
    leaks: list[str] = field(default_factory=list)
    readable: set[str] = field(default_factory=set)  # routes answered 200 to someone
    post_only: set[str] = field(default_factory=set)  # routes answered 405 to a GET
    ids_by_route: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    answers: dict[str, set] = field(default_factory=lambda: defaultdict(set))  # for the report
    requests: int = 0


def _walk_as(user, walk: Walk, patterns) -> None:
    client = Client()
    client.force_login(user)
    may_see_objector = user.has_perm(PERM_OBJECTION)
    seen: set[str] = set()
    per_shape: dict[tuple, int] = defaultdict(int)
    queue: list[str] = []

    def push(url: str) -> None:
        url = html.unescape(url.strip())
        if url.startswith("http://testserver"):
            url = url.removeprefix("http://testserver")
        if not url.startswith("/") or url.startswith("//"):
            return
        parts = urlsplit(url)
        if parts.path.startswith(("/static/", "/media/")):
            return
        query = parse_qsl(parts.query)
        if parts.path.startswith("/admin/"):
            if not user.is_staff:
                return
            query = []  # the admin's filter links only filter the same rows again
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

    for route, pattern in patterns:
        if not _group_names(route):
            path = _fill(route, {})
            if path is not None:
                push(path)
                if route in EXAMPLE_QUERIES:
                    push(f"{path}?{EXAMPLE_QUERIES[route]()}")
    push("/admin/")

    def visit(url: str):
        walk.requests += 1
        response = client.get(url)
        match = resolve(urlsplit(url).path)
        walk.answers[match.route].add(f"{user.username}:{response.status_code}")
        if response.status_code == 405:
            walk.post_only.add(match.route)
            return None
        if response.status_code != 200:
            return None
        walk.readable.add(match.route)
        text = _text(response)
        if match.view_name not in AUDITED_DISCLOSURES:
            headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
            walk.leaks += [
                f"{user.username} GET {url}: {leak}"
                for leak in _leaks(
                    f"{headers}\n{text}", walk.secrets, may_see_objector=may_see_objector
                )
            ]
        kind = response.get("Content-Type", "")
        if "html" in kind:
            for link in LINK.findall(text):
                push(link)
        elif "json" in kind:
            data = json.loads(text)
            _json_links(data, push)
            rows = data.get("results") if isinstance(data, dict) else data
            if isinstance(rows, list) and not _group_names(match.route):
                walk.ids_by_route[match.route] += [r for r in rows if isinstance(r, dict)]
                for route, _pattern in patterns:
                    _push_children(route, match.route, rows, push)
        return response

    while queue:
        visit(queue.pop(0))

    # Patterns with arguments reached by no link: a few small ids (a POST-only view answers 405).
    for route, _pattern in patterns:
        names = _group_names(route)
        if not names or route in walk.readable or route in walk.post_only:
            continue
        if route.startswith("admin/") and not user.is_staff:
            continue
        for values in _guesses(route, names):
            path = _fill(route, values)
            if path is not None:
                push(path)
        while queue:
            visit(queue.pop(0))


def _guesses(route: str, names: list[str]) -> list[dict[str, str]]:
    """Argument values for a pattern no link reached: the first rows of the models named by the
    route's words before each argument ("jobs/<pk>" -> a job's pk; "sample-checks/<batch>" ->
    a sample check's batch), else small ids (on PostgreSQL ids do not start at 1 in a test)."""
    words = re.split(r"\(\?P<\w+>[^)]*\)|<(?:\w+:)?\w+>", route)
    values: dict[str, list[str]] = {}
    for name, before in zip(names, words, strict=False):
        word = re.sub(r"[^a-z]", "", before.rstrip("/").rsplit("/", 1)[-1].lower())
        word = word.removesuffix("s") if word.endswith("s") else word
        found: list[str] = []
        for model in apps.get_models():
            if not word or word not in model._meta.model_name:
                continue
            column = name if name not in ("pk", "id") else "pk"
            if column != "pk" and f"{column}_id" in {f.attname for f in model._meta.fields}:
                column = f"{column}_id"
            elif column != "pk" and column not in {f.attname for f in model._meta.fields}:
                column = "pk"
            rows = model._default_manager.order_by("pk").values_list(column, flat=True)[:PER_ROUTE]
            found += [str(v) for v in rows if v is not None]
        values[name] = found or list(FALLBACK_IDS)
    width = max(len(v) for v in values.values())
    return [{n: v[min(i, len(v) - 1)] for n, v in values.items()} for i in range(width)]


def _json_links(data, push) -> None:
    if isinstance(data, dict):
        for value in data.values():
            _json_links(value, push)
    elif isinstance(data, list):
        for value in data:
            _json_links(value, push)
    elif isinstance(data, str) and (data.startswith("/") or data.startswith("http://testserver")):
        push(data)


def _push_children(route: str, list_route: str, rows: list, push) -> None:
    """``route`` below a list route: its first argument from the list's rows (by the group's
    name, else the row's ``id``), the others left to links or the fallback."""
    prefix = list_route.removesuffix("$")
    if route == list_route or not route.startswith(prefix):
        return
    names = _group_names(route)
    if not names or not GROUP.match(route[len(prefix) :]):
        return
    first = names[0]
    for row in rows[:PER_ROUTE]:
        if not isinstance(row, dict):
            continue
        value = row.get(first, row.get("id"))
        if isinstance(value, (int, str)) and value != "":
            path = _fill(route, {first: str(value)} | dict.fromkeys(names[1:], "1"))
            if path is not None:
                push(path)


def _what_the_demo_lacks(users, capture) -> None:
    """Rows a working county has and the demo does not make, each shown on a page of its own:
    a case document, a bank account change, a manual entry request with its document, a bank
    file written by a job (its audited download) and a sample-check call that found the money
    not received (its follow-up starts a recovery)."""
    caseworker, officer, supervisor = users["caseworker"], users["officer"], users["supervisor"]
    scan = b"%PDF-1.4\n% a scanned certificate\n"
    mine = staff_region(caseworker).prefix
    # The newest case of the region: lists show the newest first, so the walk reaches its page
    # (and the document's link on it) on either engine, whatever ids the engine gave.
    case = Case.objects.filter(region__code__startswith=mine).order_by("-pk").first()
    attachment_add(
        case=case,
        upload=SimpleUploadedFile("证明.pdf", scan, "application/pdf"),
        actor=caseworker,
    )
    household = Household.objects.filter(region__code__startswith=mine).order_by("pk").first()
    # A newly registered household with a child named in nothing yet: its page (the newest in
    # the household list) links the member's correction and removal pages.
    make_household(caseworker, case.region, members=2, head_name="新登记")
    cases.bank_account_change(
        household=household,
        bank_name="农业银行",
        account="6228480099998888777",
        reason="换卡 / new card",
        actor=caseworker,
    )
    money = Money(Decimal("100.00"), "CNY")
    ledger_services.entry_request_submit(
        date=timezone.localdate(),
        lines=[
            LineSpec("1002", "RELIEF", "D", money),
            LineSpec("3102", "RELIEF", "C", money),
        ],
        reason="会议纪要 / committee minutes",
        idempotency_key="pii-walk:1",
        actor=officer,
        attachments=[SimpleUploadedFile("slip.pdf", scan, "application/pdf")],
    )
    waiting = PayoutBatch.objects.filter(status="approved").order_by("-pk").first()
    with capture(execute=True):
        job_submit(
            "export_batch",
            actor=officer,
            batch_id=waiting.pk,
            layout_id=BankLayout.objects.order_by("pk").first().pk,
            fmt="csv",
        )
    line = SampleCheckLine.objects.filter(outcome="").order_by("pk").first()
    payouts.sample_check_record(
        line=line, outcome="not_received", note="本人称未收到 / not received", actor=supervisor
    )


@pytest.fixture
def demo_county(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAYOUT_EXPORT_DIR = tmp_path / "exports"
    settings.DEBUG = True  # load_demo is for DEBUG machines (public passwords)
    load_demo()
    User = get_user_model()
    users = {
        u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])
    }
    _what_the_demo_lacks(users, django_capture_on_commit_callbacks)
    settings.DEBUG = False  # and error pages of the walk are the production ones


def test_no_page_export_or_api_answer_of_any_role_gives_a_whole_number(demo_county):
    # given the demo county: its people, their ID and bank numbers, an objection with a phone
    secrets = _encrypted_numbers()
    assert len(secrets.ids) > 10 and len(secrets.accounts) > 5 and secrets.objectors
    patterns = [(r, p) for r, p in _patterns() if not r.startswith(("static/", "media/"))]
    walk = Walk(secrets)

    # when every demo user walks every page, export and API answer they can reach
    User = get_user_model()
    for demo in DEMO_USERS:
        _walk_as(User.objects.get(username=demo.username), walk, patterns)

    # then no answer gives a whole number, or the parts that make one, or an objector away
    assert walk.leaks == [], "\n".join(sorted(set(walk.leaks))[:60])

    # and the walk read every pattern that answers GET (the admin's generated pages aside):
    # a page nobody can reach is a page nobody checked
    project = {r for r, _p in patterns if not r.startswith("admin/")}
    unread = project - walk.readable - walk.post_only - set(NOT_READABLE)
    assert not unread, "patterns no demo user could read:\n" + "\n".join(
        f"{route} {sorted(walk.answers.get(route, []))}" for route in sorted(unread)
    )
    assert walk.requests > 200
