"""The ledger API's journal entries: list and read them, post one (an ``Idempotency-Key`` is
required: a retry returns the first entry) and reverse one (at most once)."""

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
    KEY_MAX_LENGTH,
    KEY_REGEX,
    REPLAYED_HEADER,
    Pagination,
    idempotency_key,
    validated_body,
)
from common.permissions import READ, RequiredPermissions

from .. import selectors, services
from ..api_filters import EntryFilter
from ..models import JournalEntry, JournalLine
from ..serializers.entries import (
    EntryCreateSerializer,
    EntryReverseSerializer,
    JournalEntryDetailSerializer,
    JournalEntrySerializer,
)
from .base import READ_ERRORS, errors

API_SOURCE = "api"

IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_REGEX,
    description=format_lazy(
        _(
            "A unique key per new entry (a UUID is a good choice), up to {n} visible ASCII "
            "characters. Sending the same key with the same content again returns the first "
            "entry (200); the same key with different content is refused (409 "
            "idempotency_conflict)."
        ),
        n=KEY_MAX_LENGTH,
    ),
)
IDEMPOTENCY_KEY_OPTIONAL = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_REGEX,
    description=_(
        "Optional. Reversing is idempotent without it (an entry is reversed at most once); with "
        "it, a second reversal under a different key is refused (409 already_reversed)."
    ),
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    enum=["true", "false"],
    description=_("'true' when this was a retry, answered with the entry already posted."),
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
        "create": ("ledger.add_journalentry",),
        "reverse": ("ledger.reverse_journalentry",),
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

    def _answer(self, entry: JournalEntry, *, replayed: bool) -> Response:
        # Read back with its lines, so a first answer and a replay render the same way.
        entry = _with_lines(selectors.entries()).get(pk=entry.pk)
        body = JournalEntryDetailSerializer(entry, context=self.get_serializer_context()).data
        location = reverse("ledger-api:entry-detail", kwargs={"seq": entry.seq})
        return Response(
            body,
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
            headers={REPLAYED_HEADER: "true" if replayed else "false", "Location": location},
        )

    @extend_schema(
        summary=_("Post a journal entry"),
        parameters=[IDEMPOTENCY_KEY_REQUIRED, REPLAYED],
        request=EntryCreateSerializer,
        responses={
            201: OpenApiResponse(JournalEntryDetailSerializer, description=_("Posted.")),
            200: OpenApiResponse(
                JournalEntryDetailSerializer,
                description=_("A retry: the entry first posted under this Idempotency-Key."),
            ),
            **errors(400, *READ_ERRORS, 409),
        },
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(EntryCreateSerializer, request)
        # Only tells 200 from 201: the service alone decides retry vs conflict, under its lock.
        replayed = JournalEntry.objects.filter(idempotency_key=key).exists()
        entry = services.journal_post(
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
            source=API_SOURCE,
            actor=request.user,
        )
        return self._answer(entry, replayed=replayed)

    @extend_schema(
        summary=_("Reverse a journal entry"),
        description=_(
            "Posts the mirror image of the entry, pointing to it. An entry is reversed at most "
            "once: asking again returns the same reversal with 200."
        ),
        parameters=[IDEMPOTENCY_KEY_OPTIONAL, REPLAYED],
        request=EntryReverseSerializer,
        responses={
            201: OpenApiResponse(JournalEntryDetailSerializer, description=_("Reversed.")),
            200: OpenApiResponse(
                JournalEntryDetailSerializer,
                description=_("The entry was already reversed: its reversal."),
            ),
            **errors(400, *READ_ERRORS, 404, 409),
        },
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, *args, **kwargs):
        entry = self.get_object()
        data = validated_body(EntryReverseSerializer, request)
        key = idempotency_key(request, required=False)
        replayed = JournalEntry.objects.filter(reverses=entry).exists()
        reversal = services.journal_reverse(
            entry=entry,
            actor=request.user,
            date=data.get("date"),
            memo=data["memo"],
            idempotency_key=key,
        )
        return self._answer(reversal, replayed=replayed)
