"""Forms of the finance screens: they parse and type what the user typed, nothing more.

Whether an entry may be posted (balance per fund and currency, open period, currencies a fund
holds, ...) is decided by ``ledger.services``; the views show its ``LedgerError`` message on
the form. The forms only check what belongs to one field (a date is a date, an amount has at
most two decimals, is above zero and within the manual-entry ceiling; a document is a PDF,
JPEG or PNG) so the error can sit next to that field.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from .exceptions import AmountTooLarge, InvalidInput
from .limits import check_ceiling
from .models import Account, DocumentKind, Fund, JournalEntry, Side, journal_source_label
from .services import LineSpec
from .services.requests import MAX_ATTACHMENTS, check_attachment

BLANK_LINES = 6  # rows a new entry form offers; "add lines" adds this many more
MAX_LINES = 60


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.code} {obj.name}"


class FundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Fund) -> str:
        return f"{obj.code} {obj.name}"


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in settings.CURRENCIES]


def _fund_field(required: bool = False, label=None) -> FundChoiceField:
    return FundChoiceField(
        queryset=Fund.objects.order_by("code"),
        required=required,
        label=label or _("fund"),
        empty_label=_("all funds") if not required else "---------",
    )


class ChartFilterForm(forms.Form):
    fund = _fund_field()


class JournalFilterForm(forms.Form):
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    account = AccountChoiceField(
        queryset=Account.objects.order_by("code"),
        required=False,
        label=_("account"),
        empty_label=_("all accounts"),
    )
    fund = _fund_field()
    source = forms.ChoiceField(label=_("source"), required=False)
    text = forms.CharField(label=_("memo contains"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sources = (
            JournalEntry.objects.order_by("source").values_list("source", flat=True).distinct()
        )
        self.fields["source"].choices = [("", _("all sources"))] + [
            (s, journal_source_label(s)) for s in sources
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "account": data.get("account"),
            "fund": data.get("fund"),
            "source": data.get("source") or None,
            "text": data.get("text") or None,
        }


class TrialBalanceForm(forms.Form):
    fund = _fund_field()
    as_of = forms.DateField(
        label=_("as of"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for the current balances."),
    )


class StatementForm(forms.Form):
    account = AccountChoiceField(
        queryset=Account.objects.order_by("code"), label=_("account"), empty_label=None
    )
    fund = _fund_field()
    currency = forms.ChoiceField(label=_("currency"), choices=currency_choices)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class AccountBookForm(forms.Form):
    """The account book's choice: an account, a fund (or all), a currency and a date range.
    Without a range it shows this year up to today."""

    account = AccountChoiceField(
        queryset=Account.objects.order_by("code"), label=_("account"), empty_label=None
    )
    fund = _fund_field()
    currency = forms.ChoiceField(label=_("currency"), choices=currency_choices)
    start = forms.DateField(label=_("from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end.replace(month=1, day=1)
        if "end" not in self.errors and "start" not in self.errors and start > end:
            self.add_error("end", _("The end date is before the start date."))
        data["start"], data["end"] = start, end
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Any number of documents (PDF, JPEG, PNG, recognised by their content), as a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(DocumentsField, self).clean(f, initial) for f in files if f]
        if len(cleaned) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(n)s documents may back one request.") % {"n": MAX_ATTACHMENTS}
            )
        errors = []
        for upload in cleaned:
            try:
                check_attachment(upload)
            except InvalidInput as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _reason_field(label=None, help_text=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text
        or _("Why this entry is needed; the approver and the auditor read it. Required."),
        error_messages={"required": _("Give the reason: the approver and the auditor read it.")},
    )


class EntryForm(forms.Form):
    """The head of a manual entry request. ``idempotency_key`` is made when the form is first
    shown, so submitting the same form twice asks once."""

    date = forms.DateField(label=_("date"), widget=DateInput())
    memo = forms.CharField(label=_("memo"), max_length=500, required=False)
    reason = _reason_field()
    attachments = DocumentsField(
        label=_("documents"),
        help_text=_(
            "The documents behind the entry (a bank slip, the committee's minutes): PDF, JPEG "
            "or PNG. Files are not kept when the form is shown again with an error: choose "
            "them again."
        ),
    )
    idempotency_key = forms.CharField(max_length=200, widget=forms.HiddenInput)

    @staticmethod
    def new_key() -> str:
        return f"web:{uuid.uuid4()}"

    @classmethod
    def initial_data(cls) -> dict:
        return {"date": timezone.localdate(), "idempotency_key": cls.new_key()}


class ReversalRequestForm(forms.Form):
    """Ask for the reversal of an entry made by hand (a second person approves)."""

    date = forms.DateField(
        label=_("date of the reversal"),
        widget=DateInput(),
        help_text=_("In an open period; today by default."),
    )
    reason = _reason_field(
        help_text=_("Why the entry must be reversed; the approver and the auditor read it.")
    )
    attachments = DocumentsField(label=_("documents"))
    idempotency_key = forms.CharField(max_length=200, widget=forms.HiddenInput)

    @classmethod
    def initial_data(cls) -> dict:
        return {"date": timezone.localdate(), "idempotency_key": EntryForm.new_key()}


class DecisionForm(forms.Form):
    """The approver's note (optional to approve; the reason, required, to reject)."""

    note = forms.CharField(
        label=_("note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject: the maker reads it."),
    )


