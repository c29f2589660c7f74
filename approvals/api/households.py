"""The relief-case API's households: list and read them (ID and bank numbers masked), register
one with its members, correct it (PATCH) and its members (add, correct, remove), and reveal one
whole personal number (audited). Every correction names the household version it read."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ

from .. import services
from ..api_filters import HouseholdFilter, households_in_scope
from ..exceptions import NotFound
from ..models import Household, Person
from ..serializers.households import (
    BankAccountChangeSerializer,
    BankAccountSetSerializer,
    HouseholdCreateSerializer,
    HouseholdDetailSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    MemberAddSerializer,
    MemberRemoveSerializer,
    MemberUpdateSerializer,
    RevealedSerializer,
    RevealSerializer,
)
from .base import (
    ApprovalsViewSet,
    errors,
    idempotency_key_param,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Households of your region"),
        responses={200: HouseholdSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One household with its members (ID and bank numbers masked)"),
        responses={200: HouseholdDetailSerializer, **errors.DETAIL},
    ),
)
class HouseholdViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApprovalsViewSet
):
    required_permissions = {
        READ: ("approvals.view_household", "approvals.view_person"),
        "create": ("approvals.add_household", "approvals.add_person"),
        "reveal": ("approvals.view_household", "approvals.reveal_personal_numbers"),
        "bank_account": ("approvals.view_household", "approvals.view_person"),
        "partial_update": ("approvals.view_household", "approvals.change_household"),
        "member_add": ("approvals.view_household", "approvals.add_person"),
        "member_update": ("approvals.view_household", "approvals.change_person"),
        "member_remove": ("approvals.view_household", "approvals.change_person"),
    }
    filterset_class = HouseholdFilter
    queryset = Household.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return (
            households_in_scope(self.request.user)
            .select_related("region", "created_by")
            .prefetch_related("people")
            .order_by("region__code", "id")
        )

    def get_serializer_class(self):
        return HouseholdSerializer if self.action == "list" else HouseholdDetailSerializer

    def _answer(self, household: Household, code=status.HTTP_200_OK, **headers) -> Response:
        household = self.get_queryset().get(pk=household.pk)
        return Response(HouseholdDetailSerializer(household).data, status=code, headers=headers)

    @extend_schema(
        summary=_("Register a household with its members"),
        description=_(
            "ID numbers are validated (check character, birth date) and, like the bank account, "
            "stored only encrypted; the answer shows them masked."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "every person is registered once, so a repeat is refused with 409 "
                    "duplicate_person naming the household already registered."
                )
            )
        ],
        request=HouseholdCreateSerializer,
        responses={201: HouseholdDetailSerializer, **errors.CREATE},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(HouseholdCreateSerializer, request)
        household = services.household_register(
            region=data["region"],
            address=data["address"],
            phone=data["phone"],
            bank_name=data["bank_name"],
            bank_account=data["bank_account"],
            people=[
                services.PersonSpec(
                    name=p["name"], id_number=p["id_number"], relation=p["relation"]
                )
                for p in data["people"]
            ],
            actor=request.user,
        )
        location = reverse("approvals-api:household-detail", kwargs={"pk": household.pk})
        return self._answer(household, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary=_("Show one whole ID or bank account number (audited)"),
        description=_(
            "For roles holding approvals.reveal_personal_numbers. Every call writes an audit "
            "event naming who, whose and why (never the number itself)."
        ),
        request=RevealSerializer,
        responses={200: RevealedSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, *args, **kwargs):
        household = self.get_object()
        data = validated_body(RevealSerializer, request)
        person = None
        if data["what"] == "bank_account" and data.get("person"):
            person = Person.objects.filter(household=household, pk=data["person"]).first()
            if person is None:
                raise ValidationError({"person": [_("Not a member of this household.")]})
            value = services.reveal_person_bank_account(
                person=person, actor=request.user, reason=data["reason"]
            )
        elif data["what"] == "id_number":
            person = Person.objects.filter(household=household, pk=data["person"]).first()
            if person is None:
                raise ValidationError({"person": [_("Not a member of this household.")]})
            value = services.reveal_id_number(
                person=person, actor=request.user, reason=data["reason"]
            )
        else:
            value = services.reveal_bank_account(
                household=household, actor=request.user, reason=data["reason"]
            )
        body = {
            "what": data["what"],
            "household": household.pk,
            "person": person.pk if person else None,
            "value": value,
        }
        return Response(RevealedSerializer(body).data, headers={"Cache-Control": "no-store"})

    @extend_schema(
        summary=_("Set or change a bank account (a member's own, or the household's default)"),
        description=_(
            "Audited. Applied at once (status applied) when no payment to the account it "
            "replaces is pending or sent; otherwise a request (status pending) that another "
            "user holding approvals.approve_bankaccountchange approves or rejects "
            "(bank-account-changes/). The answer shows the numbers masked. Needs "
            "approvals.change_person for a member's account, approvals.change_household for "
            "the household's."
        ),
        request=BankAccountSetSerializer,
        responses={
            200: BankAccountChangeSerializer,
            202: BankAccountChangeSerializer,
            **errors.ACTION,
        },
    )
    @action(detail=True, methods=["post"], url_path="bank-account")
    def bank_account(self, request, *args, **kwargs):
        household = self.get_object()
        data = validated_body(BankAccountSetSerializer, request)
        person = None
        if data["person"]:
            person = Person.objects.filter(household=household, pk=data["person"]).first()
            if person is None:
                raise ValidationError({"person": [_("Not a member of this household.")]})
        change = services.bank_account_change(
            household=household,
            person=person,
            bank_name=data["bank_name"],
            account=data["account"],
            reason=data["reason"],
            actor=request.user,
        )
        code = status.HTTP_202_ACCEPTED if change.status == "pending" else status.HTTP_200_OK
        return Response(BankAccountChangeSerializer(change).data, status=code)

    def _member(self, household: Household, person_id) -> Person:
        person = Person.objects.filter(household=household, pk=person_id).first()
        if person is None:
            raise NotFound(_("No such member in this household."))
        return person

    @extend_schema(
        summary=_("Correct a household's address, phone or village"),
        description=_(
            "Send the version you read and only the fields that change. Audited with each "
            "field before and after and the reason. A village outside your region is refused; "
            "a household with a case still under review is not moved. Bank accounts: "
            "bank-account/."
        ),
        request=HouseholdUpdateSerializer,
        responses={200: HouseholdDetailSerializer, **errors.ACTION},
    )
    def partial_update(self, request, *args, **kwargs):
        household = self.get_object()
        data = validated_body(HouseholdUpdateSerializer, request)
        services.household_update(
            household=household,
            version=data["version"],
            address=data.get("address"),
            phone=data.get("phone"),
            region=data.get("region"),
            reason=data["reason"],
            actor=request.user,
        )
        return self._answer(household)

    @extend_schema(
        summary=_("Add a member to a registered household"),
        description=_(
            "The ID number is checked like at registration: a person is registered once "
            "(409 duplicate_person; outside your region only 'registered elsewhere')."
        ),
        request=MemberAddSerializer,
        responses={201: HouseholdDetailSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"], url_path="members")
    def member_add(self, request, *args, **kwargs):
        household = self.get_object()
        data = validated_body(MemberAddSerializer, request)
        services.member_add(
            household=household,
            person=services.PersonSpec(
                name=data["name"], id_number=data["id_number"], relation=data["relation"]
            ),
            version=data["version"],
            reason=data["reason"],
            actor=request.user,
        )
        return self._answer(household, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Correct a member's name, relation or ID number"),
        description=_(
            "Only the fields sent change. A corrected ID number needs a reason, is checked for "
            "duplicates, and is refused while a payment to the person is pending or sent "
            "(409 payment_in_flight). The head keeps the relation 'head'."
        ),
        request=MemberUpdateSerializer,
        responses={200: HouseholdDetailSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["patch"], url_path=r"members/(?P<person_id>[0-9]{1,15})")
    def member_update(self, request, person_id=None, *args, **kwargs):
        household = self.get_object()
        person = self._member(household, person_id)
        data = validated_body(MemberUpdateSerializer, request)
        services.person_update(
            person=person,
            version=data["version"],
            name=data.get("name"),
            relation=data.get("relation"),
            id_number=data.get("id_number") or None,
            reason=data["reason"],
            actor=request.user,
        )
        return self._answer(household)

    @extend_schema(
        summary=_("Remove a member registered by mistake, saying why"),
        description=_(
            "Not the head, and not anyone named in a case, award, enrolment, payment or "
            "account change (409 person_in_use: record their status instead)."
        ),
        request=MemberRemoveSerializer,
        responses={200: HouseholdDetailSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"], url_path=r"members/(?P<person_id>[0-9]{1,15})/remove")
    def member_remove(self, request, person_id=None, *args, **kwargs):
        household = self.get_object()
        person = self._member(household, person_id)
        data = validated_body(MemberRemoveSerializer, request)
        services.member_remove(
            person=person, version=data["version"], reason=data["reason"], actor=request.user
        )
        return self._answer(household)
