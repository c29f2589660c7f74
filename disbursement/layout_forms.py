"""The bank layout as a form (issue 14, point 5): the administrator fills in, for each field a
payment file may hold, its column position and header, and for each field of the bank's result
file the header the bank writes — never raw JSON. The form builds ``export_columns``,
``result_columns``, ``paid_values`` and ``failed_values`` itself, says next to each field what
is wrong (a required field left out, two columns at one position, one header twice), then the
model's own ``configuration_errors`` (the rules the exporter and importer rely on).
``layout_preview`` shows the payment file's first lines, written by the real writer, and the
header line the result file must have.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelFormMetaclass
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .bankfiles import write_payment_file
from .models import (
    EXPORT_FIELDS,
    REQUIRED_EXPORT_FIELDS,
    REQUIRED_RESULT_FIELDS,
    RESULT_FIELDS,
    BankLayout,
    ExportFormat,
)

# What the preview's sample line holds: plainly made up, in the shape of real values.
SAMPLE_ROW = {
    "account": "6217000000000000000",
    "holder": "张三",
    "id_number": "000000000000000000",
    "amount": "1200.00",
    "reference": "PB2026-000001-0001",
    "currency": "CNY",
    "bank_name": "县农村信用社",
    "memo": "救助金",
}


def _lines(text: str) -> list[str]:
    """One value per line (commas and the Chinese 、 also separate), blanks dropped, in order."""
    values = []
    for raw in text.replace("、", "\n").replace(",", "\n").replace("，", "\n").splitlines():
        value = raw.strip()
        if value and value not in values:
            values.append(value)
    return values


def _layout_fields() -> dict[str, forms.Field]:
    """One position and one header per payment-file field, one header per result-file field
    (declared on the class, so the admin's fieldsets may name them)."""
    fields: dict[str, forms.Field] = {}
    for name, label in EXPORT_FIELDS.items():
        required = name in REQUIRED_EXPORT_FIELDS
        fields[f"export_{name}_position"] = forms.IntegerField(
            label=format_lazy("{} · {}", label, pgettext_lazy("bank file", "column")),
            min_value=1,
            max_value=len(EXPORT_FIELDS),
            required=False,
            help_text=gettext_lazy("Required.")
            if required
            else gettext_lazy("Leave empty to leave it out."),
        )
        fields[f"export_{name}_header"] = forms.CharField(
            label=format_lazy("{} · {}", label, pgettext_lazy("bank file", "header")),
            max_length=60,
            required=False,
        )
    for name, label in RESULT_FIELDS.items():
        fields[f"result_{name}_header"] = forms.CharField(
            label=format_lazy("{} · {}", label, gettext_lazy("header in the result file")),
            max_length=60,
            required=False,
            help_text=gettext_lazy("Required.")
            if name in REQUIRED_RESULT_FIELDS
            else gettext_lazy("Leave empty if the bank's file has no such column."),
        )
    fields["paid_values_text"] = forms.CharField(
        label=gettext_lazy("status values meaning paid"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("As the bank writes them in its result file, one per line."),
    )
    fields["failed_values_text"] = forms.CharField(
        label=gettext_lazy("status values meaning failed"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("As the bank writes them in its result file, one per line."),
    )
    return fields


EXPORT_FIELD_NAMES = [
    f"export_{n}_{part}" for n in EXPORT_FIELDS for part in ("position", "header")
]
RESULT_FIELD_NAMES = [f"result_{n}_header" for n in RESULT_FIELDS]


class _BankLayoutFormBase(forms.ModelForm):
    class Meta:
        model = BankLayout
        fields = ["name", "delimiter", "encoding", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        layout = self.instance
        positions = {f: i for i, (f, _h) in enumerate(layout.export_columns or [], start=1)}
        headers = dict(layout.export_columns or [])
        for name in EXPORT_FIELDS:
            self.fields[f"export_{name}_position"].initial = positions.get(name)
            self.fields[f"export_{name}_header"].initial = headers.get(name, "")
        for name in RESULT_FIELDS:
            self.fields[f"result_{name}_header"].initial = (layout.result_columns or {}).get(
                name, ""
            )
        self.fields["paid_values_text"].initial = "\n".join(layout.paid_values or [])
        self.fields["failed_values_text"].initial = "\n".join(layout.failed_values or [])

    def clean(self):
        data = super().clean()
        chosen, seen_positions, seen_headers = [], {}, {}
        for name in EXPORT_FIELDS:
            position = data.get(f"export_{name}_position")
            header = (data.get(f"export_{name}_header") or "").strip()
            if position is None:
                if name in REQUIRED_EXPORT_FIELDS:
                    self.add_error(
                        f"export_{name}_position", _("The bank's payment file needs this field.")
                    )
                elif header:
                    self.add_error(
                        f"export_{name}_position", _("Give the column a position, or no header.")
                    )
                continue
            if not header:
                self.add_error(f"export_{name}_header", _("Give the column its header."))
                continue
            if position in seen_positions:
                self.add_error(
                    f"export_{name}_position",
                    _("Column %(n)s is already %(other)s.")
                    % {"n": position, "other": EXPORT_FIELDS[seen_positions[position]]},
                )
                continue
            if header in seen_headers:
                self.add_error(
                    f"export_{name}_header",
                    _("The header %(h)s is already used for %(other)s.")
                    % {"h": header, "other": EXPORT_FIELDS[seen_headers[header]]},
                )
                continue
            seen_positions[position], seen_headers[header] = name, name
            chosen.append((position, name, header))
        result, result_headers = {}, {}
        for name in RESULT_FIELDS:
            header = (data.get(f"result_{name}_header") or "").strip()
            if not header:
                if name in REQUIRED_RESULT_FIELDS:
                    self.add_error(
                        f"result_{name}_header", _("The bank's result file has this column.")
                    )
                continue
            if header in result_headers:
                self.add_error(
                    f"result_{name}_header",
                    _("The header %(h)s is already used for %(other)s.")
                    % {"h": header, "other": RESULT_FIELDS[result_headers[header]]},
                )
                continue
            result_headers[header] = name
            result[name] = header
        paid = _lines(data.get("paid_values_text") or "")
        failed = _lines(data.get("failed_values_text") or "")
        both = sorted(set(paid) & set(failed))
        if both:
            self.add_error(
                "failed_values_text",
                _("A status value cannot mean both paid and failed: %(v)s.")
                % {"v": ", ".join(both)},
            )
        if self.errors:
            return data
        layout = self.instance
        layout.export_columns = [[name, header] for _p, name, header in sorted(chosen)]
        layout.result_columns = result
        layout.paid_values, layout.failed_values = paid, failed
        return data

    def _post_clean(self):
        # Field by field first; the layout's own rules (BankLayout.clean, run by the model's
        # full_clean here) once every field is right, so no message says a thing twice.
        if self._errors:
            return
        super()._post_clean()


BankLayoutForm = ModelFormMetaclass("BankLayoutForm", (_BankLayoutFormBase,), _layout_fields())


def layout_preview(layout: BankLayout) -> str:
    """HTML: the payment file's header and a sample line (CSV, as the writer writes it, in the
    layout's delimiter), and the header line the bank's result file must carry."""
    if not layout.pk or layout.configuration_errors():
        return _("Save a valid layout to see its files.")
    content, _rows = write_payment_file(layout, [SAMPLE_ROW], ExportFormat.CSV)
    text = content.decode(layout.encoding or "utf-8").lstrip("\ufeff")
    # In the order of RESULT_FIELDS (PostgreSQL's jsonb keeps no key order).
    result_header = (layout.delimiter or ",").join(
        layout.result_columns[name] for name in RESULT_FIELDS if name in layout.result_columns
    )
    return format_html(
        '<p>{}</p><pre class="layout-preview">{}</pre><p>{}</p><pre class="layout-preview">{}'
        "</pre><p>{}</p><ul>{}</ul>",
        _("Payment file (header and a sample line; the sample is made up):"),
        text,
        _("The bank's result file must begin with this header line (any order):"),
        result_header,
        _("Status values:"),
        format_html_join(
            "",
            "<li>{}: {}</li>",
            [
                (_("paid"), "、".join(layout.paid_values)),
                (_("failed"), "、".join(layout.failed_values)),
            ],
        ),
    )
