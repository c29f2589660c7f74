"""The relief-case API's objections to notices: list and read them, uphold one (the case is
re-investigated at a tier), dismiss it with a written reply, merge a duplicate into another
objection to the same case, or set spam aside (these three release the case at once when its
notice is over)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import validated_body
from common.permissions import READ

from .. import selectors, services
from ..api_filters import ObjectionFilter, objections_in_scope
from ..models import Objection
from ..serializers.objections import (
    DismissSerializer,
    MergeSerializer,
    ObjectionSerializer,
    SpamSerializer,
    UpholdSerializer,
)
from .base import (
    ApprovalsViewSet,
    errors,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Objections to cases of your region, newest first"),
        responses={200: ObjectionSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One objection"),
        responses={200: ObjectionSerializer, **errors.DETAIL},
    ),
)
class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApprovalsViewSet):
    required_permissions = {
        READ: ("approvals.view_objection",),
        "uphold": ("approvals.handle_objection",),
        "dismiss": ("approvals.handle_objection",),
        "merge": ("approvals.handle_objection",),
        "spam": ("approvals.handle_objection",),
    }
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter
    queryset = Objection.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return (
            objections_in_scope(self.request.user)
            .select_related("case", "notice_item", "handled_by")
            .order_by("-created_at", "-id")
        )

    def _answer(self, objection: Objection) -> Response:
        row = self.get_queryset().get(pk=objection.pk)
        return Response(ObjectionSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Uphold: the case leaves the notice and is re-investigated at a tier"),
        description=_(
            "The case goes back to the chosen tier (one of the tiers that apply to its amount); "
            "after re-approval it goes onto a new version of the notice, or it is rejected."
        ),
        request=UpholdSerializer,
        responses={200: ObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def uphold(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(UpholdSerializer, request)
        services.objection_uphold(
            objection=objection, actor=request.user, tier=data["tier"], comment=data["comment"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Dismiss with a written reply to the objector"),
        request=DismissSerializer,
        responses={200: ObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(DismissSerializer, request)
        services.objection_dismiss(objection=objection, actor=request.user, reply=data["reply"])
        return self._answer(objection)

    @extend_schema(
        summary=_("Merge a duplicate into another objection to the same case"),
        description=_(
            "The objection is closed as merged and answered with the other one; it no longer "
            "holds the case. The case moves on at once if its notice is over and no other "
            "objection is open."
        ),
        request=MergeSerializer,
        responses={200: ObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(MergeSerializer, request)
        into = self.get_queryset().filter(pk=data["into"]).first()
        if into is None:
            raise Http404
        services.objection_merge(
            objection=objection, into=into, actor=request.user, comment=data["comment"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Set aside as spam, with a reason"),
        description=_(
            "With same_sender, every other open objection to the same notice from the same "
            "address or contact too (all or none). Their cases move on at once if their "
            "notice is over and no other objection is open."
        ),
        request=SpamSerializer,
        responses={200: ObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def spam(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(SpamSerializer, request)
        chosen = [objection]
        if data["same_sender"]:
            chosen += list(selectors.objections_same_sender(request.user, objection))
        services.objection_mark_spam(objections=chosen, actor=request.user, reason=data["reason"])
        return self._answer(objection)
