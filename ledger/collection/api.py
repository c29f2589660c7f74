"""The money-in JSON API (Django REST framework), mounted at ``/api/collection/``.

Donors, donations, allocations, receipts (with their PDF and the void maker-checker), cash
deposits, cash held and pledges. It follows the ledger API (``ledger/api.py``) and reuses its
plumbing:

* every endpoint names the Django permissions it needs per action (``required_permissions``)
  and ``RequiredPermissions`` checks them, so the roles of ``fundapp.roles`` decide; the services
  check again with ``actor=request.user`` (an asker approving their own void is the service's
  403, not ours);
* recording money (donations, allocations, cash deposits) needs an ``Idempotency-Key`` header,
  stored under the ``api:`` prefix so an API client never collides with the keys of the entry
  screen or of a bulk import. The same key and content answers the first record with 200 and
  ``Idempotent-Replayed: true``; the same key with other content is the service's 409
  ``idempotency_conflict``;
* amounts travel as 2-decimal strings beside a currency; JSON numbers are refused;
* the services' typed errors become ``{code, message}`` in ``common.api.exception_handler``.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from common.api import (
    AUTHENTICATION,
    KEY_MAX_LENGTH,
    KEY_REGEX,
    NOT_AUTHENTICATED_TEXT,
    REPLAYED_HEADER,
    Pagination,
    error_responses,
    idempotency_key,
    validated_body,
    validated_query,
)
from common.permissions import READ, RequiredPermissions

from ..api import LedgerAPIView
from . import documents, selectors, services
from .api_filters import (
    AllocationFilter,
    CashDepositFilter,
    DonationFilter,
    DonorFilter,
    ReceiptFilter,
    VoidRequestFilter,
)
from .models import (
    Allocation,
    CashDeposit,
    Donation,
    Donor,
    Pledge,
    PledgeStatus,
    Receipt,
    ReceiptVoidRequest,
    VoidRequestStatus,
)
from .serializers import (
    AllocationSerializer,
    CashDepositSerializer,
    CashHeldSerializer,
    DonationSerializer,
    DonorSerializer,
    PledgeCreateSerializer,
    PledgeQuerySerializer,
    PledgeSerializer,
    ReceiptSerializer,
    VoidApproveSerializer,
    VoidRejectSerializer,
    VoidRequestSerializer,
    WriteOffSerializer,
)

# --------------------------------------------------------------------------------------------
# plumbing: documented errors, headers, PDF answers
# --------------------------------------------------------------------------------------------
_ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail; the "
        "services' own refusals have their own code: invalid_amount, unknown_fund, "
        "currency_not_held, invalid_donor, invalid_credit_code, wrong_receipt_type, "
        "collection_error, idempotency_key_required, idempotency_key_invalid."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _(
        "The user's role does not hold the permission this needs, or (for a void) the user "
        "asked for it and may not decide it too (permission_denied)."
    ),
    404: _("No such object, or no such page (not_found)."),
    409: _(
        "Refused because of the state of the books: period_closed, idempotency_conflict (the "
        "key was used for different content), receipt_book_exhausted, void_not_allowed, "
        "insufficient_cash, pledge_error, pledge_not_overdue."
    ),
}


def errors(*codes: int, media_type: str | None = None) -> dict:
    return error_responses(_ERROR_TEXT, *codes, media_type=media_type)


READ_ERRORS = (401, 403)
PDF_ERRORS = errors(*READ_ERRORS, 404, media_type="application/json")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_REGEX,
    description=format_lazy(
        _(
            "A unique key per new record (a UUID is a good choice), up to {n} visible ASCII "
            "characters. Sending the same key with the same content again returns the first "
            "record (200); the same key with different content is refused (409 "
            "idempotency_conflict)."
        ),
        n=KEY_MAX_LENGTH,
    ),
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    enum=["true", "false"],
    description=_("'true' when this was a retry, answered with the record already made."),
)


def _recorded(serializer_class, obj, *, replayed: bool, location: str, request) -> Response:
    """201 for a new record, 200 for a replay; both carry Location and Idempotent-Replayed."""
    return Response(
        serializer_class(obj, context={"request": request}).data,
        status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        headers={REPLAYED_HEADER: "true" if replayed else "false", "Location": location},
    )


def _today():
    return timezone.localdate()


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the PDF itself is an HttpResponse."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFAnswerMixin:
    """Errors of a PDF endpoint are JSON like everywhere else, whatever the client accepts."""

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # A series may be Chinese: the helper writes filename* (RFC 6266) for non-ASCII names.
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


PDF_RENDERERS = [renderers.JSONRenderer, PDFRenderer]
PDF_OK = OpenApiResponse(OpenApiTypes.BINARY, description=_("The PDF document."))


class PledgeNotOverdue(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "pledge_not_overdue"
    default_detail = _("Only an overdue pledge gets a reminder letter; this one is not overdue.")


class _CollectionViewSet(viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    pagination_class = Pagination
    # Bodies are small flat objects; JSON only, so amounts arrive typed and numbers are refused.
    parser_classes = [JSONParser]
    required_permissions: dict[str, tuple[str, ...]] = {}


# --------------------------------------------------------------------------------------------
# donors
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Donors, by name; search by name or credit code"),
        responses={200: DonorSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One donor"),
        responses={200: DonorSerializer, **errors(*READ_ERRORS, 404)},
    ),
    create=extend_schema(
        summary=_("Add a donor (a unit with its credit code, or a person)"),
        responses={201: DonorSerializer, **errors(400, *READ_ERRORS)},
    ),
)
class DonorViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _CollectionViewSet
):
    required_permissions = {READ: ("ledger.view_donor",), "create": ("ledger.add_donor",)}
    queryset = Donor.objects.order_by("name", "id")
    serializer_class = DonorSerializer
    filterset_class = DonorFilter

    def create(self, request, *args, **kwargs):
        data = validated_body(DonorSerializer, request)
        donor = services.donor_create(**data, actor=request.user)
        location = reverse("collection-api:donor-detail", kwargs={"pk": donor.pk})
        return Response(
            DonorSerializer(donor).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


# --------------------------------------------------------------------------------------------
# donations and allocations
# --------------------------------------------------------------------------------------------
def _recording_responses(serializer_class, what) -> dict:
    return {
        201: OpenApiResponse(serializer_class, description=what),
        200: OpenApiResponse(
            serializer_class,
            description=_("A retry: the record first made under this Idempotency-Key."),
        ),
        **errors(400, *READ_ERRORS, 409),
    }


@extend_schema_view(
    list=extend_schema(
        summary=_("Donations, newest first"),
        responses={200: DonationSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One donation with its receipt and journal entry"),
        responses={200: DonationSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class DonationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _CollectionViewSet
):
    required_permissions = {READ: ("ledger.view_donation",), "create": ("ledger.add_donation",)}
    queryset = Donation.objects.select_related(
        "donor", "fund", "receipt__book", "entry", "recorded_by"
    ).order_by("-received_on", "-id")
    serializer_class = DonationSerializer
    filterset_class = DonationFilter

    @extend_schema(
        summary=_("Record a donation: post it and issue its donation receipt"),
        description=_(
            "One transaction: the journal entry (bank or cash against donation income, in the "
            "fund) and the receipt with the next number of the donation receipt book."
        ),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses=_recording_responses(DonationSerializer, _("Recorded; the receipt is issued.")),
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(DonationSerializer, request)
        # Only tells 200 from 201: the service alone decides retry vs conflict, under its lock.
        replayed = Donation.objects.filter(idempotency_key=key).exists()
        donation = services.donation_record(
            donor=data["donor"],
            fund=data["fund"],
            amount=Money(data["amount"], data["amount_currency"]),
            method=data["method"],
            received_on=data["received_on"],
            idempotency_key=key,
            actor=request.user,
            project=data["project"],
            pledge=data["pledge"],
        )
        return _recorded(
            DonationSerializer,
            self.get_queryset().get(pk=donation.pk),
            replayed=replayed,
            location=reverse("collection-api:donation-detail", kwargs={"pk": donation.pk}),
            request=request,
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("Fiscal allocations and departmental contributions, newest first"),
        responses={200: AllocationSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One allocation with its settlement receipt"),
        responses={200: AllocationSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class AllocationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _CollectionViewSet
):
    required_permissions = {
        READ: ("ledger.view_allocation",),
        "create": ("ledger.add_allocation",),
    }
    queryset = Allocation.objects.select_related(
        "fund", "receipt__book", "entry", "recorded_by"
    ).order_by("-received_on", "-id")
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter

    @extend_schema(
        summary=_("Record budget money: allocation income and a settlement receipt"),
        description=_(
            "Allocations are not donations: they post to allocation income and get an "
            "inter-unit settlement receipt. Asking for a donation receipt is refused (400 "
            "wrong_receipt_type)."
        ),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses=_recording_responses(
            AllocationSerializer, _("Recorded; the settlement receipt is issued.")
        ),
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(AllocationSerializer, request)
        replayed = Allocation.objects.filter(idempotency_key=key).exists()
        allocation = services.allocation_record(
            kind=data["kind"],
            source_name=data["source_name"],
            fund=data["fund"],
            amount=Money(data["amount"], data["amount_currency"]),
            method=data["method"],
            received_on=data["received_on"],
            idempotency_key=key,
            actor=request.user,
            source_credit_code=data["source_credit_code"],
            document_no=data["document_no"],
            receipt_type=data["receipt"]["type"],
        )
        return _recorded(
            AllocationSerializer,
            self.get_queryset().get(pk=allocation.pk),
            replayed=replayed,
            location=reverse("collection-api:allocation-detail", kwargs={"pk": allocation.pk}),
            request=request,
        )


# --------------------------------------------------------------------------------------------
# receipts and voiding
# --------------------------------------------------------------------------------------------
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
    PDFAnswerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, _CollectionViewSet
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
        return _pdf(documents.receipt_pdf(receipt), f"receipt-{receipt.code}.pdf")

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
class VoidRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _CollectionViewSet):
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


# --------------------------------------------------------------------------------------------
# cash
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Cash deposits to the bank, newest first"),
        responses={200: CashDepositSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One cash deposit"),
        responses={200: CashDepositSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class CashDepositViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _CollectionViewSet
):
    required_permissions = {
        READ: ("ledger.view_cashdeposit",),
        "create": ("ledger.add_cashdeposit",),
    }
    queryset = CashDeposit.objects.select_related("fund", "entry", "recorded_by").order_by(
        "-deposited_on", "-id"
    )
    serializer_class = CashDepositSerializer
    filterset_class = CashDepositFilter

    @extend_schema(
        summary=_("Deposit cash on hand to the bank"),
        description=_("Never more than the fund holds in cash (409 insufficient_cash)."),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses=_recording_responses(CashDepositSerializer, _("Deposited.")),
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(CashDepositSerializer, request)
        replayed = CashDeposit.objects.filter(idempotency_key=key).exists()
        deposit = services.cash_deposit_record(
            fund=data["fund"],
            amount=Money(data["amount"], data["amount_currency"]),
            deposited_on=data["deposited_on"],
            idempotency_key=key,
            actor=request.user,
            bank_slip=data["bank_slip"],
        )
        return _recorded(
            CashDepositSerializer,
            self.get_queryset().get(pk=deposit.pk),
            replayed=replayed,
            location=reverse("collection-api:cash-deposit-detail", kwargs={"pk": deposit.pk}),
            request=request,
        )


class CashHeldView(LedgerAPIView):
    required_permissions = {READ: ("ledger.view_cashdeposit", "ledger.view_balance")}

    @extend_schema(
        summary=_("Cash on hand per fund and how long the oldest of it has waited"),
        responses={200: CashHeldSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request):
        return Response(CashHeldSerializer(selectors.cash_held(today=_today()), many=True).data)


# --------------------------------------------------------------------------------------------
# pledges
# --------------------------------------------------------------------------------------------
def _pledge_row(pledge: Pledge) -> selectors.PledgeRow:
    """The selector's row of one pledge (status, paid and outstanding are derived there)."""
    rows = selectors.pledge_rows(today=_today(), fund=pledge.fund)
    return next(row for row in rows if row.pledge.pk == pledge.pk)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("One pledge with what is paid and outstanding"),
        responses={200: PledgeSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class PledgeViewSet(mixins.RetrieveModelMixin, _CollectionViewSet):
    required_permissions = {
        READ: ("ledger.view_pledge",),
        "create": ("ledger.add_pledge",),
        "write_off": ("ledger.view_pledge", "ledger.write_off_pledge"),
    }
    queryset = Pledge.objects.select_related("donor", "fund")
    serializer_class = PledgeSerializer

    def retrieve(self, request, *args, **kwargs):
        return Response(PledgeSerializer(_pledge_row(self.get_object())).data)

    @extend_schema(
        summary=_("Pledges by due date, with status, paid and outstanding"),
        description=_("status=overdue gives the overdue list."),
        parameters=[PledgeQuerySerializer],
        responses={200: PledgeSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    )
    def list(self, request, *args, **kwargs):
        query = validated_query(PledgeQuerySerializer, request)
        rows = selectors.pledge_rows(
            today=_today(), status=query.get("status"), fund=query.get("fund")
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
            pledged_on=data.get("pledged_on") or _today(),
            due_date=data["due_date"],
            actor=request.user,
            note=data["note"],
        )
        return Response(
            PledgeSerializer(_pledge_row(pledge)).data,
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
        return Response(PledgeSerializer(_pledge_row(pledge)).data)


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
        row = _pledge_row(pledge)
        if row.status != PledgeStatus.OVERDUE:
            raise PledgeNotOverdue()
        today = _today()
        return _pdf(documents.pledge_reminder_pdf(row, today=today), f"reminder-{pk}.pdf")


# --------------------------------------------------------------------------------------------
# routes (included by fundapp/api_urls.py under /api/collection/, namespace "collection-api")
# --------------------------------------------------------------------------------------------
router = SimpleRouter()
router.register("donors", DonorViewSet, basename="donor")
router.register("donations", DonationViewSet, basename="donation")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("void-requests", VoidRequestViewSet, basename="void-request")
router.register("cash-deposits", CashDepositViewSet, basename="cash-deposit")
router.register("pledges", PledgeViewSet, basename="pledge")

app_name = "collection-api"
urlpatterns = [
    path("cash-held/", CashHeldView.as_view(), name="cash-held"),
    path(
        "pledges/<int:pk>/reminder.pdf",
        PledgeReminderView.as_view(),
        name="pledge-reminder-pdf",
    ),
    path("", include(router.urls)),
]
