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
    seen = serializers.SerializerMethodField(
        help_text=_(
            "A digest of the fields above as they are now; send it back with a correction "
            "(PATCH) so that one made over someone else's change is refused (409 edit_conflict)."
        )
    )

    def get_seen(self, donor) -> str:
        from ..services import donor_fingerprint

        return donor_fingerprint(donor)


class DonorUpdateSerializer(serializers.Serializer):
    name = TextField(max_length=200, required=False)
    credit_code = TextField(
        max_length=30, required=False, allow_blank=True, help_text=_("Units only.")
    )
    anonymous = serializers.BooleanField(required=False, help_text=_("People only."))
    phone = TextField(max_length=30, required=False, allow_blank=True)
    address = TextField(max_length=200, required=False, allow_blank=True)
    reason = TextField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why it is corrected; required when the name or credit code changes."),
    )
    seen = TextField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The donor's 'seen' as you read it (GET); recommended."),
    )
