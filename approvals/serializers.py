"""JSON shapes of the relief-case API (``approvals/api.py``).

Serializers check shapes only (types, lengths, choices, decimal places); every rule of the domain
(region, role, tier, four-eyes, eligibility, de-duplication, money available) is the services',
so the API and the screens refuse the same things with the same codes.

* Money leaves and enters as a decimal *string* with two places next to a currency code, never
  as a JSON number (``ledger.serializers``).
* Resident ID and bank account numbers leave only masked (``110105********002X``,
  ``**** 1234``); the whole number comes only from the audited reveal endpoint.
* Objects a request names (household, people, cases, regions) are looked up only within the
  caller's region (``scope``): anything outside it is reported exactly like an unknown id.
* Choice fields are documented as inline enums: ``status`` means different things on a notice and
  an objection, and shared enum components would collide with other apps' names.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.serializers import MAX_AMOUNT_DIGITS, AmountField

from .api_filters import cases_in_scope, households_in_scope, people_in_scope, regions_in_scope
from .models import (
    AmountRule,
    Case,
    CaseApproval,
    CaseHistory,
    CaseState,
    Household,
    NameMasking,
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Person,
    Program,
    ProgramCategory,
    ProgramTier,
    Region,
    RegionLevel,
    Relation,
    Sex,
)

MAX_IDS = 200  # cases per approve-many or notice: one request, one page of a screen
REASON_MAX = 2000


# --------------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# regions and programs
# --------------------------------------------------------------------------------------------
class RegionSerializer(serializers.ModelSerializer):
    level = enum(RegionLevel.choices, read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("Parent region's code.")
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields


class TierSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the request's language."))
    region_level = enum(RegionLevel.choices, read_only=True)
    role = serializers.CharField(read_only=True, help_text=_("The role group that reviews here."))
    min_amount = money_amount(
        "min_amount",
        allow_null=True,
        help_text=_("The tier applies only to cases of this amount or more; null: to every case."),
    )

    currency = serializers.CharField(
        source="min_amount_currency", read_only=True, help_text=_("Currency of min_amount.")
    )

    class Meta:
        model = ProgramTier
        fields = [
            "order",
            "name",
            "name_zh",
            "name_en",
            "role",
            "region_level",
            "min_amount",
            "currency",
        ]
        read_only_fields = fields


class ProgramSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the request's language."))
    category = enum(ProgramCategory.choices, read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount_rule = enum(AmountRule.choices, read_only=True)
    amount = money_amount(
        "amount", allow_null=True, help_text=_("Fixed amount per household or per person.")
    )
    cap = money_amount(
        "cap", allow_null=True, help_text=_("Most a case may request (requested rule).")
    )
    currency = serializers.CharField(read_only=True)
    name_masking = enum(NameMasking.choices, read_only=True)
    allowed_regions = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=_("Empty: every region; otherwise cases must lie in one of these."),
    )
    excludes = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=_("Programs nobody may be in during the same cycle as this one."),
    )
    tiers = TierSerializer(many=True, read_only=True, help_text=_("Review tiers, in order."))

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "category",
            "fund",
            "amount_rule",
            "amount",
            "cap",
            "currency",
            "notice_days",
            "opens_on",
            "closes_on",
            "min_age",
            "max_age",
            "allowed_regions",
            "excludes",
            "name_masking",
            "sensitive",
            "is_active",
            "tiers",
        ]
        read_only_fields = fields


# --------------------------------------------------------------------------------------------
# households and people
# --------------------------------------------------------------------------------------------
class PersonSerializer(serializers.ModelSerializer):
    relation = enum(Relation.choices, read_only=True)
    sex = enum(Sex.choices, read_only=True)
    id_number_masked = serializers.CharField(
        read_only=True,
        help_text=_("Region and last four characters only; the whole number: POST reveal/."),
    )

    class Meta:
        model = Person
        fields = ["id", "name", "relation", "is_head", "id_number_masked", "birth_date", "sex"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Village code.")
    )
    village = serializers.CharField(source="region.name", read_only=True)
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
    bank_account_masked = serializers.CharField(
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
            "people",
        ]
        read_only_fields = fields


class PersonInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(
        max_length=30, help_text=_("18-character resident ID number (GB 11643).")
    )
    relation = enum(Relation.choices, default=Relation.HEAD)


class HouseholdCreateSerializer(serializers.Serializer):
    region = ScopedCodeField(
        scope=regions_in_scope,
        help_text=_("Code of the village, within your region."),
    )
    address = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    bank_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bank_account = serializers.CharField(
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
        help_text=_("Id of the household member; required for what=id_number."),
    )
    reason = serializers.CharField(
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
    value = serializers.CharField(help_text=_("The whole number. Do not store it."))


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
class CaseSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    head_name = serializers.SerializerMethodField()
    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Village code.")
    )
    village = serializers.CharField(source="region.name", read_only=True)
    amount = money_amount("amount")
    currency = serializers.CharField(source="amount_currency", read_only=True)
    state = enum(CaseState.choices, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    current_tier = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Order of the tier the case waits at.")
    )
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "program",
            "program_name",
            "household",
            "head_name",
            "cycle",
            "region",
            "village",
            "amount",
            "currency",
            "state",
            "state_label",
            "current_tier",
            "tier_since",
            "filed_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_head_name(self, case: Case) -> str:
        head = case.household.head
        return head.name if head else ""


class CaseMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.id")
    name = serializers.CharField(source="person.name")
    relation = enum(Relation.choices, source="person.relation")
    id_number_masked = serializers.CharField(source="person.id_number_masked")


class CaseHistorySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Null when the system acted (e.g. close_notices)."),
    )
    data = serializers.JSONField(read_only=True, help_text=_("Details of the step."))

    class Meta:
        model = CaseHistory
        fields = ["at", "actor", "from_state", "to_state", "tier", "decision", "comment", "data"]
        read_only_fields = fields


class CaseApprovalSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseApproval
        fields = ["tier_order", "user", "at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    members = CaseMemberSerializer(source="memberships", many=True, read_only=True)
    missing_items = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("What the returning tier asked for."),
    )
    returned_by_tier = serializers.IntegerField(read_only=True, allow_null=True)
    award_entry = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the ledger entry booking the award."),
    )
    cancel_entry = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the ledger entry reversing the award."),
    )
    reserved = serializers.SerializerMethodField(
        help_text=_(
            "Amount reserved in the program's fund (in the case's currency) while on notice or "
            "under re-investigation; null when none."
        )
    )
    open_objections = serializers.SerializerMethodField()
    history = CaseHistorySerializer(many=True, read_only=True, help_text=_("Oldest first."))
    approvals = CaseApprovalSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "members",
            "missing_items",
            "returned_by_tier",
            "reason",
            "submitted_at",
            "approved_at",
            "final_at",
            "award_entry",
            "cancel_entry",
            "reserved",
            "open_objections",
            "history",
            "approvals",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.DecimalField(max_digits=MAX_AMOUNT_DIGITS, decimal_places=2, allow_null=True)
    )
    def get_reserved(self, case: Case) -> str | None:
        active = [r for r in case.reservations.all() if r.active]
        return f"{active[0].amount.amount:.2f}" if active else None

    def get_open_objections(self, case: Case) -> int:
        return sum(1 for o in case.objections.all() if o.status == ObjectionStatus.OPEN)


class CaseCreateSerializer(serializers.Serializer):
    program = serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.all(), help_text=_("Program code.")
    )
    household = ScopedPrimaryKeyField(scope=households_in_scope, help_text=_("Household id."))
    cycle = serializers.CharField(max_length=7, help_text=_('"2026" or "2026-11".'))
    members = ScopedPrimaryKeyField(
        scope=people_in_scope,
        many=True,
        required=False,
        help_text=_("Ids of the beneficiaries; every member of the household when left out."),
    )
    requested_amount = AmountField(
        required=False,
        help_text=_('For programs paying the requested amount: a decimal string, "800.00".'),
    )
    comment = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=REASON_MAX, required=False, allow_blank=True, default=""
    )


class ReturnSerializer(CommentSerializer):
    missing_items = serializers.ListField(
        child=serializers.CharField(max_length=200),
        min_length=1,
        max_length=50,
        help_text=_("Everything missing, all at once."),
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Required: written out, it is kept with the case.")
    )


class ApproveManySerializer(CommentSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**53),
        min_length=1,
        max_length=MAX_IDS,
        help_text=_("Case ids; each is approved on its own."),
    )

    def validate_ids(self, ids):
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("A case is listed twice."))
        return ids


class ApproveResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text=_("Null for an unknown id."))
    ok = serializers.BooleanField(help_text=_("True when this case was approved."))
    state = enum(CaseState.choices, allow_null=True, help_text=_("The case's state now."))
    message = serializers.CharField(help_text=_("Why it was refused; empty when approved."))


class ApproveManyResultSerializer(serializers.Serializer):
    approved = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = ApproveResultSerializer(many=True, help_text=_("One per id, in the order sent."))


class QueueRowSerializer(serializers.Serializer):
    case = CaseSerializer()
    tier = serializers.IntegerField(source="tier.order", help_text=_("Order of the tier."))
    tier_name = serializers.CharField(source="tier.name")
    waiting_since = serializers.DateTimeField()
    days_waiting = serializers.IntegerField()


# --------------------------------------------------------------------------------------------
# notices and objections
# --------------------------------------------------------------------------------------------
class NoticeItemSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    display_name = serializers.CharField(read_only=True, help_text=_("As the public sees it."))
    people_count = serializers.IntegerField(read_only=True, allow_null=True)
    amount = money_amount("amount")
    currency = serializers.CharField(source="amount_currency", read_only=True)
    struck = serializers.BooleanField(
        read_only=True, help_text=_("Taken off after an upheld objection or a withdrawal.")
    )

    class Meta:
        model = NoticeItem
        fields = [
            "id",
            "case",
            "case_number",
            "display_name",
            "people_count",
            "amount",
            "currency",
            "village_name",
            "struck",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    status = enum(NoticeStatus.choices, read_only=True)
    published_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Notice
        fields = [
            "id",
            "program",
            "program_name",
            "region",
            "region_name",
            "cycle",
            "version",
            "status",
            "starts_on",
            "ends_on",
            "authority",
            "objection_phone",
            "objection_address",
            "published_by",
            "published_at",
            "closed_at",
        ]
        read_only_fields = fields


class NoticeDetailSerializer(NoticeSerializer):
    items = NoticeItemSerializer(
        source="shown_items",
        many=True,
        read_only=True,
        help_text=_("The notice's lines for cases in your region."),
    )

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "items"]
        read_only_fields = fields


class NoticePublishSerializer(serializers.Serializer):
    program = serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.all(), help_text=_("Program code.")
    )
    region = ScopedCodeField(
        scope=regions_in_scope,
        help_text=_("Code of the township or village where the notice is posted."),
    )
    cycle = serializers.CharField(max_length=7)
    cases = ScopedPrimaryKeyField(
        scope=cases_in_scope,
        many=True,
        allow_empty=False,
        help_text=_("Ids of the approved cases to put on the notice (all or none)."),
    )
    starts_on = serializers.DateField(
        required=False, help_text=_("First day of the notice; today when left out.")
    )
    authority = serializers.CharField(
        max_length=200, required=False, help_text=_("Default: the program's.")
    )
    objection_phone = serializers.CharField(
        max_length=30, required=False, help_text=_("Default: the program's.")
    )
    objection_address = serializers.CharField(
        max_length=200, required=False, help_text=_("Default: the program's.")
    )

    def validate_cases(self, cases):
        if len(cases) > MAX_IDS:
            raise serializers.ValidationError(_("At most %(n)s cases per notice.") % {"n": MAX_IDS})
        return cases


class ObjectionSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    notice = serializers.IntegerField(
        source="notice_item.notice_id", read_only=True, allow_null=True
    )
    status = enum(ObjectionStatus.choices, read_only=True)
    contact = serializers.CharField(read_only=True, help_text=_("How to reach the objector."))
    handled_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "tracking_code",
            "case",
            "case_number",
            "notice_item",
            "notice",
            "name",
            "contact",
            "text",
            "status",
            "reply",
            "created_at",
            "handled_by",
            "handled_at",
        ]
        read_only_fields = fields


class UpholdSerializer(serializers.Serializer):
    tier = serializers.IntegerField(
        min_value=1, max_value=100, help_text=_("Order of the tier that re-investigates.")
    )
    comment = serializers.CharField(
        max_length=REASON_MAX, help_text=_("The finding; required, kept with the case.")
    )


class DismissSerializer(serializers.Serializer):
    reply = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Written reply to the objector; required.")
    )
