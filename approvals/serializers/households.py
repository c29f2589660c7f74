"""JSON shapes of the relief-case API's households and people: masked on the way out, the
registration body, and the audited reveal of one whole number."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ..api_filters import regions_in_scope
from ..models import AccountChangeStatus, BankAccountChange, Household, Person, Relation, Sex
from .fields import ScopedCodeField, enum


class PersonSerializer(serializers.ModelSerializer):
    relation = enum(Relation.choices, read_only=True)
    sex = enum(Sex.choices, read_only=True)
    id_number_masked = TextField(
        read_only=True,
        help_text=_("First four and last two characters only; the whole number: POST reveal/."),
    )
    age = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "Age in whole years today. The birth date is not given: beside the masked ID "
            "number it would narrow the whole number down."
        ),
    )
    bank_account_masked = TextField(
        read_only=True,
        help_text=_(
            "The person's own account, last four digits only; empty: paid into the household's "
            "default account."
        ),
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "relation",
            "is_head",
            "id_number_masked",
            "age",
            "sex",
            "bank_name",
            "bank_account_masked",
        ]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Village code.")
    )
    village = TextField(source="region.name", read_only=True)
    head_name = serializers.SerializerMethodField()
    people_count = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "region", "village", "head_name", "people_count", "created_at"]
        read_only_fields = fields

    def get_head_name(self, household: Household) -> str:
        head = household.head
        return head.name if head else ""

    def get_people_count(self, household: Household) -> int:
        return len(household.people.all())


class HouseholdDetailSerializer(HouseholdSerializer):
    bank_account_masked = TextField(
        read_only=True,
        help_text=_('Last four digits only ("**** 1234"); empty when none is registered.'),
    )
    people = PersonSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta(HouseholdSerializer.Meta):
        fields = [
            *HouseholdSerializer.Meta.fields,
            "address",
            "phone",
            "bank_name",
            "bank_account_masked",
            "created_by",
            "version",
            "people",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "version": {
                "help_text": _(
                    "Raised by one at every correction of the household or its members; send it "
                    "back with a correction (a stale one is refused with 409 edit_conflict)."
                )
            }
        }


class PersonInputSerializer(serializers.Serializer):
    name = TextField(max_length=50)
    id_number = TextField(max_length=30, help_text=_("18-character resident ID number (GB 11643)."))
    relation = enum(Relation.choices, default=Relation.HEAD)


class HouseholdCreateSerializer(serializers.Serializer):
    region = ScopedCodeField(
        scope=regions_in_scope,
        help_text=_("Code of the village, within your region."),
    )
    address = TextField(max_length=200)
    phone = TextField(max_length=30, required=False, allow_blank=True, default="")
    bank_name = TextField(max_length=100, required=False, allow_blank=True, default="")
    bank_account = TextField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text=_("8 to 30 digits; stored encrypted, shown only masked."),
    )
    people = PersonInputSerializer(
        many=True,
        min_length=1,
        max_length=30,
        help_text=_("Every member, exactly one with relation 'head'."),
    )


class RevealSerializer(serializers.Serializer):
    WHAT = [("id_number", _("a person's ID number")), ("bank_account", _("the bank account"))]

    what = enum(WHAT)
    person = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**53,
        help_text=_(
            "Id of the household member; required for what=id_number; with what=bank_account, "
            "the member's own account instead of the household's."
        ),
    )
    reason = TextField(
        max_length=500, help_text=_("Why the whole number is needed; written to the audit log.")
    )

    def validate(self, data):
        if data["what"] == "id_number" and "person" not in data:
            raise serializers.ValidationError(
                {"person": _("Name the household member whose ID number you need.")}
            )
        return data


class RevealedSerializer(serializers.Serializer):
    what = enum(RevealSerializer.WHAT)
    household = serializers.IntegerField()
    person = serializers.IntegerField(allow_null=True)
    value = TextField(help_text=_("The whole number. Do not store it."))


class BankAccountSetSerializer(serializers.Serializer):
    person = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**53,
        help_text=_("Id of the member whose own account this is; empty: the household's default."),
    )
    bank_name = TextField(max_length=100, required=False, allow_blank=True, default="")
    account = TextField(
        max_length=40,
        allow_blank=True,
        write_only=True,
        help_text=_("8 to 30 digits, or empty to remove the account; stored encrypted."),
    )
    reason = TextField(
        max_length=1000, help_text=_("Why the account is set or changed; kept with the change.")
    )


class BankAccountChangeSerializer(serializers.ModelSerializer):
    status = enum(AccountChangeStatus.choices, read_only=True)
    person_name = TextField(source="person.name", read_only=True, default="")
    bank_account_masked = TextField(
        read_only=True, help_text=_("The new account's last four digits only.")
    )
    previous_masked = TextField(read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = BankAccountChange
        fields = [
            "id",
            "household",
            "person",
            "person_name",
            "bank_name",
            "bank_account_masked",
            "previous_masked",
            "reason",
            "pending_payments",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class BankAccountDecisionSerializer(serializers.Serializer):
    note = TextField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to reject: why."),
    )


# --------------------------------------------------------------------------------------------
# corrections
# --------------------------------------------------------------------------------------------
def _version_field():
    return serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text=_(
            "The household's version you read (GET). Someone else's correction since then "
            "raises it, and this request is refused with 409 edit_conflict: read it again."
        ),
    )


def _reason_field(help_text):
    return TextField(
        max_length=500, required=False, allow_blank=True, default="", help_text=help_text
    )


class HouseholdUpdateSerializer(serializers.Serializer):
    version = _version_field()
    region = ScopedCodeField(
        scope=regions_in_scope,
        required=False,
        help_text=_("Code of the village the household lives in now, within your region."),
    )
    address = TextField(max_length=200, required=False)
    phone = TextField(max_length=30, required=False, allow_blank=True)
    reason = _reason_field(_("Why it is corrected; kept in the household's history."))


class MemberUpdateSerializer(serializers.Serializer):
    version = _version_field()
    name = TextField(max_length=50, required=False)
    relation = enum(Relation.choices, required=False)
    id_number = TextField(
        max_length=30,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_(
            "The corrected 18-character ID number (empty or left out: unchanged). Needs a "
            "reason; refused while a payment to the person is pending or sent."
        ),
    )
    reason = _reason_field(_("Why it is corrected; required with a corrected ID number."))


class MemberAddSerializer(PersonInputSerializer):
    version = _version_field()
    # The same choice set as everywhere (one enum in the schema); "head" is refused by the
    # service with its reason (a household has its head already).
    relation = enum(Relation.choices)
    reason = _reason_field(_("Why the member is added; kept in the household's history."))


class MemberRemoveSerializer(serializers.Serializer):
    version = _version_field()
    reason = TextField(max_length=500, help_text=_("Why the member is removed (required)."))
