"""JSON shape of a donor (``/api/collection/donors/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ..models import DonorKind


class DonorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=DonorKind.choices)
    name = TextField(max_length=200)
    credit_code = TextField(
        max_length=30,  # the service strips spaces and dashes, then wants exactly 18
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Unified social credit code (18 characters, GB 32100); units only."),
    )
    anonymous = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("People only: shown as anonymous on public lists."),
    )
    phone = TextField(max_length=30, required=False, allow_blank=True, default="")
    address = TextField(max_length=200, required=False, allow_blank=True, default="")
    public_name = TextField(
        read_only=True,
        help_text=_("The name public lists show: units by name, people masked or anonymous."),
    )
    created_at = serializers.DateTimeField(read_only=True)
