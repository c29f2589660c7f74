"""Forms of the relief-case screens: they parse and shape input only; every rule lives in the
services (whose typed errors the views put back on the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.forms import DateInput

from .models import PersonStatus, Relation


class ObjectionForm(forms.Form):
    item = forms.TypedChoiceField(label=_("Which line of which notice"), coerce=int)
    contact = forms.CharField(
        label=_("How to contact you (phone or address)"), max_length=100, required=True
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    text = forms.CharField(label=_("Your objection"), max_length=5000, widget=forms.Textarea)

    def __init__(self, *args, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—"), *item_choices]


class ObjectionStatusForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=32)


class PublicStatusForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
    code = forms.CharField(
        label=_("Look-up code (on your acknowledgement)"),
        max_length=20,
        help_text=_(
            "The 10 letters and digits printed on the acknowledgement of your application."
        ),
    )


# --------------------------------------------------------------------------------------------
# staff
# --------------------------------------------------------------------------------------------
class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)


class ReturnForm(forms.Form):
    missing_items = forms.CharField(
        label=_("Missing materials (one per line, all at once)"), widget=forms.Textarea
    )
    comment = forms.CharField(label=_("Comment"), required=False)

    def clean_missing_items(self):
        items = [
            line.strip() for line in self.cleaned_data["missing_items"].splitlines() if line.strip()
        ]
        if not items:
            raise forms.ValidationError(_("List at least one missing item."))
        return items


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Written reason"), widget=forms.Textarea)


class CaseDecisionForm(forms.Form):
    """A reviewer's decision on the case page: one form, one choice (approve, return for
    materials, reject) and the fields the choice needs; the three services decide the rest."""

    CHOICES = [
        ("approve", _("Approve")),
        ("return", _("Return for materials")),
        ("reject", _("Reject")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    missing_items = forms.CharField(
        label=_("Missing materials (one per line, all at once)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-decision": "return"}),
    )
    reason = forms.CharField(
        label=_("Written reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-decision": "reject"}),
    )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "return":
            items = [i.strip() for i in (data.get("missing_items") or "").splitlines() if i.strip()]
            if not items:
                self.add_error("missing_items", _("List at least one missing item."))
            data["missing_items"] = items
        elif decision == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", forms.Field.default_error_messages["required"])
        return data

    @classmethod
    def from_action(cls, action: str, post) -> CaseDecisionForm:
        """The same form from a post to one of the former per-decision forms (``approve-…``,
        ``return-…``, ``reject-…`` fields), so those addresses keep working and show their
        errors on the one form."""
        return cls(
            data={
                "decide-decision": action,
                "decide-comment": post.get(f"{action}-comment", ""),
                "decide-missing_items": post.get("return-missing_items", ""),
                "decide-reason": post.get("reject-reason", ""),
            },
            prefix="decide",
        )


class HouseholdForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Village"), queryset=None)
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("Bank account number"), max_length=40, required=False)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    # No length limits here: the parser says what is wrong, in the same words everywhere.
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)

    def clean_id_number(self):
        from .exceptions import InvalidIdNumber
        from .services import id_number_parse

        try:
            return id_number_parse(self.cleaned_data["id_number"]).number
        except InvalidIdNumber as exc:
            raise forms.ValidationError(exc.message) from exc


PersonFormSet = forms.formset_factory(PersonForm, extra=0, min_num=1, validate_min=True)


class CaseFileForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=None)
    cycle = forms.CharField(label=_("Cycle"), max_length=7, help_text=_('e.g. "2026" or "2026-11"'))
    members = forms.ModelMultipleChoiceField(
        label=_("Beneficiaries"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    requested_amount = forms.DecimalField(
        label=_("Requested amount (only when the program's rule asks for one)"),
        max_digits=18,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    comment = forms.CharField(label=_("Comment"), required=False)

    def __init__(self, *args, programs=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["members"].queryset = people
        self.fields["members"].label_from_instance = lambda p: (
            f"{p.name} ({p.get_relation_display()}, {p.id_number_masked})"
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Document (PDF, JPEG or PNG)"))


class NoticePublishForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=None)
    region = forms.ModelChoiceField(label=_("Region of the notice"), queryset=None)
    cycle = forms.CharField(label=_("Cycle"), max_length=7)
    starts_on = forms.DateField(
        label=_("First day"),
        required=False,
        help_text=_("Today or later; empty: today. The last day follows from the program."),
    )

    def __init__(self, *args, programs=None, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["region"].queryset = regions

    def clean_starts_on(self):
        from .exceptions import InvalidInput
        from .services import notice_first_day

        value = self.cleaned_data.get("starts_on")
        if value is None:
            return value
        try:
            return notice_first_day(value)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc


class UpholdForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("Re-investigate at tier"), coerce=int)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea)

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(t.order, f"{t.order}. {t.name}") for t in tiers]


class DismissForm(forms.Form):
    reply = forms.CharField(label=_("Written reply to the objector"), widget=forms.Textarea)


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into (same case)"), coerce=int)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [
            (o.pk, f"{o.tracking_code} · {o.get_status_display()} · {o.text[:40]}") for o in targets
        ]


class SpamForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the sender)"), widget=forms.Textarea)
    same_sender = forms.BooleanField(
        label=_("Also every other open objection to this notice from the same address or contact"),
        required=False,
    )


class NoEchoInput(forms.TextInput):
    """A text box that never sends back what was typed: a whole account number is not
    written into a page, not even the form shown again with its errors."""

    def format_value(self, value):
        return None


class BankAccountForm(forms.Form):
    """Set or change a bank account: a member's own, or the household's default (empty)."""

    person = forms.ModelChoiceField(
        label=_("Whose account"),
        queryset=None,
        required=False,
        empty_label=_("The household's default account"),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    account = forms.CharField(
        label=_("Bank account number"),
        max_length=40,
        required=False,
        help_text=_("8 to 30 digits; leave empty to remove the account."),
        widget=NoEchoInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    reason = forms.CharField(label=_("Why it changes"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: (
            f"{p.name} ({p.get_relation_display()})"
        )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonStatusForm(forms.Form):
    """A person's status in the registry (the annual confirmation stops awards of anyone not
    living here): deceased or moved away from a day, or living here again."""

    status = forms.ChoiceField(label=_("status"), choices=PersonStatus.choices)
    on = forms.DateField(label=_("since"), required=False, widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=500, required=False)


# --------------------------------------------------------------------------------------------
# correcting the registry (the services check the rules; these parse and keep what was typed)
# --------------------------------------------------------------------------------------------
class _Versioned(forms.Form):
    """The household version the form was read at: a save from an older copy is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HouseholdEditForm(_Versioned):
    region = forms.ModelChoiceField(label=_("Village"), queryset=None)
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        required=False,
        help_text=_("Kept in the household's history, e.g. the document that shows it."),
    )

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages


