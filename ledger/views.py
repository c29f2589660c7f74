"""The finance screens: chart of accounts, journal, entry detail and manual entry, trial balance,
account statement and periods.

Each view parses its input with a form from ``ledger.forms``, checks the role permission
(``common.permissions``: anonymous -> login, wrong role -> 403), calls one selector or service
and renders. Every list also downloads as xlsx or CSV with ``?format=xlsx|csv`` (which needs
``ledger.export_ledger``); the files carry the same rows as the screen with money as numbers and
the currency in its own column, headed in the user's language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.errors import FundError
from common.exports import export_or_none, query_without
from common.pdf import render_pdf
from common.people import person_name
from common.permissions import holds_perm, permission_required

from . import account_book as books
from . import selectors, services
from .corrections import correction_for, is_hand_made
from .exceptions import IdempotencyConflict
from .forms import (
    AccountBookForm,
    ChartFilterForm,
    EntryForm,
    EntryLineFormSet,
    JournalFilterForm,
    PeriodCloseForm,
    ReversalRequestForm,
    StatementForm,
    TrialBalanceForm,
    with_more_lines,
)
from .memos import memo_display
from .models import (
    Account,
    EntryRequest,
    JournalEntry,
    Period,
    PeriodStatus,
    RequestKind,
    RequestStatus,
    Side,
)
from .services.requests import PERM_SUBMIT
from .vouchers import voucher_for

JOURNAL_PAGE_SIZE = 50
STATEMENT_PAGE_SIZE = 50
LINES_PREFIX = "lines"


def _side_label(side: str) -> str:
    return str(Side(side).label)


# --------------------------------------------------------------------------------------------
# chart of accounts
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required("ledger.view_account", "ledger.view_balance")
def chart(request):
    form = ChartFilterForm(request.GET or None)
    fund = form.cleaned_data.get("fund") if form.is_valid() else None
    rows = selectors.chart_with_balances(fund=fund)

    def export_rows():
        for row in rows:
            account = row["account"]
            base = [
                account.code,
                account.name,
                account.get_type_display(),
                account.get_normal_side_display(),
                account.parent.code if account.parent else "",
            ]
            if not row["balances"]:
                yield [*base, None, ""]
            for currency, money in row["balances"].items():
                yield [*base, money.amount, currency]

    title = _("Chart of accounts")
    if fund is not None:
        title = f"{title} {fund.code}"
    download = export_or_none(
        request,
        title=title,
        headers=[
            _("Code"),
            _("Name"),
            _("Type"),
            _("Normal side"),
            _("Parent"),
            _("Balance"),
            _("Currency"),
        ],
        rows=export_rows,
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/chart.html",
        {"form": form, "rows": rows, "fund": fund, "query": query_without(request, "format")},
    )


# --------------------------------------------------------------------------------------------
# journal
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required("ledger.view_journalentry")
def journal(request):
    form = JournalFilterForm(request.GET or None)
    filters = form.selector_kwargs() if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        entries = JournalEntry.objects.none()  # show the field errors, not a misleading list
    else:
        entries = selectors.entries(**filters)

    def export_rows():
        for line in selectors.entry_lines(entries):
            entry = line.entry
            amount = line.amount.amount
            yield [
                entry.seq,
                entry.date,
                entry.period.code,
                entry.memo_display,
                entry.source_label,
                line.line_no,
                line.account.code,
                line.account.name,
                line.fund.code,
                amount if line.side == Side.DEBIT else None,
                amount if line.side == Side.CREDIT else None,
                str(line.amount.currency),
                memo_display(line.memo),
                person_name(entry.posted_by),
                entry.posted_at,
                entry.reverses.seq if entry.reverses else None,
            ]

    download = export_or_none(
        request,
        title=_("Journal"),
        headers=[
            _("No."),
            _("Date"),
            _("Period"),
            _("Memo"),
            _("Source"),
            _("Line"),
            _("Account code"),
            _("Account"),
            _("Fund"),
            _("Debit"),
            _("Credit"),
            _("Currency"),
            _("Line memo"),
            _("Posted by"),
            _("Posted at"),
            _("Reverses no."),
        ],
        rows=export_rows,
    )
    if download is not None:
        return download
    page = Paginator(entries.select_related("reversed_by"), JOURNAL_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    totals = selectors.entries_debit_totals(entry.pk for entry in page.object_list)
    rows = [{"entry": entry, "totals": totals.get(entry.pk, {})} for entry in page.object_list]
    return render(
        request,
        "ledger/journal.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


def _entry_page(request, entry: JournalEntry, *, reversal_form=None, error=None, status=200):
    """An entry with what may be done about it: ask for its reversal (a hand-made entry), or the
    way its flow corrects it (a flow's entry)."""
    reversal = JournalEntry.objects.filter(reverses=entry).first()
    lines = entry.lines.select_related("account", "fund").order_by("line_no")
    reversible = entry.is_posted and entry.reverses_id is None and reversal is None
    pending = (
        EntryRequest.objects.filter(
            reverses=entry, kind=RequestKind.REVERSAL, status=RequestStatus.PENDING
        ).first()
        if reversible
        else None
    )
    correction = None if not reversible or is_hand_made(entry) else correction_for(entry)
    can_request = (
        holds_perm(request.user, PERM_SUBMIT)
        and reversible
        and pending is None
        and correction is None
    )
    if can_request and reversal_form is None:
        reversal_form = ReversalRequestForm(initial=ReversalRequestForm.initial_data())
    return render(
        request,
        "ledger/entry_detail.html",
        {
            "entry": entry,
            "lines": lines,
            "totals": selectors.entry_totals(entry),
            "reversal": reversal,
            "pending_reversal": pending,
            "correction": correction,
            "can_request_reversal": can_request,
            "reversal_form": reversal_form,
            "error": error,
            "entry_request": EntryRequest.objects.filter(entry=entry).first(),
        },
        status=status,
    )


def _entry_or_404(seq: int) -> JournalEntry:
    return get_object_or_404(
        JournalEntry.objects.select_related(
            "period", "posted_by", "reverses", "made_by", "approved_by"
        ),
        seq=seq,
    )


@require_safe
@permission_required("ledger.view_journalentry")
def entry_detail(request, seq: int):
    return _entry_page(request, _entry_or_404(seq))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_safe
@permission_required("ledger.view_journalentry")
def entry_voucher(request, seq: int):
    """The entry's bookkeeping voucher (记账凭证), to print from the browser or as a PDF."""
    entry = _entry_or_404(seq)
    voucher = voucher_for(entry)
    if request.GET.get("format") == "pdf":
        pdf = render_pdf(
            "ledger/pdf/voucher.html",
            {"voucher": voucher},
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        return _pdf_response(pdf, f"voucher-{entry.seq}.pdf")
    return render(request, "ledger/voucher.html", {"voucher": voucher})


@require_POST
@permission_required(PERM_SUBMIT)
def entry_reverse(request, seq: int):
    """Ask for the reversal of an entry made by hand; a second person approves it. An entry made
    by a flow is refused with the way its flow corrects it."""
    entry = _entry_or_404(seq)
    form = ReversalRequestForm(request.POST, request.FILES)
    if not form.is_valid():
        return _entry_page(request, entry, reversal_form=form, status=400)
    data = form.cleaned_data
    try:
        asked = services.reversal_request_submit(
            entry=entry,
            date=data["date"],
            reason=data["reason"],
            attachments=data["attachments"],
            idempotency_key=data["idempotency_key"],
            actor=request.user,
        )
    except FundError as exc:
        return _entry_page(request, entry, reversal_form=form, error=exc, status=exc.status)
    messages.success(
        request,
        _(
            "Request no. %(id)s asks for the reversal of entry no. %(seq)s; it is posted when a "
            "second person approves it."
        )
        % {"id": asked.pk, "seq": entry.seq},
    )
    return redirect("ledger:request", pk=asked.pk)


@require_http_methods(["GET", "POST"])
@permission_required(PERM_SUBMIT)
def entry_new(request):
    """A manual entry with several lines, asked for here and posted when a second person
    approves it. A ``FundError`` from the service is shown above the form with everything typed
    kept; field errors (the reason, the ceiling, a document) sit next to their fields."""
    show_errors = True
    error = None
    existing = None
    if request.method == "GET":
        form = EntryForm(initial=EntryForm.initial_data())
        formset = EntryLineFormSet(prefix=LINES_PREFIX)
        show_errors = False
    elif "add_lines" in request.POST:
        data = with_more_lines(request.POST, prefix=LINES_PREFIX)
        form = EntryForm(data)
        formset = EntryLineFormSet(data, prefix=LINES_PREFIX)
        show_errors = False  # the user is still typing
    else:
        form = EntryForm(request.POST, request.FILES)
        formset = EntryLineFormSet(request.POST, prefix=LINES_PREFIX)
        if form.is_valid() and formset.is_valid():
            try:
                asked = services.entry_request_submit(
                    date=form.cleaned_data["date"],
                    memo=form.cleaned_data["memo"],
                    reason=form.cleaned_data["reason"],
                    lines=formset.line_specs(),
                    attachments=form.cleaned_data["attachments"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    actor=request.user,
                )
            except IdempotencyConflict:
                # This form already asked for an entry and was changed since (back button): keep
                # the values, give the form a new key, and say what happened.
                existing = EntryRequest.objects.filter(
                    idempotency_key=form.cleaned_data["idempotency_key"]
                ).first()
                data = request.POST.copy()
                data["idempotency_key"] = EntryForm.new_key()
                form = EntryForm(data)
                formset = EntryLineFormSet(data, prefix=LINES_PREFIX)
                error = _(
                    "This form was already used to ask for request no. %(id)s, and its content "
                    "has changed since. Nothing new was asked. Your values are kept: submit "
                    "again to ask for them as a new request."
                ) % {"id": existing.pk if existing else "?"}
            except FundError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _(
                        "Request no. %(id)s is waiting for a second person's approval; the "
                        "entry is posted when it is approved."
                    )
                    % {"id": asked.pk},
                )
                return redirect("ledger:request", pk=asked.pk)
    return render(
        request,
        "ledger/entry_form.html",
        {
            "form": form,
            "formset": formset,
            "show_errors": show_errors,
            "error": error,
            "existing": existing,
        },
        status=400 if error else 200,
    )


# --------------------------------------------------------------------------------------------
# trial balance and statement
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required("ledger.view_balance")
def trial_balance(request):
    form = TrialBalanceForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    fund, as_of = data.get("fund"), data.get("as_of")
    result = selectors.trial_balance(fund=fund, as_of=as_of)

    def export_rows():
        for row in result.rows:
            yield [row.account.code, row.account.name, row.debit, row.credit, row.currency]
        for currency, (debit, credit) in result.totals.items():
            yield ["", _("Total"), debit, credit, currency]

    title = _("Trial balance")
    if fund is not None:
        title = f"{title} {fund.code}"
    download = export_or_none(
        request,
        title=title,
        headers=[_("Code"), _("Account"), _("Debit"), _("Credit"), _("Currency")],
        rows=export_rows,
    )
    if download is not None:
        return download
    totals = [
        {"currency": cur, "debit": d, "credit": c, "balanced": d == c}
        for cur, (d, c) in result.totals.items()
    ]
    return render(
        request,
        "ledger/trial_balance.html",
        {
            "form": form,
            "result": result,
            "totals": totals,
            "fund": fund,
            "as_of": as_of,
            "query": query_without(request, "format"),
        },
    )


@require_safe
@permission_required("ledger.view_journalline", "ledger.view_balance")
def statement(request):
    # The first visit (no account chosen yet) shows the first account in the default currency.
    data = request.GET.copy()
    if not data.get("account"):
        first = Account.objects.order_by("code").first()
        data["account"] = str(first.pk) if first else ""
    if not data.get("currency"):
        data["currency"] = settings.DEFAULT_CURRENCY
    form = StatementForm(data)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        account, fund, currency = data["account"], data["fund"], data["currency"]

        def export_rows():
            for row in selectors.statement_all_rows(account=account, currency=currency, fund=fund):
                line = row.line
                yield [
                    line.entry.seq,
                    line.entry.date,
                    line.entry.memo_display,
                    line.fund.code,
                    row.debit or None,
                    row.credit or None,
                    row.balance,
                    currency,
                    memo_display(line.memo),
                ]

        download = export_or_none(
            request,
            title=f"{_('Statement')} {account.code}",
            headers=[
                _("No."),
                _("Date"),
                _("Memo"),
                _("Fund"),
                _("Debit"),
                _("Credit"),
                _("Balance"),
                _("Currency"),
                _("Line memo"),
            ],
            rows=export_rows,
        )
        if download is not None:
            return download
        result = selectors.account_statement(
            account=account,
            currency=currency,
            fund=fund,
            page=data.get("page") or 1,
            page_size=STATEMENT_PAGE_SIZE,
        )
    return render(
        request,
        "ledger/statement.html",
        {
            "form": form,
            "statement": result,
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


# --------------------------------------------------------------------------------------------
# account book (明细账)
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required("ledger.view_journalline", "ledger.view_balance")
def account_book(request):
    """One account's book over a date range: opening balance, lines oldest first with the
    running balance, period turnover and year to date; as a page, a PDF or Excel/CSV."""
    data = request.GET.copy()
    if not data.get("account"):
        first = Account.objects.order_by("code").first()
        data["account"] = str(first.pk) if first else ""
    if not data.get("currency"):
        data["currency"] = settings.DEFAULT_CURRENCY
    form = AccountBookForm(data)
    book = None
    if form.is_valid():
        data = form.cleaned_data
        account, fund, currency = data["account"], data["fund"], data["currency"]
        start, end = data["start"], data["end"]
        title = _("Account book %(code)s %(start)s to %(end)s") % {
            "code": account.code,
            "start": start.isoformat(),
            "end": end.isoformat(),
        }

        def export_rows():
            # The summary rows first, then every line as an iterator: no cap on a download.
            summary = books.account_book(
                account=account,
                currency=currency,
                start=start,
                end=end,
                fund=fund,
                with_lines=False,
            )
            opening = summary.opening
            yield [
                start,
                None,
                opening.label,
                None,
                None,
                None,
                opening.direction,
                opening.balance,
                currency,
            ]
            for row in books.iter_book_lines(
                account=account,
                currency=currency,
                start=start,
                end=end,
                opening=summary.opening.signed,
                fund=fund,
            ):
                line = row.line
                yield [
                    line.entry.date,
                    line.entry.seq,
                    line.memo or line.entry.memo,
                    line.fund.name,
                    row.debit or None,
                    row.credit or None,
                    row.direction,
                    row.balance,
                    currency,
                ]
            for total in (summary.turnover, summary.year_to_date):
                yield [
                    end,
                    None,
                    total.label,
                    None,
                    total.debit,
                    total.credit,
                    total.direction,
                    total.balance,
                    currency,
                ]

        download = export_or_none(
            request,
            title=title,
            headers=[
                _("Date"),
                _("Voucher no."),
                pgettext("accounting", "Summary"),
                _("Fund"),
                _("Debit"),
                _("Credit"),
                _("Dr/Cr"),
                _("Balance"),
                _("Currency"),
            ],
            rows=export_rows,
        )
        if download is not None:
            return download
        book = books.account_book(
            account=account, currency=currency, start=start, end=end, fund=fund
        )
        context = {"book": book, "unit": settings.FUND_ORGANISATION_NAME, "title": title}
        if request.GET.get("format") == "pdf" and not book.too_long:
            context["printed_by"] = person_name(request.user)
            context["printed_on"] = timezone.localdate()
            pdf = render_pdf(
                "ledger/pdf/account_book.html",
                context,
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
            return _pdf_response(pdf, f"account-book-{account.code}-{start}-{end}.pdf")
    return render(
        request,
        "ledger/account_book.html",
        {
            "form": form,
            "book": book,
            "max_lines": books.BOOK_MAX_LINES,
            "unit": settings.FUND_ORGANISATION_NAME,
            "export_query": query_without(request, "format"),
        },
    )


# --------------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required("ledger.view_period")
def periods(request):
    today = timezone.localdate()
    rows = [
        {"period": period, "closable": period.is_open and period.end < today}
        for period in Period.objects.select_related("closed_by").order_by("-start")
    ]
    return render(
        request,
        "ledger/periods.html",
        {"rows": rows, "can_close": holds_perm(request.user, "ledger.close_period")},
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.close_period")
def period_close(request, pk: int):
    """The closing page: what is still open in the period, then close it for good (POST with
    ``confirm`` when something is open)."""
    period = get_object_or_404(Period, pk=pk)
    if period.status == PeriodStatus.CLOSED:
        messages.info(request, _("Period %(code)s is already closed.") % {"code": period.code})
        return redirect(reverse("ledger:periods"))
    error, status = None, 200
    form = PeriodCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_close(
                period=period, actor=request.user, confirm=form.cleaned_data["confirm"]
            )
        except FundError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Period %(code)s is closed.") % {"code": period.code})
            return redirect(reverse("ledger:periods"))
    return render(
        request,
        "ledger/period_close.html",
        {
            "period": period,
            "items": services.period_open_items(period),
            "over": period.end < timezone.localdate(),
            "form": form,
            "error": error,
        },
        status=status,
    )
