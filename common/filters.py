"""The base of every query-string filter set of the API (django-filter), and its bounded id
filter (issue 13, finding 10).

* ``FilterSet`` refuses a parameter sent empty (``?batch=``): django-filter would ignore it and
  answer the whole list, as though the client had asked for nothing; a client that sends a
  parameter means a value. A refusal is the usual 400 naming the field.
* ``IdFilter`` takes a whole number from 1 to the largest id a database column holds:
  django-filter's ``NumberFilter`` reads a decimal, so ``?batch=-2.3e40`` went to the database
  as a 41-digit integer and crashed it (OverflowError, HTTP 500). The schema says the bounds.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # a bigint column's largest value


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """Refuses a filter sent with an empty value (see the module docstring)."""

    def get_form_class(self):
        base = super().get_form_class()
        names = list(self.filters)

        class Form(base):
            def clean(self):
                cleaned = super().clean()
                for name in names:
                    if hasattr(self.data, "getlist"):
                        values = self.data.getlist(name)
                    else:
                        values = [self.data[name]] if name in self.data else []
                    if values and all(str(v).strip() == "" for v in values):
                        self.add_error(name, _("This field may not be blank."))
                return cleaned

        Form.__name__ = base.__name__
        return Form


def query_id(value) -> int | None:
    """An id read from a screen's query string (``?person=12``), or None when it is not a
    whole number a database column can hold: ``int()`` of "abc", "²" or "1e400" raised."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


__all__ = ["MAX_ID", "FilterSet", "IdFilter", "query_id"]
