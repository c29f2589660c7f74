"""The relief-case API's public notices: list and read them (only the lines of the caller's
region), and publish one, reserving the amounts of its cases."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ

from .. import services
from ..api_filters import NoticeFilter, notice_items_in_scope, notices_in_scope
from ..models import Notice
from ..serializers.notices import (
    NoticeDetailSerializer,
    NoticePublishSerializer,
    NoticeSerializer,
)
from .base import (
    ApprovalsViewSet,
    errors,
    idempotency_key_param,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Notices of your region, newest first"),
        responses={200: NoticeSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One notice with its lines for cases in your region"),
        responses={200: NoticeDetailSerializer, **errors.DETAIL},
    ),
)
class NoticeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApprovalsViewSet
):
    required_permissions = {
        READ: ("approvals.view_notice", "approvals.view_noticeitem"),
        "create": ("approvals.publish_notice",),
    }
    filterset_class = NoticeFilter
    queryset = Notice.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return self._notices(with_items=self.action != "list")

    def _notices(self, *, with_items: bool):
        user = self.request.user
        queryset = notices_in_scope(user).select_related("program", "region", "published_by")
        if with_items:
            # Only the lines of the caller's region: a notice posted higher up also lists
            # other villages' cases, which this user does not see.
            items = notice_items_in_scope(user).select_related("case").order_by("id")
            queryset = queryset.prefetch_related(
                Prefetch("items", queryset=items, to_attr="shown_items")
            )
        return queryset.order_by("-starts_on", "-id")

    def get_serializer_class(self):
        return NoticeSerializer if self.action == "list" else NoticeDetailSerializer

    @extend_schema(
        summary=_("Publish a notice: put approved cases on it, reserving their amounts"),
        description=_(
            "All or nothing: the cases must be approved, of this program and cycle, and lie in "
            "the region; if the program's fund has less available than they need, nothing is "
            "published (409 insufficient_funds, giving the amount available). Each publication "
            "is the next version for the program, region and cycle."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "the cases are on notice after the first, so a repeat is refused with 409 "
                    "invalid_transition naming the case."
                )
            )
        ],
        request=NoticePublishSerializer,
        responses={201: NoticeDetailSerializer, **errors.CREATE},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(NoticePublishSerializer, request)
        optional = {
            key: data[key]
            for key in ("starts_on", "authority", "objection_phone", "objection_address")
            if key in data
        }
        notice = services.notice_publish(
            program=data["program"],
            region=data["region"],
            cycle=data["cycle"],
            cases=data["cases"],
            actor=request.user,
            **optional,
        )
        body = NoticeDetailSerializer(self._notices(with_items=True).get(pk=notice.pk)).data
        location = reverse("approvals-api:notice-detail", kwargs={"pk": notice.pk})
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
