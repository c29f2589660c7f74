"""Forms of the collection screens: they parse and type what the user typed, nothing more.

Whether a donation, allocation, deposit, void or write-off may happen is decided by
``ledger.collection.services``; the views show its ``LedgerError`` message on the form. The
forms only check what belongs to one field (an amount has at most two decimals, is above zero and
within the ceiling of its kind of document, a date is a date) so the error can sit next to that
field, the value kept. Recording forms carry a hidden
idempotency key made when the form is first shown, so a double submit records once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import uploads

from ..exceptions import AmountTooLarge
from ..forms import DateInput, FundChoiceField, currency_choices
from ..limits import check_ceiling
from ..models import DocumentKind, Fund
from .models import (
    CHANNEL_METHODS,
    DIRECT_METHODS,
    AllocationKind,
    Donor,
    DonorKind,
    PaymentMethod,
    Pledge,
    PledgeKind,
    PledgeStatus,
    ReceiptStatus,
    ReceiptType,
)


def new_key() -> str:
    return f"web:{uuid.uuid4()}"


def _amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _open_funds():
    return Fund.objects.filter(is_active=True).order_by("code")


def _all_funds_field() -> FundChoiceField:
    return FundChoiceField(
        queryset=Fund.objects.order_by("code"),
        required=False,
        label=_("fund"),
        empty_label=_("all funds"),
    )


class DonorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Donor) -> str:
        return f"{obj.name} {obj.credit_code}".strip()


class _Keyed(forms.Form):
    idempotency_key = forms.CharField(max_length=200, widget=forms.HiddenInput)


class _WithinCeiling:
    """The amount within the ceiling of the form's kind of document (``ledger.limits``): the
    error sits next to the amount and the typed value stays in the field."""

    ceiling_kind: str = ""

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None:
            try:
                check_ceiling(self.ceiling_kind, amount)
            except AmountTooLarge as exc:
                raise forms.ValidationError(str(exc), code="amount_too_large") from exc
        return amount


class PledgeChoiceField(forms.ModelChoiceField):
    """A pledge by what it promises, who, how much and when."""

    def label_from_instance(self, obj: Pledge) -> str:
        return (
            f"{obj.get_kind_display()} · {obj.donor.name} · {obj.amount} · {obj.due_date:%Y-%m-%d}"
        )


def _open_pledges(kind: str):
    return (
        Pledge.objects.filter(written_off=False, kind=kind)
        .select_related("donor", "fund")
        .order_by("due_date", "id")
    )


class DonationForm(_WithinCeiling, _Keyed):
    """The fast entry form, in the order the keyboard goes through it. Only donation pledges are
    offered: a mandated contribution is paid by an allocation (``AllocationForm``)."""

    ceiling_kind = DocumentKind.DONATION

    donor_text = forms.CharField(
        label=_("donor"),
        required=False,
        max_length=250,
        help_text=_("Type a name or credit code and pick from the list."),
        widget=forms.TextInput(attrs={"list": "donor-options", "autocomplete": "off"}),
    )
    donor = DonorChoiceField(
        queryset=Donor.objects.order_by("name"),
        label=_("donor (list)"),
        required=False,
        help_text=_("Or choose the donor here."),
    )
    fund = FundChoiceField(queryset=_open_funds(), label=_("fund"))
    amount = _amount_field()
    currency = forms.ChoiceField(
        label=_("currency"), choices=currency_choices, initial=settings.DEFAULT_CURRENCY
    )
    method = forms.ChoiceField(label=_("method"), choices=PaymentMethod.choices)
    channel_ref = forms.CharField(
        label=_("transaction reference"),
        max_length=64,
        required=False,
        help_text=_(
            "WeChat Pay, Alipay, POS: the transaction number on the payment record (商户单号 or "
            "the terminal's reference); the channel's settlement is matched by it."
        ),
    )
    received_on = forms.DateField(label=_("date received"), widget=DateInput())
    project = forms.CharField(label=_("project"), max_length=200, required=False)
    pledge = PledgeChoiceField(
        queryset=_open_pledges(PledgeKind.DONATION),
        label=_("pays pledge"),
        required=False,
        empty_label=_("no pledge"),
    )

    field_order = [
        "donor_text",
        "donor",
        "fund",
        "amount",
        "currency",
        "method",
        "channel_ref",
        "received_on",
        "project",
        "pledge",
        "idempotency_key",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor_text"].widget.attrs["autofocus"] = True
        self.fields["fund"].queryset = _open_funds()
        self.fields["pledge"].queryset = _open_pledges(PledgeKind.DONATION)

    @classmethod
    def initial_data(cls) -> dict:
        return {
            "received_on": timezone.localdate(),
            "idempotency_key": new_key(),
            "method": PaymentMethod.BANK,
            "currency": settings.DEFAULT_CURRENCY,
        }

    def clean(self):
        data = super().clean()
        ref = (data.get("channel_ref") or "").strip()
        data["channel_ref"] = ref
        if data.get("method") in CHANNEL_METHODS and not ref:
            self.add_error(
                "channel_ref",
                _("Type the channel's transaction reference (as on the payment record)."),
            )
        elif data.get("method") in DIRECT_METHODS and ref:
            self.add_error(
                "channel_ref",
                _("Only WeChat Pay, Alipay and POS donations carry a transaction reference."),
            )
        elif ref and any(c.isspace() for c in ref):
            self.add_error("channel_ref", _("The transaction reference may not contain blanks."))
        if data.get("donor") is None:
            text = (data.get("donor_text") or "").strip()
            donor = None
            if text:
                # The datalist puts "name · code · #id" in the box; the id decides.
                marker = text.rsplit("#", 1)
                if len(marker) == 2 and marker[1].strip().isdigit():
                    donor = Donor.objects.filter(pk=int(marker[1])).first()
                if donor is None:
                    matches = list(Donor.objects.filter(name=text)[:2]) or list(
                        Donor.objects.filter(credit_code=text.upper())[:2]
                    )
                    donor = matches[0] if len(matches) == 1 else None
            if donor is None:
                self.add_error(
                    "donor_text",
                    _("Pick a donor from the list, or add a new donor first.")
                    if text
                    else _("Choose the donor."),
                )
            data["donor"] = donor
        return data


class DonorForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=DonorKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("name"), max_length=200)
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters, for units (GB 32100)."),
    )
    anonymous = forms.BooleanField(
        label=_("anonymous on public lists"), required=False, help_text=_("Only for people.")
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)


class DonorEditForm(forms.Form):
    """A donor's correction; the kind is not changed (receipts were issued to it)."""

    seen = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(label=_("name"), max_length=200)
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters, for units (GB 32100)."),
    )
    anonymous = forms.BooleanField(
        label=_("anonymous on public lists"), required=False, help_text=_("Only for people.")
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("reason for the correction"),
        max_length=500,
        required=False,
        help_text=_("Required when the name or credit code changes."),
    )

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == DonorKind.UNIT:
            del self.fields["anonymous"]
        else:
            del self.fields["credit_code"]


