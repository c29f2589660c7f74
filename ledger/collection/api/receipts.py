"""Receipts (``/api/collection/receipts/``, by code, with their PDF) and the void maker-checker
(``/api/collection/void-requests/``)."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from common.api import validated_body
from common.permissions import READ

from .. import documents, selectors, services
from ..api_filters import ReceiptFilter, VoidRequestFilter
from ..models import Receipt, ReceiptVoidRequest, VoidRequestStatus
from ..serializers import (
    ReceiptSerializer,
    VoidApproveSerializer,
    VoidRejectSerializer,
    VoidRequestSerializer,
)
from ._common import (
    PDF_ERRORS,
    PDF_OK,
    PDF_RENDERERS,
    READ_ERRORS,
    CollectionViewSet,
    PDFAnswerMixin,
    errors,
)

RECEIPT_CODE = re.compile(r"(?P<series>.+)-(?P<number>[0-9]{1,9})", re.ASCII)
RECEIPT_CODE_PARAM = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("Receipt code: series, a dash and the 8-digit number (ZJ2025-00000007)."),
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Receipts, newest first"),
        responses={200: ReceiptSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One receipt"),
        parameters=[RECEIPT_CODE_PARAM],
        responses={200: ReceiptSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class ReceiptViewSet(
    PDFAnswerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, CollectionViewSet
):
    required_permissions = {
        READ: ("ledger.view_receipt",),
        "pdf": ("ledger.view_receipt",),
        "void_request": ("ledger.view_receipt", "ledger.add_receiptvoidrequest"),
    }
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return selectors.receipts().select_related("entry", "issued_by")

    def get_object(self) -> Receipt:
        # The code is "<series>-<number>"; a series may itself hold dashes, the number never.
        match = RECEIPT_CODE.fullmatch(self.kwargs["code"])
        if match is None:
            raise NotFound()
        receipt = (
            self.get_queryset()
            .filter(book__series=match["series"], number=int(match["number"]))
            .first()
        )
        if receipt is None:
            raise NotFound()
        self.check_object_permissions(self.request, receipt)
        return receipt

    @extend_schema(
        summary=_("The receipt as PDF"),
        description=_(
            "Type, series and number, payer and credit code, fund, amount in figures and in "
            "Chinese capitals, date, officer, check code and a QR code for public verification; "
            "a void receipt is marked void."
        ),
        parameters=[RECEIPT_CODE_PARAM],
        responses={(200, "application/pdf"): PDF_OK, **PDF_ERRORS},
    )
    @action(detail=True, methods=["get"], renderer_classes=PDF_RENDERERS)
    def pdf(self, request, *args, **kwargs):
        receipt = self.get_object()
        return documents.pdf_response(
            documents.receipt_pdf(receipt, request), f"receipt-{receipt.code}.pdf"
        )

    @extend_schema(
        summary=_("Ask for a receipt to be voided"),
        description=_(
            "A finance supervisor other than the asker approves or rejects it. Asking again "
            "with the same reason while it waits returns the waiting request (200)."
        ),
        parameters=[RECEIPT_CODE_PARAM],
        request=VoidRequestSerializer,
        responses={
            201: OpenApiResponse(VoidRequestSerializer, description=_("Asked.")),
            200: OpenApiResponse(
                VoidRequestSerializer, description=_("The same request was already waiting.")
            ),
            **errors(400, *READ_ERRORS, 404, 409),
        },
    )
    @action(detail=True, methods=["post"], url_path="void-request")
    def void_request(self, request, *args, **kwargs):
        receipt = self.get_object()
        data = validated_body(VoidRequestSerializer, request)
        reason = data["reason"]
        waiting = receipt.void_requests.filter(
            status=VoidRequestStatus.PENDING, requested_by=request.user, reason=reason
        ).exists()
        void_request = services.receipt_void_request(
            receipt=receipt, reason=reason, actor=request.user
        )
        location = reverse("collection-api:void-request-detail", kwargs={"pk": void_request.pk})
        return Response(
            VoidRequestSerializer(void_request).data,
            status=status.HTTP_200_OK if waiting else status.HTTP_201_CREATED,
            headers={"Location": location},
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("Void requests, newest first"),
        responses={200: VoidRequestSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One void request"),
        responses={200: VoidRequestSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class VoidRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CollectionViewSet):
    required_permissions = {
        READ: ("ledger.view_receiptvoidrequest",),
        "approve": ("ledger.approve_receipt_void",),
        "reject": ("ledger.approve_receipt_void",),
    }
    queryset = ReceiptVoidRequest.objects.select_related(
        "receipt__book", "requested_by", "decided_by"
    ).order_by("-requested_at", "-id")
    serializer_class = VoidRequestSerializer
    filterset_class = VoidRequestFilter

    def _answer(self, void_request: ReceiptVoidRequest) -> Response:
        return Response(VoidRequestSerializer(self.get_queryset().get(pk=void_request.pk)).data)

    @extend_schema(
        summary=_("Approve a void: the entry is reversed and the receipt is void"),
        description=_(
            "Finance supervisors only, and never the person who asked (403). The receipt keeps "
            "its number and shows void everywhere."
        ),
        request=VoidApproveSerializer,
        responses={200: VoidRequestSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        void_request = self.get_object()
        data = validated_body(VoidApproveSerializer, request)
        services.receipt_void_approve(request=void_request, actor=request.user, note=data["note"])
        return self._answer(void_request)

    @extend_schema(
        summary=_("Reject a void, saying why"),
        description=_("Finance supervisors only, and never the person who asked (403)."),
        request=VoidRejectSerializer,
        responses={200: VoidRequestSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        void_request = self.get_object()
        data = validated_body(VoidRejectSerializer, request)
        services.receipt_void_reject(request=void_request, actor=request.user, note=data["note"])
        return self._answer(void_request)
