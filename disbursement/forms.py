"""Forms of the payout screens: they parse and type what the user typed, nothing more.

Whether a batch may be built, approved, exported or a result file imported, or an enrolment
changed, is decided by ``disbursement.services``; the views show its typed error next to the
form, with what was typed kept. The forms only check what belongs to one field (a date is a
date, the period's first day is not after its last, an upload is a CSV or Excel file).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.forms import MergeForm
from approvals.models import Program, Region
from common import uploads
from ledger.forms import DateInput

from .models import (
    RECURRING_CATEGORIES,
    BankLayout,
    BatchStatus,
    EnrolmentStatus,
    ExportFormat,
    RecoveryReason,
    RecoveryStatus,
    RefundMethod,
    SampleOutcome,
    StopAction,
)

# A bank result file of 100,000 lines is about 6 MB; anything far larger is not one.
MAX_RESULT_FILE = 50 * 1024 * 1024


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Program) -> str:
        return f"{obj.code} {obj.name}"


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name} ({obj.get_level_display()})"


def _programs():
    return Program.objects.order_by("code")


def _recurring_programs():
    return Program.objects.filter(category__in=RECURRING_CATEGORIES).order_by("code")


def _check_period(form: forms.Form, start: str, end: str) -> None:
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[start] > data[end]:
        form.add_error(end, _("The last day is before the first day."))


# --------------------------------------------------------------------------------------------
# batches
# --------------------------------------------------------------------------------------------
class BatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("all statuses")), *BatchStatus.choices]
    )
    program = ProgramChoiceField(
        label=_("program"), queryset=_programs(), required=False, empty_label=_("all programs")
    )


class BatchBuildForm(forms.Form):
    program = ProgramChoiceField(label=_("program"), queryset=None)
    cycle = forms.CharField(
        label=_("cycle"),
        max_length=7,
        required=False,
        help_text=_('Only awards of this cycle, e.g. "2026"; leave empty for every cycle.'),
    )
    region = RegionChoiceField(
        label=_("region"),
        queryset=None,
        required=False,
        empty_label=_("my whole region"),
        help_text=_("Only households of this region and below."),
    )
    final_from = forms.DateField(
        label=_("final from"),
        required=False,
        widget=DateInput(),
        help_text=_("Awards that became final on or after this day."),
    )
    final_to = forms.DateField(
        label=_("final to"),
        required=False,
        widget=DateInput(),
        help_text=_("Awards that became final on or before this day."),
    )
    retry_unchanged = forms.BooleanField(
        label=_("retry unchanged accounts"),
        required=False,
        help_text=_(
            "Include awards whose last payment failed to the account the household still has "
            "(only when the bank's failure was temporary)."
        ),
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(is_active=True).order_by("code")
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()

    def clean(self):
        data = super().clean()
        _check_period(self, "final_from", "final_to")
        return data

    def job_params(self) -> dict:
        """The form's values as the build job's JSON-safe arguments (ids, ISO dates)."""
        data = self.cleaned_data
        params = {"program_id": data["program"].pk, "cycle": (data.get("cycle") or "").strip()}
        if data.get("region") is not None:
            params["region_id"] = data["region"].pk
        for name in ("final_from", "final_to"):
            if data.get(name):
                params[name] = data[name].isoformat()
        if data.get("retry_unchanged"):
            params["retry_unchanged"] = True
        return params

    @staticmethod
    def initial_from_job(params: dict) -> dict:
        """A failed build job's arguments back as the form's data, so nothing is typed twice."""
        data = {
            "program": params.get("program_id") or "",
            "cycle": params.get("cycle") or "",
            "region": params.get("region_id") or "",
            "final_from": params.get("final_from") or "",
            "final_to": params.get("final_to") or "",
        }
        if params.get("retry_unchanged"):
            data["retry_unchanged"] = "on"
        return data


class DiscardForm(forms.Form):
    reason = forms.CharField(
        label=_("why discard this batch"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class _LayoutField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=BankLayout.objects.filter(is_active=True).order_by("name"),
            label=_("bank layout"),
            **kwargs,
        )


def _only_layout(form: forms.Form) -> None:
    """Most counties pay through one agent bank: its layout is then picked already."""
    layouts = list(form.fields["layout"].queryset[:2])
    if len(layouts) == 1 and not form.is_bound:
        form.fields["layout"].initial = layouts[0].pk


class ExportForm(forms.Form):
    layout = _LayoutField()
    fmt = forms.ChoiceField(
        label=_("file format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _only_layout(self)


class ResultImportForm(forms.Form):
    layout = _LayoutField()
    file = forms.FileField(
        label=_("bank result file (.csv or .xlsx)"),
        validators=[uploads.size_validator("bank_result")],
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    value_date = forms.DateField(
        label=_("value date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The day the bank paid, when its file has no value-date column (default: today). "
            "It is the payments' date in the books and in the timeliness figures."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _only_layout(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload the bank's .csv or .xlsx result file."))
        if upload.size > MAX_RESULT_FILE:
            raise forms.ValidationError(_("The file is too large to be a bank result file."))
        return upload


# --------------------------------------------------------------------------------------------
# late payments
# --------------------------------------------------------------------------------------------
class LateFilterForm(forms.Form):
    days = forms.IntegerField(
        label=_("unpaid for more than (days)"), min_value=0, max_value=3650, required=False
    )
    program = ProgramChoiceField(
        label=_("program"), queryset=_programs(), required=False, empty_label=_("all programs")
    )


# --------------------------------------------------------------------------------------------
# cycles and enrolments
# --------------------------------------------------------------------------------------------
class CycleFilterForm(forms.Form):
    program = ProgramChoiceField(
        label=_("program"),
        queryset=_recurring_programs(),
        required=False,
        empty_label=_("all recurring programs"),
    )


class CycleOpenForm(forms.Form):
    program = ProgramChoiceField(label=_("program"), queryset=_recurring_programs())
    code = forms.CharField(label=_("cycle"), max_length=7, help_text=_('e.g. "2026" or "2026-11"'))


class EnrolmentFilterForm(forms.Form):
    program = ProgramChoiceField(
        label=_("program"),
        queryset=_recurring_programs(),
        required=False,
        empty_label=_("all recurring programs"),
    )
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("all statuses")), *EnrolmentStatus.choices],
    )
    region = RegionChoiceField(
        label=_("region"), queryset=None, required=False, empty_label=_("my whole region")
    )
    q = forms.CharField(label=_("beneficiary's name"), max_length=50, required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()


class EnrolmentChangeForm(forms.Form):
    reason = forms.CharField(
        label=_("written reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    on = forms.DateField(label=_("effective from"), widget=DateInput())


# --------------------------------------------------------------------------------------------
# the annual confirmation
# --------------------------------------------------------------------------------------------
class CycleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.program.code} {obj.code}"


class ConfirmationPrepareForm(forms.Form):
    cycle = CycleChoiceField(label=_("cycle"), queryset=None)

    def __init__(self, *args, **kwargs):
        from .models import Cycle, CycleStatus

        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = (
            Cycle.objects.filter(status=CycleStatus.OPEN, confirmation__isnull=True)
            .select_related("program")
            .order_by("program__code", "-code")
        )


class RowStopForm(forms.Form):
    reason = forms.CharField(
        label=_("written reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.ChoiceField(
        label=_("on approval"), required=False, choices=StopAction.choices, initial=""
    )


class SignoffForm(forms.Form):
    comment = forms.CharField(
        label=_("comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmationPublishForm(forms.Form):
    starts_on = forms.DateField(
        label=_("first day"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to start today; never before today."),
    )


class TierNoticeForm(forms.Form):
    """Post the rows of one region after a tier that asks for a notice."""

    region = forms.TypedChoiceField(label=_("region"), coerce=int)
    starts_on = forms.DateField(
        label=_("first day"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to start today; never before today."),
    )

    def __init__(self, *args, region_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = list(region_choices)


class RowDecideForm(forms.Form):
    """The tier a row is back at after an upheld objection decides its outcome again."""

    pay = forms.ChoiceField(
        label=_("decision"),
        choices=[("stop", _("stop the row")), ("pay", _("pay it (posted again first)"))],
    )
    reason = forms.CharField(
        label=_("written reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.ChoiceField(
        label=_("on approval"), required=False, choices=StopAction.choices, initial=""
    )


class ConfirmationObjectionForm(forms.Form):
    """The public's objection to a row of a confirmation on notice (no login)."""

    row = forms.TypedChoiceField(label=_("Which line of the list"), coerce=int)
    contact = forms.CharField(
        label=_("How to contact you (phone or address)"), max_length=100, required=True
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    text = forms.CharField(label=_("Your objection"), max_length=5000, widget=forms.Textarea)

    def __init__(self, *args, row_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["row"].choices = [("", "—"), *row_choices]


class ObjectionHandleForm(forms.Form):
    """Uphold (back to a tier, with the finding) or dismiss (with the reply)."""

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("uphold", _("uphold: review the row again")), ("dismiss", _("dismiss"))],
    )
    tier = forms.TypedChoiceField(label=_("tier"), coerce=int, required=False)
    comment = forms.CharField(
        label=_("finding or reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, tier_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "—"), *tier_choices]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "uphold" and not data.get("tier"):
            self.add_error("tier", _("Choose the tier to re-investigate at."))
        return data


class ConfirmationMergeForm(MergeForm):
    """Merge a duplicate into another objection to the same row (the case objections' form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].label = _("Merge into (same row)")


# --------------------------------------------------------------------------------------------
# recoveries and sample checks
# --------------------------------------------------------------------------------------------
def new_key() -> str:
    """A submit key made when a form is first shown: a double submit records once."""
    import uuid

    return f"web:{uuid.uuid4()}"


def _recovery_amount(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class RecoveryProposeForm(forms.Form):
    amount = _recovery_amount(_("amount to recover"))
    reason_code = forms.ChoiceField(label=_("reason"), choices=RecoveryReason.choices)
    reason_text = forms.CharField(
        label=_("what happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_reference = forms.CharField(
        label=_("decision reference (e.g. the minutes' number)"), max_length=100, required=False
    )
    idempotency_key = forms.CharField(max_length=200, widget=forms.HiddenInput)


class RecoveryDecisionForm(forms.Form):
    decision_text = forms.CharField(
        label=_("decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_reference = forms.CharField(
        label=_("decision reference (e.g. the minutes' number)"), max_length=100, required=False
    )


class RefundForm(forms.Form):
    amount = _recovery_amount(_("amount paid back"))
    received_on = forms.DateField(label=_("received on"), widget=DateInput())
    method = forms.ChoiceField(label=_("how it was paid back"), choices=RefundMethod.choices)
    bank_reference = forms.CharField(label=_("bank reference"), max_length=64, required=False)
    note = forms.CharField(label=_("note"), max_length=500, required=False)
    idempotency_key = forms.CharField(max_length=200, widget=forms.HiddenInput)


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        label=_("why it cannot be recovered"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RecoveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("every status")), *RecoveryStatus.choices],
    )


class SampleRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("what the recipient said"),
        choices=[(o.value, o.label) for o in SampleOutcome if o.value],
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)