class DonorFilterForm(forms.Form):
    q = forms.CharField(label=_("name or credit code"), required=False, max_length=100)


class DonationFilterForm(forms.Form):
    donor = forms.CharField(
        label=_("donor (any part of the name, or credit code)"), required=False, max_length=100
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    fund = _all_funds_field()
    method = forms.ChoiceField(
        label=_("method"), required=False, choices=[("", _("all methods")), *PaymentMethod.choices]
    )
    receipt_status = forms.ChoiceField(
        label=_("receipt"),
        required=False,
        choices=[("", _("valid and void")), *ReceiptStatus.choices],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class ReceiptFilterForm(forms.Form):
    q = forms.CharField(label=_("receipt number or payer"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("all")), *ReceiptStatus.choices]
    )
    type = forms.ChoiceField(
        label=_("receipt type"), required=False, choices=[("", _("all")), *ReceiptType.choices]
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    amount = forms.DecimalField(
        label=_("amount"), required=False, max_digits=18, decimal_places=2, min_value=0
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class PledgeFilterForm(forms.Form):
    donor = forms.CharField(
        label=_("donor (any part of the name, or credit code)"), required=False, max_length=100
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("all")), *PledgeStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("all")), *PledgeKind.choices]
    )
    fund = _all_funds_field()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class CashDepositForm(_WithinCeiling, _Keyed):
    ceiling_kind = DocumentKind.DEPOSIT
    fund = FundChoiceField(queryset=_open_funds(), label=_("fund"))
    amount = _amount_field()
    currency = forms.ChoiceField(
        label=_("currency"), choices=currency_choices, initial=settings.DEFAULT_CURRENCY
    )
    deposited_on = forms.DateField(label=_("date deposited"), widget=DateInput())
    bank_slip = forms.CharField(label=_("bank slip number"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = _open_funds()

    @classmethod
    def initial_data(cls) -> dict:
        return {
            "deposited_on": timezone.localdate(),
            "idempotency_key": new_key(),
            "currency": settings.DEFAULT_CURRENCY,
        }


class AllocationForm(_WithinCeiling, _Keyed):
    """No receipt-type choice: an allocation always gets a settlement receipt. It may pay a
    mandated-contribution pledge (帮扶资金); then the paying department is the pledge's donor
    when left empty."""

    ceiling_kind = DocumentKind.ALLOCATION
    kind = forms.ChoiceField(label=_("kind"), choices=AllocationKind.choices)
    source_name = forms.CharField(label=_("paying department"), max_length=200, required=False)
    source_credit_code = forms.CharField(label=_("credit code"), max_length=30, required=False)
    fund = FundChoiceField(queryset=_open_funds(), label=_("fund"))
    amount = _amount_field()
    currency = forms.ChoiceField(
        label=_("currency"), choices=currency_choices, initial=settings.DEFAULT_CURRENCY
    )
    method = forms.ChoiceField(
        label=_("method"), choices=[(m.value, m.label) for m in DIRECT_METHODS]
    )
    received_on = forms.DateField(label=_("date received"), widget=DateInput())
    document_no = forms.CharField(label=_("document number"), max_length=100, required=False)
    pledge = PledgeChoiceField(
        queryset=_open_pledges(PledgeKind.CONTRIBUTION),
        label=_("pays pledge"),
        required=False,
        empty_label=_("no pledge"),
        help_text=_("A mandated contribution pledged by a department."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = _open_funds()
        self.fields["pledge"].queryset = _open_pledges(PledgeKind.CONTRIBUTION)

    def clean(self):
        data = super().clean()
        if not (data.get("source_name") or "").strip() and data.get("pledge") is None:
            self.add_error("source_name", _("Name the department that pays."))
        return data

    @classmethod
    def initial_data(cls) -> dict:
        return {
            "received_on": timezone.localdate(),
            "idempotency_key": new_key(),
            "currency": settings.DEFAULT_CURRENCY,
            "method": PaymentMethod.BANK,
        }


class SettlementImportForm(forms.Form):
    """A payment channel's settlement file, the channel it comes from and the day the money
    reached the bank (the settlement entry's date)."""

    channel = forms.ChoiceField(
        label=_("channel"), choices=[(m.value, m.label) for m in CHANNEL_METHODS]
    )
    settled_on = forms.DateField(label=_("date the money reached the bank"), widget=DateInput())
    file = forms.FileField(
        label=_("settlement file (.xlsx or .csv)"),
        validators=[uploads.size_validator("import")],
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_settled_on(self):
        value = self.cleaned_data["settled_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload


class PledgeForm(_WithinCeiling, _Keyed):
    """A promise of money: who, into which fund, how much, by when. Nothing is booked."""

    ceiling_kind = DocumentKind.PLEDGE
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=PledgeKind.choices,
        help_text=_(
            "A mandated contribution (帮扶资金) is later paid by an allocation with a settlement "
            "receipt, a donation by a donation with a donation receipt."
        ),
    )
    donor = DonorChoiceField(queryset=Donor.objects.order_by("name"), label=_("donor"))
    fund = FundChoiceField(queryset=_open_funds(), label=_("fund"))
    amount = _amount_field()
    currency = forms.ChoiceField(
        label=_("currency"), choices=currency_choices, initial=settings.DEFAULT_CURRENCY
    )
    pledged_on = forms.DateField(label=_("pledged on"), widget=DateInput())
    due_date = forms.DateField(label=_("due date"), widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = _open_funds()

    def clean(self):
        data = super().clean()
        pledged_on, due_date = data.get("pledged_on"), data.get("due_date")
        if pledged_on and due_date and due_date < pledged_on:
            self.add_error("due_date", _("The due date cannot be before the day of the pledge."))
        return data

    @classmethod
    def initial_data(cls) -> dict:
        return {
            "pledged_on": timezone.localdate(),
            "idempotency_key": new_key(),
            "currency": settings.DEFAULT_CURRENCY,
            "kind": PledgeKind.DONATION,
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("file (.xlsx or .csv)"),
        validators=[uploads.size_validator("import")],
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload
