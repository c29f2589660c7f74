"""The annual confirmation of a cycle: list and read (rows of the caller's region), prepare
(county finance officer), stop a row and sign off (the current tier's reviewers, in their
region), publish (after the last tier), approve the cycle (a second person, after the notice),
which books the entitlements."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.models import PERM_OBJECTION, PERM_PUBLISH, Region
from approvals.serializers.objections import DismissSerializer, SpamSerializer, UpholdSerializer
from common.api import idempotency_key, validated_body
from common.permissions import READ

from .. import selectors, services
from ..models import Confirmation, ConfirmationObjection, Cycle
from ..serializers import (
    ConfirmationDetailSerializer,
    ConfirmationMergeSerializer,
    ConfirmationObjectionSerializer,
    ConfirmationPrepareSerializer,
    ConfirmationSerializer,
    PublishSerializer,
    RowDecideSerializer,
    RowStopSerializer,
    SignoffSerializer,
    TierNoticeSerializer,
)
from .common import PayoutsViewSet, errors, idempotency_key_param

CHANGED = {200: ConfirmationDetailSerializer, **errors.ACTION}


@extend_schema_view(
    list=extend_schema(
        summary=_("Annual confirmations of recurring programs' cycles"),
        responses={200: ConfirmationSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One confirmation with the rows of your region and its sign-offs"),
        responses={200: ConfirmationDetailSerializer, **errors.DETAIL},
    ),
)
class ConfirmationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_confirmation", "disbursement.view_confirmationrow"),
        "create": ("disbursement.generate_cycle",),
        "stop": ("disbursement.view_confirmation",),
        "signoff": ("disbursement.view_confirmation",),
        "publish": (PERM_PUBLISH,),
        "approve": ("disbursement.approve_cycle",),
        "tier_notice": (PERM_PUBLISH,),
        "decide": ("disbursement.view_confirmation",),
    }
    queryset = Confirmation.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return (
            Confirmation.objects.select_related("program", "cycle", "prepared_by", "approved_by")
            .prefetch_related("tier_notices__region", "tier_notices__published_by")
            .order_by("-id")
        )

    def get_serializer_class(self):
        return ConfirmationSerializer if self.action == "list" else ConfirmationDetailSerializer

    def _answer(self, confirmation, code=status.HTTP_200_OK, **headers) -> Response:
        confirmation = self.get_queryset().get(pk=confirmation.pk)
        data = ConfirmationDetailSerializer(confirmation, context={"request": self.request}).data
        return Response(data, status=code, headers=headers)

    @extend_schema(
        summary=_("Prepare the annual confirmation of a cycle (county finance officer)"),
        description=_(
            "Every person enrolled in the program, checked on the program's eligibility day "
            "in the cycle's year, listed as continued, new or stopped with the reasons. "
            "Preparing again returns the same list (200)."
        ),
        parameters=[idempotency_key_param(_("the repeat returns the same list (200)."))],
        request=ConfirmationPrepareSerializer,
        responses={
            201: OpenApiResponse(ConfirmationDetailSerializer, description=_("Prepared.")),
            200: OpenApiResponse(ConfirmationDetailSerializer, description=_("Already there.")),
            **errors.CREATE,
        },
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(ConfirmationPrepareSerializer, request)
        cycle = Cycle.objects.filter(pk=data["cycle"]).first()
        if cycle is None:  # a body naming nothing is a 400 on its field, as everywhere
            message = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
            raise serializers.ValidationError(
                {"cycle": [str(message).format(pk_value=data["cycle"])]}
            )
        existed = Confirmation.objects.filter(cycle=cycle).exists()
        confirmation = services.confirmation_prepare(cycle=cycle, actor=request.user)
        location = reverse("payouts-api:confirmation-detail", kwargs={"pk": confirmation.pk})
        return self._answer(
            confirmation,
            status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
            Location=location,
        )

    @extend_schema(
        summary=_("Stop a row of your region before signing off, with a written reason"),
        request=RowStopSerializer,
        responses=CHANGED,
    )
    @action(detail=True, methods=["post"])
    def stop(self, request, *args, **kwargs):
        confirmation = self.get_object()
        data = validated_body(RowStopSerializer, request)
        row = get_object_or_404(
            selectors.confirmation_rows(confirmation, request.user), pk=data["row"]
        )
        services.confirmation_row_stop(
            row=row, actor=request.user, reason=data["reason"], action=data.get("action") or ""
        )
        return self._answer(confirmation)

    @extend_schema(
        summary=_("Sign off your region's rows at the current tier"),
        request=SignoffSerializer,
        responses=CHANGED,
    )
    @action(detail=True, methods=["post"])
    def signoff(self, request, *args, **kwargs):
        confirmation = self.get_object()
        data = validated_body(SignoffSerializer, request)
        services.confirmation_signoff(
            confirmation=confirmation, actor=request.user, comment=data.get("comment", "")
        )
        return self._answer(confirmation)

    @extend_schema(
        summary=_("Post the reviewed list on its public notice"),
        description=_(
            "County-wide, or, when the program's last tier asks for a village or township "
            "notice, one notice in every region of that level not posted yet (tier_notices, "
            "final); the cycle is approved after every one has run."
        ),
        request=PublishSerializer,
        responses=CHANGED,
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        confirmation = self.get_object()
        data = validated_body(PublishSerializer, request)
        services.confirmation_publish(
            confirmation=confirmation, actor=request.user, starts_on=data.get("starts_on")
        )
        return self._answer(confirmation)

    @extend_schema(
        summary=_("Approve the cycle after the notice (a second person): books its entitlements"),
        description=_(
            "Refused (not_allowed) to the person who prepared the list; (invalid_state) while "
            "the notice runs or once approved; (insufficient_funds) when the fund cannot cover "
            "the entitlements, with nothing written."
        ),
        request=None,
        responses=CHANGED,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        confirmation = self.get_object()
        services.confirmation_approve(confirmation=confirmation, actor=request.user)
        return self._answer(confirmation)

    @extend_schema(
        summary=_("Post a region's rows on the notice the previous tier asks for"),
        description=_(
            "When the tier before the current one asks for a public notice "
            "(ProgramTier.notice_level), each region of that level holding rows is posted for "
            "the program's notice period; the current tier signs a region off after it. Once "
            "the list is reviewed and the last tier asks for a village or township notice, "
            "each region's is posted the same way; the last one puts the list on notice."
        ),
        request=TierNoticeSerializer,
        responses=CHANGED,
    )
    @action(detail=True, methods=["post"], url_path="tier-notice")
    def tier_notice(self, request, *args, **kwargs):
        confirmation = self.get_object()
        data = validated_body(TierNoticeSerializer, request)
        region = get_object_or_404(Region, code=data["region"])
        services.confirmation_tier_notice_publish(
            confirmation=confirmation,
            region=region,
            actor=request.user,
            starts_on=data.get("starts_on"),
        )
        return self._answer(confirmation)

    @extend_schema(
        summary=_("Decide again a row back at your tier after an upheld objection"),
        request=RowDecideSerializer,
        responses=CHANGED,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        confirmation = self.get_object()
        data = validated_body(RowDecideSerializer, request)
        row = get_object_or_404(
            selectors.confirmation_rows(confirmation, request.user), pk=data["row"]
        )
        services.confirmation_row_decide(
            row=row,
            actor=request.user,
            pay=data["pay"],
            reason=data["reason"],
            action=data.get("action") or "",
        )
        return self._answer(confirmation)


@extend_schema_view(
    list=extend_schema(
        summary=_("Objections to confirmation rows of your region"),
        responses={200: ConfirmationObjectionSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One objection to a confirmation row"),
        responses={200: ConfirmationObjectionSerializer, **errors.DETAIL},
    ),
)
class ConfirmationObjectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet
):
    required_permissions = {
        READ: (PERM_OBJECTION,),
        "uphold": (PERM_OBJECTION,),
        "dismiss": (PERM_OBJECTION,),
        "merge": (PERM_OBJECTION,),
        "spam": (PERM_OBJECTION,),
    }
    serializer_class = ConfirmationObjectionSerializer
    queryset = ConfirmationObjection.objects.none()  # the schema's model

    def get_queryset(self):
        return selectors.confirmation_objections_for_user(self.request.user).order_by(
            "-created_at", "-id"
        )

    def _answer(self, objection) -> Response:
        return Response(
            ConfirmationObjectionSerializer(self.get_queryset().get(pk=objection.pk)).data
        )

    @extend_schema(
        summary=_("Uphold: the row goes back to a tier, which decides its outcome again"),
        request=UpholdSerializer,
        responses={200: ConfirmationObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def uphold(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(UpholdSerializer, request)
        services.confirmation_objection_uphold(
            objection=objection, actor=request.user, tier=data["tier"], comment=data["comment"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Dismiss with a written reply to the objector"),
        request=DismissSerializer,
        responses={200: ConfirmationObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(DismissSerializer, request)
        services.confirmation_objection_dismiss(
            objection=objection, actor=request.user, reply=data["reply"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Merge a duplicate into another objection to the same row"),
        description=_(
            "The objection is closed as merged and answered with the other one; it no longer "
            "holds the row."
        ),
        request=ConfirmationMergeSerializer,
        responses={200: ConfirmationObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(ConfirmationMergeSerializer, request)
        into = get_object_or_404(self.get_queryset(), pk=data["into"])
        services.confirmation_objection_merge(
            objection=objection, into=into, actor=request.user, comment=data["comment"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Set aside as spam, with a reason"),
        description=_(
            "With same_sender, every other open objection to the same list from the same "
            "address or contact too (all or none). Their rows are released: the cycle's "
            "approval books them."
        ),
        request=SpamSerializer,
        responses={200: ConfirmationObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def spam(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(SpamSerializer, request)
        chosen = [objection]
        if data["same_sender"]:
            chosen += list(selectors.confirmation_objections_same_sender(request.user, objection))
        services.confirmation_objection_mark_spam(
            objections=chosen, actor=request.user, reason=data["reason"]
        )
        return self._answer(objection)
