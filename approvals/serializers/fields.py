"""Building blocks of the relief-case API's serializers, shared with the payouts API: inline
enums, Money amounts as strings, and ids or codes looked up only within the caller's region.
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.serializers import MAX_AMOUNT_DIGITS

MAX_IDS = 200  # cases per approve-many or notice: one request, one page of a screen
REASON_MAX = 2000


def enum(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum stays inline in the schema, under its field.

    drf-spectacular lifts every enum into a component named after the field (``status``,
    ``level``...); across apps the same name then means different choice sets (a notice's status,
    an objection's, a receipt's) and the names collide. Wrapped in ``allOf`` (``oneOf`` with null
    when nullable) the enum is left where it is, fully documented.
    """
    values = [str(value) for value, _label in choices]
    inline = {"type": "string", "enum": values}
    schema = {"allOf": [inline]}
    if kwargs.get("allow_null"):
        schema = {"oneOf": [inline, {"enum": [None]}]}
    field_class = extend_schema_field(schema)(
        type("InlineEnumField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


def money_amount(source: str, *, allow_null: bool = False, **kwargs) -> serializers.DecimalField:
    """A Money's amount as a 2-decimal string ("1000.00"); pair it with a currency field."""
    return serializers.DecimalField(
        source=f"{source}.amount",
        max_digits=MAX_AMOUNT_DIGITS,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        allow_null=allow_null,
        **kwargs,
    )


def _user(field: serializers.Field):
    request = field.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id looked up only among the objects ``scope(user)`` returns (the caller's region)."""

    def __init__(self, *, scope: Callable, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(_user(self))


@extend_schema_field(OpenApiTypes.STR)
class ScopedCodeField(serializers.SlugRelatedField):
    """A code looked up only among the objects ``scope(user)`` returns."""

    def __init__(self, *, scope: Callable, **kwargs):
        self.scope = scope
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(_user(self))