class AttachForm(forms.Form):
    attachments = DocumentsField(label=_("documents"), required=True)


class RequestFilterForm(forms.Form):
    SHOW = [
        ("waiting", _("waiting for me")),
        ("mine", _("mine")),
        ("pending", _("all pending")),
        ("all", _("all")),
    ]
    show = forms.ChoiceField(label=_("show"), choices=SHOW, required=False)


class PeriodCloseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have seen what is still open in this period; close it for good."),
        required=False,
    )


class EntryLineForm(forms.Form):
    account = AccountChoiceField(
        queryset=Account.objects.filter(is_active=True).order_by("code"), label=_("account")
    )
    fund = FundChoiceField(queryset=Fund.objects.filter(is_active=True), label=_("fund"))
    side = forms.ChoiceField(label=_("side"), choices=[("", "---------"), *Side.choices])
    amount = forms.DecimalField(
        label=_("amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(
        label=_("currency"), choices=currency_choices, initial=settings.DEFAULT_CURRENCY
    )
    memo = forms.CharField(label=_("line memo"), max_length=200, required=False)

    def line_spec(self) -> LineSpec:
        data = self.cleaned_data
        return LineSpec(
            account=data["account"],
            fund=data["fund"],
            side=data["side"],
            amount=Money(data["amount"], data["currency"]),
            memo=data.get("memo") or "",
        )


class BaseEntryLineFormSet(forms.BaseFormSet):
    def clean(self):
        """The manual-entry ceiling (``ledger.limits``): a line above it is marked at its amount;
        debits above it in total are said above the lines."""
        super().clean()
        totals: dict[str, Decimal] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            amount, currency = data.get("amount"), data.get("currency")
            if amount is None or not currency or not form.has_changed():
                continue
            try:
                check_ceiling(DocumentKind.MANUAL_ENTRY, Money(amount, currency))
            except AmountTooLarge as exc:
                form.add_error("amount", str(exc))
                continue
            if data.get("side") == Side.DEBIT:
                totals[currency] = totals.get(currency, Decimal(0)) + amount
        for currency, total in sorted(totals.items()):
            try:
                check_ceiling(DocumentKind.MANUAL_ENTRY, Money(total, currency))
            except AmountTooLarge as exc:
                raise forms.ValidationError(
                    _("The debits of this entry total %(total)s %(cur)s. %(why)s")
                    % {"total": f"{total:,.2f}", "cur": currency, "why": str(exc)}
                ) from exc

    def line_specs(self) -> list[LineSpec]:
        """The filled rows in the order shown; untouched blank rows are skipped."""
        return [
            form.line_spec()
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form)
        ]


EntryLineFormSet = forms.formset_factory(
    EntryLineForm,
    formset=BaseEntryLineFormSet,
    extra=BLANK_LINES,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)


def with_more_lines(data, prefix: str = "lines", more: int = BLANK_LINES):
    """A copy of POSTed formset data with ``more`` blank rows added (the no-JS "add lines")."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except (TypeError, ValueError):
        total = 0
    data[key] = str(min(MAX_LINES, total + more))
    return data
