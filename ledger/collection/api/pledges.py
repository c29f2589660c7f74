"""Pledges (``/api/collection/pledges/``): standing, recording, writing off, the reminder letter
of an overdue one."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response

from common.api import validated_body, validated_query
from common.permissions import READ

from ...api import LedgerAPIView
from .. import documents, selectors, services
from ..models import Pledge, PledgeStatus
from ..serializers import (
    PledgeCreateSerializer,
    PledgeQuerySerializer,
    PledgeSerializer,
    WriteOffSerializer,
)
from ._common import (
    PDF_ERRORS,
    PDF_OK,
    PDF_RENDERERS,
    READ_ERRORS,
    CollectionViewSet,
    PDFAnswerMixin,
    errors,
    local_today,
)


class PledgeNotOverdue(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "pledge_not_overdue"
    default_detail = _("Only an overdue pledge gets a reminder letter; this one is not overdue.")


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("One pledge with what is paid and outstanding"),
        responses={200: PledgeSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class PledgeViewSet(mixins.RetrieveModelMixin, CollectionViewSet):
    required_permissions = {
        READ: ("ledger.view_pledge",),
        "create": ("ledger.add_pledge",),
        "write_off": ("ledger.view_pledge", "ledger.write_off_pledge"),
    }
    queryset = Pledge.objects.select_related("donor", "fund")
    serializer_class = PledgeSerializer

    def retrieve(self, request, *args, **kwargs):
        return Response(
            PledgeSerializer(selectors.pledge_row(self.get_object(), today=local_today())).data
        )

    @extend_schema(
        summary=_("Pledges by due date, with status, paid and outstanding"),
        description=_("status=overdue gives the overdue list."),
        parameters=[PledgeQuerySerializer],
        responses={200: PledgeSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    )
    def list(self, request, *args, **kwargs):
        query = validated_query(PledgeQuerySerializer, request)
        rows = selectors.pledge_rows(
            today=local_today(),
            status=query.get("status"),
            fund=query.get("fund"),
            kind=query.get("kind"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PledgeSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Record a pledge (nothing is booked until it is paid)"),
        request=PledgeCreateSerializer,
        responses={201: PledgeSerializer, **errors(400, *READ_ERRORS, 409)},
    )
    def create(self, request, *args, **kwargs):
        data = validated_body(PledgeCreateSerializer, request)
        pledge = services.pledge_create(
            donor=data["donor"],
            fund=data["fund"],
            amount=Money(data["amount"], data["currency"]),
            pledged_on=data.get("pledged_on") or local_today(),
            due_date=data["due_date"],
            actor=request.user,
            note=data["note"],
            kind=data["kind"],
        )
        return Response(
            PledgeSerializer(selectors.pledge_row(pledge, today=local_today())).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("collection-api:pledge-detail", kwargs={"pk": pledge.pk})},
        )

    @extend_schema(
        summary=_("Write off a pledge, saying why"),
        description=_("Finance supervisors only. A fulfilled pledge cannot be written off (409)."),
        request=WriteOffSerializer,
        responses={200: PledgeSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, *args, **kwargs):
        pledge = self.get_object()
        data = validated_body(WriteOffSerializer, request)
        pledge = services.pledge_write_off(pledge=pledge, reason=data["reason"], actor=request.user)
        return Response(PledgeSerializer(selectors.pledge_row(pledge, today=local_today())).data)


class PledgeReminderView(PDFAnswerMixin, LedgerAPIView):
    required_permissions = {READ: ("ledger.view_pledge",)}
    renderer_classes = PDF_RENDERERS

    @extend_schema(
        summary=_("Reminder letter for an overdue pledge, as PDF"),
        description=_("A pledge that is not overdue has no letter (409 pledge_not_overdue)."),
        responses={
            (200, "application/pdf"): PDF_OK,
            **PDF_ERRORS,
            **errors(409, media_type="application/json"),
        },
    )
    def get(self, request, pk: int):
        pledge = Pledge.objects.select_related("donor", "fund").filter(pk=pk).first()
        if pledge is None:
            raise NotFound()
        row = selectors.pledge_row(pledge, today=local_today())
        if row.status != PledgeStatus.OVERDUE:
            raise PledgeNotOverdue()
        today = local_today()
        return documents.pdf_response(
            documents.pledge_reminder_pdf(row, today=today), f"reminder-{pk}.pdf"
        )