class PersonEditForm(_Versioned):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    # Never filled in: a whole ID number is not written into a page. Empty keeps the number.
    id_number = forms.CharField(
        label=_("Corrected ID number"),
        max_length=30,
        required=False,
        help_text=_("Leave empty to keep the number on file (shown masked above)."),
        widget=NoEchoInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        required=False,
        help_text=_("Required when the ID number is corrected."),
    )

    def __init__(self, *args, is_head=False, **kwargs):
        super().__init__(*args, **kwargs)
        if is_head:
            self.fields["relation"].choices = [c for c in Relation.choices if c[0] == Relation.HEAD]
        else:
            self.fields["relation"].choices = [c for c in Relation.choices if c[0] != Relation.HEAD]

    def clean_id_number(self):
        from .exceptions import InvalidIdNumber
        from .services import id_number_parse

        value = (self.cleaned_data.get("id_number") or "").strip()
        if not value:
            return ""
        try:
            return id_number_parse(value).number
        except InvalidIdNumber as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self):
        data = super().clean()
        if data.get("id_number") and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Say why the ID number is corrected (e.g. which document shows the right one)."),
            )
        return data


class MemberAddForm(_Versioned, PersonForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [c for c in Relation.choices if c[0] != Relation.HEAD]
        # A whole ID number is not written back into the page, even with the form's errors.
        self.fields["id_number"].widget = NoEchoInput(attrs={"autocomplete": "off"})


class MemberRemoveForm(_Versioned):
    reason = forms.CharField(
        label=_("Why is this member removed?"), max_length=500, widget=forms.Textarea
    )
