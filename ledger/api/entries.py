"""The ledger API's journal entries: list and read them; ask for a manual entry or for the
reversal of an entry made by hand (an ``Idempotency-Key`` is required: a retry returns the first
request). Neither posts: a second person approves the request (``ledger.api.requests``)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
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
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from common.api import (
    AUTHENTICATION,
    CONCURRENT_RETRY_TEXT,
    KEY_MAX_LENGTH,
    KEY_REGEX,
    REPLAYED_HEADER,
    Pagination,
    idempotency_key,
    validated_body,
)
from common.permissions import READ, RequiredPermissions
from common.replay import was_replayed

from .. import selectors, services
from ..api_filters import EntryFilter
from ..models import EntryRequest, JournalLine
from ..serializers.entries import JournalEntryDetailSerializer, JournalEntrySerializer
from ..serializers.requests import (
    EntryRequestCreateSerializer,
    EntryRequestSerializer,
    ReversalRequestSerializer,
)
from .base import READ_ERRORS, errors

IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_REGEX,
    description=format_lazy(
        _(
            "A unique key per new request (a UUID is a good choice), up to {n} visible ASCII "
            "characters. Sending the same key with the same content again returns the first "
            "request (200); the same key with different content is refused (409 "
            "idempotency_conflict)."
        ),
        n=KEY_MAX_LENGTH,
    ),
)
IDEMPOTENCY_KEY_REQUIRED.description = format_lazy(
    "{} {}", IDEMPOTENCY_KEY_REQUIRED.description, CONCURRENT_RETRY_TEXT
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 202],
    enum=["true", "false"],
    description=_("'true' when this was a retry, answered with the request already made."),
)


def _with_lines(queryset):
    return queryset.select_related("reversed_by").prefetch_related(
        Prefetch("lines", queryset=JournalLine.objects.select_related("account", "fund"))
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Posted journal entries, newest first"),
        responses={200: JournalEntrySerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One journal entry with its lines"),
        responses={200: JournalEntryDetailSerializer, **errors(400, *READ_ERRORS, 404)},
    ),
)
class EntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions = {
        READ: ("ledger.view_journalentry", "ledger.view_journalline"),
        "create": ("ledger.add_entryrequest",),
        "reverse": ("ledger.view_journalentry", "ledger.add_entryrequest"),
    }
    # Entries nest a list of lines, which only JSON can carry.
    parser_classes = [JSONParser]
    filterset_class = EntryFilter
    pagination_class = Pagination
    lookup_field = "seq"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return _with_lines(selectors.entries())

    def filter_queryset(self, queryset):
        # EntryFilter hands back the selector's queryset; the prefetches go on again here.
        return _with_lines(super().filter_queryset(queryset))

    def get_serializer_class(self):
        return JournalEntrySerializer if self.action == "list" else JournalEntryDetailSerializer

    def _asked(self, entry_request: EntryRequest, *, replayed: bool) -> Response:
        entry_request = (
            EntryRequest.objects.select_related("made_by", "decided_by", "entry", "reverses")
            .prefetch_related("attachments", "reverses__lines")
            .get(pk=entry_request.pk)
        )
        location = reverse("ledger-api:request-detail", kwargs={"pk": entry_request.pk})
        return Response(
            EntryRequestSerializer(entry_request).data,
            status=status.HTTP_200_OK if replayed else status.HTTP_202_ACCEPTED,
            headers={REPLAYED_HEADER: "true" if replayed else "false", "Location": location},
        )

    @extend_schema(
        summary=_("Ask for a manual journal entry (posted when a second person approves it)"),
        description=_(
            "The entry is checked at once as it would be posted (balance, accounts, funds, "
            "currencies, an open period, the manual-entry ceiling) and kept as a request: it is "
            "posted only when a second person with the right approves it "
            "(POST /api/ledger/requests/{id}/approve/). A reason is required."
        ),
        parameters=[IDEMPOTENCY_KEY_REQUIRED, REPLAYED],
        request=EntryRequestCreateSerializer,
        responses={
            202: OpenApiResponse(
                EntryRequestSerializer,
                description=_("Asked: the request waits for a second person's approval."),
            ),
            200: OpenApiResponse(
                EntryRequestSerializer,
                description=_("A retry: the request first made under this Idempotency-Key."),
            ),
            **errors(400, *READ_ERRORS, 409),
        },
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(EntryRequestCreateSerializer, request)
        asked = services.entry_request_submit(
            date=data["date"],
            lines=[
                services.LineSpec(
                    account=line["account"],
                    fund=line["fund"],
                    side=line["side"],
                    amount=Money(line["amount"], line["currency"]),
                    memo=line["memo"],
                )
                for line in data["lines"]
            ],
            idempotency_key=key,
            memo=data["memo"],
            reason=data["reason"],
            actor=request.user,
        )
        return self._asked(asked, replayed=was_replayed(asked))

    @extend_schema(
        summary=_("Ask for the reversal of a journal entry (posted when a second person approves)"),
        description=_(
            "Only an entry made by hand is reversed this way. An entry made by a flow (a "
            "donation, an allocation, a deposit, an award, a payment) is refused with 409 "
            "corrected_by_flow: its message says how that flow corrects it and detail.url "
            "where (void the receipt, cancel the award, reissue the payment). A reason is "
            "required; the reversal is posted when a second person approves the request."
        ),
        parameters=[IDEMPOTENCY_KEY_REQUIRED, REPLAYED],
        request=ReversalRequestSerializer,
        responses={
            202: OpenApiResponse(
                EntryRequestSerializer,
                description=_("Asked: the request waits for a second person's approval."),
            ),
            200: OpenApiResponse(
                EntryRequestSerializer,
                description=_("A retry: the request first made under this Idempotency-Key."),
            ),
            **errors(400, *READ_ERRORS, 404, 409),
        },
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, *args, **kwargs):
        entry = self.get_object()
        key = idempotency_key(request, required=True)
        data = validated_body(ReversalRequestSerializer, request)
        asked = services.reversal_request_submit(
            entry=entry,
            date=data.get("date"),
            memo=data["memo"],
            reason=data["reason"],
            idempotency_key=key,
            actor=request.user,
        )
        return self._asked(asked, replayed=was_replayed(asked))
